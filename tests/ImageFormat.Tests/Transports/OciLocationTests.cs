using System.Text.Json;
using FluentAssertions;
using ImageFormat.Archives;
using ImageFormat.Archives.Writers;
using ImageFormat.Errors;
using ImageFormat.Images;
using ImageFormat.References;
using ImageFormat.Tests.TestSupport;
using ImageFormat.Transports;
using Xunit;

namespace ImageFormat.Tests.Transports;

/// <summary>
/// <c>oci:DIR[:NAME]</c> and <c>oci-archive:FILE[:NAME]</c> as skopeo has them: NAME is the raw
/// <c>org.opencontainers.image.ref.name</c>, and a copy into a layout that exists adds to its <c>index.json</c>.
/// </summary>
public class OciLocationTests
{
    private const string RefName = "org.opencontainers.image.ref.name";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Two different images, as docker-archive locations: the Engine 25 one and the Bazel one.</summary>
    private static (string A, string B) Sources() =>
        ("docker-archive:" + BuiltArchives.PathOf("built-engine25.tar"), "docker-archive:" + BuiltArchives.PathOf("built-bazel-whiteout.tar"));

    /// <summary>The six copies of the interop test: names given, given again, left out, and moved.</summary>
    private static IEnumerable<(string Source, string? Name)> Sequence((string A, string B) s) =>
        [(s.A, "x"), (s.B, "x"), (s.A, null), (s.A, null), (s.B, null), (s.A, "y")];

