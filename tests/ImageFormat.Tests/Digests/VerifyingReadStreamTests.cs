using FluentAssertions;
using ImageFormat.Digests;
using ImageFormat.Errors;
using ImageFormat.Tests.TestSupport;
using Xunit;

namespace ImageFormat.Tests.Digests;

public class VerifyingReadStreamTests
{
    private const string Subject = "blobs/sha256/abc";
    private static readonly byte[] Content = "0123456789"u8.ToArray();
    private static readonly Digest ContentDigest = Digest.Compute(Content);

    [Fact]
    public void Verifying_stream_returns_good_content_and_verifies_at_the_end()
    {
        using var stream = new VerifyingReadStream(new TrickleStream(Content), ContentDigest, 10, Subject);
        ReadAll(stream).Should().Equal(Content);
        stream.IsVerified.Should().BeTrue();
        stream.BytesRead.Should().Be(10);
        stream.ReadByte().Should().Be(-1);
    }

    [Fact]
    public void Verifying_stream_throws_on_truncated_content()
    {
        using var stream = new VerifyingReadStream(new TrickleStream(Content[..9]), ContentDigest, 10, Subject);
        Action read = () => ReadAll(stream);
        read.Should().Throw<SizeMismatchException>().Which.Should().Match<SizeMismatchException>(e =>
            e.Code == ErrorCodes.SizeMismatch && e.Subject == Subject && e.Expected == 10 && e.Actual == 9
            && e.Message == "blobs/sha256/abc: size mismatch: expected 10 bytes, found 9");
        stream.IsVerified.Should().BeFalse();
    }

    [Fact]
    public void Verifying_stream_throws_on_one_byte_too_many_without_returning_it()
    {
        byte[] longer = [.. Content, (byte)'X'];
        using var stream = new VerifyingReadStream(new TrickleStream(longer, 100), ContentDigest, 10, Subject);
        byte[] buffer = new byte[64];
        stream.Read(buffer, 0, 64).Should().Be(10);
        buffer[..10].Should().Equal(Content);
        Action next = () => _ = stream.Read(buffer, 0, 64);
        next.Should().Throw<SizeMismatchException>().Which.Should().Match<SizeMismatchException>(e =>
            e.Code == ErrorCodes.SizeMismatch && e.Expected == 10 && e.Actual == null
            && e.Message == "blobs/sha256/abc: size mismatch: expected 10 bytes, found more than 10");
    }

    [Fact]
    public void Verifying_stream_throws_on_wrong_digest()
    {
        byte[] other = "0123456780"u8.ToArray();
        using var stream = new VerifyingReadStream(new TrickleStream(other), ContentDigest, 10, Subject);
        Action read = () => ReadAll(stream);
        read.Should().Throw<DigestMismatchException>().Which.Should().Match<DigestMismatchException>(e =>
            e.Code == ErrorCodes.DigestMismatch && e.Expected == ContentDigest && e.Actual == Digest.Compute(other)
            && e.Message == $"blobs/sha256/abc: digest mismatch: expected {ContentDigest.Value}, found {Digest.Compute(other).Value}");
    }

    [Fact]
    public void A_failed_check_throws_again_on_later_reads()
    {
        using var stream = new VerifyingReadStream(new TrickleStream([.. Content, 1, 2]), ContentDigest, 10, Subject);
        byte[] buffer = new byte[10];
        stream.Read(buffer).Should().Be(3);
        Action read = () => ReadAll(stream);
        read.Should().Throw<SizeMismatchException>().Which.Code.Should().Be(ErrorCodes.SizeMismatch);
        Action again = () => stream.ReadByte();
        again.Should().Throw<SizeMismatchException>().Which.Actual.Should().BeNull();
    }

    [Fact]
    public void Unknown_size_checks_only_the_digest()
    {
        using var stream = new VerifyingReadStream(new TrickleStream(Content), ContentDigest, -1, Subject);
        ReadAll(stream).Should().Equal(Content);
        stream.IsVerified.Should().BeTrue();
        stream.ExpectedSize.Should().Be(-1);
    }

    [Fact]
    public void Unknown_size_with_wrong_digest_throws()
    {
        using var stream = new VerifyingReadStream(new TrickleStream([.. Content, 1]), ContentDigest, -1, Subject);
        Action read = () => ReadAll(stream);
        read.Should().Throw<DigestMismatchException>().Which.Code.Should().Be(ErrorCodes.DigestMismatch);
    }

    [Fact]
    public void Reading_exactly_the_expected_size_does_not_verify_until_VerifyToEnd()
    {
        using var stream = new VerifyingReadStream(new TrickleStream(Content, 100), ContentDigest, 10, Subject);
        byte[] buffer = new byte[10];
        stream.ReadExactly(buffer);
        stream.IsVerified.Should().BeFalse();
        stream.VerifyToEnd();
        stream.IsVerified.Should().BeTrue();
    }

