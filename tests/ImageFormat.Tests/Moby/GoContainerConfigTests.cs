using System.Text;
using System.Text.Json;
using FluentAssertions;
using ImageFormat.Digests;
using ImageFormat.Moby;
using ImageFormat.Store;
using ImageFormat.Tests.Store;
using Xunit;

namespace ImageFormat.Tests.Moby;

/// <summary>
/// The one model of moby's <c>container.Config</c> (api/types/container/config.go at v20.10). The expected bytes
/// below were produced by the two writers it replaced (the commit/import config writer and the v1-image decoder's
/// writer, which agreed byte for byte on them), and are what Docker 20.10's Go 1.19 <c>json.Marshal</c> writes for
/// the struct: fields in declaration order, non-<c>omitempty</c> fields written when empty, nil and empty slices
/// and maps distinct, map keys sorted, <c>&lt;</c> <c>&gt;</c> <c>&amp;</c> U+2028 escaped as <c>\u….</c>,
/// backspace and form feed as <c>\u0008</c> and <c>\u000c</c>, DEL and non-ASCII text left raw.
/// </summary>
public class GoContainerConfigTests
{
    private const string Full =
        """{"Hostname":"0123456789ab","Domainname":"example.com","User":"1000:1000","AttachStdin":true,"AttachStdout":true,"AttachStderr":true,"ExposedPorts":{"443/tcp":{},"53/udp":{},"80/tcp":{}},"Tty":true,"OpenStdin":true,"StdinOnce":true,"Env":["PATH=/usr/local/bin:/usr/bin","ESC=\u003c\u0026\u003e\u0008\u000c"""
        + "\u007f"
        + """\u2028\"\\é"],"Cmd":["sh","-c","echo \"hi\" \u003e /tmp/x"],"Healthcheck":{"Test":["CMD-SHELL","true"],"Interval":5000000000,"Timeout":3000000000,"StartPeriod":90000000000,"Retries":3},"ArgsEscaped":true,"Image":"busybox:latest","Volumes":{"/data":{},"/var/log":{}},"WorkingDir":"/srv","Entrypoint":["/entry","--flag"],"NetworkDisabled":true,"MacAddress":"02:42:ac:11:00:02","OnBuild":["RUN echo onbuild"],"Labels":{"a":"1","z":"\u003ctag\u003e","é":"\t"},"StopSignal":"SIGTERM","StopTimeout":10,"Shell":["/bin/bash","-c"]}""";

    // A zero container.Config: what import writes as container_config.
    private const string Zero =
        """{"Hostname":"","Domainname":"","User":"","AttachStdin":false,"AttachStdout":false,"AttachStderr":false,"Tty":false,"OpenStdin":false,"StdinOnce":false,"Env":null,"Cmd":null,"Image":"","Volumes":null,"WorkingDir":"","Entrypoint":null,"OnBuild":null,"Labels":null}""";

    // Empty but not nil: the slices and maps without omitempty are written as [] and {}, the omitempty ones
    // (ExposedPorts, Shell) are left out, and a present but empty Healthcheck pointer is {}.
    private const string EmptyNotNil =
        """{"Hostname":"","Domainname":"","User":"","AttachStdin":false,"AttachStdout":false,"AttachStderr":false,"Tty":false,"OpenStdin":false,"StdinOnce":false,"Env":[],"Cmd":[],"Healthcheck":{},"Image":"","Volumes":{},"WorkingDir":"","Entrypoint":[],"OnBuild":[],"Labels":{}}""";

    private static GoContainerConfig EveryField()
    {
        var config = new GoContainerConfig
        {
            Hostname = "0123456789ab",
            Domainname = "example.com",
            User = "1000:1000",
            AttachStdin = true,
            AttachStdout = true,
            AttachStderr = true,
            ExposedPorts = GoContainerConfig.NewKeySet(),
            Tty = true,
            OpenStdin = true,
            StdinOnce = true,
            Env = ["PATH=/usr/local/bin:/usr/bin", "ESC=<&>\b\f\u007f\u2028\"\\é"],
            Cmd = ["sh", "-c", "echo \"hi\" > /tmp/x"],
            Healthcheck = new GoHealthConfig { Test = ["CMD-SHELL", "true"], Interval = 5000000000, Timeout = 3000000000, StartPeriod = 90000000000, Retries = 3 },
            ArgsEscaped = true,
            Image = "busybox:latest",
            Volumes = GoContainerConfig.NewKeySet(),
            WorkingDir = "/srv",
            Entrypoint = ["/entry", "--flag"],
            NetworkDisabled = true,
            MacAddress = "02:42:ac:11:00:02",
            OnBuild = ["RUN echo onbuild"],
            Labels = GoContainerConfig.NewLabels(),
            StopSignal = "SIGTERM",
            StopTimeout = 10,
            Shell = ["/bin/bash", "-c"],
        };
        config.ExposedPorts.UnionWith(["80/tcp", "443/tcp", "53/udp"]);
        config.Volumes.UnionWith(["/var/log", "/data"]);
        config.Labels["z"] = "<tag>";
        config.Labels["a"] = "1";
        config.Labels["é"] = "\t";
        return config;
    }

