using System.Text;
using FluentAssertions;
using ImageFormat.Errors;
using ImageFormat.Model;
using Xunit;
using static ImageFormat.Tests.Model.ModelTestData;

namespace ImageFormat.Tests.Model;

/// <summary>Hostile and broken documents: only <see cref="InvalidDocumentException"/> or <see cref="LimitExceededException"/>.</summary>
public class ParseErrorTests
{
    private const string D1 = "sha256:ee301c921b8aadc002973b2e0c3da17d701dcd994b606769a7e6eaa100b81d44";
    private const string Config = "{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + D1 + "\",\"size\":581}";

    private static string Manifest(string layers = "[]", string config = Config, string extra = "")
        => "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":" + config + ",\"layers\":" + layers + extra + "}";

    private static InvalidDocumentException Refused(Action parse)
    {
        InvalidDocumentException ex = parse.Should().Throw<InvalidDocumentException>().Which;
        ex.Code.Should().Be(ErrorCodes.InvalidDocument);
        ex.Subject.Should().Be("doc");
        return ex;
    }

    private static InvalidDocumentException RefusedManifest(string json) => Refused(() => ImageDocuments.ParseManifest(Utf8(json), "doc"));

    [Fact]
    public void A_well_formed_manifest_parses()
    {
        ImageDocuments.ParseManifest(Utf8(Manifest()), "doc").Value.Config.Size.Should().Be(581);
    }

    [Theory]
    [InlineData("", "malformed JSON at $ (line 1, byte 1)")]
    [InlineData("   ", "malformed JSON at $ (line 1, byte 4)")]
    [InlineData("{", "malformed JSON at $ (line 1, byte 2)")]
    [InlineData("{\"schemaVersion\":2,", "malformed JSON at $.schemaVersion (line 1, byte 19)")]
    [InlineData("{\"schemaVersion\":2}}", "malformed JSON at $ (line 1, byte 20)")]
    [InlineData("{\"schemaVersion\":2} x", "malformed JSON at $ (line 1, byte 21)")]
    [InlineData("{}{}", "malformed JSON at $ (line 1, byte 3)")]
    [InlineData("{\"schemaVersion\":2,}", "malformed JSON at $.schemaVersion (line 1, byte 20)")]
    [InlineData("{/*c*/\"schemaVersion\":2}", "malformed JSON at $ (line 1, byte 2)")]
    [InlineData("{'schemaVersion':2}", "malformed JSON at $ (line 1, byte 2)")]
    [InlineData("\uFEFF{}", "malformed JSON at $ (line 1, byte 1)")]
    public void Malformed_json_is_refused_with_its_location(string json, string reasonStart)
    {
        RefusedManifest(json).Reason.Should().StartWith(reasonStart);
    }

    [Fact]
    public void Invalid_utf8_is_refused_even_inside_unknown_fields()
    {
        byte[] bytes = Utf8(Manifest(extra: ",\"x\":\"ab\""));
        int at = Array.IndexOf(bytes, (byte)'b', bytes.Length - 10);
        bytes[at] = 0xFF;

        Refused(() => ImageDocuments.ParseManifest(bytes, "doc")).Reason.Should().Be($"invalid UTF-8 at byte offset {at}");
    }

    [Fact]
    public void An_escaped_lone_surrogate_is_refused()
    {
        RefusedManifest(Manifest(extra: ",\"annotations\":{\"a\":\"\\ud800\"}")).Reason.Should().StartWith("at $.annotations");
    }

    [Fact]
    public void A_null_document_is_refused()
    {
        RefusedManifest("null").Reason.Should().Be("at $: the document is null");
        Refused(() => ImageDocuments.ParseArchiveManifest(Utf8(" null "), "doc")).Reason.Should().Be("at $: the document is null");
        Refused(() => ImageDocuments.ParseRepositories(Utf8("null"), "doc")).Reason.Should().Be("at $: the document is null");
    }

    [Theory]
    [InlineData("[]", "at $ (line 1, byte ")]
    [InlineData("2", "at $ (line 1, byte ")]
    [InlineData("\"x\"", "at $ (line 1, byte ")]
    public void A_document_of_the_wrong_kind_is_refused(string json, string reason)
    {
        RefusedManifest(json).Reason.Should().StartWith(reason).And.EndWith("The JSON value could not be converted to ImageFormat.Model.ImageManifest.");
    }

