using FluentAssertions;
using ImageFormat.Archives;
using ImageFormat.Digests;
using ImageFormat.Images;
using ImageFormat.Store;
using ImageFormat.Tests.TestSupport;
using Xunit;

namespace ImageFormat.Tests.Store;

/// <summary>
/// A store on disk loads the uncompressed layers of an archive file by a kernel copy, hashed beside the copy. It
/// must store the same bytes and print the same lines as the streaming path (an in-memory store), and fail a
/// tampered layer with the streaming path's error, leaving the store as it was.
/// </summary>
public class StoreLoadCopyTests
{
    private static string Hello => RepoPaths.Sample("hello.tar");

    [Fact]
    public void Load_of_an_archive_file_stores_each_layer_tar_byte_for_byte_and_prints_the_streamed_loads_lines()
    {
        using var temp = new TempDirectory();
        using ImageArchive archive = ImageArchive.OpenFile(Hello);
        using ImageStore disk = ImageStore.Open(temp.Combine("store"));
        using ImageStore memory = ImageStore.CreateInMemory();

        LoadResult loaded = disk.Load(archive);

        loaded.Lines.Should().Equal(memory.Load(archive).Lines);
        foreach (ArchiveImage image in archive.Images)
        {
            IContainerImage stored = disk.OpenImage(image.Id.Value);
            stored.Layers.Should().HaveSameCount(image.Layers);
            for (int i = 0; i < image.Layers.Count; i++)
            {
                StreamBytes.ReadAllAndDispose(stored.Layers[i].OpenBlob(verify: false)).Should().Equal(StreamBytes.ReadAllAndDispose(image.Layers[i].OpenStored()), $"layer {i} of {image.Id}");
            }
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Load_of_a_tampered_archive_file_throws_the_streamed_loads_invalid_diffID_and_leaves_the_store_as_it_was(bool async)
    {
        using var temp = new TempDirectory();
        (string tampered, Digest layer, Digest found) = TamperedArchive.Hello(temp, "hello:latest");
        string root = temp.Combine("store");
        using ImageStore store = ImageStore.Open(root);
        using (ImageArchive good = ImageArchive.OpenFile(Hello))
        {
            store.Load([good.FindImage("hello:base")]);
        }

        StoreSnapshot snapshot = StoreSnapshot.Take(root);
        using ImageArchive archive = ImageArchive.OpenFile(tampered);
        string streamed;
        using (ImageStore memory = ImageStore.CreateInMemory())
        {
            Action memoryLoad = () => memory.Load([archive.FindImage("hello:latest")]);
            streamed = memoryLoad.Should().Throw<DigestMismatchException>().Which.Message;
        }

        Func<Task> load = async
            ? () => store.LoadAsync([archive.FindImage("hello:latest")], cancellationToken: TestContext.Current.CancellationToken)
            : () => Task.Run(() => store.Load([archive.FindImage("hello:latest")]), TestContext.Current.CancellationToken);

        (await load.Should().ThrowAsync<DigestMismatchException>()).Which.Message.Should().Be(streamed)
            .And.StartWith("layer 1 (").And.EndWith($"): invalid diffID: digest mismatch: expected {layer}, found {found}");
        snapshot.ShouldStillHold(root);
    }
}
