using System.Text;
using FluentAssertions;
using ImageFormat.Digests;
using ImageFormat.Errors;
using ImageFormat.Store;
using Xunit;

namespace ImageFormat.Tests.Store;

/// <summary>
/// <c>-c HEALTHCHECK …</c> of <c>import</c> and <c>commit</c>, as Docker 20.10's builder parses it; the configs and
/// messages are what <c>docker commit -c</c> gives (compared with the engine by <see cref="DockerListingInteropTests"/>).
/// </summary>
public class DockerfileChangesTests
{
    private static string ImportedConfig(string change)
    {
        using ImageStore store = ImageStore.CreateInMemory();
        Digest id = store.Import(new MemoryStream(StoreFixture.LayerTar("hello", "hello\n")), new ImportOptions { Changes = [change] });
        return Encoding.UTF8.GetString(store.ReadConfig(id));
    }

    [Theory]
    [InlineData("HEALTHCHECK NONE", "{\"Test\":[\"NONE\"]}")]
    [InlineData("HEALTHCHECK --retries=3 NONE", "{\"Test\":[\"NONE\"]}")]
    [InlineData("healthcheck cmd   echo   \"a  b\"", "{\"Test\":[\"CMD-SHELL\",\"echo   \\\"a  b\\\"\"]}")]
    [InlineData("HEALTHCHECK --interval=5s --timeout=3s --start-period=1m30s --retries=3 CMD [\"a\",\"b\"]",
        "{\"Test\":[\"CMD\",\"a\",\"b\"],\"Interval\":5000000000,\"Timeout\":3000000000,\"StartPeriod\":90000000000,\"Retries\":3}")]
    [InlineData("HEALTHCHECK --timeout=1.5h2m CMD [\"x\"", "{\"Test\":[\"CMD-SHELL\",\"[\\\"x\\\"\"],\"Timeout\":5520000000000}")]
    public void A_HEALTHCHECK_change_writes_Dockers_Healthcheck(string change, string healthcheck)
    {
        ImportedConfig(change).Should().Contain("\"Cmd\":null,\"Healthcheck\":" + healthcheck + ",\"Image\":\"\"");
    }

    [Theory]
    [InlineData("HEALTHCHECK", "HEALTHCHECK requires at least one argument")]
    [InlineData("HEALTHCHECK --interval=5s", "HEALTHCHECK requires at least one argument")]
    [InlineData("HEALTHCHECK CMD []", "Missing command after HEALTHCHECK CMD")]
    [InlineData("HEALTHCHECK NONE x", "HEALTHCHECK NONE takes no arguments")]
    [InlineData("HEALTHCHECK -interval=5s CMD x", "Unknown type \"-INTERVAL=5S\" in HEALTHCHECK (try CMD)")]
    [InlineData("HEALTHCHECK --foo=1 CMD x", "Unknown flag: foo")]
    [InlineData("HEALTHCHECK --interval 5s CMD x", "Missing a value on flag: interval")]
    [InlineData("HEALTHCHECK --interval=5s --interval=6s CMD x", "Duplicate flag specified: interval")]
    [InlineData("HEALTHCHECK --interval=0s CMD x", "Interval \"interval\" cannot be less than 1ms")]
    [InlineData("HEALTHCHECK --timeout=5 CMD x", "time: missing unit in duration \"5\"")]
    [InlineData("HEALTHCHECK --timeout=5q CMD x", "time: unknown unit \"q\" in duration \"5q\"")]
    [InlineData("HEALTHCHECK --retries=0 CMD x", "--retries must be at least 1 (not 0)")]
    [InlineData("HEALTHCHECK --retries=abc CMD x", "strconv.ParseInt: parsing \"abc\": invalid syntax")]
    public void A_HEALTHCHECK_Docker_refuses_gives_the_builders_message(string change, string message)
    {
        Action act = () => ImportedConfig(change);
        act.Should().Throw<ImageFormatException>().Where(e => e.Code == ErrorCodes.StoreInvalidChange).Which.Message.Should().Be(message);
    }
}
