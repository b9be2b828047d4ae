using System.Text.Json;
using FluentAssertions;
using ImageFormat.Digests;
using ImageFormat.Model;
using Xunit;
using static ImageFormat.Tests.Model.ModelTestData;

namespace ImageFormat.Tests.Model;

public class SerializeTests
{
    private static readonly Digest D1 = Digest.Parse("sha256:ee301c921b8aadc002973b2e0c3da17d701dcd994b606769a7e6eaa100b81d44");
    private static readonly Digest D2 = Digest.Parse("sha256:12660636fe55438cc3ae7424da7ac56e845cdb52493ff9cf949c47a7f57f8b43");

    private static Descriptor Layer(Digest digest, long size) => new() { MediaType = MediaTypes.OciLayerGzip, Digest = digest, Size = size };

    [Fact]
    public void A_new_manifest_is_written_compact_in_the_documented_order()
    {
        ImageManifest manifest = new()
        {
            MediaType = MediaTypes.OciManifest,
            Annotations = new Dictionary<string, string> { ["b"] = "2", ["a"] = "1" },
            Layers = [Layer(D2, 10)],
            Config = new Descriptor { MediaType = MediaTypes.OciConfig, Digest = D1, Size = 581 },
        };

        Text(ImageDocuments.Serialize(manifest)).Should().Be(
            "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\"," +
            "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + D1 + "\",\"size\":581}," +
            "\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"" + D2 + "\",\"size\":10}]," +
            "\"annotations\":{\"a\":\"1\",\"b\":\"2\"}}");
    }

    [Fact]
    public void Strings_are_escaped_as_go_json_marshal_does()
    {
        ImageConfig config = new() { RootFs = new RootFs(), Author = "<a&b>\u2028\u2029\n\r\t\b\f\"\\\u0001\u007f é😀" };

        Text(ImageDocuments.Serialize(config)).Should().Be(
            "{\"author\":\"\\u003ca\\u0026b\\u003e\\u2028\\u2029\\n\\r\\t\\b\\f\\\"\\\\\\u0001\u007f é😀\",\"rootfs\":{\"type\":\"layers\"}}");
    }

    [Fact]
    public void Map_keys_are_sorted_by_utf8_bytes_not_utf16_units()
    {
        // U+1F600 is a surrogate pair (0xD83D...) in UTF-16, sorting before U+E000; in UTF-8 it sorts after.
        Descriptor d = Layer(D1, 1) with
        {
            Annotations = new Dictionary<string, string> { ["😀"] = "4", ["\uE000"] = "3", ["é"] = "2", ["B"] = "1", ["a"] = "0" },
        };

        Text(ImageDocuments.Serialize(new ImageManifest { Config = d })).Should().Contain(
            "\"annotations\":{\"B\":\"1\",\"a\":\"0\",\"é\":\"2\",\"\uE000\":\"3\",\"😀\":\"4\"}");
    }

    [Fact]
    public void Output_does_not_depend_on_dictionary_insertion_order()
    {
        ContainerConfig one = new() { Labels = new Dictionary<string, string> { ["x"] = "1", ["y"] = "2" }, ExposedPorts = ["80/tcp", "443/tcp"] };
        ContainerConfig two = new() { Labels = new Dictionary<string, string> { ["y"] = "2", ["x"] = "1" }, ExposedPorts = ["443/tcp", "80/tcp"] };

        byte[] a = ImageDocuments.Serialize(new ImageConfig { RootFs = new RootFs(), Config = one });
        byte[] b = ImageDocuments.Serialize(new ImageConfig { RootFs = new RootFs(), Config = two });

        a.Should().Equal(b);
        Text(a).Should().Be("{\"config\":{\"ExposedPorts\":{\"443/tcp\":{},\"80/tcp\":{}},\"Labels\":{\"x\":\"1\",\"y\":\"2\"}},\"rootfs\":{\"type\":\"layers\"}}");
    }

