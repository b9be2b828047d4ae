using System.Text;
using FluentAssertions;
using ImageFormat.Archives;
using ImageFormat.Digests;
using ImageFormat.Errors;
using ImageFormat.Tests.TestSupport;
using Xunit;

namespace ImageFormat.Tests.Archives;

public class HostileArchiveTests
{
    private const string Config = """{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}""";

    private static string Manifest(string config, params string[] layers) =>
        $"[{{\"Config\":\"{config}\",\"RepoTags\":[\"evil:1\"],\"Layers\":[{string.Join(",", layers.Select(l => $"\"{l}\""))}]}}]";

    private static ImageArchive Open(TarBuilder builder) => ImageArchive.OpenStream(new MemoryStream(builder.Build()), leaveOpen: false);

    [Theory]
    [InlineData("../../etc/passwd", "path leaves the archive")]
    [InlineData("/etc/passwd", "absolute path")]
    [InlineData("a/../../x.json", "path leaves the archive")]
    public void Config_path_outside_the_archive_is_refused(string path, string reason)
    {
        var tar = new TarBuilder().File("manifest.json", Manifest(path)).File("x.json", Config);

        Action open = () => Open(tar).Dispose();

        open.Should().Throw<InvalidArchiveException>().Which.Message.Should().Be($"{path}: config named by manifest.json[0]: {reason}");
    }

    [Fact]
    public void Symlink_with_an_absolute_target_is_never_followed()
    {
        var tar = new TarBuilder().File("manifest.json", Manifest("c.json")).Symlink("c.json", "/etc/passwd");

        Action open = () => Open(tar).Dispose();

        open.Should().Throw<InvalidArchiveException>().Which.Message.Should().Be(
            "c.json: config named by manifest.json[0]: \"c.json\" links to the absolute path \"/etc/passwd\", outside the archive");
    }

    [Fact]
    public void Symlink_climbing_out_of_the_archive_is_refused()
    {
        var tar = new TarBuilder().File("manifest.json", Manifest("d/c.json")).Symlink("d/c.json", "../../outside.json");

        Action open = () => Open(tar).Dispose();

        open.Should().Throw<InvalidArchiveException>().Which.Reason.Should().Be(
            "config named by manifest.json[0]: \"d/c.json\" links to \"../../outside.json\", outside the archive");
    }

    [Fact]
    public void Directory_symlink_planted_as_a_parent_cannot_lead_outside()
    {
        var tar = new TarBuilder().File("manifest.json", Manifest("evil/c.json")).Symlink("evil", "..");

        Action open = () => Open(tar).Dispose();

        open.Should().Throw<InvalidArchiveException>().Which.Reason.Should().Be(
            "config named by manifest.json[0]: \"evil\" links to \"..\", outside the archive");
    }

    [Fact]
    public void Symlink_loop_stops_after_the_hop_limit()
    {
        var tar = new TarBuilder().File("manifest.json", Manifest("a")).Symlink("a", "b").Symlink("b", "a");

        Action open = () => Open(tar).Dispose();

        open.Should().Throw<InvalidArchiveException>().Which.Reason.Should().StartWith("config named by manifest.json[0]: too many levels of links (more than 40)");
    }

    [Fact]
    public void Hardlink_to_a_file_in_the_archive_resolves_from_the_root()
    {
        var tar = new TarBuilder().File("real.json", Config).HardLink("dir/c.json", "real.json").File("manifest.json", Manifest("dir/c.json"));

        using ImageArchive archive = Open(tar);

        archive.Images.Single().Id.Should().Be(Digest.ComputeUtf8(Config));
    }

    [Fact]
    public void Missing_config_names_the_entry()
    {
        var tar = new TarBuilder().File("manifest.json", Manifest("nothere.json"));

        Action open = () => Open(tar).Dispose();

        open.Should().Throw<InvalidArchiveException>().Which.Message.Should().Be("nothere.json: config named by manifest.json[0]: no such file in the archive");
    }

    [Fact]
    public void Missing_layer_is_reported_as_a_problem_not_a_crash()
    {
        var tar = new TarBuilder().File("manifest.json", Manifest("c.json", "l/layer.tar")).File("c.json", Config);

        using ImageArchive archive = Open(tar);

        archive.Problems.Should().Contain(new ArchiveProblem(ProblemSeverity.Error, ErrorCodes.InvalidArchive, "l/layer.tar", "layer 0 named by manifest.json[0]: no such file in the archive"));
        archive.Problems.Should().Contain(new ArchiveProblem(ProblemSeverity.Error, ErrorCodes.InvalidArchive, "manifest.json[0]", "lists 1 layers but config " + Digest.ComputeUtf8(Config).ShortId + " has 0 diff_ids"));
        archive.Images.Single().Layers.Single().IsPresent.Should().BeFalse();
    }

    [Theory]
    [InlineData("null")]
    [InlineData("{}")]
    [InlineData("[{\"Config\":")]
    [InlineData("[1,2]")]
    public void Malformed_manifest_json_is_an_invalid_document(string json)
    {
        var tar = new TarBuilder().File("manifest.json", json);

        Action open = () => Open(tar).Dispose();

        open.Should().Throw<InvalidDocumentException>().Which.Subject.Should().Be("manifest.json");
    }

    [Fact]
    public void Oversized_manifest_json_exceeds_the_limit_before_it_is_read()
    {
        var tar = new TarBuilder().File("manifest.json", new string(' ', 2049) + "[]");
        var options = new ImageArchiveOptions { Limits = ImageFormatLimits.Default with { MaxJsonBytes = 2048 } };

        Action open = () => ImageArchive.OpenStream(new MemoryStream(tar.Build()), leaveOpen: false, options).Dispose();

        open.Should().Throw<LimitExceededException>().Which.Should().Match<LimitExceededException>(e => e.Limit == "MaxJsonBytes" && e.Maximum == 2048 && e.Found == 2051);
    }

    [Fact]
    public void Truncated_archive_is_an_invalid_tar()
    {
        byte[] whole = File.ReadAllBytes(Path.Combine(RepoPaths.Samples, "hello.tar"));

        Action open = () => ImageArchive.OpenStream(new MemoryStream(whole[..5000]), leaveOpen: false).Dispose();

        open.Should().Throw<InvalidArchiveException>().Which.Code.Should().Be(ErrorCodes.InvalidTar);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(511)]
    [InlineData(4096)]
    public void Junk_is_refused_with_a_typed_error(int length)
    {
        byte[] junk = new byte[length];
        new Random(length).NextBytes(junk);

        Action open = () => ImageArchive.OpenStream(new MemoryStream(junk), leaveOpen: false).Dispose();

        open.Should().Throw<ImageFormatException>();
    }

    [Fact]
    public void Repositories_only_archive_is_refused_with_a_reason()
    {
        var tar = new TarBuilder().File("repositories", "{\"a\":{\"latest\":\"0123\"}}").File("0123/layer.tar", "x");

        Action open = () => Open(tar).Dispose();

        open.Should().Throw<InvalidArchiveException>().Which.Message.Should().StartWith("repositories: a Docker image spec v1.0 archive");
    }

    [Fact]
    public void Tampered_layer_is_reported_by_verify_with_expected_and_actual_diffid()
    {
        byte[] bytes = File.ReadAllBytes(Path.Combine(RepoPaths.Samples, "hello.tar"));
        using var probe = ImageArchive.OpenStream(new MemoryStream(bytes), leaveOpen: false);
        string expectedDiffId = probe.FindImage("hello:latest").Layers[1].DiffId.Value;
        int at = IndexOf(bytes, Encoding.ASCII.GetBytes("second layer"));
        bytes[at] = (byte)'S';

        using var temp = new TempDirectory();
        string path = Path.Combine(temp.Path, "tampered.tar");
        File.WriteAllBytes(path, bytes);
        using ImageArchive archive = ImageArchive.OpenFile(path);
        ArchiveVerification result = ArchiveVerifier.Verify(archive, TestContext.Current.CancellationToken);

        result.IsValid.Should().BeFalse();
        ArchiveProblem problem = result.Problems.Should().ContainSingle().Subject;
        problem.Code.Should().Be(ErrorCodes.DigestMismatch);
        problem.Subject.Should().Be("d5382533fef5dad712d809b085daf3f1748784d92f217510ced3888a2ab8d4f8/layer.tar");
        problem.Message.Should().StartWith($"layer 1 of image b09c12e7651a: config declares diffID {expectedDiffId}, uncompressed content hashes to sha256:");
    }

    [Fact]
    public void Config_whose_content_does_not_match_its_digest_name_is_reported()
    {
        string name = new('a', 64);
        var tar = new TarBuilder().File("manifest.json", Manifest(name + ".json")).File(name + ".json", Config);

        using ImageArchive archive = Open(tar);

        archive.Problems.Should().ContainSingle().Which.Should().Be(new ArchiveProblem(ProblemSeverity.Error, ErrorCodes.DigestMismatch, name + ".json",
            $"config is named by digest sha256:{name} but its content hashes to {Digest.ComputeUtf8(Config)}"));
    }

    private static int IndexOf(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle);
}
