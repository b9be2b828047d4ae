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
