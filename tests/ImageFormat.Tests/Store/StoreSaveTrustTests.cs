using FluentAssertions;
using ImageFormat.Archives;
using ImageFormat.Archives.Writers;
using ImageFormat.Digests;
using ImageFormat.Store;
using ImageFormat.Tests.TestSupport;
using Xunit;

namespace ImageFormat.Tests.Store;

/// <summary>
/// The store hashed every blob when it stored it, so <c>save</c> to a file copies blobs unchecked unless
/// <see cref="ImageStoreOptions.VerifyBlobsOnSave"/> asks; a save to a stream always checks, and
/// <see cref="ImageStore.Check(bool)"/> finds a blob changed behind the store's back.
/// </summary>
public class StoreSaveTrustTests
{
    /// <summary>A store holding hello.tar whose tar of hello:latest's top layer had a byte flipped on disk.</summary>
    private static (string Root, Digest DiffId, Digest Found, byte[] Tampered) CorruptStore(TempDirectory temp)
    {
        string root = temp.Combine("store");
        Digest diffId;
        using (ImageStore store = ImageStore.Open(root))
        using (ImageArchive archive = ImageArchive.OpenFile(RepoPaths.Sample("hello.tar")))
        {
            store.Load(archive);
            diffId = archive.FindImage("hello:latest").Config.Value.RootFs.DiffIds[^1];
        }

        string blob = BlobPath.Under(root, diffId);
        byte[] bytes = File.ReadAllBytes(blob);
        bytes[600] ^= 1;
        File.WriteAllBytes(blob, bytes);
        return (root, diffId, Digest.Compute(bytes), bytes);
    }

    [Fact]
    public void Save_to_a_file_copies_a_stored_blob_as_it_is_on_disk_and_Check_reports_it()
    {
        using var temp = new TempDirectory();
        (string root, Digest diffId, Digest found, byte[] tampered) = CorruptStore(temp);
        using ImageStore store = ImageStore.Open(root);
        string output = temp.Combine("out.tar");

        store.Save(["hello:latest"], output, ArchiveFormat.Legacy);

        using (ImageArchive saved = ImageArchive.OpenFile(output))
        {
            ArchiveLayer top = saved.FindImage("hello:latest").Layers[^1];
            using Stream stored = top.OpenStored();
            byte[] bytes = new byte[top.Size];
            stored.ReadExactly(bytes);
            bytes.Should().Equal(tampered);
        }

        StoreLayer layer = store.Layers.Single(l => l.DiffId == diffId);
        store.Check(verifyLayerContent: true).Should().Equal($"layer {layer.ChainId}: tar blob hashes to {found}, not its DiffID {diffId}");
    }

    [Theory]
    [InlineData(ArchiveFormat.Docker)]
    [InlineData(ArchiveFormat.Legacy)]
    public void Save_with_VerifyBlobsOnSave_throws_the_digest_mismatch_and_writes_no_file(ArchiveFormat format)
    {
        using var temp = new TempDirectory();
        (string root, Digest diffId, Digest found, _) = CorruptStore(temp);
        using ImageStore store = ImageStore.Open(root, new ImageStoreOptions { VerifyBlobsOnSave = true });
        string outputs = temp.Combine("outputs");
        Directory.CreateDirectory(outputs);

        Action save = () => store.Save(["hello:latest"], Path.Combine(outputs, "out.tar"), format);

        save.Should().Throw<DigestMismatchException>().WithMessage($"layer {diffId}: digest mismatch: expected {diffId}, found {found}");
        Directory.GetFileSystemEntries(outputs).Should().BeEmpty();
    }

    [Fact]
    public void Save_to_a_stream_hashes_stored_blobs_even_when_the_store_is_trusted()
    {
        using var temp = new TempDirectory();
        (string root, Digest diffId, Digest found, _) = CorruptStore(temp);
        using ImageStore store = ImageStore.Open(root);
        IReadOnlyList<ImageToWrite> images = store.ImagesToSave(["hello:latest"], ArchiveFormat.Legacy);

        Action save = () => ArchiveWriter.Write(images, Stream.Null, new ArchiveWriterOptions { Format = ArchiveFormat.Legacy });

        save.Should().Throw<DigestMismatchException>().WithMessage($"layer {diffId}: digest mismatch: expected {diffId}, found {found}");
    }
}
