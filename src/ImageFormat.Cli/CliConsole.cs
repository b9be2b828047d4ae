using ImageFormat.Errors;

namespace ImageFormat.Cli;

/// <summary>The standard streams a command writes to, and the one place errors are turned into exit codes.</summary>
/// <param name="In">Standard input as text.</param>
/// <param name="Out">Standard output.</param>
/// <param name="Error">Standard error.</param>
public sealed record CliConsole(TextReader In, TextWriter Out, TextWriter Error)
{
    /// <summary>Opens a path for reading, or standard input for <c>-</c>.</summary>
    /// <param name="path">A file path or <c>-</c>.</param>
    /// <returns>A readable stream.</returns>
    public static Stream OpenInput(string path) =>
        path == "-" ? Console.OpenStandardInput() : new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);

    /// <summary>
    /// Runs a command body, turning the library's typed errors and I/O failures into <c>Error: ...</c> on
    /// standard error and exit code 1.
    /// </summary>
    /// <param name="body">The command.</param>
    /// <returns>The exit code.</returns>
    public int Guard(Func<int> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        try
        {
            return body();
        }
        catch (ImageFormatException e)
        {
            Error.WriteLine($"Error: {e.Message}");
            return 1;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Error.WriteLine($"Error: {e.Message}");
            return 1;
        }
    }
}
