using FluentAssertions;
using ImageFormat.Archives;
using ImageFormat.Digests;
using ImageFormat.Errors;
using ImageFormat.Tests.TestSupport;
using Xunit;

namespace ImageFormat.Tests.Archives;

public class VerifiedLayerStreamTests
{
    [Fact]
    public void Verified_stream_of_a_good_layer_gives_the_uncompressed_bytes()
    {
        using ImageArchive archive = ImageArchive.OpenFile(RepoPaths.Sample("hello.tar"));
        ArchiveLayer layer = archive.FindImage("hello:latest").Layers[1];

        using Stream verified = layer.OpenVerified();

        Digest.Compute(verified).Should().Be(layer.DiffId);
    }

    [Fact]
    public void Verified_stream_of_a_zstd_layer_checks_the_blob_digest_and_the_diffid()
    {
        using ImageArchive archive = ImageArchive.OpenFile(RepoPaths.Fixture("test-oci-zstd-image.tar"));
        ArchiveLayer layer = archive.FindImage(null).Layers[0];

        using Stream verified = layer.OpenVerified();

        Digest.Compute(verified).Should().Be(layer.DiffId);
    }

    [Fact]
    public void Verified_stream_of_a_tampered_layer_throws_at_the_end_naming_expected_and_actual()
    {
        byte[] bytes = File.ReadAllBytes(RepoPaths.Sample("hello.tar"));
        bytes[bytes.AsSpan().IndexOf("second layer"u8)] = (byte)'S';
        using ImageArchive archive = ImageArchive.OpenStream(new MemoryStream(bytes), leaveOpen: false);
        ArchiveLayer layer = archive.FindImage("hello:latest").Layers[1];

        using Stream verified = layer.OpenVerified();
        Action read = () => verified.CopyTo(Stream.Null);

        DigestMismatchException e = read.Should().Throw<DigestMismatchException>().Which;
        e.Code.Should().Be(ErrorCodes.DigestMismatch);
        e.Subject.Should().Be("d5382533fef5dad712d809b085daf3f1748784d92f217510ced3888a2ab8d4f8/layer.tar (uncompressed)");
        e.Expected.Should().Be(layer.DiffId);
        e.Actual.Should().NotBe(layer.DiffId);
        e.Actual.Algorithm.Should().Be(DigestAlgorithm.Sha256);
    }
}
