using System.Diagnostics;
using Xunit;

namespace ImageFormat.Tests.TestSupport;

/// <summary>What a finished process reported.</summary>
/// <param name="ExitCode">The exit code.</param>
/// <param name="StdOut">Standard output as UTF-8 text (empty when it was sent to a file).</param>
/// <param name="StdErr">Standard error as UTF-8 text.</param>
public sealed record ProcessResult(int ExitCode, string StdOut, string StdErr)
{
    /// <summary>Fails the test, quoting the output, unless the exit code is 0.</summary>
    public ProcessResult EnsureSuccess(string what)
    {
        if (ExitCode != 0)
        {
            Assert.Fail($"{what} exited with {ExitCode}\nstdout: {StdOut}\nstderr: {StdErr}");
        }

        return this;
    }
}

/// <summary>Runs real tools for interop tests, never hanging: a timeout kills the whole process tree.</summary>
public static class ProcessRunner
{
    /// <summary>The timeout used when none is given.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(2);

    /// <summary>Runs <paramref name="file"/> and captures its output as text.</summary>
    public static ProcessResult Run(
        string file,
        IEnumerable<string> args,
        string? stdin = null,
        IDictionary<string, string>? env = null,
        TimeSpan? timeout = null,
        string? workingDirectory = null)
    {
        using var stdout = new MemoryStream();
        (int exit, string stderr) = RunCore(file, args, stdin is null ? null : w => w.Write(stdin), stdout, env, timeout, workingDirectory);
        return new ProcessResult(exit, System.Text.Encoding.UTF8.GetString(stdout.ToArray()), stderr);
    }

    /// <summary>
    /// Runs <paramref name="file"/> with its standard output written byte for byte to
    /// <paramref name="stdoutPath"/> (for compressors, tar and <c>docker save</c>), and optionally with the bytes
    /// of <paramref name="stdinPath"/> as standard input.
    /// </summary>
    public static ProcessResult RunToFile(
        string file,
        IEnumerable<string> args,
        string stdoutPath,
        string? stdinPath = null,
        IDictionary<string, string>? env = null,
        TimeSpan? timeout = null,
        string? workingDirectory = null)
    {
        using (var stdout = File.Create(stdoutPath))
        {
            Action<StreamWriter>? feed = stdinPath is null ? null : w =>
            {
                using var input = File.OpenRead(stdinPath);
                input.CopyTo(w.BaseStream);
            };
            (int exit, string stderr) = RunCore(file, args, feed, stdout, env, timeout, workingDirectory);
            return new ProcessResult(exit, string.Empty, stderr);
        }
    }

    private static (int ExitCode, string StdErr) RunCore(
        string file,
        IEnumerable<string> args,
        Action<StreamWriter>? stdin,
        Stream stdout,
        IDictionary<string, string>? env,
        TimeSpan? timeout,
        string? workingDirectory)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? string.Empty,
        };
        List<string> argList = [.. args];
        foreach (string arg in argList)
        {
            info.ArgumentList.Add(arg);
        }

        if (env is not null)
        {
            foreach ((string key, string value) in env)
            {
                info.Environment[key] = value;
            }
        }

        string command = string.Join(' ', [file, .. argList]);
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {command}");
        Task copyOut = process.StandardOutput.BaseStream.CopyToAsync(stdout);
        Task<string> readErr = process.StandardError.ReadToEndAsync();
        Task feed = Task.Run(() =>
        {
            try
            {
                stdin?.Invoke(process.StandardInput);
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // The process exited without reading all its input; its exit code tells the story.
            }
        });

        TimeSpan limit = timeout ?? DefaultTimeout;
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            Assert.Fail($"`{command}` timed out after {limit.TotalSeconds:0.###} s and was killed with its children");
        }

        // The parameterless wait also waits for the redirected streams to reach their end.
        process.WaitForExit();
        Task.WaitAll(copyOut, readErr, feed);
        return (process.ExitCode, readErr.Result);
    }
}
