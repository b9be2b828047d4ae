using FluentAssertions;
using ImageFormat.Archives;
using ImageFormat.Tests.TestSupport;
using Xunit;

namespace ImageFormat.Tests.Archives;

public class ArchiveVerifierTests
{
    [Fact]
    public void Docker_saved_sample_verifies_clean_hashing_each_shared_blob_once()
    {
        using ImageArchive archive = ImageArchive.OpenFile(Path.Combine(RepoPaths.Samples, "hello.tar"));

        ArchiveVerification result = ArchiveVerifier.Verify(archive, TestContext.Current.CancellationToken);

        result.Problems.Should().BeEmpty();
        result.BlobsChecked.Should().Be(2);
        result.BytesHashed.Should().Be(10240 + 2048);
    }

    [Fact]
    public void Engine25_fixture_is_valid_with_one_warning()
    {
        using ImageArchive archive = ImageArchive.OpenFile(RepoPaths.Fixture("hello-world-v25.tar"));

        ArchiveVerification result = ArchiveVerifier.Verify(archive, TestContext.Current.CancellationToken);

        result.IsValid.Should().BeTrue();
        result.Problems.Should().ContainSingle().Which.Severity.Should().Be(ProblemSeverity.Warning);
    }

    [Fact]
    public void Zstd_oci_fixture_verifies_clean()
    {
        using ImageArchive archive = ImageArchive.OpenFile(RepoPaths.Fixture("test-oci-zstd-image.tar"));

        ArchiveVerifier.Verify(archive, TestContext.Current.CancellationToken).Problems.Should().BeEmpty();
    }
}
