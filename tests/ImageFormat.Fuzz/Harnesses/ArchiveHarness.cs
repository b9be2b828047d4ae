using ImageFormat.Archives;
using ImageFormat.Errors;

namespace ImageFormat.Fuzz.Harnesses;

/// <summary>Opening an archive from a stream and verifying it, then reading what a user reads of each image.</summary>
public sealed class ArchiveHarness : Harness
{
    /// <inheritdoc/>
    public override string Name => "archive";

    /// <inheritdoc/>
    public override string Checks => "ImageArchive.OpenStream then ArchiveVerifier.Verify, docker inspect, FindImage and every layer's verified stream; only ImageFormatException may escape.";

    /// <inheritdoc/>
    public override void Run(byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        try
        {
            using ImageArchive archive = ImageArchive.OpenStream(new MemoryStream(data, writable: false), leaveOpen: false, new ImageArchiveOptions { Limits = FuzzLimits.Value });
            ArchiveVerification verification = ArchiveVerifier.Verify(archive);
            _ = verification.ToString();
            foreach (ArchiveImage image in archive.Images)
            {
                _ = ArchiveInspect.Format([image]);
                foreach (string tag in image.RepoTags)
                {
                    Expect(archive.FindImage(tag), image, tag);
                }

                Expect(archive.FindImage(image.Id.ToString()), image, image.Id.ToString());
                foreach (ArchiveLayer layer in image.Layers)
                {
                    if (layer.IsPresent)
                    {
                        using Stream verified = layer.OpenVerified();
                        FuzzLimits.Drain(verified);
                    }
                }
            }
        }
        catch (ImageFormatException)
        {
            // Documented for OpenStream, FindImage, DockerInspect.Format and the layer streams.
        }
    }

    private static void Expect(ArchiveImage found, ArchiveImage image, string name)
    {
        if (found.Id != image.Id)
        {
            throw new FuzzInvariantException($"FindImage(\"{name}\") gave {found.Id}, but {image.Id} carries that name");
        }
    }

    /// <inheritdoc/>
    public override IEnumerable<(string Name, byte[] Data)> Seeds(SeedSources seeds)
    {
        ArgumentNullException.ThrowIfNull(seeds);
        yield return ("hello.tar", seeds.HelloTar);
        foreach ((string name, byte[] bytes) in MergedTreeHarness.SeedArchives())
        {
            yield return (name, bytes);
        }

        foreach ((string name, byte[] bytes) in ArchiveSeeds.OciArchives(seeds))
        {
            yield return (name, bytes);
        }
    }
}
