using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using FluentAssertions;
using ImageFormat.Archives;
using ImageFormat.Tests.TestSupport;
using Xunit;

namespace ImageFormat.Tests.Build;

/// <summary>
/// Packs ImageFormat.Build into a local feed, makes a real base with <c>docker import</c> of the host's .NET runtime
/// and the glibc files it needs, and publishes samples/ContainerApp exactly as a user would: a PackageReference
/// restored from the feed, <c>dotnet publish -p:ContainerBaseImage=…</c>. Docker 20.10 loads and runs the result.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
[Collection("dotnet pack")]
public sealed class BuildTaskEndToEndTests : IClassFixture<BuildTaskEndToEndTests.PackagesAndBase>
{
    private readonly PackagesAndBase _shared;

    public BuildTaskEndToEndTests(PackagesAndBase shared) => _shared = shared;

    [Fact]
    public void Publish_builds_an_image_docker_runs_reproducibly_and_incrementally()
    {
        DockerCli docker = Peers.RequireDocker();
        string baseArchive = _shared.BaseArchive(docker);
        string one = _shared.CopySample("one");
        string two = _shared.CopySample(Path.Combine("two", "elsewhere"));

        // First publish: SOURCE_DATE_EPOCH unset, a time zone far east.
        DotnetResult first = _shared.Publish(one, baseArchive, tz: "Pacific/Kiritimati", sourceDateEpoch: null);
        first.EnsureSuccess("first publish");
        first.Output.Should().Contain("Built image sha256:");
        string archive = Path.Combine(one, "out", "app.tar");
        string id = ImageIdOf(archive);

        // Another folder, another process, another time zone, SOURCE_DATE_EPOCH set to the documented default: the same image.
        DotnetResult second = _shared.Publish(two, baseArchive, tz: "America/Los_Angeles", sourceDateEpoch: "0");
        second.EnsureSuccess("second publish");
        ImageIdOf(Path.Combine(two, "out", "app.tar")).Should().Be(id);
        File.ReadAllBytes(Path.Combine(two, "out", "app.tar")).Should().Equal(File.ReadAllBytes(archive), "the whole archive is reproducible, not only the image ID");

        // Nothing changed: the image target is skipped and the archive is not rewritten.
        DateTime written = File.GetLastWriteTimeUtc(archive);
        DotnetResult third = _shared.Publish(one, baseArchive, tz: "UTC", sourceDateEpoch: null, "-v:n");
        third.EnsureSuccess("no-change publish");
        third.Output.Should().Contain("Skipping target \"ImageFormatContainerImage\" because all output files are up-to-date");
        third.Output.Should().NotContain("Built image");
        File.GetLastWriteTimeUtc(archive).Should().Be(written);

        // Docker 20.10 loads and runs it; the image carries what the project asked for.
        docker.Run(["rmi", "-f", "containerapp:1.0"]);
        docker.RunChecked("load", "-i", archive).StdOut.Trim().Should().Be("Loaded image: containerapp:1.0");
        try
        {
            docker.RunChecked("image", "inspect", "--format", "{{.Id}}", "containerapp:1.0").StdOut.Trim().Should().Be(id);
            docker.RunChecked("run", "--rm", "containerapp:1.0").StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().Equal(
                "args: --from-entrypoint default-arg",
                "GREETING: hello from ImageFormat.Build",
                "cwd: /app",
                "uid: 1000");
            docker.RunChecked("run", "--rm", "containerapp:1.0", "given").StdOut.Should().StartWith("args: --from-entrypoint given\n");

            using JsonDocument config = JsonDocument.Parse(docker.RunChecked("image", "inspect", "--format", "{{json .Config}}", "containerapp:1.0").StdOut);
            JsonElement c = config.RootElement;
            Strings(c.GetProperty("Env")).Should().Equal("GREETING=hello from ImageFormat.Build", "DOTNET_ROOT=/usr/share/dotnet");
            c.GetProperty("Labels").EnumerateObject().Select(p => $"{p.Name}={p.Value.GetString()}").Should().Equal("com.example.team=images", "org.opencontainers.image.title=ContainerApp");
            c.GetProperty("ExposedPorts").EnumerateObject().Select(p => p.Name).Should().Equal("5353/udp", "8080/tcp");
            c.GetProperty("User").GetString().Should().Be("1000:1000");
            c.GetProperty("WorkingDir").GetString().Should().Be("/app/");
            Strings(c.GetProperty("Entrypoint")).Should().Equal("/app/ContainerApp", "--from-entrypoint");
            Strings(c.GetProperty("Cmd")).Should().Equal("default-arg");
            docker.RunChecked("image", "inspect", "--format", "{{.Created}} {{len .RootFS.Layers}}", "containerapp:1.0").StdOut.Trim().Should().Be("1970-01-01T00:00:00Z 2");
        }
        finally
        {
            docker.Run(["rmi", "containerapp:1.0"]);
        }
    }