    [Theory]
    [InlineData("{\"schemaVersion\":\"2\",\"config\":" + Config + ",\"layers\":[]}", "at $.schemaVersion")]
    [InlineData("{\"schemaVersion\":2.0,\"config\":" + Config + ",\"layers\":[]}", "at $.schemaVersion")]
    [InlineData("{\"schemaVersion\":2,\"config\":" + Config + ",\"layers\":{}}", "at $.layers")]
    [InlineData("{\"schemaVersion\":2,\"config\":[],\"layers\":[]}", "at $.config")]
    [InlineData("{\"schemaVersion\":2,\"config\":" + Config + ",\"layers\":[],\"annotations\":{\"a\":1}}", "at $.annotations")]
    [InlineData("{\"schemaVersion\":2,\"config\":" + Config + ",\"layers\":[],\"annotations\":[]}", "at $.annotations")]
    [InlineData("{\"schemaVersion\":2,\"config\":" + Config + ",\"layers\":[],\"mediaType\":7}", "at $.mediaType")]
    public void Wrong_types_are_refused_at_their_path(string json, string reasonStart)
    {
        RefusedManifest(json).Reason.Should().StartWith(reasonStart);
    }

    [Theory]
    [InlineData("null", "at $.config")]
    public void Null_where_a_descriptor_is_required_is_refused(string config, string reasonStart)
    {
        RefusedManifest(Manifest(config: config)).Reason.Should().StartWith(reasonStart);
    }

    [Fact]
    public void Null_inside_the_layer_list_is_refused()
    {
        RefusedManifest(Manifest(layers: "[null]")).Reason.Should().Be("at $.layers[0]: null, expected a descriptor");
    }

    [Fact]
    public void Null_media_type_in_a_descriptor_is_refused()
    {
        RefusedManifest(Manifest(config: "{\"mediaType\":null,\"digest\":\"" + D1 + "\",\"size\":1}")).Reason.Should().StartWith("at $.config.mediaType");
    }

    [Fact]
    public void Null_annotation_value_is_refused()
    {
        RefusedManifest(Manifest(extra: ",\"annotations\":{\"k\":null}")).Reason.Should().StartWith("at $.annotations (line 1, byte ").And.EndWith("): null value for key \"k\"");
    }

    [Fact]
    public void Missing_required_fields_are_named()
    {
        RefusedManifest("{\"schemaVersion\":2}").Reason.Should().Contain("missing required properties").And.Contain("config");
        RefusedManifest(Manifest(config: "{\"mediaType\":\"x\",\"size\":1}")).Reason.Should().StartWith("at $.config").And.Contain("digest");
    }

    [Theory]
    [InlineData("\"sha256:abc\"", "at $.config.digest (line 1, byte 163): invalid digest \"sha256:abc\": sha256 needs 64 hex characters, found 3")]
    [InlineData("\"SHA256:ee301c921b8aadc002973b2e0c3da17d701dcd994b606769a7e6eaa100b81d44\"", "at $.config.digest (line 1, byte 224): invalid digest \"SHA256:ee301c921b8aadc002973b2e0c3da17d701dcd994b606769a7e6eaa100b81d44\": unsupported algorithm \"SHA256\" (expected sha256 or sha512)")]
    [InlineData("null", "at $.config.digest")]
    [InlineData("12", "at $.config.digest")]
    public void Bad_digests_are_refused_at_their_path(string digest, string reasonStart)
    {
        RefusedManifest(Manifest(config: "{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":" + digest + ",\"size\":1}"))
            .Reason.Should().StartWith(reasonStart);
    }

    [Theory]
    [InlineData("-1", "at $.layers[0].size: negative size -1")]
    [InlineData("99999999999999999999", "at $.layers[0].size")]
    [InlineData("9223372036854775808", "at $.layers[0].size")]
    [InlineData("1.5", "at $.layers[0].size")]
    [InlineData("1e3", "at $.layers[0].size")]
    [InlineData("\"12\"", "at $.layers[0].size")]
    [InlineData("null", "at $.layers[0].size")]
    public void Bad_sizes_are_refused(string size, string reasonStart)
    {
        RefusedManifest(Manifest(layers: "[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"" + D1 + "\",\"size\":" + size + "}]"))
            .Reason.Should().StartWith(reasonStart);
    }

