using Xunit;

namespace ImageFormat.Tests.TestSupport;

/// <summary>
/// Finds the real tools interop tests compare against, and skips a test with instructions when one is missing.
/// Docker comes from <c>IMAGEFMT_DOCKER</c> and <c>DOCKER_HOST</c> in the environment, else from
/// <c>&lt;repo&gt;/.ci/peers.env</c> (written by <c>.ci/peers.sh</c>); the other tools from <c>PATH</c>.
/// </summary>
public static class Peers
{
    private const string PeersHint = "run `bash .ci/peers.sh` (needs root) to install the peers and start the private engine";

    private static readonly Lazy<(DockerCli? Cli, string Problem)> s_docker = new(ProbeDocker);
    private static readonly Lazy<string?> s_gnuTar = new(ProbeGnuTar);

    /// <summary>The Docker CLI bound to a 20.10 engine that answers, or a skip naming the problem.</summary>
    public static DockerCli RequireDocker()
    {
        (DockerCli? cli, string problem) = s_docker.Value;
        if (cli is null)
        {
            Assert.Skip($"Docker 20.10 engine not available: {PeersHint}. ({problem})");
        }

        return cli;
    }

    /// <summary>The path of <c>skopeo</c>, or a skip.</summary>
    public static string RequireSkopeo() => RequireTool("skopeo");

    /// <summary>The path of <c>umoci</c>, or a skip.</summary>
    public static string RequireUmoci() => RequireTool("umoci");

    /// <summary>The path of GNU tar (not bsdtar or busybox), or a skip.</summary>
    public static string RequireGnuTar()
    {
        string? tar = s_gnuTar.Value;
        if (tar is null)
        {
            Assert.Skip($"GNU tar not found on PATH: {PeersHint}");
        }

        return tar;
    }

    /// <summary>The path of a tool on <c>PATH</c> (gzip, bzip2, xz, zstd, ...), or a skip.</summary>
    public static string RequireTool(string name)
    {
        string? path = FindOnPath(name);
        if (path is null)
        {
            Assert.Skip($"`{name}` not found on PATH: install it ({PeersHint})");
        }

        return path;
    }

    /// <summary>The full path of an executable named <paramref name="name"/> on <c>PATH</c>, if any.</summary>
    public static string? FindOnPath(string name)
    {
        string? pathVariable = Environment.GetEnvironmentVariable("PATH");
        if (string.IsNullOrEmpty(pathVariable))
        {
            return null;
        }

        foreach (string dir in pathVariable.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, name);
            if (File.Exists(candidate) && (OperatingSystem.IsWindows() || (File.GetUnixFileMode(candidate) & UnixFileMode.UserExecute) != 0))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Parses <c>KEY=VALUE</c> lines; blank lines and <c>#</c> comments are ignored.</summary>
    public static IReadOnlyDictionary<string, string> ParseEnvFile(IEnumerable<string> lines)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string raw in lines)
        {
            string line = raw.Trim();
            int equals = line.IndexOf('=', StringComparison.Ordinal);
            if (line.Length == 0 || line.StartsWith('#') || equals <= 0)
            {
                continue;
            }

            values[line[..equals].Trim()] = line[(equals + 1)..].Trim();
        }

        return values;
    }

    private static (DockerCli? Cli, string Problem) ProbeDocker()
    {
        string? docker = Environment.GetEnvironmentVariable("IMAGEFMT_DOCKER");
        string? host = Environment.GetEnvironmentVariable("DOCKER_HOST");
        string source = "environment";
        if (string.IsNullOrEmpty(docker) || string.IsNullOrEmpty(host))
        {
            string envFile = Path.Combine(RepoPaths.Root, ".ci", "peers.env");
            if (!File.Exists(envFile))
            {
                return (null, $"neither IMAGEFMT_DOCKER and DOCKER_HOST are set nor {envFile} exists");
            }

            IReadOnlyDictionary<string, string> values = ParseEnvFile(File.ReadAllLines(envFile));
            if (!values.TryGetValue("IMAGEFMT_DOCKER", out docker) || !values.TryGetValue("DOCKER_HOST", out host))
            {
                return (null, $"{envFile} does not name IMAGEFMT_DOCKER and DOCKER_HOST (peers.sh was not run as root?)");
            }

            source = envFile;
        }

        if (!File.Exists(docker))
        {
            return (null, $"{docker} (from {source}) does not exist");
        }

        var cli = new DockerCli(docker, host);
        ProcessResult version = cli.Run(["version", "--format", "{{.Server.Version}}"], timeout: TimeSpan.FromSeconds(30));
        string serverVersion = version.StdOut.Trim();
        if (version.ExitCode != 0)
        {
            return (null, $"`docker version` against {host} failed: {version.StdErr.Trim()}");
        }

        if (!serverVersion.StartsWith("20.10", StringComparison.Ordinal))
        {
            return (null, $"the engine at {host} is {serverVersion}, not 20.10");
        }

        return (cli with { ServerVersion = serverVersion }, string.Empty);
    }

    private static string? ProbeGnuTar()
    {
        string? tar = FindOnPath("tar");
        if (tar is null)
        {
            return null;
        }

        ProcessResult version = ProcessRunner.Run(tar, ["--version"], timeout: TimeSpan.FromSeconds(30));
        return version.ExitCode == 0 && version.StdOut.Contains("GNU tar", StringComparison.Ordinal) ? tar : null;
    }
}

/// <summary>The Docker CLI bound to one engine (through <c>DOCKER_HOST</c>).</summary>
/// <param name="Executable">The client binary.</param>
/// <param name="DockerHost">The engine's address, such as <c>unix:///tmp/imagefmt-peers/docker.sock</c>.</param>
public sealed record DockerCli(string Executable, string DockerHost)
{
    /// <summary>The engine's version, as <c>docker version</c> reported it.</summary>
    public string ServerVersion { get; init; } = string.Empty;

    /// <summary>Runs <c>docker</c> with <paramref name="args"/> against this engine.</summary>
    public ProcessResult Run(IEnumerable<string> args, string? stdin = null, TimeSpan? timeout = null) =>
        ProcessRunner.Run(Executable, args, stdin, Environment(), timeout);

    /// <summary>Runs <c>docker</c> and fails the test unless it exits with 0.</summary>
    public ProcessResult RunChecked(params string[] args) => Run(args).EnsureSuccess($"docker {string.Join(' ', args)}");

    /// <summary>Runs <c>docker</c> with its standard output written byte for byte to a file (<c>docker save</c>).</summary>
    public ProcessResult RunToFile(IEnumerable<string> args, string stdoutPath, string? stdinPath = null, TimeSpan? timeout = null) =>
        ProcessRunner.RunToFile(Executable, args, stdoutPath, stdinPath, Environment(), timeout);

    private Dictionary<string, string> Environment() => new(StringComparer.Ordinal) { ["DOCKER_HOST"] = DockerHost };
}
