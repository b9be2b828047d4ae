using FluentAssertions;
using ImageFormat.Archives;
using ImageFormat.Registry;
using ImageFormat.Tests.Cli;
using ImageFormat.Tests.TestSupport;
using Xunit;

namespace ImageFormat.Tests.Registry;

/// <summary><c>imagefmt copy</c>, <c>login</c> and <c>logout</c> against docker-registry.</summary>
public class RegistryCliTests(PlainRegistryFixture fixture) : IClassFixture<PlainRegistryFixture>
{
    [Fact]
    public async Task Copy_to_an_oci_layout_keeps_the_manifest_digest_and_the_layout_verifies()
    {
        TestRegistry registry = fixture.Registry;
        TestImage image = TestImage.Create(51, "amd64", 40_000, 2_000);
        using (RegistryClient client = new())
        {
            await image.PushAsync(client, new RegistryRepository(registry.Host, "cli/app"), "v1");
        }

        using TempDirectory dir = new();

        CliResult result = CliRunner.Run("copy", $"docker://{registry.Host}/cli/app:v1", $"oci:{dir.Combine("layout")}:app:v1");

        result.StdErr.Should().BeEmpty();
        result.ExitCode.Should().Be(0);
        result.StdOut.Should().Be(image.Manifest.Digest.Value + "\n");
        using ImageArchive layout = ImageArchive.OpenLayout(dir.Combine("layout"));
        layout.Images.Should().ContainSingle().Which.ManifestDigest.Should().Be(image.Manifest.Digest);
        ArchiveVerifier.Verify(layout, TestContext.Current.CancellationToken).Problems.Should().BeEmpty();
    }

    [Fact]
    public async Task Archive_ls_manifest_and_config_of_a_docker_reference_fetch_the_manifest_and_config_and_no_layer()
    {
        TestRegistry registry = fixture.Registry;
        TestImage image = TestImage.Create(53, "amd64", 40_000, 2_000);
        using (RegistryClient client = new())
        {
            await image.PushAsync(client, new RegistryRepository(registry.Host, "cli/remote"), "v1");
        }

        string reference = $"docker://{registry.Host}/cli/remote:v1";

        CliResult ls = CliRunner.Run("archive", "ls", reference);
        CliResult json = CliRunner.Run("archive", "ls", "--format", "json", reference);
        CliResult manifest = CliRunner.Run("archive", "manifest", reference);
        CliResult config = CliRunner.Run("archive", "config", reference);

        ls.ExitCode.Should().Be(0, ls.StdErr);
        long size = image.Layers.Sum(l => (long)l.Length);
        string tag = $"{registry.Host}/cli/remote:v1";
        ls.StdOut.Should().Be(
            $"IMAGE ID       {"TAGS".PadRight(tag.Length)}   PLATFORM      LAYERS   SIZE\n"
            + $"{image.ConfigDescriptor.Digest.ShortId}   {tag}   linux/amd64   2        {(size / 1000.0).ToString("G4", System.Globalization.CultureInfo.InvariantCulture)}kB\n");
        json.StdOut.Should().Be(
            $"[\n    {{\n        \"Id\": \"{image.ConfigDescriptor.Digest}\",\n        \"RepoTags\": [\n            \"{registry.Host}/cli/remote:v1\"\n        ],\n        \"RefNames\": [],\n"
            + $"        \"Platform\": \"linux/amd64\",\n        \"Layers\": 2,\n        \"Size\": {size}\n    }}\n]\n");
        manifest.Binary.Should().Equal(image.Manifest.Bytes.ToArray());
        config.Binary.Should().Equal(image.Config);
        IReadOnlyList<(string Method, string Target, int Status)> blobReads = [];
        for (int i = 0; i < 50 && blobReads.Count < 4; i++)
        {
            // The access log arrives through the registry's output, a little after the response.
            await Task.Delay(100, TestContext.Current.CancellationToken);
            blobReads = [.. registry.Requests().Where(r => r.Method == "GET" && r.Target.StartsWith("/v2/cli/remote/blobs/", StringComparison.Ordinal))];
        }

        blobReads.Should().Equal(Enumerable.Repeat(("GET", $"/v2/cli/remote/blobs/{image.ConfigDescriptor.Digest}", 200), 4));
    }