    [Fact]
    public void The_largest_size_is_accepted()
    {
        ImageDocuments.ParseManifest(Utf8(Manifest(layers: "[{\"mediaType\":\"m\",\"digest\":\"" + D1 + "\",\"size\":9223372036854775807}]")), "doc")
            .Value.Layers[0].Size.Should().Be(long.MaxValue);
    }

    [Theory]
    [InlineData(1, "at $.schemaVersion: expected 2, found 1 (Docker schema 1 manifests are not supported)")]
    [InlineData(3, "at $.schemaVersion: expected 2, found 3")]
    public void Schema_versions_other_than_2_are_refused(int version, string reason)
    {
        RefusedManifest(Manifest().Replace("\"schemaVersion\":2", $"\"schemaVersion\":{version}", StringComparison.Ordinal)).Reason.Should().Be(reason);
    }

    [Fact]
    public void An_index_media_type_is_refused_as_a_manifest_and_the_reverse()
    {
        RefusedManifest(Manifest().Replace(MediaTypes.OciManifest, MediaTypes.OciIndex, StringComparison.Ordinal))
            .Reason.Should().Be("at $.mediaType: \"application/vnd.oci.image.index.v1+json\" is an index, not an image manifest");
        Refused(() => ImageDocuments.ParseIndex(Utf8("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.DockerManifestSchema2 + "\",\"manifests\":[]}"), "doc"))
            .Reason.Should().Be("at $.mediaType: \"application/vnd.docker.distribution.manifest.v2+json\" is an image manifest, not an index");
    }

    [Fact]
    public void An_index_without_manifests_is_refused_but_null_is_the_docker_25_quirk()
    {
        Refused(() => ImageDocuments.ParseIndex(Utf8("{\"schemaVersion\":2}"), "doc")).Reason.Should().Contain("manifests");
        ImageDocuments.ParseIndex(Utf8("{\"schemaVersion\":2,\"manifests\":null}"), "doc").Value.ManifestsWasNull.Should().BeTrue();
    }

    [Fact]
    public void Duplicate_top_level_keys_are_refused()
    {
        RefusedManifest("{\"schemaVersion\":2,\"schemaVersion\":2}").Reason.Should().Be("at $.schemaVersion: duplicate key \"schemaVersion\"");
    }

    [Fact]
    public void Duplicate_keys_in_a_nested_descriptor_are_refused()
    {
        RefusedManifest(Manifest(layers: "[" + Config + "," + Config.Replace("\"size\":581", "\"size\":1,\"size\":2", StringComparison.Ordinal) + "]"))
            .Reason.Should().Be("at $.layers[1].size: duplicate key \"size\"");
    }

    [Fact]
    public void Duplicate_keys_in_a_map_are_refused()
    {
        RefusedManifest(Manifest(extra: ",\"annotations\":{\"a\":\"1\",\"b\":\"2\",\"a\":\"3\"}")).Reason.Should().Be("at $.annotations.a: duplicate key \"a\"");
    }

    [Fact]
    public void Duplicate_unknown_keys_are_refused()
    {
        RefusedManifest(Manifest(extra: ",\"x-tool\":1,\"x-tool\":2")).Reason.Should().Be("at $.x-tool: duplicate key \"x-tool\"");
    }

    [Fact]
    public void Duplicate_keys_deep_inside_unknown_fields_are_refused()
    {
        RefusedManifest(Manifest(extra: ",\"x\":[{},{\"k\":{\"z\":0,\"z\":1}}]")).Reason.Should().Be("at $.x[1].k.z: duplicate key \"z\"");
    }

    [Fact]
    public void Keys_that_differ_only_by_escaping_are_duplicates()
    {
        RefusedManifest("{\"schemaVersion\":2,\"schem\\u0061Version\":2}").Reason.Should().Be("at $.schemaVersion: duplicate key \"schemaVersion\"");
    }