    [Fact]
    public void Bad_input_gives_an_msbuild_error_with_a_code_and_no_stack_trace()
    {
        DockerCli docker = Peers.RequireDocker();
        string baseArchive = _shared.BaseArchive(docker);
        string project = _shared.CopySample("bad");

        DotnetResult missing = _shared.Publish(project, Path.Combine(project, "no-such-base.tar"), tz: "UTC", sourceDateEpoch: null);
        DotnetResult platform = _shared.Publish(project, baseArchive, tz: "UTC", sourceDateEpoch: null, "-p:ContainerRuntimeIdentifier=linux-arm64");
        DotnetResult tag = _shared.Publish(project, baseArchive, tz: "UTC", sourceDateEpoch: null, "-p:ContainerImageTag=-bad");

        foreach ((DotnetResult result, string code, string message) in new[]
        {
            (missing, "IMGFMT0400", "no-such-base.tar' does not exist: give the path of an image archive"),
            (platform, "IMGFMT0402", "has no image for linux/arm64 (it holds linux/amd64)"),
            (tag, "IMGFMT0403", "ContainerImageTag '-bad' is not a valid tag"),
        })
        {
            result.ExitCode.Should().NotBe(0);
            result.Output.Should().Contain($"error {code}: ").And.Contain(message);
            result.Output.Should().NotContain("   at ", "a failure is one error line, never a stack trace");
        }

        File.Exists(Path.Combine(project, "out", "app.tar")).Should().BeFalse();
    }

    private static string ImageIdOf(string archive)
    {
        using ImageArchive image = ImageArchive.OpenFile(archive);
        return image.Images.Should().ContainSingle().Subject.Id.ToString();
    }

    private static IEnumerable<string?> Strings(JsonElement array) => array.EnumerateArray().Select(e => e.GetString());

    /// <summary>What one <c>dotnet</c> run printed (standard output and error together) and its exit code.</summary>
    public sealed record DotnetResult(int ExitCode, string Output)
    {
        public void EnsureSuccess(string what)
        {
            if (ExitCode != 0)
            {
                Assert.Fail($"{what} exited with {ExitCode}:\n{Output}");
            }
        }
    }

