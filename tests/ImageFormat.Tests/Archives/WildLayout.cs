using System.IO.Compression;
using System.Text;
using ImageFormat.Digests;

namespace ImageFormat.Tests.Archives;

/// <summary>
/// An OCI layout as real registries and tools leave them: an image with a BuildKit attestation in a nested image
/// index, a cosign signature (<c>sha256-&lt;hex&gt;.sig</c>), an OCI 1.1 artifact with the empty config and a
/// subject, and a Helm chart, all named by one <c>index.json</c>. Built byte by byte; every digest is known.
/// </summary>
internal sealed class WildLayout
{
    public const string EmptyJsonDigest = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";
    public const string HelmConfigType = "application/vnd.cncf.helm.config.v1+json";

    private readonly SortedDictionary<string, byte[]> _blobs = new(StringComparer.Ordinal);

    public WildLayout(bool withImage = true)
    {
        // The image: one layer, an amd64 config, an OCI manifest.
        Layer = Tar("app.txt", "app\n");
        Digest layer = Add(Layer);
        string config = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + layer + "\"]}}";
        ImageId = Add(config);
        ImageManifest = Add("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":" + Desc("application/vnd.oci.image.config.v1+json", config)
            + ",\"layers\":[" + Desc("application/vnd.oci.image.layer.v1.tar", Layer) + "]}");

        // BuildKit's attestation manifest: an unknown/unknown config, an in-toto layer.
        string statement = "{\"_type\":\"https://in-toto.io/Statement/v0.1\",\"predicateType\":\"https://spdx.dev/Document\",\"subject\":[{\"name\":\"app\",\"digest\":{\"sha256\":\"" + ImageManifest.Encoded + "\"}}],\"predicate\":{}}";
        Add(statement);
        string attConfig = "{\"architecture\":\"unknown\",\"os\":\"unknown\",\"config\":{},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + Digest.ComputeUtf8(statement) + "\"]}}";
        Add(attConfig);
        string attestation = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":" + Desc("application/vnd.oci.image.config.v1+json", attConfig)
            + ",\"layers\":[" + Desc("application/vnd.in-toto+json", statement, "\"annotations\":{\"in-toto.io/predicate-type\":\"https://spdx.dev/Document\"}") + "]}";
        Attestation = Add(attestation);
        string imageIndex = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":["
            + Desc("application/vnd.oci.image.manifest.v1+json", ManifestBytes(ImageManifest), "\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}") + ","
            + Desc("application/vnd.oci.image.manifest.v1+json", attestation, "\"annotations\":{\"vnd.docker.reference.digest\":\"" + ImageManifest + "\",\"vnd.docker.reference.type\":\"attestation-manifest\"},\"platform\":{\"architecture\":\"unknown\",\"os\":\"unknown\"}")
            + "]}";
        ImageIndex = Add(imageIndex);

        // cosign: a signature of the image index, tagged sha256-<hex>.sig, with a simple-signing payload.
        string payload = "{\"critical\":{\"identity\":{\"docker-reference\":\"docker.io/library/app\"},\"image\":{\"docker-manifest-digest\":\"" + ImageIndex + "\"},\"type\":\"cosign container image signature\"},\"optional\":null}";
        Add(payload);
        string sigConfig = "{\"architecture\":\"\",\"created\":\"0001-01-01T00:00:00Z\",\"history\":[{\"created\":\"0001-01-01T00:00:00Z\"}],\"os\":\"\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + Digest.ComputeUtf8(payload) + "\"]},\"config\":{}}";
        Add(sigConfig);
        string signature = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":" + Desc("application/vnd.oci.image.config.v1+json", sigConfig)
            + ",\"layers\":[" + Desc("application/vnd.dev.cosign.simplesigning.v1+json", payload, "\"annotations\":{\"dev.cosignproject.cosign/signature\":\"MEUCIQ==\"}") + "]}";
        Signature = Add(signature);
        SignatureTag = $"sha256-{ImageIndex.Encoded}.sig";

        // An OCI 1.1 artifact: artifactType, the empty config, a subject.
        Add("{}");
        string sbom = "{\"spdxVersion\":\"SPDX-2.3\",\"name\":\"app\"}";
        Add(sbom);
        string artifact = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"artifactType\":\"application/vnd.example.sbom.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.empty.v1+json\",\"digest\":\""
            + EmptyJsonDigest + "\",\"size\":2},\"layers\":[" + Desc("application/spdx+json", sbom) + "],\"subject\":" + Desc("application/vnd.oci.image.manifest.v1+json", ManifestBytes(ImageManifest)) + "}";
        Artifact = Add(artifact);

        // A Helm chart.
        string chartConfig = "{\"name\":\"mychart\",\"version\":\"0.1.0\",\"apiVersion\":\"v2\"}";
        Add(chartConfig);
        byte[] chart = Gzip(Tar("mychart/Chart.yaml", "apiVersion: v2\nname: mychart\nversion: 0.1.0\n"));
        Add(chart);
        string helm = "{\"schemaVersion\":2,\"config\":" + Desc(HelmConfigType, chartConfig) + ",\"layers\":[" + Desc("application/vnd.cncf.helm.chart.content.v1.tar+gzip", chart) + "]}";
        Chart = Add(helm);

        var index = new List<string>();
        if (withImage)
        {
            index.Add(Desc("application/vnd.oci.image.index.v1+json", imageIndex, "\"annotations\":{\"io.containerd.image.name\":\"docker.io/library/app:1\",\"org.opencontainers.image.ref.name\":\"1\"}"));
        }

        index.Add(Desc("application/vnd.oci.image.manifest.v1+json", signature, "\"annotations\":{\"org.opencontainers.image.ref.name\":\"" + SignatureTag + "\"}"));
        index.Add(Desc("application/vnd.oci.image.manifest.v1+json", artifact, "\"artifactType\":\"application/vnd.example.sbom.v1+json\""));
        index.Add(Desc("application/vnd.oci.image.manifest.v1+json", helm, "\"annotations\":{\"org.opencontainers.image.ref.name\":\"mychart:0.1.0\"}"));
        IndexJson = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[" + string.Join(",", index) + "]}";
    }

    public byte[] Layer { get; }

    public Digest ImageId { get; }

    public Digest ImageManifest { get; }

    public Digest ImageIndex { get; }

    public Digest Attestation { get; }

    public Digest Signature { get; }

    public string SignatureTag { get; }

    public Digest Artifact { get; }

    public Digest Chart { get; }

    public string IndexJson { get; }

    /// <summary>The stored blobs by hex digest (for tampering).</summary>
    public IDictionary<string, byte[]> Blobs => _blobs;

    public byte[] BuildTar()
    {
        using var tar = new TarBuilder();
        tar.File("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}");
        foreach ((string hex, byte[] bytes) in _blobs)
        {
            tar.File($"blobs/sha256/{hex}", bytes);
        }

        return tar.File("index.json", IndexJson).Build();
    }

    public string WriteTar(string directory)
    {
        string path = Path.Combine(directory, "wild.tar");
        File.WriteAllBytes(path, BuildTar());
        return path;
    }

    public string WriteDirectory(string directory)
    {
        Directory.CreateDirectory(Path.Combine(directory, "blobs", "sha256"));
        File.WriteAllText(Path.Combine(directory, "oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        foreach ((string hex, byte[] bytes) in _blobs)
        {
            File.WriteAllBytes(Path.Combine(directory, "blobs", "sha256", hex), bytes);
        }

        File.WriteAllText(Path.Combine(directory, "index.json"), IndexJson);
        return directory;
    }

    private byte[] ManifestBytes(Digest digest) => _blobs[digest.Encoded];

    private Digest Add(string text) => Add(Encoding.UTF8.GetBytes(text));

    private Digest Add(byte[] bytes)
    {
        Digest digest = Digest.Compute(bytes);
        _blobs[digest.Encoded] = bytes;
        return digest;
    }

    private static string Desc(string mediaType, string content, string? extra = null) => Desc(mediaType, Encoding.UTF8.GetBytes(content), extra);

    private static string Desc(string mediaType, byte[] content, string? extra = null) =>
        "{\"mediaType\":\"" + mediaType + "\",\"digest\":\"" + Digest.Compute(content) + "\",\"size\":" + content.Length + (extra is null ? string.Empty : "," + extra) + "}";

    private static byte[] Tar(string name, string content)
    {
        using var tar = new TarBuilder();
        return tar.File(name, content).Build();
    }

    private static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }
}
