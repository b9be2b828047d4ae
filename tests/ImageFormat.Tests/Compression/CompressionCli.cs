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
