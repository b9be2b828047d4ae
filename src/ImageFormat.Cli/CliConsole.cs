using ImageFormat.Errors;

namespace ImageFormat.Cli;

/// <summary>The standard streams a command writes to, and the one place errors are turned into exit codes.</summary>
/// <param name="In">Standard input as text.</param>
/// <param name="Out">Standard output.</param>
/// <param name="Error">Standard error.</param>
/// <param name="BinaryOut">Standard output for raw bytes; <see langword="null"/> opens the process's standard output.</param>
public sealed record CliConsole(TextReader In, TextWriter Out, TextWriter Error, Stream? BinaryOut = null)
{
    /// <summary>
    /// Standard output for raw bytes (documents printed exactly as stored). Flush <see cref="Out"/> first.
    /// The returned stream does not close the underlying one.
    /// </summary>
    /// <returns>A stream to write bytes to; dispose it.</returns>
    public Stream OpenBinaryOutput() => BinaryOut is null ? Console.OpenStandardOutput() : new NonClosingStream(BinaryOut);

    private sealed class NonClosingStream(Stream inner) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

        public override void Write(ReadOnlySpan<byte> buffer) => inner.Write(buffer);
    }

    /// <summary>Opens a path for reading, or standard input for <c>-</c>.</summary>
    /// <param name="path">A file path or <c>-</c>.</param>
    /// <returns>A readable stream.</returns>
    public static Stream OpenInput(string path) =>
        path == "-" ? Console.OpenStandardInput() : new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);

    /// <summary>
    /// Whether raw bytes would go to a terminal: no <see cref="BinaryOut"/> was given and the process's standard
    /// output is not redirected. Commands that write an archive to standard output refuse then, as <c>docker save</c> does.
    /// </summary>
    public bool IsTerminalOutput => BinaryOut is null && !Console.IsOutputRedirected;

    /// <summary>Exit code of a command that succeeded.</summary>
    public const int ExitSuccess = 0;

    /// <summary>
    /// Exit code of a failure of no other class (an I/O error, a registry that refuses or cannot be reached), and of
    /// every failure of a command that mirrors Docker (<c>load</c>, <c>save</c>, <c>rmi</c>…): Docker exits 1.
    /// </summary>
    public const int ExitFailure = 1;

    /// <summary>Exit code of a command line that is not valid (unknown option, bad <c>--limit</c>, conflicting options).</summary>
    public const int ExitUsage = 2;

    /// <summary>Exit code when something the command line names is not there: a file, a directory, an image or tag, a blob.</summary>
    public const int ExitNotFound = 3;

    /// <summary>Exit code of input that is invalid, hostile or past a limit (any other typed error of the library).</summary>
    public const int ExitBadData = 4;

    /// <summary>Exit code when content does not match its digest or size, or <c>archive verify</c> found an error.</summary>
    public const int ExitVerificationFailed = 5;

    /// <summary>Exit code of an unexpected failure (a bug), reported in one line instead of a stack trace.</summary>
    public const int ExitInternal = 70;

    /// <summary>
    /// Runs a command body, turning every failure into one <c>Error: IMGFMTnnnn: ...</c> line on standard error
    /// and its exit code (see <see cref="Describe"/>).
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
        catch (Exception e)
        {
            (string line, int exit) = Describe(e);
            Error.WriteLine(line);
            return exit;
        }
    }

    /// <summary>Prints <c>Error: CODE: message</c> for a failure the CLI itself detects, and returns the exit code.</summary>
    /// <param name="code">A code from <see cref="ErrorCodes"/>.</param>
    /// <param name="message">What is wrong.</param>
    /// <param name="exit">The exit code.</param>
    /// <returns><paramref name="exit"/>.</returns>
    public int Fail(string code, string message, int exit = ExitFailure)
    {
        Error.WriteLine($"Error: {code}: {message}");
        return exit;
    }

    /// <summary>
    /// The one line and exit code for a failure. A content mismatch exits <see cref="ExitVerificationFailed"/>; a
    /// missing input (<see cref="NotFoundException"/>, a missing file or directory, a registry's "not found")
    /// <see cref="ExitNotFound"/>; any other typed error of the library carries its own code and exits
    /// <see cref="ExitBadData"/>, except a registry's, which exits <see cref="ExitFailure"/>; other I/O failures are
    /// <see cref="ErrorCodes.IoFailure"/> (<see cref="ExitFailure"/>); invalid arguments
    /// <see cref="ErrorCodes.InvalidArgument"/> (<see cref="ExitUsage"/>); anything else is a bug,
    /// <see cref="ErrorCodes.InternalError"/> (<see cref="ExitInternal"/>). Never a stack trace.
    /// </summary>
    /// <param name="e">The failure.</param>
    /// <returns>The line to print and the exit code.</returns>
    public static (string Line, int Exit) Describe(Exception e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return e switch
        {
            ImageFormatException f => ($"Error: {f.Code}: {OneLine(f.Message)}", ExitCodeOf(f)),
            FileNotFoundException or DirectoryNotFoundException => ($"Error: {ErrorCodes.IoFailure}: {OneLine(e.Message)}", ExitNotFound),
            IOException or UnauthorizedAccessException => ($"Error: {ErrorCodes.IoFailure}: {OneLine(e.Message)}", ExitFailure),
            ArgumentException or NotSupportedException => ($"Error: {ErrorCodes.InvalidArgument}: {OneLine(e.Message)}", ExitUsage),
            _ => ($"Error: {ErrorCodes.InternalError}: internal error ({e.GetType().Name}): {OneLine(e.Message)}", ExitInternal),
        };
    }

    private static int ExitCodeOf(ImageFormatException e) => e switch
    {
        Digests.ContentMismatchException => ExitVerificationFailed,
        NotFoundException => ExitNotFound,
        _ when e.Code == ErrorCodes.NotFound => ExitNotFound,
        Registry.RegistryException r => r.Code == ErrorCodes.RegistryNotFound ? ExitNotFound : ExitFailure,
        _ when e.Code == ErrorCodes.DigestMismatch || e.Code == ErrorCodes.SizeMismatch => ExitVerificationFailed,
        _ => ExitBadData,
    };

    // Messages quote input (entry names, tags); a line break in one must not start a line of its own.
    private static string OneLine(string message) => message.ReplaceLineEndings(" ");
}