    [Fact]
    public void Archive_manifest_keys_differing_only_by_case_are_duplicates()
    {
        Refused(() => ImageDocuments.ParseArchiveManifest(Utf8("[{\"Config\":\"a.json\",\"config\":\"b.json\",\"Layers\":[]}]"), "doc"))
            .Reason.Should().Contain("Duplicate").And.Contain("onfig");
    }

    [Fact]
    public void Jib_lowercase_archive_manifest_keys_are_read()
    {
        DockerArchiveManifestEntry entry = ImageDocuments.ParseArchiveManifest(
            Utf8("[{\"config\":\"config.json\",\"repoTags\":[\"jib:latest\"],\"layers\":[\"sha256:aa.tar.gz\"]}]"), "doc").Value[0];

        entry.Config.Should().Be("config.json");
        entry.RepoTags.Should().Equal("jib:latest");
        entry.Layers.Should().Equal("sha256:aa.tar.gz");
    }

    [Theory]
    [InlineData("[null]", "at $[0]: null, expected an object")]
    [InlineData("[{\"Config\":\"c\",\"Layers\":[null]}]", "at $[0].Layers[0]: null, expected a string")]
    [InlineData("[{\"Config\":\"c\",\"Layers\":[],\"RepoTags\":[null]}]", "at $[0].RepoTags[0]: null, expected a string")]
    [InlineData("[{\"Config\":\"c\",\"Layers\":[],\"Parent\":\"sha256:x\"}]", "at $[0].Parent (line 1, byte 47): invalid digest \"sha256:x\": sha256 needs 64 hex characters, found 1")]
    [InlineData("[{\"Config\":\"c\",\"Layers\":[],\"LayerSources\":{\"sha256:x\":{}}}]", "at $[0].LayerSources")]
    [InlineData("[{\"Config\":null,\"Layers\":[]}]", "at $[0].Config")]
    [InlineData("{}", "at $ (line 1, byte 2): The JSON value could not be converted to")]
    public void Broken_archive_manifests_are_refused(string json, string reasonStart)
    {
        Refused(() => ImageDocuments.ParseArchiveManifest(Utf8(json), "doc")).Reason.Should().StartWith(reasonStart);
    }

    [Theory]
    [InlineData("{\"r\":null}", "at $ (line 1, byte 10): null value for key \"r\"")]
    [InlineData("{\"r\":{\"t\":1}}", "at $")]
    [InlineData("{\"r\":{\"t\":null}}", "at $")]
    [InlineData("[]", "at $")]
    public void Broken_repositories_files_are_refused(string json, string reasonStart)
    {
        Refused(() => ImageDocuments.ParseRepositories(Utf8(json), "doc")).Reason.Should().StartWith(reasonStart);
    }

