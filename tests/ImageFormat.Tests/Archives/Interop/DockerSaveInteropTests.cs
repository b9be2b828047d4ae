using FluentAssertions;
using ImageFormat.Archives;
using ImageFormat.Digests;
using Xunit;

namespace ImageFormat.Tests.Archives.Interop;

/// <summary>Archives written by Docker 20.10's <c>docker save</c>, read by us and checked against <c>docker image inspect</c>.</summary>
public class DockerSaveInteropTests
{
    [Fact]
    public void Every_image_in_a_multi_image_docker_save_has_dockers_id_diffids_and_tags()
    {
        DockerSavedImages images = DockerSavedImages.Get();
        using ImageArchive archive = ImageArchive.OpenFile(images.AllArchive);

        archive.Problems.Should().BeEmpty();
        archive.Images.Should().HaveCount(4, "second and its alias are one image");
        foreach (string tag in images.Tags)
        {
            (string id, string[] diffIds, string[] repoTags, _) = images.Inspect(tag);
            ArchiveImage image = archive.FindImage(tag);
            image.Id.Value.Should().Be(id, tag);
            image.Layers.Select(l => l.DiffId.Value).Should().Equal(diffIds, tag);
            image.RepoTags.Should().BeEquivalentTo(repoTags, tag);
        }
    }

    [Fact]
    public void Parent_links_are_read_from_manifest_json_as_docker_recorded_them()
    {
        DockerSavedImages images = DockerSavedImages.Get();
        using ImageArchive archive = ImageArchive.OpenFile(images.AllArchive);

        ArchiveImage second = archive.FindImage(images.Second);
        second.Parent.Should().Be(Digest.Parse(images.Inspect(images.First).Id));
        archive.FindImage(images.First).Parent.Should().Be(Digest.Parse(images.Inspect("busybox:base").Id));
        archive.FindImage(images.Imported).Parent.Should().BeNull();
    }

    [Fact]
    public void Shared_layers_are_stored_once_and_linked_and_every_blob_verifies()
    {
        DockerSavedImages images = DockerSavedImages.Get();
        using ImageArchive archive = ImageArchive.OpenFile(images.AllArchive);

        ArchiveLayer baseOfBusybox = archive.FindImage("busybox:base").Layers[0];
        ArchiveLayer baseOfSecond = archive.FindImage(images.Second).Layers[0];
        baseOfSecond.DiffId.Should().Be(baseOfBusybox.DiffId);
        baseOfSecond.Entry.Should().NotBe(baseOfBusybox.Entry, "each image chain has its own v1 layer directory");
        baseOfSecond.ResolvedEntry.Should().Be(baseOfBusybox.ResolvedEntry, "Docker writes the repeat as a symlink to the first copy");

        ArchiveVerification verification = ArchiveVerifier.Verify(archive, TestContext.Current.CancellationToken);
        verification.Problems.Should().BeEmpty();
        verification.BlobsChecked.Should().Be(4, "busybox's layer, first's, second's and the imported one");
    }

    [Fact]
    public void Cli_ls_lists_what_docker_images_shows_for_the_saved_tags()
    {
        DockerSavedImages images = DockerSavedImages.Get();

        Cli.CliResult result = Cli.CliRunner.Run("archive", "ls", "--format", "json", images.AllArchive);

        result.ExitCode.Should().Be(0, result.StdErr);
        using var json = System.Text.Json.JsonDocument.Parse(result.StdOut);
        var listed = json.RootElement.EnumerateArray().ToDictionary(
            e => e.GetProperty("Id").GetString()!,
            e => e.GetProperty("RepoTags").EnumerateArray().Select(t => t.GetString()!).Order(StringComparer.Ordinal).ToArray());
        foreach (string tag in images.Tags)
        {
            (string id, _, string[] repoTags, _) = images.Inspect(tag);
            listed[id].Should().Equal(repoTags.Order(StringComparer.Ordinal));
        }
    }
}