    private static string Written(GoContainerConfig config)
    {
        var w = new GoJsonWriter();
        config.Write(w);
        return Encoding.UTF8.GetString(w.WrittenSpan);
    }

    private static GoContainerConfig Decoded(string json)
    {
        var config = new GoContainerConfig();
        using JsonDocument document = JsonDocument.Parse(json);
        config.Apply(document.RootElement, "config");
        return config;
    }

    [Fact]
    public void A_config_with_every_field_set_is_written_as_Docker_marshals_it()
    {
        Written(EveryField()).Should().Be(Full);
    }

    [Fact]
    public void A_decoded_config_with_every_field_is_written_back_byte_for_byte()
    {
        Written(Decoded(Full)).Should().Be(Full);
    }

    [Fact]
    public void A_zero_config_writes_its_nil_slices_and_maps_as_null_and_omits_the_omitempty_fields()
    {
        Written(new GoContainerConfig()).Should().Be(Zero);
        Written(Decoded("{}")).Should().Be(Zero);
    }

    [Fact]
    public void Empty_slices_and_maps_stay_distinct_from_nil_ones()
    {
        var built = new GoContainerConfig
        {
            Env = [], Cmd = [], Volumes = GoContainerConfig.NewKeySet(), Labels = GoContainerConfig.NewLabels(),
            ExposedPorts = GoContainerConfig.NewKeySet(), Shell = [], OnBuild = [], Entrypoint = [], Healthcheck = new GoHealthConfig(),
        };

        Written(built).Should().Be(EmptyNotNil);
        Written(Decoded("""{"Env":[],"Cmd":[],"Volumes":{},"Labels":{},"ExposedPorts":{},"Shell":[],"OnBuild":[],"Entrypoint":[],"Healthcheck":{}}""")).Should().Be(EmptyNotNil);
    }

    [Fact]
    public void Decoding_follows_Go_null_case_folding_and_unknown_key_rules()
    {
        GoContainerConfig config = Decoded("""{"hostname":"h","Env":["A=1"],"Env":null,"Cmd":"sh","Labels":{"a":"1"},"Labels":{"b":null},"User":"u","User":null,"Unknown":[1],"stoptimeout":5}""");

        Written(config).Should().Be(
            """{"Hostname":"h","Domainname":"","User":"u","AttachStdin":false,"AttachStdout":false,"AttachStderr":false,"Tty":false,"OpenStdin":false,"StdinOnce":false,"Env":null,"Cmd":["sh"],"Image":"","Volumes":null,"WorkingDir":"","Entrypoint":null,"OnBuild":null,"Labels":{"a":"1","b":""},"StopTimeout":5}""");
    }

    [Fact]
    public void Map_keys_are_sorted_by_their_UTF8_bytes_as_Go_sorts_them()
    {
        // Docker 20.10 (`docker import -c 'LABEL \ue000=a \U0001F600=b'`, then `docker save`) writes U+E000 (EE 80 80)
        // before U+1F600 (F0 9F 98 80); UTF-16 ordinal order would put the surrogate pair first. Go sorts the keys
        // of every map it marshals so, the volume set included.
        using ImageStore store = ImageStore.CreateInMemory();
        Digest id = store.Import(new MemoryStream(StoreFixture.LayerTar("hello", "hello\n")), new ImportOptions { Changes = ["LABEL \ue000=a \U0001F600=b", "EXPOSE 1/tcp", "VOLUME /\U0001F600 /\ue000"] });

        string config = Encoding.UTF8.GetString(store.ReadConfig(id));

        config.Should().Contain("\"Labels\":{\"\ue000\":\"a\",\"\U0001F600\":\"b\"}");
        config.Should().Contain("\"Volumes\":{\"/\ue000\":{},\"/\U0001F600\":{}}");
    }

    [Fact]
    public void A_clone_shares_no_slice_map_or_health_config()
    {
        GoContainerConfig original = EveryField();
        GoContainerConfig copy = original.Clone();

        copy.Env!.Add("B=2");
        copy.Cmd!.Clear();
        copy.ExposedPorts!.Add("1/tcp");
        copy.Volumes!.Clear();
        copy.Labels!["new"] = "x";
        copy.Healthcheck!.Test!.Add("more");
        copy.Healthcheck.Retries = 9;
        copy.Entrypoint!.Clear();
        copy.OnBuild!.Clear();
        copy.Shell!.Clear();

        Written(original).Should().Be(Full);
    }
}
