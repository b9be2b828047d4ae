using ImageFormat.Tests.TestSupport;

namespace ImageFormat.Tests.Compression;

/// <summary>Produces test inputs with the real compressors, reading standard input as a pipe would.</summary>
internal static class CompressionCli
{
    /// <summary>Runs <c>tool args</c> with <paramref name="input"/> on stdin and returns its stdout.</summary>
    public static byte[] Run(string tool, IEnumerable<string> args, byte[] input)
    {
        string path = Peers.RequireTool(tool);
        using var temp = new TempDirectory();
        string inFile = temp.WriteFile("in", input);
        string outFile = temp.Combine("out");
        ProcessRunner.RunToFile(path, args, outFile, inFile).EnsureSuccess($"{tool} {string.Join(' ', args)}");
        return File.ReadAllBytes(outFile);
    }

    public static byte[] Gzip(byte[] input) => Run("gzip", ["-c", "-n"], input);

    public static byte[] Bzip2(byte[] input) => Run("bzip2", ["-c"], input);

    public static byte[] Xz(byte[] input) => Run("xz", ["-c"], input);

    public static byte[] Zstd(byte[] input) => Run("zstd", ["-q", "-c"], input);

    /// <summary>A deterministic mixture of compressible text and incompressible bytes, about 300 KB.</summary>
    public static byte[] Payload()
    {
        var random = new Random(20261127);
        using var stream = new MemoryStream();
        for (int i = 0; i < 60; i++)
        {
            stream.Write(System.Text.Encoding.ASCII.GetBytes($"line {i}: the quick brown fox jumps over the lazy dog\n"));
            byte[] noise = new byte[5000];
            random.NextBytes(noise);
            stream.Write(noise);
        }

        return stream.ToArray();
    }
}

/// <summary>A read-only stream that cannot seek, like standard input or a pipe.</summary>
internal sealed class PipeStream(byte[] data, int maxChunk = int.MaxValue) : Stream
{
    private int _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int count = Math.Min(Math.Min(buffer.Length, maxChunk), data.Length - _position);
        data.AsSpan(_position, count).CopyTo(buffer);
        _position += count;
        return count;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
