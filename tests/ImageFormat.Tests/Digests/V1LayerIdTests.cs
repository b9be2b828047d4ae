using System.Text;
using FluentAssertions;
using ImageFormat.Digests;
using ImageFormat.Errors;
using ImageFormat.Moby;
using Xunit;

namespace ImageFormat.Tests.Digests;

/// <summary>
/// Vectors from samples/hello.tar, a real Docker 20.10 <c>docker save</c>: the configs and each layer's
/// <c>&lt;v1id&gt;/json</c> are checked-in copies of its entries (TestData).
/// </summary>
public class V1LayerIdTests
{
    private const string BaseConfig = "5571c1f386721bf1313f133ab61c9f448f40cd1a012742b7839133a5660efdc3.json";
    private const string LatestConfig = "b09c12e7651a467ce036522e14a9a09c116b86b8fa99d152d66e4c9e7f75bda7.json";
    private const string BaseV1 = "62ed6481ad52a9a35abb6f1d0f36f5edf5788703bee5be4b4596048042090a29";
    private const string LatestLowerV1 = "bac20b2c6f28038948b4e09a1c106a7126e7e1855b4ca8ecb5031c9bd0cf4938";
    private const string LatestTopV1 = "d5382533fef5dad712d809b085daf3f1748784d92f217510ced3888a2ab8d4f8";

    [Fact]
    public void Test_data_is_the_archive_config()
    {
        Digest.Compute(Read(BaseConfig)).Encoded.Should().Be(BaseConfig[..64]);
        Digest.Compute(Read(LatestConfig)).Encoded.Should().Be(LatestConfig[..64]);
    }

    [Fact]
    public void Single_layer_image_gets_dockers_v1_id()
    {
        V1LayerId.ComputeAll(Read(BaseConfig)).Should().Equal(BaseV1);
    }

    [Fact]
    public void Two_layer_image_gets_dockers_v1_ids()
    {
        V1LayerId.ComputeAll(Read(LatestConfig)).Should().Equal(LatestLowerV1, LatestTopV1);
    }

    [Theory]
    [InlineData(BaseConfig, 0, BaseV1)]
    [InlineData(LatestConfig, 0, LatestLowerV1)]
    [InlineData(LatestConfig, 1, LatestTopV1)]
    public void Layer_json_is_byte_identical_to_the_archive(string config, int layer, string v1Id)
    {
        V1Layer computed = V1LayerId.ComputeLayers(Read(config))[layer];
        computed.Id.Should().Be(v1Id);
        Encoding.UTF8.GetString(computed.Json.Span).Should().Be(Encoding.UTF8.GetString(Read(v1Id + ".v1.json")));
    }

    [Fact]
    public void Layers_carry_parent_diffid_and_chainid()
    {
        IReadOnlyList<V1Layer> layers = V1LayerId.ComputeLayers(Read(LatestConfig));
        layers[0].ParentId.Should().BeNull();
        layers[1].ParentId.Should().Be(LatestLowerV1);
        layers[0].DiffId.Value.Should().Be("sha256:6db5840b9f3cdbd71e08d783a1f89c833f47943619ae1acf6cb0b35d3e065738");
        layers[0].ChainId.Should().Be(layers[0].DiffId);
        layers[1].ChainId.Value.Should().Be("sha256:eda3b7ab291aeee20471c3a8bb0ff6f0e21209f1f10be9e03f0a4a762e9a136f");
    }

    [Fact]
    public void Reformatting_the_config_does_not_change_the_ids()
    {
        // Go decodes the config, so whitespace, key order and escapes in it do not matter; only values do.
        string text = Encoding.UTF8.GetString(Read(LatestConfig));
        string reformatted = text.Replace("{\"architecture\"", "{ \"os\": \"linux\",\n \"architecture\"", StringComparison.Ordinal)
            .Replace("\"author\":\"ImageFormat samples\"", "\"AUTHOR\" : \"Image\\u0046ormat samples\"", StringComparison.Ordinal);
        reformatted.Should().NotBe(text);
        V1LayerId.ComputeAll(Encoding.UTF8.GetBytes(reformatted)).Should().Equal(LatestLowerV1, LatestTopV1);
    }

    [Fact]
    public void Lower_layer_ids_depend_only_on_the_chain()
    {
        // A lower layer's v1 image carries only the epoch; changing the top's fields must not move it.
        string text = Encoding.UTF8.GetString(Read(LatestConfig)).Replace("\"author\":\"ImageFormat samples\"", "\"author\":\"someone else\"", StringComparison.Ordinal);
        IReadOnlyList<string> ids = V1LayerId.ComputeAll(Encoding.UTF8.GetBytes(text));
        ids[0].Should().Be(LatestLowerV1);
        ids[1].Should().NotBe(LatestTopV1);
    }