    [Fact]
    public void VerifyToEnd_finds_trailing_bytes_after_an_exact_read()
    {
        using var stream = new VerifyingReadStream(new TrickleStream([.. Content, 0], 100), ContentDigest, 10, Subject);
        stream.ReadExactly(new byte[10]);
        Action verify = () => stream.VerifyToEnd();
        verify.Should().Throw<SizeMismatchException>().Which.Actual.Should().BeNull();
    }

    [Fact]
    public void VerifyToEnd_drains_unread_content_and_checks_it()
    {
        using var stream = new VerifyingReadStream(new TrickleStream(Content), ContentDigest, 10, Subject);
        stream.ReadByte().Should().Be('0');
        stream.VerifyToEnd();
        stream.IsVerified.Should().BeTrue();
        stream.BytesRead.Should().Be(10);
    }

    [Fact]
    public async Task Async_reads_verify_good_content()
    {
        await using var stream = new VerifyingReadStream(new TrickleStream(Content), ContentDigest, 10, Subject);
        var copy = new MemoryStream();
        await stream.CopyToAsync(copy, TestContext.Current.CancellationToken);
        copy.ToArray().Should().Equal(Content);
        stream.IsVerified.Should().BeTrue();
    }

    [Fact]
    public async Task Async_reads_throw_on_truncation()
    {
        using var stream = new VerifyingReadStream(new TrickleStream(Content[..4]), ContentDigest, 10, Subject);
        Func<Task> read = () => stream.CopyToAsync(Stream.Null, TestContext.Current.CancellationToken);
        (await read.Should().ThrowAsync<SizeMismatchException>()).Which.Actual.Should().Be(4);
    }

    [Fact]
    public async Task Async_reads_throw_on_one_byte_too_many()
    {
        using var stream = new VerifyingReadStream(new TrickleStream([.. Content, 0]), ContentDigest, 10, Subject);
        Func<Task> read = () => stream.CopyToAsync(Stream.Null, TestContext.Current.CancellationToken);
        (await read.Should().ThrowAsync<SizeMismatchException>()).Which.Actual.Should().BeNull();
        stream.BytesRead.Should().Be(10);
    }

    [Fact]
    public async Task Async_reads_throw_on_wrong_digest()
    {
        using var stream = new VerifyingReadStream(new TrickleStream(Content), Digest.Compute("other"u8), 10, Subject);
        Func<Task> read = () => stream.VerifyToEndAsync(TestContext.Current.CancellationToken);
        (await read.Should().ThrowAsync<DigestMismatchException>()).Which.Code.Should().Be(ErrorCodes.DigestMismatch);
    }

    [Fact]
    public async Task VerifyToEndAsync_checks_after_an_exact_read()
    {
        using var stream = new VerifyingReadStream(new TrickleStream(Content, 100), ContentDigest, 10, Subject);
        await stream.ReadExactlyAsync(new byte[10], TestContext.Current.CancellationToken);
        await stream.VerifyToEndAsync(TestContext.Current.CancellationToken);
        stream.IsVerified.Should().BeTrue();
    }

    [Fact]
    public void Empty_content_of_size_zero_verifies_on_first_read()
    {
        using var stream = new VerifyingReadStream(new MemoryStream(), Digest.Parse(DigestHasherTests.EmptySha256), 0, Subject);
        stream.ReadByte().Should().Be(-1);
        stream.IsVerified.Should().BeTrue();
    }

    [Fact]
    public void Zero_length_reads_do_not_trigger_verification()
    {
        using var stream = new VerifyingReadStream(new TrickleStream([.. Content, 0]), ContentDigest, 10, Subject);
        stream.ReadExactly(new byte[10]);
        stream.Read(Span<byte>.Empty).Should().Be(0);
        stream.IsVerified.Should().BeFalse();
    }

    [Fact]
    public void Sha512_expected_digest_is_checked_with_sha512()
    {
        using var stream = new VerifyingReadStream(new MemoryStream("abc"u8.ToArray()), Digest.Parse(DigestHasherTests.AbcSha512), 3, Subject);
        stream.VerifyToEnd();
        stream.IsVerified.Should().BeTrue();
    }

    [Fact]
    public void Default_expected_digest_is_refused()
    {
        Action create = () => _ = new VerifyingReadStream(new MemoryStream(), default, 0, Subject);
        create.Should().Throw<ArgumentException>().WithParameterName("expected");
    }

    [Fact]
    public void Size_below_minus_one_is_refused()
    {
        Action create = () => _ = new VerifyingReadStream(new MemoryStream(), ContentDigest, -2, Subject);
        create.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("expectedSize");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Verifying_stream_disposes_the_inner_stream_unless_left_open(bool leaveOpen)
    {
        var inner = new TrickleStream(Content);
        new VerifyingReadStream(inner, ContentDigest, 10, Subject, leaveOpen).Dispose();
        inner.Disposed.Should().Be(!leaveOpen);
    }

    private static byte[] ReadAll(Stream stream)
    {
        var copy = new MemoryStream();
        byte[] buffer = new byte[4];
        int n;
        while ((n = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            copy.Write(buffer, 0, n);
        }

        return copy.ToArray();
    }
}
