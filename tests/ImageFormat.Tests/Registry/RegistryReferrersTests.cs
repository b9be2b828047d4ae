using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using FluentAssertions;
using ImageFormat.Digests;
using ImageFormat.Model;
using ImageFormat.Registry;
using ImageFormat.Tests.Cli;
using Xunit;

namespace ImageFormat.Tests.Registry;

/// <summary>
/// OCI 1.1 <c>subject</c> and referrers against docker-registry 2.8, which has no referrers API: the client keeps the
/// referrers tag schema's index itself, and lists referrers from it after the API's 404.
/// </summary>
public class RegistryReferrersTests(PlainRegistryFixture fixture) : IClassFixture<PlainRegistryFixture>
{
    private const string SbomType = "application/vnd.example.sbom.v1+json";
    private const string SignatureType = "application/vnd.example.signature.v1+json";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>An artifact manifest (OCI image-spec 1.1, <c>manifest.md</c>): empty config, one layer, a subject.</summary>
    internal static (byte[] Bytes, Digest Digest, byte[] Layer) Artifact(Descriptor subject, string artifactType, string content, string? created = null)
    {
        byte[] layer = Encoding.UTF8.GetBytes(content);
        RawDocument<ImageManifest> manifest = RawDocument.Create(new ImageManifest
        {
            MediaType = MediaTypes.OciManifest,
            ArtifactType = artifactType,
            Config = new Descriptor { MediaType = MediaTypes.OciEmpty, Digest = Digest.Compute("{}"u8), Size = 2 },
            Layers = [new Descriptor { MediaType = "text/plain", Digest = Digest.Compute(layer), Size = layer.Length }],
            Subject = subject,
            Annotations = created is null ? null : new Dictionary<string, string> { ["org.opencontainers.image.created"] = created },
        });
        return (manifest.Bytes.ToArray(), manifest.Digest, layer);
    }

    internal static async Task<Digest> PushArtifactAsync(RegistryClient client, RegistryRepository repository, (byte[] Bytes, Digest Digest, byte[] Layer) artifact)
    {
        foreach (byte[] blob in new[] { "{}"u8.ToArray(), artifact.Layer })
        {
            await client.PushBlobAsync(repository, new Descriptor { MediaType = "application/octet-stream", Digest = Digest.Compute(blob), Size = blob.Length }, () => new MemoryStream(blob, writable: false), cancellationToken: Ct);
        }

        return await client.PutManifestAsync(repository, artifact.Digest.Value, artifact.Bytes, MediaTypes.OciManifest, Ct);
    }

    private static string Entry((byte[] Bytes, Digest Digest, byte[] Layer) artifact, string artifactType, string? created) =>
        $"{{\"mediaType\":\"{MediaTypes.OciManifest}\",\"digest\":\"{artifact.Digest}\",\"size\":{artifact.Bytes.Length.ToString(CultureInfo.InvariantCulture)},"
        + (created is null ? string.Empty : $"\"annotations\":{{\"org.opencontainers.image.created\":\"{created}\"}},")
        + $"\"artifactType\":\"{artifactType}\"}}";

    [Fact]
    public void The_referrers_tag_is_the_algorithm_and_hex_joined_by_a_dash()
    {
        Digest digest = Digest.Compute("x"u8);

        RegistryClient.ReferrersTag(digest).Should().Be("sha256-" + digest.Encoded);
    }

    [Fact]
    public void The_referrers_tag_of_a_sha512_digest_keeps_the_first_64_hex_characters()
    {
        Digest digest = Digest.Compute("x"u8, DigestAlgorithm.Sha512);

        RegistryClient.ReferrersTag(digest).Should().Be("sha512-" + digest.Encoded[..64]);
    }

