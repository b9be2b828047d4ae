using FluentAssertions;
using ImageFormat.Archives;
using ImageFormat.Errors;
using ImageFormat.Layers;
using ImageFormat.Tests.TestSupport;
using Xunit;

namespace ImageFormat.Tests.Hostile;

/// <summary>
/// Seeded mutations of real archives (bytes flipped, runs overwritten, truncations, splices) fed through every
/// reading API. Whatever the damage, the only exceptions allowed are the project's typed ones: bad data must
/// never surface as a NullReferenceException, an IndexOutOfRangeException, an OverflowException or a hang.
/// </summary>
public class MutationFuzzTests
{
    public static TheoryData<string> Inputs() => new()
    {
        "samples/hello.tar", "built/built-engine25.tar", "built/built-buildkit-zstd.tar", "built/built-bazel-whiteout.tar",
        "fixtures/hello-world-v25.tar", "fixtures/test-oci-zstd-image.tar", "fixtures/whiteout_image.tar",
    };

    private static byte[] Load(string input) =>
        input.StartsWith("samples/", StringComparison.Ordinal) ? File.ReadAllBytes(RepoPaths.Sample(input["samples/".Length..]))
        : input.StartsWith("built/", StringComparison.Ordinal) ? BuiltArchives.Build(input["built/".Length..])
        : File.ReadAllBytes(RepoPaths.Fixture(input["fixtures/".Length..]));

    private static byte[] Mutate(byte[] original, Random random)
    {
        byte[] data = (byte[])original.Clone();
        switch (random.Next(5))
        {
            case 0:
                for (int i = random.Next(1, 8); i > 0; i--)
                {
                    data[random.Next(data.Length)] ^= (byte)(1 << random.Next(8));
                }

                return data;
            case 1:
                int start = random.Next(data.Length);
                int length = Math.Min(random.Next(1, 64), data.Length - start);
                random.NextBytes(data.AsSpan(start, length));
                return data;
            case 2:
                return data[..random.Next(data.Length)];
            case 3:
                // Overwrite a byte in a tar header's numeric fields (size, mode, checksum, mtime): the likeliest place for trouble.
                int header = random.Next(data.Length / 512) * 512;
                int field = header + random.Next(100, 160);
                if (field < data.Length)
                {
                    data[field] = (byte)"0123456789 \0\xff\x80"[random.Next(14)];
                }

                return data;
            default:
                int from = random.Next(data.Length);
                int to = random.Next(data.Length);
                int n = Math.Min(random.Next(1, 1024), Math.Min(data.Length - from, data.Length - to));
                Array.Copy(original, from, data, to, n);
                return data;
        }
    }

    /// <summary>Everything a user can do with an archive, read-only.</summary>
    private static void Exercise(byte[] bytes, string scratch)
    {
        using ImageArchive archive = ImageArchive.OpenStream(new MemoryStream(bytes), leaveOpen: false);
        ArchiveVerifier.Verify(archive, TestContext.Current.CancellationToken);
        foreach (ArchiveImage image in archive.Images)
        {
            DockerInspect.Format([image]);
            MergedTree tree = MergedTree.Build(image);
            foreach (MergedEntry entry in tree.Enumerate().Take(50))
            {
                if (entry.Type == ImageFormat.Tar.TarEntryKind.RegularFile)
                {
                    using Stream content = tree.OpenFile(entry.Path);
                    content.CopyTo(Stream.Null);
                }
            }

            foreach (ArchiveLayer layer in image.Layers.Where(l => l.IsPresent))
            {
                using Stream verified = layer.OpenVerified();
                verified.CopyTo(Stream.Null);
            }

            string root = Path.Combine(scratch, Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(root);
            LayerExtractor.ExtractImage(image, root, new LayerExtractOptions { ApplyOwnership = false });
        }
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public void Damaged_archives_give_only_typed_errors(string input)
    {
        byte[] original = Load(input);
        var random = new Random(input.Length * 7919);
        using var scratch = new TempDirectory();
        var unexpected = new List<string>();
        int typed = 0;
        for (int trial = 0; trial < 300; trial++)
        {
            byte[] mutated = Mutate(original, random);
            try
            {
                Exercise(mutated, scratch.Path);
            }
            catch (ImageFormatException)
            {
                typed++;
            }
            catch (Exception e)
            {
                string path = scratch.WriteFile($"trial-{trial}.tar", mutated);
                unexpected.Add($"trial {trial} ({path}): {e.GetType().Name}: {e.Message}\n{e.StackTrace}");
            }
        }

        unexpected.Should().BeEmpty();
        typed.Should().BeGreaterThan(10, "most mutations must be noticed");
    }
}
