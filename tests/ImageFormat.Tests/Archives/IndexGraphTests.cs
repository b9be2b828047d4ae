using FluentAssertions;
using ImageFormat.Archives;
using ImageFormat.Digests;
using ImageFormat.Errors;
using Xunit;

namespace ImageFormat.Tests.Archives;

/// <summary>The index graph is walked once per digest, within <see cref="ImageFormatLimits.MaxIndexGraphVisits"/>.</summary>
public class IndexGraphTests
{
    private const int FanOut = 100;
    private const int Levels = 3;

    /// <summary>
    /// index.json names index 3 a hundred times, which names index 2 a hundred times, then index 1, then the
    /// image manifest: about 60 KB that a walk without memory visits 100^4 = 10^8 times.
    /// </summary>
    private static byte[] FanOutArchive()
    {
        byte[] layer;
        using (var layerTar = new TarBuilder())
        {
            layer = layerTar.File("f", "x").Build();
        }

        string config = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + Digest.Compute(layer) + "\"]}}";
        string manifest = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\""
            + Digest.ComputeUtf8(config) + "\",\"size\":" + config.Length + "},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"" + Digest.Compute(layer) + "\",\"size\":" + layer.Length + "}]}";
        using var tar = new TarBuilder();
        tar.File("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}")
            .File($"blobs/sha256/{Digest.Compute(layer).Encoded}", layer)
            .File($"blobs/sha256/{Digest.ComputeUtf8(config).Encoded}", config)
            .File($"blobs/sha256/{Digest.ComputeUtf8(manifest).Encoded}", manifest);
        string child = manifest;
        string childType = "application/vnd.oci.image.manifest.v1+json";
        for (int level = 1; level <= Levels + 1; level++)
        {
            string descriptor = "{\"mediaType\":\"" + childType + "\",\"digest\":\"" + Digest.ComputeUtf8(child) + "\",\"size\":" + child.Length + "}";
            string index = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[" + string.Join(",", Enumerable.Repeat(descriptor, FanOut)) + "]}";
            if (level == Levels + 1)
            {
                tar.File("index.json", index);
                break;
            }

            tar.File($"blobs/sha256/{Digest.ComputeUtf8(index).Encoded}", index);
            child = index;
            childType = "application/vnd.oci.image.index.v1+json";
        }

        return tar.Build();
    }

    // index.json's 100 edges, then per nested index one node and 100 edges, then the manifest's node.
    private const int Visits = FanOut + (Levels * (1 + FanOut)) + 1;

    private static ImageArchive Open(byte[] bytes, int? limit = null) => ImageArchive.OpenStream(new MemoryStream(bytes), leaveOpen: false,
        new ImageArchiveOptions { Limits = limit is { } l ? new ImageFormatLimits { MaxIndexGraphVisits = l } : ImageFormatLimits.Default });

    [Fact]
    public void Fan_out_archive_of_about_60_kb_that_cost_ten_to_the_eighth_walks_visits_each_node_once()
    {
        byte[] bytes = FanOutArchive();
        bytes.Length.Should().BeLessThan(80 * 1024);

        using ImageArchive archive = Open(bytes);

        archive.IndexGraphVisits.Should().Be(Visits).And.Be(404);
        archive.Images.Should().ContainSingle();
        archive.Problems.Should().BeEmpty();
    }

    [Fact]
    public void Graph_of_exactly_the_limit_is_read()
    {
        using ImageArchive archive = Open(FanOutArchive(), Visits);

        archive.IndexGraphVisits.Should().Be(Visits);
        archive.Images.Should().ContainSingle();
    }

    [Fact]
    public void Graph_one_over_the_limit_is_refused_naming_the_limit()
    {
        Action open = () => Open(FanOutArchive(), Visits - 1).Dispose();

        LimitExceededException e = open.Should().Throw<LimitExceededException>().Which;
        e.Code.Should().Be(ErrorCodes.LimitExceeded);
        e.Limit.Should().Be("MaxIndexGraphVisits");
        e.Maximum.Should().Be(Visits - 1);
        e.Found.Should().Be(Visits);
        e.Message.Should().Contain("MaxIndexGraphVisits exceeded: at most 403 allowed, found 404");
    }

    [Fact]
    public void Index_blob_that_names_itself_is_a_reported_cycle_not_a_hang()
    {
        Digest self = Digest.ComputeUtf8("not the content's digest");
        string index = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"digest\":\"" + self + "\",\"size\":10}]}";
        using var tar = new TarBuilder();
        tar.File("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}")
            .File($"blobs/sha256/{self.Encoded}", index)
            .File("index.json", index);

        using ImageArchive archive = ImageArchive.OpenStream(new MemoryStream(tar.Build()), leaveOpen: false);

        archive.Images.Should().BeEmpty();
        archive.Problems.Should().Contain(new ArchiveProblem(ProblemSeverity.Error, ErrorCodes.InvalidArchive, $"blobs/sha256/{self.Encoded}",
            $"named by blobs/sha256/{self.Encoded}, which it leads back to: the index graph has a cycle"));
    }
}
