using System.Formats.Tar;
using System.Text;
using ImageFormat.Compression;
using ImageFormat.Digests;
using ImageFormat.Tests.Archives;

namespace ImageFormat.Tests.TestSupport;

/// <summary>
/// Archives in the dialects of real tools, built byte by byte with their quirks, so that a clone without the
/// optional fixtures folder still covers every dialect. Each mirrors one real archive's structure (documented
/// upstream: Docker Engine 25's <c>docker save</c>, Bazel rules_docker's legacy layout, BuildKit's
/// <c>--output type=oci</c>); the bytes are deterministic, so their digests can be asserted.
/// </summary>
internal static class BuiltArchives
{
    /// <summary>The names the tests use for the built archives, beside the fixtures' file names.</summary>
    public static readonly string[] Names = ["built-engine25.tar", "built-bazel-whiteout.tar", "built-buildkit-zstd.tar"];

    private static readonly Lazy<string> s_folder = new(() =>
    {
        string folder = Path.Combine(Path.GetTempPath(), $"imagefmt-built-{Environment.ProcessId}");
        Directory.CreateDirectory(folder);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(folder, recursive: true);
        return folder;
    });

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> s_paths = new(StringComparer.Ordinal);

    /// <summary>The built archive <paramref name="name"/> as a file, written once per test run into a folder deleted at exit.</summary>
    public static string PathOf(string name) => s_paths.GetOrAdd(name, n => WriteTo(s_folder.Value, n));

    /// <summary>Writes the built archive <paramref name="name"/> (one of <see cref="Names"/>) into <paramref name="directory"/>.</summary>
    public static string WriteTo(string directory, string name)
    {
        string path = Path.Combine(directory, name);
        File.WriteAllBytes(path, Build(name));
        return path;
    }

    public static byte[] Build(string name) => name switch
    {
        "built-engine25.tar" => Engine25(),
        "built-bazel-whiteout.tar" => BazelWhiteout(),
        "built-buildkit-zstd.tar" => BuildKitZstd(),
        _ => throw new ArgumentException($"no built archive {name}", nameof(name)),
    };

    /// <summary>The one layer of <see cref="Engine25"/>: an uncompressed tar holding <c>/hello</c>.</summary>
    public static byte[] Engine25Layer()
    {
        using var tar = new TarBuilder(TarEntryFormat.Ustar);
        return tar.File("hello", Encoding.UTF8.GetBytes("#!/bin/sh\necho hello\n"), (UnixFileMode)0x1ED).Build();
    }