    [Fact]
    public void Unknown_fields_survive_parse_and_serialize_after_the_known_ones_in_original_order()
    {
        string json = "{\"zz\":{\"b\":1,\"a\":[true,null,1.50]},\"schemaVersion\":2,\"config\":{\"x-extra\":\"v\",\"mediaType\":\"m\",\"digest\":\"" + D1 +
            "\",\"size\":1,\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\",\"x-p\":0}},\"aa\":\"\\u003c\",\"layers\":[]}";

        ImageManifest manifest = ImageDocuments.ParseManifest(Utf8(json), "doc").Value;

        manifest.AdditionalFields!.Keys.Should().Equal("zz", "aa");
        manifest.Config.AdditionalFields!["x-extra"].GetString().Should().Be("v");
        Text(ImageDocuments.Serialize(manifest)).Should().Be(
            "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"m\",\"digest\":\"" + D1 + "\",\"size\":1," +
            "\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\",\"x-p\":0},\"x-extra\":\"v\"},\"layers\":[]," +
            "\"zz\":{\"b\":1,\"a\":[true,null,1.50]},\"aa\":\"\\u003c\"}");
    }

    [Fact]
    public void Additional_fields_given_by_a_caller_are_written_and_copied()
    {
        Dictionary<string, JsonElement> extra = new() { ["moby.buildkit.buildinfo.v1"] = JsonDocument.Parse("\"e30=\"").RootElement };
        ImageConfig config = new() { RootFs = new RootFs(), AdditionalFields = extra };
        extra.Clear();

        Text(ImageDocuments.Serialize(config)).Should().Be("{\"rootfs\":{\"type\":\"layers\"},\"moby.buildkit.buildinfo.v1\":\"e30=\"}");
    }

    [Fact]
    public void Serialize_is_deterministic_and_parses_back_to_the_same_bytes()
    {
        ImageConfig config = new()
        {
            Architecture = "amd64",
            Os = "linux",
            Created = "2026-11-27T22:48:51.27236017Z",
            Config = new ContainerConfig
            {
                Env = ["PATH=/bin"],
                Cmd = [],
                Healthcheck = new HealthConfig { Test = ["CMD", "true"], Interval = 30_000_000_000, Retries = 3 },
                StopTimeout = 10,
                Volumes = ["/data"],
            },
            History = [new HistoryEntry { Created = "2026-11-27T22:48:51Z", CreatedBy = "/bin/sh", EmptyLayer = true }],
            RootFs = new RootFs { DiffIds = [D1, D2] },
        };

        byte[] first = ImageDocuments.Serialize(config);
        ImageDocuments.Serialize(config).Should().Equal(first);
        RawDocument<ImageConfig> reparsed = ImageDocuments.ParseConfig(first, "doc");
        ImageDocuments.Serialize(reparsed.Value).Should().Equal(first);
        reparsed.Value.Config!.Cmd.Should().BeEmpty();
        reparsed.Value.Config.Healthcheck!.Interval.Should().Be(30_000_000_000);
        Text(first).Should().Be(
            "{\"architecture\":\"amd64\",\"config\":{\"Env\":[\"PATH=/bin\"],\"Cmd\":[],\"Healthcheck\":{\"Test\":[\"CMD\",\"true\"],\"Interval\":30000000000,\"Retries\":3}," +
            "\"Volumes\":{\"/data\":{}},\"StopTimeout\":10},\"created\":\"2026-11-27T22:48:51.27236017Z\"," +
            "\"history\":[{\"created\":\"2026-11-27T22:48:51Z\",\"created_by\":\"/bin/sh\",\"empty_layer\":true}],\"os\":\"linux\"," +
            "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + D1 + "\",\"" + D2 + "\"]}}");
    }

    [Fact]
    public void A_new_index_writes_an_empty_manifest_list_and_a_flagged_one_writes_null()
    {
        Text(ImageDocuments.Serialize(new ImageIndex { MediaType = MediaTypes.OciIndex }))
            .Should().Be("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[]}");
        Text(ImageDocuments.Serialize(new ImageIndex { ManifestsWasNull = true }))
            .Should().Be("{\"schemaVersion\":2,\"manifests\":null}");
    }