    [Fact]
    public async Task Copy_between_repositories_prints_the_digest_and_mounts_the_blobs()
    {
        TestRegistry registry = fixture.Registry;
        TestImage image = TestImage.Create(52, "amd64", 10_000);
        using (RegistryClient client = new())
        {
            await image.PushAsync(client, new RegistryRepository(registry.Host, "cli/from"), "v1");
        }

        CliResult result = CliRunner.Run("copy", $"docker://{registry.Host}/cli/from:v1", $"docker://{registry.Host}/cli/to:v2");

        result.ExitCode.Should().Be(0, result.StdErr);
        result.StdOut.Should().Be(image.Manifest.Digest.Value + "\n");
        registry.Requests().Should().Contain(("PUT", "/v2/cli/to/manifests/v2", 201));
        registry.Requests().Count(r => r.Method == "POST" && r.Target.StartsWith("/v2/cli/to/blobs/uploads/?mount=", StringComparison.Ordinal) && r.Status == 201).Should().Be(2);
    }

    [Fact]
    public void A_missing_image_is_one_coded_error_line_naming_the_registry()
    {
        TestRegistry registry = fixture.Registry;
        using TempDirectory dir = new();

        CliResult result = CliRunner.Run("copy", $"docker://{registry.Host}/cli/none:v1", $"oci:{dir.Combine("layout")}");

        result.ExitCode.Should().Be(3);
        result.StdErr.Should().Be($"Error: IMGFMT0308: {registry.Host}: manifest cli/none:v1: 404 MANIFEST_UNKNOWN: manifest unknown\n");
        Directory.Exists(dir.Combine("layout")).Should().BeFalse();
    }
}

/// <summary><c>imagefmt login</c>/<c>logout</c> against the TLS + htpasswd registry.</summary>
[Collection(nameof(DockerConfigEnvironment))]
public class RegistryLoginCliTests(TlsRegistryFixture fixture) : IClassFixture<TlsRegistryFixture>
{
    [Fact]
    public void Login_checks_the_password_and_writes_dockers_config_and_logout_removes_it()
    {
        TestRegistry registry = fixture.Registry;
        using TempDirectory dir = new();
        string? old = Environment.GetEnvironmentVariable("DOCKER_CONFIG");
        Environment.SetEnvironmentVariable("DOCKER_CONFIG", dir.Path);
        try
        {
            CliResult wrong = CliRunner.Run("login", "--tls-verify=false", "-u", TestRegistry.User, "-p", "nope", registry.Host);
            CliResult right = CliRunner.Run("login", "--tls-verify=false", "-u", TestRegistry.User, "-p", TestRegistry.Password, registry.Host);
            string config = File.ReadAllText(dir.Combine("config.json"));
            CliResult logout = CliRunner.Run("logout", registry.Host);
            CliResult again = CliRunner.Run("logout", registry.Host);

            wrong.ExitCode.Should().Be(1);
            wrong.StdErr.Should().Be($"Error: IMGFMT0301: {registry.Host}: login: 401 UNAUTHORIZED: authentication required (credentials of \"{TestRegistry.User}\" refused)\n");
            right.ExitCode.Should().Be(0, right.StdErr);
            right.StdOut.Should().Be("Login Succeeded\n");
            config.Should().Be($"{{\n\t\"auths\": {{\n\t\t\"{registry.Host}\": {{\n\t\t\t\"auth\": \"{Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{TestRegistry.User}:{TestRegistry.Password}"))}\"\n\t\t}}\n\t}}\n}}");
            logout.StdOut.Should().Be($"Removing login credentials for {registry.Host}\n");
            again.StdOut.Should().Be($"Not logged in to {registry.Host}\n");
        }
        finally
        {
            Environment.SetEnvironmentVariable("DOCKER_CONFIG", old);
        }
    }
}

/// <summary>Tests that change <c>DOCKER_CONFIG</c> run alone.</summary>
[CollectionDefinition(nameof(DockerConfigEnvironment), DisableParallelization = true)]
public sealed class DockerConfigEnvironment;
