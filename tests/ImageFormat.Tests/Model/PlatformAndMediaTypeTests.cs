using FluentAssertions;
using ImageFormat.Model;
using Xunit;

namespace ImageFormat.Tests.Model;

public class PlatformAndMediaTypeTests
{
    [Theory]
    [InlineData("linux/arm64/v8", "linux", "arm64", "v8")]
    [InlineData("linux/amd64", "linux", "amd64", null)]
    [InlineData("windows/amd64", "windows", "amd64", null)]
    public void Platform_parses_os_architecture_and_variant(string text, string os, string architecture, string? variant)
    {
        Platform p = Platform.Parse(text);

        p.Os.Should().Be(os);
        p.Architecture.Should().Be(architecture);
        p.Variant.Should().Be(variant);
        p.ToString().Should().Be(text);
    }

    [Theory]
    [InlineData("")]
    [InlineData("linux")]
    [InlineData("linux/")]
    [InlineData("/amd64")]
    [InlineData("linux/arm/v7/extra")]
    [InlineData("linux/amd 64")]
    public void Platform_refuses_malformed_text(string text)
    {
        Platform.TryParse(text, out _).Should().BeFalse();
        FluentActions.Invoking(() => Platform.Parse(text)).Should().Throw<ArgumentException>()
            .WithMessage($"invalid platform \"{text}\": expected os/architecture[/variant]*");
    }

    [Theory]
    [InlineData("linux/x86_64", "linux/amd64")]
    [InlineData("linux/x86-64", "linux/amd64")]
    [InlineData("linux/amd64/v1", "linux/amd64")]
    [InlineData("linux/amd64/v3", "linux/amd64/v3")]
    [InlineData("linux/aarch64", "linux/arm64")]
    [InlineData("linux/arm64/v8", "linux/arm64")]
    [InlineData("linux/arm64/8", "linux/arm64")]
    [InlineData("linux/armhf", "linux/arm/v7")]
    [InlineData("linux/armel", "linux/arm/v6")]
    [InlineData("linux/arm", "linux/arm/v7")]
    [InlineData("linux/arm/6", "linux/arm/v6")]
    [InlineData("linux/i386", "linux/386")]
    [InlineData("Linux/AMD64", "linux/amd64")]
    [InlineData("macos/arm64", "darwin/arm64")]
    public void Platform_normalizes_like_containerd(string text, string normal)
    {
        Platform.Parse(text).Normalize().ToString().Should().Be(normal);
    }

    [Theory]
    [InlineData("linux/amd64", "linux/x86_64", true)]
    [InlineData("linux/arm64/v8", "linux/arm64", true)]
    [InlineData("linux/arm64", "linux/arm64/v8", true)]
    [InlineData("linux/arm/v7", "linux/arm/v6", false)]
    [InlineData("linux/arm64", "linux/amd64", false)]
    [InlineData("linux/amd64", "windows/amd64", false)]
    public void Platform_matching_compares_normal_forms(string wanted, string candidate, bool matches)
    {
        Platform.Parse(wanted).Matches(Platform.Parse(candidate)).Should().Be(matches);
    }

    [Theory]
    [InlineData(MediaTypes.OciLayer, LayerCompression.None)]
    [InlineData(MediaTypes.OciLayerGzip, LayerCompression.Gzip)]
    [InlineData(MediaTypes.OciLayerZstd, LayerCompression.Zstd)]
    [InlineData(MediaTypes.OciLayerNondistributable, LayerCompression.None)]
    [InlineData(MediaTypes.OciLayerNondistributableGzip, LayerCompression.Gzip)]
    [InlineData(MediaTypes.OciLayerNondistributableZstd, LayerCompression.Zstd)]
    [InlineData(MediaTypes.DockerLayerGzip, LayerCompression.Gzip)]
    [InlineData(MediaTypes.DockerLayer, LayerCompression.None)]
    [InlineData(MediaTypes.DockerForeignLayerGzip, LayerCompression.Gzip)]
    public void Layer_media_types_tell_their_compression(string mediaType, LayerCompression compression)
    {
        MediaTypes.IsLayer(mediaType).Should().BeTrue();
        MediaTypes.TryGetLayerCompression(mediaType, out LayerCompression found).Should().BeTrue();
        found.Should().Be(compression);
    }