    [Fact]
    public async Task A_manifest_with_subject_pushes_verbatim_and_the_client_keeps_the_referrers_tag_index_appending_without_duplicates()
    {
        TestRegistry registry = fixture.Registry;
        RegistryRepository repository = new(registry.Host, "ref/app");
        TestImage image = TestImage.Create(71, "amd64", 5_000);
        using RegistryClient client = new();
        await image.PushAsync(client, repository, "v1");
        Descriptor subject = image.Manifest.ToDescriptor(MediaTypes.OciManifest);
        var sbom = Artifact(subject, SbomType, "sbom", created: "2026-01-02T03:04:05Z");
        var signature = Artifact(subject, SignatureType, "signature");
        string tag = RegistryClient.ReferrersTag(subject.Digest);

        Digest pushed = await PushArtifactAsync(client, repository, sbom);
        RegistryManifest afterOne = await client.GetManifestAsync(repository, tag, Ct);
        await PushArtifactAsync(client, repository, signature);
        await PushArtifactAsync(client, repository, sbom);
        RegistryManifest afterThree = await client.GetManifestAsync(repository, tag, Ct);
        RegistryManifest stored = await client.GetManifestAsync(repository, sbom.Digest.Value, Ct);
        IReadOnlyList<Descriptor> all = await client.ListReferrersAsync(repository, subject.Digest, cancellationToken: Ct);
        IReadOnlyList<Descriptor> signatures = await client.ListReferrersAsync(repository, subject.Digest, SignatureType, Ct);

        pushed.Should().Be(sbom.Digest);
        stored.Bytes.ToArray().Should().Equal(sbom.Bytes);
        Encoding.UTF8.GetString(afterOne.Bytes.Span).Should().Be(
            $"{{\"schemaVersion\":2,\"mediaType\":\"{MediaTypes.OciIndex}\",\"manifests\":[{Entry(sbom, SbomType, "2026-01-02T03:04:05Z")}]}}");
        Encoding.UTF8.GetString(afterThree.Bytes.Span).Should().Be(
            $"{{\"schemaVersion\":2,\"mediaType\":\"{MediaTypes.OciIndex}\",\"manifests\":[{Entry(sbom, SbomType, "2026-01-02T03:04:05Z")},{Entry(signature, SignatureType, null)}]}}");
        all.Select(d => (d.Digest, d.ArtifactType, d.Size)).Should().Equal((sbom.Digest, SbomType, sbom.Bytes.Length), (signature.Digest, SignatureType, signature.Bytes.Length));
        all[0].Annotations.Should().Equal(new Dictionary<string, string> { ["org.opencontainers.image.created"] = "2026-01-02T03:04:05Z" });
        signatures.Select(d => d.Digest).Should().Equal(signature.Digest);
        registry.Requests().Should().Contain(("GET", $"/v2/ref/app/referrers/{subject.Digest}", 404));
        registry.Requests().Count(r => r.Method == "PUT" && r.Target == $"/v2/ref/app/manifests/{tag}").Should().Be(2, "the second push of the same referrer changes nothing");
    }

    [Fact]
    public async Task A_subject_without_referrers_lists_none()
    {
        TestRegistry registry = fixture.Registry;
        RegistryRepository repository = new(registry.Host, "ref/alone");
        TestImage image = TestImage.Create(72, "amd64", 3_000);
        using RegistryClient client = new();
        await image.PushAsync(client, repository, "v1");

        IReadOnlyList<Descriptor> referrers = await client.ListReferrersAsync(repository, image.Manifest.Digest, cancellationToken: Ct);

        referrers.Should().BeEmpty();
    }

    [Fact]
    public async Task Cli_referrers_lists_the_referrers_of_a_tag_and_copy_keeps_the_subject_and_the_tag_index()
    {
        TestRegistry registry = fixture.Registry;
        RegistryRepository repository = new(registry.Host, "ref/cli");
        TestImage image = TestImage.Create(73, "amd64", 3_000);
        using RegistryClient client = new();
        await image.PushAsync(client, repository, "v1");
        Descriptor subject = image.Manifest.ToDescriptor(MediaTypes.OciManifest);
        var sbom = Artifact(subject, SbomType, "sbom");
        await PushArtifactAsync(client, repository, sbom);

        CliResult table = CliRunner.Run("referrers", $"docker://{registry.Host}/ref/cli:v1");
        CliResult json = CliRunner.Run("referrers", "--format", "json", $"{registry.Host}/ref/cli@{subject.Digest}");
        CliResult none = CliRunner.Run("referrers", "--artifact-type", SignatureType, $"docker://{registry.Host}/ref/cli:v1");
        CliResult copy = CliRunner.Run("copy", $"docker://{registry.Host}/ref/cli@{sbom.Digest}", $"docker://{registry.Host}/ref/copied@{sbom.Digest}");
        RegistryManifest copied = await client.GetManifestAsync(new RegistryRepository(registry.Host, "ref/copied"), sbom.Digest.Value, Ct);
        IReadOnlyList<Descriptor> copiedReferrers = await client.ListReferrersAsync(new RegistryRepository(registry.Host, "ref/copied"), subject.Digest, cancellationToken: Ct);

        table.ExitCode.Should().Be(0, table.StdErr);
        table.StdOut.Should().Be(
            $"DIGEST{new string(' ', 71 - 6)}   ARTIFACT TYPE{new string(' ', SbomType.Length - 13)}   MEDIA TYPE{new string(' ', MediaTypes.OciManifest.Length - 10)}   SIZE\n"
            + $"{sbom.Digest}   {SbomType}   {MediaTypes.OciManifest}   {sbom.Bytes.Length}\n");
        json.ExitCode.Should().Be(0, json.StdErr);
        json.StdOut.Should().Be($"{{\"schemaVersion\":2,\"mediaType\":\"{MediaTypes.OciIndex}\",\"manifests\":[{Entry(sbom, SbomType, null)}]}}\n");
        none.StdOut.Should().Be("DIGEST   ARTIFACT TYPE   MEDIA TYPE   SIZE\n");
        copy.ExitCode.Should().Be(0, copy.StdErr);
        copied.Bytes.ToArray().Should().Equal(sbom.Bytes);
        copiedReferrers.Select(d => d.Digest).Should().Equal(sbom.Digest);
    }
}

