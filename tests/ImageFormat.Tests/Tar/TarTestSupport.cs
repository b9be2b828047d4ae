using System.Diagnostics;
using System.Security.Cryptography;
using ImageFormat.Tar;
using Xunit;

namespace ImageFormat.Tests.Tar;

/// <summary>Runs GNU tar and other tools in a private temporary directory, removed on dispose.</summary>
internal sealed class ToolSandbox : IDisposable
{
    public ToolSandbox()
    {
        Root = Directory.CreateTempSubdirectory("imagefmt-tar-").FullName;
    }

    public string Root { get; }

    public string PathOf(string relative) => Path.Combine(Root, relative);

    public static string? FindTool(string name)
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':'))
        {
            string candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Skips the test unless GNU tar is installed.</summary>
    public static void RequireGnuTar()
    {
        string? tar = FindTool("tar");
        if (tar is null || !Run(tar, ["--version"], "/").StdOut.Contains("GNU tar", StringComparison.Ordinal))
        {
            Assert.Skip("GNU tar not found");
        }
    }

    public static (int Code, string StdOut, string StdErr) Run(string file, IEnumerable<string> args, string cwd)
    {
        var psi = new ProcessStartInfo(file)
        {
            WorkingDirectory = cwd,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["LC_ALL"] = "C";
        psi.Environment["TZ"] = "UTC";
        using Process p = Process.Start(psi)!;
        Task<string> err = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output, err.Result);
    }

    /// <summary>Runs a command in the sandbox and returns its standard output; fails the test when it fails.</summary>
    public string Sh(string command)
    {
        (int code, string stdout, string stderr) = Run("/bin/sh", ["-c", command], Root);
        if (code != 0)
        {
            throw new InvalidOperationException($"`{command}` exited with {code}: {stderr}");
        }

        return stdout;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp directory must not fail a test.
        }
    }
}

/// <summary>Reads whole archives into (header, content digest) pairs for assertions.</summary>
internal static class TarTestRead
{
    public static List<(TarEntryHeader Header, string Sha256)> ReadAll(Stream stream, ImageFormatLimits? limits = null)
    {
        var result = new List<(TarEntryHeader, string)>();
        using var reader = new TarEntryReader(stream, leaveOpen: true, limits);
        while (reader.GetNextEntry() is { } entry)
        {
            using Stream data = reader.OpenEntryData();
            result.Add((entry, Convert.ToHexStringLower(SHA256.HashData(data))));
        }

        return result;
    }

    public static List<(TarEntryHeader Header, string Sha256)> ReadFile(string path, bool seekable = true)
    {
        using FileStream file = File.OpenRead(path);
        return seekable ? ReadAll(file) : ReadAll(new NonSeekableStream(file));
    }

    public static string Sha256Hex(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));
}

/// <summary>Hides seeking, as a pipe or a decompressor would.</summary>
internal sealed class NonSeekableStream(Stream inner) : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