    [Theory]
    [InlineData(MediaTypes.OciManifest)]
    [InlineData(MediaTypes.OciConfig)]
    [InlineData(MediaTypes.OciEmpty)]
    [InlineData("application/vnd.oci.image.layer.v1.tar+bzip2")]
    [InlineData(null)]
    public void Other_media_types_are_not_layers(string? mediaType)
    {
        MediaTypes.IsLayer(mediaType).Should().BeFalse();
        MediaTypes.TryGetLayerCompression(mediaType, out _).Should().BeFalse();
    }

    [Fact]
    public void Manifest_index_config_and_nondistributable_classification()
    {
        MediaTypes.IsManifest(MediaTypes.OciManifest).Should().BeTrue();
        MediaTypes.IsManifest(MediaTypes.DockerManifestSchema2).Should().BeTrue();
        MediaTypes.IsManifest(MediaTypes.DockerManifestSchema1Signed).Should().BeFalse();
        MediaTypes.IsSchema1Manifest(MediaTypes.DockerManifestSchema1).Should().BeTrue();
        MediaTypes.IsIndex(MediaTypes.OciIndex).Should().BeTrue();
        MediaTypes.IsIndex(MediaTypes.DockerManifestList).Should().BeTrue();
        MediaTypes.IsIndex(MediaTypes.OciManifest).Should().BeFalse();
        MediaTypes.IsConfig(MediaTypes.DockerContainerConfig).Should().BeTrue();
        MediaTypes.IsConfig(MediaTypes.DockerPluginConfig).Should().BeFalse();
        MediaTypes.IsNondistributableLayer(MediaTypes.DockerForeignLayerGzip).Should().BeTrue();
        MediaTypes.IsNondistributableLayer(MediaTypes.OciLayerGzip).Should().BeFalse();
    }

    [Theory]
    [InlineData("2023-05-02T16:49:27.123456789Z", 2023, 5, 2, 16, 49, 27, 1234567, 0)]
    [InlineData("2023-05-02T16:49:27.1Z", 2023, 5, 2, 16, 49, 27, 1000000, 0)]
    [InlineData("2024-02-29T23:59:59-05:30", 2024, 2, 29, 23, 59, 59, 0, -330)]
    public void Created_text_is_parsed_with_truncated_nanoseconds(string created, int y, int mo, int d, int h, int mi, int s, long ticks, int offsetMinutes)
    {
        ImageConfig config = new() { RootFs = new RootFs(), Created = created };

        config.CreatedTime.Should().Be(new DateTimeOffset(y, mo, d, h, mi, s, TimeSpan.FromMinutes(offsetMinutes)).AddTicks(ticks));
    }

    [Fact]
    public void Go_zero_time_is_accepted_but_year_0_has_no_DateTimeOffset()
    {
        ImageDocuments.ParseConfig("{\"created\":\"0001-01-01T00:00:00Z\",\"rootfs\":{\"type\":\"layers\"}}"u8.ToArray(), "doc")
            .Value.CreatedTime.Should().Be(DateTimeOffset.MinValue);
        ImageDocuments.ParseConfig("{\"created\":\"0000-01-01T00:00:00Z\",\"rootfs\":{\"type\":\"layers\"}}"u8.ToArray(), "doc")
            .Value.CreatedTime.Should().BeNull();
    }

    private static string IndexWithPlatform(string platform) =>
        "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
        + "\"digest\":\"sha256:ee301c921b8aadc002973b2e0c3da17d701dcd994b606769a7e6eaa100b81d44\",\"size\":581,\"platform\":" + platform + "}]}";

    [Fact]
    public void An_index_entry_with_an_empty_platform_object_has_no_platform()
    {
        ImageIndex index = ImageDocuments.ParseIndex(System.Text.Encoding.UTF8.GetBytes(IndexWithPlatform("{}")), "doc").Value;

        index.Manifests.Should().ContainSingle().Which.Platform.Should().BeNull();
    }

    [Fact]
    public void An_index_entry_platform_with_fields_keeps_them_and_one_without_os_is_refused()
    {
        ImageDocuments.ParseIndex(System.Text.Encoding.UTF8.GetBytes(IndexWithPlatform("{\"architecture\":\"arm64\",\"os\":\"linux\",\"variant\":\"v8\"}")), "doc")
            .Value.Manifests[0].Platform.Should().Be(Platform.Parse("linux/arm64/v8"));
        FluentActions.Invoking(() => ImageDocuments.ParseIndex(System.Text.Encoding.UTF8.GetBytes(IndexWithPlatform("{\"architecture\":\"arm64\"}")), "doc"))
            .Should().Throw<ImageFormat.Errors.InvalidDocumentException>();
    }
}