/// <summary>
/// The referrers API path, against a small in-test HTTP handler that answers <c>/referrers</c> and acknowledges a
/// pushed subject with <c>OCI-Subject</c> (docker-registry 2.8 has neither).
/// </summary>
public sealed class RegistryReferrersApiHandlerTests : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;
    private readonly ConcurrentQueue<(string Method, string Target)> _requests = new();
    private readonly int _port = TestRegistry.FreePort();

    public RegistryReferrersApiHandlerTests()
    {
        _listener.Prefixes.Add($"http://127.0.0.1:{_port.ToString(CultureInfo.InvariantCulture)}/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    private string Host => "127.0.0.1:" + _port.ToString(CultureInfo.InvariantCulture);

    /// <summary>What <c>/referrers</c> answers: the index bytes, and whether to say the artifactType filter was applied.</summary>
    private byte[] ReferrersIndex { get; set; } = [];

    private bool FilterApplied { get; set; }

    public void Dispose()
    {
        _listener.Close();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }
    }

    [Fact]
    public async Task Referrers_api_handler_answer_is_listed_and_filtered_by_the_client_when_the_registry_did_not_filter()
    {
        Digest subject = Digest.Compute("subject"u8);
        Descriptor sbom = new() { MediaType = MediaTypes.OciManifest, Digest = Digest.Compute("a"u8), Size = 10, ArtifactType = "application/x-sbom" };
        Descriptor signature = new() { MediaType = MediaTypes.OciManifest, Digest = Digest.Compute("b"u8), Size = 20, ArtifactType = "application/x-sig" };
        ReferrersIndex = RawDocument.Create(new ImageIndex { MediaType = MediaTypes.OciIndex, Manifests = [sbom, signature] }).Bytes.ToArray();
        using RegistryClient client = new();
        RegistryRepository repository = new(Host, "api/app");

        IReadOnlyList<Descriptor> all = await client.ListReferrersAsync(repository, subject, cancellationToken: TestContext.Current.CancellationToken);
        IReadOnlyList<Descriptor> signatures = await client.ListReferrersAsync(repository, subject, "application/x-sig", TestContext.Current.CancellationToken);
        FilterApplied = true;
        IReadOnlyList<Descriptor> trusted = await client.ListReferrersAsync(repository, subject, "application/x-sig", TestContext.Current.CancellationToken);

        all.Should().Equal(sbom, signature);
        signatures.Should().Equal(signature);
        trusted.Should().Equal(sbom, signature);
        _requests.Should().Contain(("GET", $"/v2/api/app/referrers/{subject}?artifactType=application%2Fx-sig"));
        _requests.Should().NotContain(r => r.Target.Contains("/manifests/", StringComparison.Ordinal), "the API answered, so the tag schema is not read");
    }

    [Fact]
    public async Task Referrers_api_handler_acknowledging_the_subject_means_no_referrers_tag_is_written()
    {
        Descriptor subject = new() { MediaType = MediaTypes.OciManifest, Digest = Digest.Compute("subject"u8), Size = 7 };
        var artifact = RegistryReferrersTests.Artifact(subject, "application/x-sbom", "sbom");
        using RegistryClient client = new();

        Digest pushed = await client.PutManifestAsync(new RegistryRepository(Host, "api/app"), artifact.Digest.Value, artifact.Bytes, MediaTypes.OciManifest, TestContext.Current.CancellationToken);

        pushed.Should().Be(artifact.Digest);
        _requests.Where(r => r.Target.StartsWith("/v2/api/", StringComparison.Ordinal)).Should().Equal(("PUT", $"/v2/api/app/manifests/{artifact.Digest}"));
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            string target = context.Request.RawUrl ?? string.Empty;
            _requests.Enqueue((context.Request.HttpMethod, target));
            HttpListenerResponse response = context.Response;
            response.Headers["Docker-Distribution-API-Version"] = "registry/2.0";
            if (context.Request.HttpMethod == "PUT" && target.Contains("/manifests/", StringComparison.Ordinal))
            {
                using (MemoryStream body = new())
                {
                    await context.Request.InputStream.CopyToAsync(body);
                    string subject = System.Text.Json.JsonDocument.Parse(body.ToArray()).RootElement.GetProperty("subject").GetProperty("digest").GetString()!;
                    response.Headers["OCI-Subject"] = subject;
                    response.Headers["Docker-Content-Digest"] = Digest.Compute(body.ToArray()).Value;
                }

                response.StatusCode = 201;
            }
            else if (target.Contains("/referrers/", StringComparison.Ordinal))
            {
                response.ContentType = MediaTypes.OciIndex;
                if (FilterApplied)
                {
                    response.Headers["OCI-Filters-Applied"] = "artifactType";
                }

                await response.OutputStream.WriteAsync(ReferrersIndex);
            }
            else if (target != "/v2/")
            {
                response.StatusCode = 404;
            }

            response.Close();
        }
    }
}