    [Theory]
    [InlineData("{\"rootfs\":{\"type\":\"layers\"},\"created\":\"yesterday\"}", "at $.created: \"yesterday\" is not an RFC 3339 timestamp")]
    [InlineData("{\"rootfs\":{\"type\":\"layers\"},\"created\":\"2023-02-30T00:00:00Z\"}", "at $.created: \"2023-02-30T00:00:00Z\" is not an RFC 3339 timestamp")]
    [InlineData("{\"rootfs\":{\"type\":\"layers\"},\"created\":\"2023-05-02 16:49:27Z\"}", "at $.created: \"2023-05-02 16:49:27Z\" is not an RFC 3339 timestamp")]
    [InlineData("{\"rootfs\":{\"type\":\"layers\"},\"history\":[{\"created\":\"2023-05-02T16:49:27.1234567891Z\"}]}", "at $.history[0].created: \"2023-05-02T16:49:27.1234567891Z\" is not an RFC 3339 timestamp")]
    [InlineData("{\"rootfs\":{\"type\":\"layers\"},\"history\":[null]}", "at $.history[0]: null, expected an object")]
    [InlineData("{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:1\"]}}", "at $.rootfs.diff_ids (line 1, byte 50): element 0: invalid digest \"sha256:1\": sha256 needs 64 hex characters, found 1")]
    [InlineData("{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[null]}}", "at $.rootfs.diff_ids (line 1, byte 44): element 0: expected a digest string, found null")]
    [InlineData("{\"rootfs\":null}", "at $.rootfs")]
    [InlineData("{\"architecture\":\"amd64\"}", "at $ (line 1, byte 25): JSON deserialization for type 'ImageFormat.Model.ImageConfig' was missing required properties including: 'rootfs'.")]
    [InlineData("{\"rootfs\":{\"type\":\"layers\"},\"config\":{\"Env\":[null]}}", "at $.config.Env[0]: null, expected a string")]
    [InlineData("{\"rootfs\":{\"type\":\"layers\"},\"config\":{\"ExposedPorts\":{\"80/tcp\":1}}}", "at $.config.ExposedPorts")]
    [InlineData("{\"rootfs\":{\"type\":\"layers\"},\"config\":{\"Tty\":\"yes\"}}", "at $.config.Tty")]
    public void Broken_configs_are_refused(string json, string reasonStart)
    {
        Refused(() => ImageDocuments.ParseConfig(Utf8(json), "doc")).Reason.Should().StartWith(reasonStart);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"manifests\":[]}")]
    [InlineData("{\"manifests\":[],\"layers\":[]}")]
    [InlineData("{\"schemaVersion\":1,\"mediaType\":\"application/vnd.docker.distribution.manifest.v1+prettyjws\"}")]
    [InlineData("[]")]
    public void ParseManifestOrIndex_refuses_what_is_neither_or_both(string json)
    {
        Refused(() => ImageDocuments.ParseManifestOrIndex(Utf8(json), "doc"));
    }

    [Fact]
    public void ParseManifestOrIndex_refuses_a_media_type_holding_a_lone_surrogate_escape()
    {
        // Found by the json fuzzing harness: the escape passed the syntax check, then reading the media type threw
        // InvalidOperationException.
        InvalidDocumentException e = Refused(() => ImageDocuments.ParseManifestOrIndex(Utf8("{\"mediaType\":\"\\ud800\",\"manifests\":[]}"), "doc"));

        e.Message.Should().Contain("at $.mediaType");
    }

    [Fact]
    public void ParseManifestOrIndex_falls_back_to_shape_without_a_media_type()
    {
        ImageDocuments.ParseManifestOrIndex(Utf8("{\"schemaVersion\":2,\"manifests\":[]}"), "doc").IsIndex.Should().BeTrue();
        ImageDocuments.ParseManifestOrIndex(Utf8("{\"schemaVersion\":2,\"config\":" + Config + ",\"layers\":[]}"), "doc").IsIndex.Should().BeFalse();
    }

    [Fact]
    public void Oci_layout_without_version_is_refused()
    {
        Refused(() => ImageDocuments.ParseOciLayout(Utf8("{\"imageLayoutVersion\":null}"), "doc")).Reason.Should().StartWith("at $.imageLayoutVersion");
        Refused(() => ImageDocuments.ParseOciLayout(Utf8("{}"), "doc")).Reason.Should().Contain("imageLayoutVersion");
    }

    [Fact]
    public void Every_truncation_of_a_real_manifest_is_refused_as_invalid()
    {
        byte[] bytes = Read("v25-image-manifest.json");
        for (int length = 0; length < bytes.Length; length++)
        {
            byte[] prefix = bytes[..length];
            Action parse = () => ImageDocuments.ParseManifestOrIndex(prefix, "doc");
            parse.Should().Throw<InvalidDocumentException>($"a {length}-byte prefix is not a document");
        }
    }

    [Fact]
    public void Every_single_byte_corruption_of_a_real_config_parses_or_throws_invalid_document()
    {
        byte[] bytes = Read("v25-config.json");
        byte[] replacements = Encoding.ASCII.GetBytes("\"{}[],:0-ex\\ ").Append((byte)0xC3).Append((byte)0x00).ToArray();
        foreach (byte replacement in replacements)
        {
            for (int i = 0; i < bytes.Length; i++)
            {
                byte[] copy = (byte[])bytes.Clone();
                copy[i] = replacement;
                try
                {
                    ImageDocuments.ParseConfig(copy, "doc");
                }
                catch (InvalidDocumentException)
                {
                }
            }
        }
    }
}