    [Fact]
    public void Html_characters_are_escaped_as_go_does()
    {
        byte[] config = Encoding.UTF8.GetBytes(
            """{"comment":"a<b>&c\u2028\u0001\"\\\n\u007f\u00e9","os":"linux","rootfs":{"type":"layers","diff_ids":["sha256:6db5840b9f3cdbd71e08d783a1f89c833f47943619ae1acf6cb0b35d3e065738"]}}""");
        string json = Encoding.UTF8.GetString(V1LayerId.ComputeLayers(config)[0].Json.Span);
        json.Should().Contain("\"comment\":\"a\\u003cb\\u003e\\u0026c\\u2028\\u0001\\\"\\\\\\n\u007f\u00e9\"");
    }

    [Fact]
    public void Config_fields_are_written_in_go_order_with_omitempty_rules()
    {
        byte[] config = Encoding.UTF8.GetBytes("""
            {"Size":5,"variant":"v8","architecture":"arm64","created":"2020-01-02T03:04:05.120000000+02:00",
             "config":{"Labels":{"b":"2","a":null},"Cmd":"sh","ExposedPorts":{"80/tcp":{}},"Healthcheck":{"Retries":3},
                       "StopTimeout":10,"Shell":[],"Volumes":{},"Env":[],"ArgsEscaped":true,"Unknown":1},
             "rootfs":{"diff_ids":["sha256:6db5840b9f3cdbd71e08d783a1f89c833f47943619ae1acf6cb0b35d3e065738"]}}
            """);
        string json = Encoding.UTF8.GetString(V1LayerId.ComputeLayers(config)[0].Json.Span);
        json.Should().Be(
            "{\"id\":\"" + V1LayerId.ComputeAll(config)[0] + "\",\"created\":\"2020-01-02T03:04:05.12+02:00\","
            + "\"container_config\":{\"Hostname\":\"\",\"Domainname\":\"\",\"User\":\"\",\"AttachStdin\":false,\"AttachStdout\":false,\"AttachStderr\":false,\"Tty\":false,\"OpenStdin\":false,\"StdinOnce\":false,\"Env\":null,\"Cmd\":null,\"Image\":\"\",\"Volumes\":null,\"WorkingDir\":\"\",\"Entrypoint\":null,\"OnBuild\":null,\"Labels\":null},"
            + "\"config\":{\"Hostname\":\"\",\"Domainname\":\"\",\"User\":\"\",\"AttachStdin\":false,\"AttachStdout\":false,\"AttachStderr\":false,\"ExposedPorts\":{\"80/tcp\":{}},\"Tty\":false,\"OpenStdin\":false,\"StdinOnce\":false,\"Env\":[],\"Cmd\":[\"sh\"],\"Healthcheck\":{\"Retries\":3},\"ArgsEscaped\":true,\"Image\":\"\",\"Volumes\":{},\"WorkingDir\":\"\",\"Entrypoint\":null,\"OnBuild\":null,\"Labels\":{\"a\":\"\",\"b\":\"2\"},\"StopTimeout\":10},"
            + "\"architecture\":\"arm64\",\"variant\":\"v8\",\"Size\":5}");
    }

    [Theory]
    [InlineData("2020-01-02T03:04:05Z", "2020-01-02T03:04:05Z")]
    [InlineData("2020-01-02T03:04:05.000Z", "2020-01-02T03:04:05Z")]
    [InlineData("2020-01-02T03:04:05.1234567891234Z", "2020-01-02T03:04:05.123456789Z")]
    [InlineData("2020-01-02T03:04:05,5+00:00", "2020-01-02T03:04:05.5Z")]
    [InlineData("2020-01-02T03:04:05-00:00", "2020-01-02T03:04:05Z")]
    [InlineData("2020-01-02T3:04:05-07:30", "2020-01-02T03:04:05-07:30")]
    [InlineData("0000-02-29T00:00:00Z", "0000-02-29T00:00:00Z")]
    public void Created_is_round_tripped_as_go_time(string input, string expected)
    {
        GoTime.Normalize("\"" + input + "\"").Should().Be(expected);
    }

    [Theory]
    [InlineData("2020-02-30T00:00:00Z")]
    [InlineData("2021-02-29T00:00:00Z")]
    [InlineData("2020-01-02 03:04:05Z")]
    [InlineData("2020-01-02T24:00:00Z")]
    [InlineData("2020-01-02T03:04:60Z")]
    [InlineData("2020-01-02T03:04:05")]
    [InlineData("2020-01-02T03:04:05+0100")]
    [InlineData("2020-01-02T03:04:05Zjunk")]
    [InlineData("20-01-02T03:04:05Z")]
    public void Created_that_go_cannot_parse_is_refused(string input)
    {
        Action parse = () => GoTime.Normalize("\"" + input + "\"");
        parse.Should().Throw<InvalidDocumentException>().Which.Code.Should().Be(ErrorCodes.InvalidDocument);
    }

