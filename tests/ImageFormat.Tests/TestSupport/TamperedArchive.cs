using ImageFormat.Archives;
using ImageFormat.Digests;

namespace ImageFormat.Tests.TestSupport;

/// <summary>Copies of samples/hello.tar with one byte flipped inside the stored bytes of a layer.</summary>
internal static class TamperedArchive
{
    /// <summary>
    /// Writes into <paramref name="temp"/> a copy of hello.tar with byte 600 of the last layer of
    /// <paramref name="image"/> flipped, and returns its path, the layer's digest and the digest the tampered bytes have.
    /// </summary>
    public static (string Path, Digest Layer, Digest Found) Hello(TempDirectory temp, string image = "hello:base")
    {
        string hello = RepoPaths.Sample("hello.tar");
        byte[] archiveBytes = File.ReadAllBytes(hello);
        byte[] blob;
        Digest digest;
        using (ImageArchive archive = ImageArchive.OpenFile(hello))
        {
            ArchiveLayer layer = archive.FindImage(image).Layers[^1];
            digest = layer.Digest;
            blob = new byte[layer.Size];
            using Stream stored = layer.OpenStored();
            stored.ReadExactly(blob);
        }

        // hello.tar stores its layers uncompressed, so the blob's bytes are in the file as they are.
        int at = archiveBytes.AsSpan().IndexOf(blob);
        if (at < 0)
        {
            throw new InvalidOperationException($"the layer {digest} is not stored verbatim in {hello}");
        }

        archiveBytes[at + 600] ^= 1;
        blob[600] ^= 1;
        string path = temp.Combine($"tampered-{image.Replace(':', '-')}.tar");
        File.WriteAllBytes(path, archiveBytes);
        return (path, digest, Digest.Compute(blob));
    }
}
