using System.Text;
using FluentAssertions;
using ImageFormat.Errors;
using ImageFormat.Model;
using Xunit;
using static ImageFormat.Tests.Model.ModelTestData;

namespace ImageFormat.Tests.Model;

public class LimitTests
{
    /// <summary>An image config whose unknown field nests arrays so the document is exactly <paramref name="depth"/> deep.</summary>
    private static byte[] ConfigOfDepth(int depth)
    {
        // The root object and rootfs make depth 2; the unknown field adds (depth - 1) arrays below the root.
        int arrays = depth - 1;
        return Utf8("{\"rootfs\":{\"type\":\"layers\"},\"x\":" + new string('[', arrays) + new string(']', arrays) + "}");
    }

    [Fact]
    public void A_document_exactly_at_MaxJsonBytes_is_accepted()
    {
        byte[] bytes = Read("v25-config.json");
        ImageFormatLimits limits = new() { MaxJsonBytes = bytes.Length };

        ImageDocuments.ParseConfig(bytes, "doc", limits).Size.Should().Be(581);
    }

    [Fact]
    public void A_document_one_byte_over_MaxJsonBytes_is_refused_by_name()
    {
        byte[] bytes = Read("v25-config.json");
        ImageFormatLimits limits = new() { MaxJsonBytes = bytes.Length - 1 };

        LimitExceededException ex = FluentActions.Invoking(() => ImageDocuments.ParseConfig(bytes, "config.json", limits))
            .Should().Throw<LimitExceededException>().Which;
        ex.Code.Should().Be(ErrorCodes.LimitExceeded);
        ex.Limit.Should().Be("MaxJsonBytes");
        ex.Maximum.Should().Be(580);
        ex.Found.Should().Be(581);
        ex.Message.Should().Be("config.json: MaxJsonBytes exceeded: at most 580 allowed, found 581; if the input is trusted, raise ImageFormatLimits.MaxJsonBytes (imagefmt --limit MaxJsonBytes=VALUE)");
    }

    [Fact]
    public void The_default_MaxJsonBytes_is_4_MiB_exactly()
    {
        byte[] padded = Encoding.ASCII.GetBytes("{\"rootfs\":{\"type\":\"layers\"}}".PadRight(4 * 1024 * 1024));
        ImageDocuments.ParseConfig(padded, "doc").Size.Should().Be(4 * 1024 * 1024);

        byte[] over = Encoding.ASCII.GetBytes("{\"rootfs\":{\"type\":\"layers\"}}".PadRight((4 * 1024 * 1024) + 1));
        FluentActions.Invoking(() => ImageDocuments.ParseConfig(over, "doc"))
            .Should().Throw<LimitExceededException>().Which.Limit.Should().Be("MaxJsonBytes");
    }

    [Fact]
    public void A_document_exactly_at_the_default_MaxJsonDepth_of_64_is_accepted()
    {
        ImageDocuments.ParseConfig(ConfigOfDepth(64), "doc").Value.AdditionalFields!["x"].GetArrayLength().Should().Be(1);
    }

    [Fact]
    public void A_document_one_level_over_the_default_MaxJsonDepth_is_refused_by_name()
    {
        LimitExceededException ex = FluentActions.Invoking(() => ImageDocuments.ParseConfig(ConfigOfDepth(65), "doc"))
            .Should().Throw<LimitExceededException>().Which;
        ex.Limit.Should().Be("MaxJsonDepth");
        ex.Maximum.Should().Be(64);
        ex.Found.Should().Be(65);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(5)]
    public void A_custom_MaxJsonDepth_is_enforced_at_and_above(int depth)
    {
        ImageFormatLimits limits = new() { MaxJsonDepth = depth };
        ImageDocuments.ParseConfig(ConfigOfDepth(depth), "doc", limits);
        FluentActions.Invoking(() => ImageDocuments.ParseConfig(ConfigOfDepth(depth + 1), "doc", limits))
            .Should().Throw<LimitExceededException>().Which.Found.Should().Be(depth + 1);
    }

    [Fact]
    public void A_limit_deeper_than_the_serializer_default_still_parses_and_round_trips()
    {
        ImageFormatLimits limits = new() { MaxJsonDepth = 3000 };
        byte[] bytes = ConfigOfDepth(3000);

        RawDocument<ImageConfig> doc = ImageDocuments.ParseConfig(bytes, "doc", limits);
        ImageDocuments.Serialize(doc.Value).Should().Equal(bytes);
        FluentActions.Invoking(() => ImageDocuments.ParseConfig(ConfigOfDepth(3001), "doc", limits))
            .Should().Throw<LimitExceededException>().Which.Limit.Should().Be("MaxJsonDepth");
    }

    [Fact]
    public void Depth_counts_the_root_container()
    {
        ImageFormatLimits limits = new() { MaxJsonDepth = 1 };
        FluentActions.Invoking(() => ImageDocuments.ParseOciLayout(Utf8("{\"imageLayoutVersion\":\"1.0.0\"}"), "doc", limits)).Should().NotThrow();
        FluentActions.Invoking(() => ImageDocuments.ParseOciLayout(Utf8("{\"imageLayoutVersion\":\"1.0.0\",\"x\":{}}"), "doc", limits))
            .Should().Throw<LimitExceededException>().Which.Found.Should().Be(2);
    }
}