    /// <summary>The local feed with the packed packages and the base archive, made once for the class and deleted after.</summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public sealed class PackagesAndBase : IDisposable
    {
        private readonly TempDirectory _temp = new();
        private readonly Lock _lock = new();
        private string? _feed;
        private string? _base;

        public void Dispose() => _temp.Dispose();

        /// <summary>The feed folder, packing ImageFormat and ImageFormat.Build from this build's binaries (once).</summary>
        public string Feed()
        {
            lock (_lock)
            {
                if (_feed is not null)
                {
                    return _feed;
                }

                string feed = _temp.Combine("feed");
                string configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
                foreach (string project in new[] { "src/ImageFormat/ImageFormat.csproj", "src/ImageFormat.Build/ImageFormat.Build.csproj" })
                {
                    Dotnet(RepoPaths.Root, null, "pack", Path.Combine(RepoPaths.Root, project), "-c", configuration, "--no-build", "-o", feed, "-nodeReuse:false")
                        .EnsureSuccess($"dotnet pack {project}");
                }

                return _feed = feed;
            }
        }

        /// <summary>A base archive written by <c>docker save</c> of a <c>docker import</c>ed root holding the host's .NET runtime and the glibc files it loads.</summary>
        public string BaseArchive(DockerCli docker)
        {
            if (RuntimeInformation.OSArchitecture != System.Runtime.InteropServices.Architecture.X64 || !OperatingSystem.IsLinux())
            {
                Assert.Skip("The sample publishes for linux-x64 and its base is made from this host's files: needs Linux on x64.");
            }

            string tar = Peers.RequireGnuTar();
            string ldd = Peers.RequireTool("ldd");
            lock (_lock)
            {
                if (_base is not null)
                {
                    return _base;
                }

                string dotnetRoot = DotnetRoot();
                string root = _temp.Combine("rootfs");
                string runtime = Directory.GetDirectories(Path.Combine(dotnetRoot, "shared", "Microsoft.NETCore.App")).Order(StringComparer.Ordinal).Last();
                CopyTree(Path.Combine(dotnetRoot, "host"), Path.Combine(root, "usr/share/dotnet/host"));
                CopyTree(runtime, Path.Combine(root, "usr/share/dotnet/shared/Microsoft.NETCore.App", Path.GetFileName(runtime)));
                Directory.CreateDirectory(Path.Combine(root, "tmp"));
                File.SetUnixFileMode(Path.Combine(root, "tmp"), (UnixFileMode)0x3FF | UnixFileMode.StickyBit);

                // Every shared library the app host, hostfxr and the runtime load, at the path the loader looks for it.
                var libraries = new SortedSet<string>(StringComparer.Ordinal);
                IEnumerable<string> binaries = Directory.EnumerateFiles(Path.Combine(root, "usr/share/dotnet"), "*.so", SearchOption.AllDirectories)
                    .Concat(Directory.EnumerateFiles(Path.Combine(dotnetRoot, "packs"), "apphost", SearchOption.AllDirectories));
                foreach (string binary in binaries)
                {
                    ProcessResult linked = ProcessRunner.Run(ldd, [binary]);
                    foreach (string word in linked.StdOut.Split([' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries))
                    {
                        if (word.StartsWith('/') && !word.StartsWith(root, StringComparison.Ordinal) && File.Exists(word))
                        {
                            libraries.Add(word);
                        }
                    }
                }

                libraries.Should().Contain(l => l.Contains("libc.so", StringComparison.Ordinal), "ldd lists glibc for the runtime");
                foreach (string library in libraries)
                {
                    string target = root + library;
                    Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                    File.Copy(library, target, overwrite: true); // follows links: the loader finds the file under the name it asked for
                }

                string rootTar = _temp.Combine("rootfs.tar");
                ProcessRunner.Run(tar, ["-C", root, "--owner=0", "--group=0", "--numeric-owner", "-cf", rootTar, "."]).EnsureSuccess("tar of the base root");
                string tag = $"imageformat-build-base:{Guid.NewGuid():N}";
                docker.RunChecked("import", rootTar, tag);
                string archive = _temp.Combine("base.tar");
                docker.RunToFile(["save", tag], archive).EnsureSuccess("docker save of the base");
                docker.Run(["rmi", tag]);
                return _base = archive;
            }
        }

        /// <summary>Copies samples/ContainerApp (without bin and obj) into a new folder with a nuget.config naming only the feed.</summary>
        public string CopySample(string name)
        {
            string feed = Feed();
            string project = _temp.Combine("projects", name, "ContainerApp");
            string sample = Path.Combine(RepoPaths.Samples, "ContainerApp");
            foreach (string file in Directory.EnumerateFiles(sample))
            {
                Directory.CreateDirectory(project);
                File.Copy(file, Path.Combine(project, Path.GetFileName(file)));
            }

            File.WriteAllText(Path.Combine(project, "nuget.config"), $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <packageSources>
                    <clear />
                    <add key="feed" value="{feed}" />
                  </packageSources>
                </configuration>
                """);
            return project;
        }

        /// <summary>Publishes the sample with the task, offline, its packages in a folder of this test run.</summary>
        public DotnetResult Publish(string project, string baseImage, string tz, string? sourceDateEpoch, params string[] extra)
        {
            var env = new Dictionary<string, string?>(StringComparer.Ordinal)
            {
                ["NUGET_PACKAGES"] = _temp.Combine("packages"),
                ["TZ"] = tz,
                ["SOURCE_DATE_EPOCH"] = sourceDateEpoch,
            };
            return Dotnet(project, env, ["publish", "-c", "Release", "-nodeReuse:false", $"-p:ContainerBaseImage={baseImage}", "-p:ContainerImageTag=1.0", "-p:ContainerArchiveOutputPath=out/app.tar", .. extra]);
        }

        private static string DotnetRoot()
        {
            string? fromEnvironment = Environment.GetEnvironmentVariable("DOTNET_ROOT");
            if (!string.IsNullOrEmpty(fromEnvironment) && Directory.Exists(Path.Combine(fromEnvironment, "shared")))
            {
                return fromEnvironment;
            }

            string dotnet = Peers.FindOnPath("dotnet") ?? throw new InvalidOperationException("dotnet is not on PATH");
            return Path.GetDirectoryName(new FileInfo(dotnet).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? dotnet)!;
        }

        private static void CopyTree(string from, string to)
        {
            foreach (string directory in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
            {
                Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, directory)));
            }

            Directory.CreateDirectory(to);
            foreach (string file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
            {
                string target = Path.Combine(to, Path.GetRelativePath(from, file));
                File.Copy(file, target);
                File.SetUnixFileMode(target, File.GetUnixFileMode(file));
            }
        }

        internal static DotnetResult Dotnet(string workingDirectory, Dictionary<string, string?>? env, params string[] args)
        {
            var info = new ProcessStartInfo("dotnet")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = workingDirectory,
            };
            foreach (string arg in args)
            {
                info.ArgumentList.Add(arg);
            }

            // A child build must not inherit the test host's MSBuild settings.
            foreach (string key in info.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || k is "DOTNET_HOST_PATH").ToList())
            {
                info.Environment.Remove(key);
            }

            info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
            info.Environment["DOTNET_NOLOGO"] = "1";
            foreach ((string key, string? value) in env ?? [])
            {
                if (value is null)
                {
                    info.Environment.Remove(key);
                }
                else
                {
                    info.Environment[key] = value;
                }
            }

            using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start dotnet");
            var output = new StringBuilder();
            process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
            process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            if (!process.WaitForExit(TimeSpan.FromMinutes(8)))
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
                Assert.Fail($"dotnet {string.Join(' ', args)} did not finish in 8 minutes:\n{output}");
            }

            process.WaitForExit();
            lock (output)
            {
                return new DotnetResult(process.ExitCode, output.ToString());
            }
        }
    }
}