    /// <summary>
    /// Each entry of a layout's <c>index.json</c>, in order: which image (the DiffIDs its config lists, the same
    /// whichever tool wrote the config) and the entry's annotations as JSON.
    /// </summary>
    private static List<string> IndexEntries(string layout)
    {
        using JsonDocument index = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(layout, "index.json")));
        List<string> entries = [];
        foreach (JsonElement descriptor in index.RootElement.GetProperty("manifests").EnumerateArray())
        {
            string manifestPath = Path.Combine(layout, "blobs", "sha256", descriptor.GetProperty("digest").GetString()!["sha256:".Length..]);
            using JsonDocument manifest = JsonDocument.Parse(File.ReadAllBytes(manifestPath));
            string configPath = Path.Combine(layout, "blobs", "sha256", manifest.RootElement.GetProperty("config").GetProperty("digest").GetString()!["sha256:".Length..]);
            using JsonDocument config = JsonDocument.Parse(File.ReadAllBytes(configPath));
            string diffIds = string.Join(",", config.RootElement.GetProperty("rootfs").GetProperty("diff_ids").EnumerateArray().Select(d => d.GetString()![7..19]));
            string annotations = descriptor.TryGetProperty("annotations", out JsonElement a) ? a.GetRawText() : "none";
            entries.Add($"{diffIds} {annotations}");
        }

        return entries;
    }

    private static string DiffIdsOf(string archiveLocation)
    {
        using ImageArchive archive = ImageArchive.OpenFile(archiveLocation["docker-archive:".Length..]);
        return string.Join(",", archive.Images[0].Layers.Select(l => l.DiffId.Encoded[..12]));
    }

    private static Task<ImageCopyResult> Copy(string source, string destination) =>
        ImageCopier.CopyAsync(ImageLocation.Parse(source), ImageLocation.Parse(destination), null, null, Ct);

    [Fact]
    public async Task A_name_is_written_verbatim_as_the_ref_name_and_alone()
    {
        (string a, _) = Sources();
        using TempDirectory dir = new();

        await Copy(a, $"oci:{dir.Combine("layout")}:v1.0");
        await Copy(a, $"oci-archive:{dir.Combine("image.tar")}:Foo_Bar-1");
        await Copy(a, $"oci:{dir.Combine("unnamed")}");

        string diffIds = DiffIdsOf(a);
        IndexEntries(dir.Combine("layout")).Should().Equal($"{diffIds} {{\"{RefName}\":\"v1.0\"}}");
        IndexEntries(dir.Combine("unnamed")).Should().Equal($"{diffIds} none");
        using ImageArchive archive = ImageArchive.OpenFile(dir.Combine("image.tar"));
        archive.Index!.Value.Manifests.Should().ContainSingle()
            .Which.Annotations.Should().Equal(new Dictionary<string, string> { [RefName] = "Foo_Bar-1" });
    }

    [Fact]
    public async Task Copies_into_an_existing_layout_add_to_its_index_moving_a_name_given_again()
    {
        (string a, string b) = Sources();
        string ids = DiffIdsOf(a), others = DiffIdsOf(b);
        using TempDirectory dir = new();
        string layout = dir.Combine("layout");
        List<List<string>> after = [];

        foreach ((string source, string? name) in Sequence((a, b)))
        {
            await Copy(source, name is null ? $"oci:{layout}" : $"oci:{layout}:{name}");
            after.Add(IndexEntries(layout));
        }

        string x = $"{{\"{RefName}\":\"x\"}}", y = $"{{\"{RefName}\":\"y\"}}";
        after[1].Should().Equal($"{ids} none", $"{others} {x}");
        after[3].Should().Equal($"{ids} none", $"{others} {x}");
        after[4].Should().Equal($"{ids} none", $"{others} {x}", $"{others} none");
        after[5].Should().Equal($"{ids} {y}", $"{others} {x}", $"{others} none");
        using ImageArchive written = ImageArchive.OpenLayout(layout);
        ArchiveVerifier.Verify(written, Ct).Problems.Should().BeEmpty();
    }

    [Fact]
    public async Task A_source_name_is_a_ref_name_before_it_is_a_tag()
    {
        (string a, string b) = Sources();
        using TempDirectory dir = new();
        string layout = dir.Combine("layout");
        // The first entry is tagged docker.io/library/x:latest (a containerd name), the second has the ref name x.
        using (ImageArchive source = ImageArchive.OpenFile(a["docker-archive:".Length..]))
        {
            ImageToWrite image = ImageToWrite.From(source.Images[0]);
            IContainerImage tagged = new ImageToWrite(image.Config, image.Layers)
            {
                Tags = [ImageReference.Parse("x")],
            };
            ArchiveWriter.WriteLayout([tagged], layout);
        }

        await Copy(b, $"oci:{layout}:x");
        await Copy($"oci:{layout}:x", $"docker-archive:{dir.Combine("out.tar")}");

        IndexEntries(layout).Should().HaveCount(2);
        DiffIdsOf($"docker-archive:{dir.Combine("out.tar")}").Should().Be(DiffIdsOf(b));
    }

    /// <summary>A layout in <paramref name="dir"/> holding the Engine 25 image named <c>v1.0</c>, then the Bazel one unnamed.</summary>
    private static async Task<string> NamedAndUnnamed(TempDirectory dir)
    {
        (string a, string b) = Sources();
        string layout = dir.Combine("layout");
        await Copy(a, $"oci:{layout}:v1.0");
        await Copy(b, $"oci:{layout}");
        return layout;
    }

    [Fact]
    public async Task A_name_the_layout_lacks_is_not_found_and_the_error_lists_its_ref_names()
    {
        using TempDirectory dir = new();
        string layout = await NamedAndUnnamed(dir);
        using ImageArchive written = ImageArchive.OpenLayout(layout);

        Func<Task> copy = () => Copy($"oci:{layout}:nope", $"oci:{dir.Combine("out")}");

        (await copy.Should().ThrowAsync<NotFoundException>()).Which.Message.Should().Be(
            $"No such image: nope (the archive holds {written.Images[0].ShortId} v1.0; {written.Images[1].ShortId} <none>)");
    }

    [Fact]
    public async Task Images_listed_side_by_side_stay_ambiguous_without_a_name_whatever_their_platforms()
    {
        using TempDirectory dir = new();
        string layout = await NamedAndUnnamed(dir);
        using ImageArchive written = ImageArchive.OpenLayout(layout);

        Action unnamed = () => written.FindImage(null, ImageFormat.Model.Platform.Parse("linux/arm64"));
        Func<Task> copy = () => Copy($"oci:{layout}", $"oci:{dir.Combine("out")}");

        written.Images.Select(i => i.Platform).Should().Equal("linux/arm64", "linux/amd64");
        unnamed.Should().Throw<AmbiguousNameException>();
        await copy.Should().ThrowAsync<AmbiguousNameException>();
        written.FindImage("v1.0", ImageFormat.Model.Platform.Parse("linux/amd64")).Should().BeSameAs(written.Images[0]);
    }

    [Fact]
    public async Task Archive_ls_of_a_layout_names_untagged_images_by_their_ref_names()
    {
        using TempDirectory dir = new();
        string layout = await NamedAndUnnamed(dir);
        using ImageArchive written = ImageArchive.OpenLayout(layout);

        Cli.CliResult table = Cli.CliRunner.Run("archive", "ls", $"oci:{layout}");
        Cli.CliResult json = Cli.CliRunner.Run("archive", "ls", "--format", "json", $"oci:{layout}");

        table.ExitCode.Should().Be(0, table.StdErr);
        table.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(line => string.Join(" ", line.Split("   ", StringSplitOptions.RemoveEmptyEntries).Take(2).Select(c => c.Trim())))
            .Should().Equal($"{written.Images[0].ShortId} v1.0", $"{written.Images[1].ShortId} <none>");
        using JsonDocument listed = JsonDocument.Parse(json.StdOut);
        listed.RootElement.EnumerateArray().Select(i => (i.GetProperty("RepoTags").GetRawText(), i.GetProperty("RefNames").GetRawText()))
            .Should().Equal(("[]", "[\n            \"v1.0\"\n        ]"), ("[]", "[]"));
    }

    [Fact]
    public async Task A_recompressed_copy_into_a_layout_holding_the_image_reports_the_manifest_it_wrote()
    {
        (string a, _) = Sources();
        using TempDirectory dir = new();
        string layout = dir.Combine("layout");
        ImageCopyResult verbatim = await Copy(a, $"oci:{layout}:x");

        ImageCopyResult gzip = await ImageCopier.CopyAsync(ImageLocation.Parse(a), ImageLocation.Parse($"oci:{layout}:y"),
            new ImageCopyOptions { DestinationCompression = ImageFormat.Compression.CompressionFormat.Gzip }, null, Ct);

        using ImageArchive written = ImageArchive.OpenLayout(layout);
        written.Index!.Value.Manifests.Select(d => (d.Digest, d.GetAnnotation(RefName)))
            .Should().Equal((verbatim.ManifestDigest, "x"), (gzip.ManifestDigest, "y"));
        gzip.ManifestDigest.Should().NotBe(verbatim.ManifestDigest);
        gzip.ImageIds.Should().Equal(verbatim.ImageIds);
    }

    [Fact]
    public async Task An_existing_index_that_is_not_an_index_is_a_typed_error_and_left_as_it_was()
    {
        (string a, _) = Sources();
        using TempDirectory dir = new();
        string layout = dir.Combine("layout");
        Directory.CreateDirectory(layout);
        File.WriteAllText(Path.Combine(layout, "index.json"), "[1,2]");

        Func<Task> copy = () => Copy(a, $"oci:{layout}:v1");

        (await copy.Should().ThrowAsync<InvalidDocumentException>()).Which.Code.Should().Be(ErrorCodes.InvalidDocument);
        File.ReadAllText(Path.Combine(layout, "index.json")).Should().Be("[1,2]");
        Directory.GetFileSystemEntries(layout).Should().Equal(Path.Combine(layout, "index.json"));
    }

    [Fact]
    public async Task An_existing_index_that_links_out_of_the_layout_is_refused_and_not_followed()
    {
        (string a, _) = Sources();
        using TempDirectory dir = new();
        string layout = dir.Combine("layout");
        Directory.CreateDirectory(layout);
        File.WriteAllText(dir.Combine("outside.json"), "{\"schemaVersion\":2,\"manifests\":[]}");
        File.CreateSymbolicLink(Path.Combine(layout, "index.json"), dir.Combine("outside.json"));

        Func<Task> copy = () => Copy(a, $"oci:{layout}:v1");

        (await copy.Should().ThrowAsync<InvalidArchiveException>()).Which.Code.Should().Be(ErrorCodes.InvalidArchive);
        File.ReadAllText(dir.Combine("outside.json")).Should().Be("{\"schemaVersion\":2,\"manifests\":[]}");
        Directory.GetFileSystemEntries(layout).Should().Equal(Path.Combine(layout, "index.json"));
    }

    [Fact]
    public void Skopeo_and_imagefmt_build_the_same_index_from_the_same_copies_and_read_each_others_names()
    {
        string skopeo = Peers.RequireSkopeo();
        (string a, string b) = Sources();
        using TempDirectory dir = new();
        string ours = dir.Combine("ours"), theirs = dir.Combine("theirs");

        foreach ((string source, string? name) in Sequence((a, b)))
        {
            string suffix = name is null ? string.Empty : ":" + name;
            Cli.CliRunner.Run("copy", source, $"oci:{ours}{suffix}").ExitCode.Should().Be(0);
            ProcessRunner.Run(skopeo, ["copy", "--quiet", source, $"oci:{theirs}{suffix}"]).EnsureSuccess("skopeo copy");
        }

        IndexEntries(ours).Should().Equal(IndexEntries(theirs));
        using JsonDocument config = JsonDocument.Parse(ProcessRunner.Run(skopeo, ["inspect", "--config", $"oci:{ours}:x"]).EnsureSuccess("skopeo inspect").StdOut);
        string.Join(",", config.RootElement.GetProperty("rootfs").GetProperty("diff_ids").EnumerateArray().Select(d => d.GetString()![7..19]))
            .Should().Be(DiffIdsOf(b));
        Cli.CliRunner.Run("copy", $"oci:{theirs}:y", $"docker-archive:{dir.Combine("y.tar")}").ExitCode.Should().Be(0);
        DiffIdsOf($"docker-archive:{dir.Combine("y.tar")}").Should().Be(DiffIdsOf(a));
    }

    [Fact]
    public void A_name_that_is_no_ref_name_is_refused_before_anything_is_read_or_written()
    {
        using TempDirectory dir = new();

        Cli.CliResult result = Cli.CliRunner.Run("copy", "docker-archive:" + BuiltArchives.PathOf("built-engine25.tar"), $"oci:{dir.Combine("layout")}:x__y");

        result.ExitCode.Should().Be(2);
        result.StdErr.Should().Be($"Error: IMGFMT0309: \"oci:{dir.Combine("layout")}:x__y\": oci: \"x__y\" is not an OCI ref name (letters and digits, joined by one of - . _ : @ + or by --, in components separated by /)\n");
        Directory.Exists(dir.Combine("layout")).Should().BeFalse();
    }
}