    [Fact]
    public void Archive_manifest_is_written_with_docker_key_names_null_repo_tags_and_sorted_layer_sources()
    {
        DockerArchiveManifestEntry entry = new()
        {
            Config = "blobs/sha256/" + D1.Encoded,
            Layers = ["blobs/sha256/" + D2.Encoded, "blobs/sha256/" + D1.Encoded],
            LayerSources = new Dictionary<Digest, Descriptor> { [D2] = Layer(D2, 2), [D1] = Layer(D1, 1) },
        };

        Text(ImageDocuments.SerializeArchiveManifest([entry])).Should().Be(
            "[{\"Config\":\"blobs/sha256/" + D1.Encoded + "\",\"RepoTags\":null,\"Layers\":[\"blobs/sha256/" + D2.Encoded + "\",\"blobs/sha256/" + D1.Encoded + "\"]," +
            "\"LayerSources\":{\"" + D2 + "\":{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"" + D2 + "\",\"size\":2}," +
            "\"" + D1 + "\":{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"" + D1 + "\",\"size\":1}}}]");
    }

    [Fact]
    public void Descriptor_data_is_base64_both_ways()
    {
        ImageManifest manifest = new() { Config = new Descriptor { MediaType = MediaTypes.OciEmpty, Digest = Digest.Compute("{}"u8), Size = 2, Data = "{}"u8.ToArray() } };

        byte[] bytes = ImageDocuments.Serialize(manifest);

        Text(bytes).Should().Contain("\"size\":2,\"data\":\"e30=\"}");
        ImageDocuments.ParseManifest(bytes, "doc").Value.Config.Data!.Value.ToArray().Should().Equal("{}"u8.ToArray());
    }

    [Fact]
    public void Invalid_values_are_refused_before_writing()
    {
        FluentActions.Invoking(() => ImageDocuments.Serialize(new ImageManifest { Config = Layer(D1, -1) }))
            .Should().Throw<ArgumentException>().WithMessage("not a valid ImageManifest: at $.config.size: negative size -1*");
        FluentActions.Invoking(() => ImageDocuments.Serialize(new ImageManifest { Config = new Descriptor { MediaType = "m", Size = 1 } }))
            .Should().Throw<ArgumentException>().WithMessage("not a valid ImageManifest: at $.config.digest: missing*");
        FluentActions.Invoking(() => ImageDocuments.Serialize(new ImageManifest { Config = Layer(D1, 1), Layers = [null!] }))
            .Should().Throw<ArgumentException>().WithMessage("not a valid ImageManifest: at $.layers[0]: null, expected a descriptor*");
        FluentActions.Invoking(() => ImageDocuments.Serialize((ImageConfig)null!)).Should().Throw<ArgumentNullException>();
    }

    [Fact]
    public void RawDocument_Create_keeps_the_serialised_bytes_and_their_digest()
    {
        ImageConfig config = new() { Architecture = "amd64", Os = "linux", RootFs = new RootFs { DiffIds = [D2] } };

        RawDocument<ImageConfig> doc = RawDocument.Create(config);

        doc.Value.Should().BeSameAs(config);
        doc.Bytes.ToArray().Should().Equal(ImageDocuments.Serialize(config));
        doc.Digest.Should().Be(Digest.Compute(doc.Bytes.Span));
        doc.Size.Should().Be(doc.Bytes.Length);
        Descriptor descriptor = doc.ToDescriptor(MediaTypes.OciConfig);
        descriptor.Digest.Should().Be(doc.Digest);
        descriptor.Size.Should().Be(doc.Size);
    }

    [Fact]
    public void A_parsed_document_keeps_a_private_copy_of_its_bytes()
    {
        byte[] bytes = Read("v25-config.json");
        RawDocument<ImageConfig> doc = ImageDocuments.ParseConfig(bytes, "doc");
        bytes[0] = (byte)' ';

        doc.Digest.Value.Should().Be("sha256:ee301c921b8aadc002973b2e0c3da17d701dcd994b606769a7e6eaa100b81d44");
    }

    [Fact]
    public void Repositories_are_written_sorted_at_both_levels()
    {
        Dictionary<string, IReadOnlyDictionary<string, string>> repositories = new()
        {
            ["z"] = new Dictionary<string, string> { ["b"] = "2", ["a"] = "1" },
            ["hello"] = new Dictionary<string, string> { ["latest"] = "x" },
        };

        Text(RawDocument.CreateRepositories(repositories).Bytes).Should().Be("{\"hello\":{\"latest\":\"x\"},\"z\":{\"a\":\"1\",\"b\":\"2\"}}");
    }
}