    [Fact]
    public void Absent_created_marshals_as_go_zero_time_and_null_keeps_the_value()
    {
        byte[] config = Encoding.UTF8.GetBytes("""{"created":"2020-01-02T03:04:05Z","CREATED":null,"rootfs":{"diff_ids":["sha256:6db5840b9f3cdbd71e08d783a1f89c833f47943619ae1acf6cb0b35d3e065738"]}}""");
        Encoding.UTF8.GetString(V1LayerId.ComputeLayers(config)[0].Json.Span).Should().Contain("\"created\":\"2020-01-02T03:04:05Z\"");
        byte[] bare = Encoding.UTF8.GetBytes("""{"rootfs":{"diff_ids":["sha256:6db5840b9f3cdbd71e08d783a1f89c833f47943619ae1acf6cb0b35d3e065738"]}}""");
        Encoding.UTF8.GetString(V1LayerId.ComputeLayers(bare)[0].Json.Span).Should().Contain("\"created\":\"0001-01-01T00:00:00Z\"");
    }

    [Fact]
    public void No_layers_gives_no_ids()
    {
        V1LayerId.ComputeAll("""{"rootfs":{"type":"layers"}}"""u8).Should().BeEmpty();
    }

    [Theory]
    [InlineData("[]", "image config: not a JSON object")]
    [InlineData("{}", "image config: no rootfs")]
    [InlineData("""{"rootfs":{"diff_ids":["sha256:abc"]}}""", "image config: rootfs.diff_ids[0]: sha256 needs 64 hex characters, found 3")]
    [InlineData("""{"rootfs":{"diff_ids":[]},"author":5}""", "image config: author: expected a string, found a number")]
    [InlineData("""{"rootfs":{"diff_ids":[]},"config":{"Tty":"yes"}}""", "image config: config.Tty: expected a boolean, found a string")]
    [InlineData("""{"rootfs":{"diff_ids":[]},"Size":1.5}""", "image config: Size: expected an integer, found a number")]
    [InlineData("""{"rootfs":{"diff_ids":[]},"config":{"Cmd":[1]}}""", "image config: config.Cmd: expected a string, found a number")]
    public void Invalid_configs_are_refused_with_the_reason(string config, string message)
    {
        Action compute = () => V1LayerId.ComputeAll(Encoding.UTF8.GetBytes(config));
        compute.Should().Throw<InvalidDocumentException>().WithMessage(message).Which.Code.Should().Be(ErrorCodes.InvalidDocument);
    }

    [Fact]
    public void Malformed_json_is_refused()
    {
        Action compute = () => V1LayerId.ComputeAll("{\"rootfs\":"u8);
        compute.Should().Throw<InvalidDocumentException>();
        Action trailing = () => V1LayerId.ComputeAll("{\"rootfs\":{}} x"u8);
        trailing.Should().Throw<InvalidDocumentException>();
    }

    [Fact]
    public void Limits_are_enforced()
    {
        var limits = new ImageFormatLimits { MaxJsonBytes = 10, MaxJsonDepth = 3, MaxLayerCount = 1 };
        Action big = () => V1LayerId.ComputeAll("{\"rootfs\":{}}   "u8, limits);
        big.Should().Throw<LimitExceededException>().Which.Limit.Should().Be("MaxJsonBytes");
        Action deep = () => V1LayerId.ComputeAll("{\"a\":[[[1]]]}"u8, limits with { MaxJsonBytes = 100 });
        deep.Should().Throw<LimitExceededException>().Which.Limit.Should().Be("MaxJsonDepth");
        string two = "\"sha256:6db5840b9f3cdbd71e08d783a1f89c833f47943619ae1acf6cb0b35d3e065738\"";
        Action many = () => V1LayerId.ComputeAll(Encoding.UTF8.GetBytes($"{{\"rootfs\":{{\"diff_ids\":[{two},{two}]}}}}"), limits with { MaxJsonBytes = 1000 });
        many.Should().Throw<LimitExceededException>().Which.Limit.Should().Be("MaxLayerCount");
    }

    private static byte[] Read(string name) => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Digests", "TestData", name));

    // Found by the json fuzzing harness: a key that cannot become a string threw InvalidOperationException from
    // JsonProperty.Name.
    [Theory]
    [InlineData("{\"\\ud800\":1,\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}")]
    [InlineData("{\"rootfs\":{\"\\udc00\":1,\"type\":\"layers\",\"diff_ids\":[]}}")]
    [InlineData("{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]},\"config\":{\"\\ud800x\":\"\"}}")]
    public void Config_with_a_lone_surrogate_escape_in_a_key_is_refused_as_invalid(string json)
    {
        Action compute = () => V1LayerId.ComputeAll(Encoding.UTF8.GetBytes(json));

        compute.Should().Throw<InvalidDocumentException>().WithMessage("*cannot be decoded*").Which.Code.Should().Be(ErrorCodes.InvalidDocument);
    }

    [Fact]
    public void Config_that_is_not_valid_utf8_is_refused_as_invalid()
    {
        byte[] config = [.. "{\""u8, 0xE9, .. "\":1,\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}"u8];

        Action compute = () => V1LayerId.ComputeLayers(config);

        compute.Should().Throw<InvalidDocumentException>().WithMessage("*not valid UTF-8*").Which.Code.Should().Be(ErrorCodes.InvalidDocument);
    }
}