    /// <summary>The config of <see cref="Engine25"/>: arm64, as Docker writes it.</summary>
    public static string Engine25Config() =>
        "{\"architecture\":\"arm64\",\"config\":{\"Env\":[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"],\"Cmd\":[\"/hello\"],\"WorkingDir\":\"/\"},"
        + "\"created\":\"2023-05-02T16:49:27.904844451Z\",\"history\":[{\"created\":\"2023-05-02T16:49:27.904844451Z\",\"created_by\":\"COPY hello / # buildkit\",\"comment\":\"buildkit.dockerfile.v0\"}],"
        + "\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + Digest.Compute(Engine25Layer()) + "\"]}}";

    /// <summary>
    /// Docker Engine 25.0.0–25.0.2 <c>docker save</c> of an image saved by ID: the dual format (OCI layout plus
    /// <c>manifest.json</c>), <c>index.json</c> with <c>"manifests": null</c>, <c>RepoTags: null</c>,
    /// <c>LayerSources</c> on the layer, an uncompressed OCI layer, a config descriptor carrying a platform,
    /// an unreferenced v1 <c>json</c> blob, no <c>repositories</c> file, and <c>oci-layout</c> written with a space.
    /// </summary>
    public static byte[] Engine25()
    {
        byte[] layer = Engine25Layer();
        Digest layerDigest = Digest.Compute(layer);
        string config = Engine25Config();
        Digest configDigest = Digest.ComputeUtf8(config);
        string manifest = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\""
            + configDigest + "\",\"size\":" + config.Length + ",\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\"}},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\""
            + layerDigest + "\",\"size\":" + layer.Length + "}]}";
        string v1Json = "{\"id\":\"" + Digest.ComputeUtf8("v1 id").Encoded + "\",\"created\":\"2023-05-02T16:49:27Z\",\"architecture\":\"arm64\",\"os\":\"linux\"}";
        var blobs = new SortedDictionary<string, byte[]>(StringComparer.Ordinal)
        {
            [layerDigest.Encoded] = layer,
            [configDigest.Encoded] = Encoding.UTF8.GetBytes(config),
            [Digest.ComputeUtf8(manifest).Encoded] = Encoding.UTF8.GetBytes(manifest),
            [Digest.ComputeUtf8(v1Json).Encoded] = Encoding.UTF8.GetBytes(v1Json),
        };
        using var tar = new TarBuilder(TarEntryFormat.Ustar);
        tar.Directory("blobs/", (UnixFileMode)0x1ED).Directory("blobs/sha256/", (UnixFileMode)0x1ED);
        foreach ((string hex, byte[] bytes) in blobs)
        {
            tar.File($"blobs/sha256/{hex}", bytes, (UnixFileMode)0x1A4);
        }

        tar.File("index.json", "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":null}")
            .File("manifest.json", "[{\"Config\":\"blobs/sha256/" + configDigest.Encoded + "\",\"RepoTags\":null,\"Layers\":[\"blobs/sha256/" + layerDigest.Encoded
                + "\"],\"LayerSources\":{\"" + layerDigest + "\":{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"size\":" + layer.Length + ",\"digest\":\"" + layerDigest + "\"}}}]")
            .File("oci-layout", "{\"imageLayoutVersion\": \"1.0.0\"}");
        return tar.Build();
    }

    /// <summary>The three layers of <see cref="BazelWhiteout"/>: two read-only files, a <c>.wh.</c> whiteout of one, an empty tar.</summary>
    public static byte[][] BazelLayers()
    {
        var readOnly = (UnixFileMode)0x16D; // 0555
        byte[] first;
        using (var tar = new TarBuilder(TarEntryFormat.Ustar))
        {
            first = tar.Directory("./", (UnixFileMode)0x1ED).File("./bar.txt", "bar\n"u8.ToArray(), readOnly).File("./foo.txt", "foo\n"u8.ToArray(), readOnly).Build();
        }

        byte[] second;
        using (var tar = new TarBuilder(TarEntryFormat.Ustar))
        {
            second = tar.Directory("./", (UnixFileMode)0x1ED).File("./.wh.foo.txt", [], readOnly).Build();
        }

        // An empty layer: nothing but the end-of-archive blocks, padded to a 10 KiB record as Python's tarfile does.
        return [first, second, new byte[10240]];
    }

    /// <summary>
    /// Bazel rules_docker's legacy layout: per-layer <c>&lt;v1id&gt;/{VERSION,json,layer.tar}</c> directories, a
    /// <c>&lt;hex&gt;.json</c> config, Python-formatted <c>manifest.json</c> and <c>repositories</c> (spaces after
    /// separators), three layers: files of mode 0555, a <c>.wh.</c> whiteout, and an empty tar.
    /// </summary>
    public static byte[] BazelWhiteout()
    {
        byte[][] layers = BazelLayers();
        string[] v1Ids = [.. Enumerable.Range(0, 3).Select(i => Digest.ComputeUtf8($"bazel layer {i}").Encoded)];
        string config = "{\"architecture\": \"amd64\", \"author\": \"Bazel\", \"config\": {}, \"created\": \"1970-01-01T00:00:00Z\", \"history\": ["
            + string.Join(", ", layers.Select(_ => "{\"author\": \"Bazel\", \"created\": \"1970-01-01T00:00:00Z\", \"created_by\": \"bazel build ...\"}"))
            + "], \"os\": \"linux\", \"rootfs\": {\"diff_ids\": [" + string.Join(", ", layers.Select(l => "\"" + Digest.Compute(l) + "\"")) + "], \"type\": \"layers\"}}";
        string configName = Digest.ComputeUtf8(config).Encoded + ".json";
        using var tar = new TarBuilder(TarEntryFormat.Ustar);
        tar.File(configName, Encoding.UTF8.GetBytes(config), (UnixFileMode)0x1A4);
        for (int i = layers.Length - 1; i >= 0; i--)
        {
            string parent = i > 0 ? $", \"parent\": \"{v1Ids[i - 1]}\"" : string.Empty;
            tar.File($"{v1Ids[i]}/VERSION", "1.0"u8.ToArray(), (UnixFileMode)0x1A4)
                .File($"{v1Ids[i]}/layer.tar", layers[i], (UnixFileMode)0x1A4)
                .File($"{v1Ids[i]}/json", Encoding.UTF8.GetBytes($"{{\"created\": \"1970-01-01T00:00:00Z\", \"id\": \"{v1Ids[i]}\"{parent}}}"), (UnixFileMode)0x1A4);
        }

        tar.File("repositories", Encoding.UTF8.GetBytes($"{{\"bazel/pkg/v1/mutate\": {{\"whiteout_image\": \"{v1Ids[^1]}\"}}}}"), (UnixFileMode)0x1A4)
            .File("manifest.json", Encoding.UTF8.GetBytes($"[{{\"Config\": \"{configName}\", \"Layers\": [{string.Join(", ", v1Ids.Select(id => $"\"{id}/layer.tar\""))}], \"RepoTags\": [\"bazel/pkg/v1/mutate:whiteout_image\"]}}]"), (UnixFileMode)0x1A4);
        return tar.Build();
    }

    /// <summary>The uncompressed layer of <see cref="BuildKitZstd"/>: <c>/README.md</c>.</summary>
    public static byte[] BuildKitLayer()
    {
        using var tar = new TarBuilder();
        return tar.File("README.md", Encoding.UTF8.GetBytes("# built by the tests\n"), (UnixFileMode)0x1A4).Build();
    }

    /// <summary>Compresses with zstd.</summary>
    public static byte[] Zstd(byte[] data)
    {
        using var output = new MemoryStream();
        using (Stream zstd = Compressor.Open(output, CompressionFormat.Zstd, null, leaveOpen: true))
        {
            zstd.Write(data);
        }

        return output.ToArray();
    }

    /// <summary>
    /// BuildKit's <c>--output type=oci</c>: a pure OCI layout tar (no <c>manifest.json</c>), blobs and
    /// <c>oci-layout</c> of mode 0444, an indented manifest, one arm64 image whose layer is zstd-compressed,
    /// and a <c>created</c> annotation on the index entry.
    /// </summary>
    public static byte[] BuildKitZstd()
    {
        byte[] plain = BuildKitLayer();
        byte[] layer = Zstd(plain);
        Digest layerDigest = Digest.Compute(layer);
        string config = "{\"architecture\":\"arm64\",\"config\":{\"Env\":[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"],\"WorkingDir\":\"/\"},\"created\":\"2025-01-26T22:54:00.500849935+01:00\","
            + "\"history\":[{\"created\":\"2025-01-26T22:54:00.500849935+01:00\",\"created_by\":\"COPY README.md /README.md # buildkit\",\"comment\":\"buildkit.dockerfile.v0\"}],\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\""
            + Digest.Compute(plain) + "\"]}}";
        Digest configDigest = Digest.ComputeUtf8(config);
        string manifest = "{\n  \"schemaVersion\": 2,\n  \"mediaType\": \"application/vnd.oci.image.manifest.v1+json\",\n  \"config\": {\n    \"mediaType\": \"application/vnd.oci.image.config.v1+json\",\n    \"digest\": \""
            + configDigest + "\",\n    \"size\": " + config.Length + "\n  },\n  \"layers\": [\n    {\n      \"mediaType\": \"application/vnd.oci.image.layer.v1.tar+zstd\",\n      \"digest\": \""
            + layerDigest + "\",\n      \"size\": " + layer.Length + "\n    }\n  ]\n}";
        Digest manifestDigest = Digest.ComputeUtf8(manifest);
        var readOnly = (UnixFileMode)0x124; // 0444
        var blobs = new SortedDictionary<string, byte[]>(StringComparer.Ordinal)
        {
            [layerDigest.Encoded] = layer,
            [configDigest.Encoded] = Encoding.UTF8.GetBytes(config),
            [manifestDigest.Encoded] = Encoding.UTF8.GetBytes(manifest),
        };
        using var tar = new TarBuilder();
        tar.Directory("blobs/", (UnixFileMode)0x1ED).Directory("blobs/sha256/", (UnixFileMode)0x1ED);
        foreach ((string hex, byte[] bytes) in blobs)
        {
            tar.File($"blobs/sha256/{hex}", bytes, readOnly);
        }

        tar.File("index.json", Encoding.UTF8.GetBytes("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\""
                + manifestDigest + "\",\"size\":" + manifest.Length + ",\"annotations\":{\"org.opencontainers.image.created\":\"2025-01-26T22:05:43Z\"},\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\"}}]}"), (UnixFileMode)0x1A4)
            .File("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}"u8.ToArray(), readOnly);
        return tar.Build();
    }
}
