using FluentAssertions;
using ImageFormat.Digests;
using Xunit;

namespace ImageFormat.Tests.Digests;

public class ChainIdTests
{
    // samples/hello.layerdb.txt: Docker 20.10's own layerdb for samples/hello.tar.
    private static readonly Digest BaseDiffId = Digest.Parse("sha256:6db5840b9f3cdbd71e08d783a1f89c833f47943619ae1acf6cb0b35d3e065738");
    private static readonly Digest TopDiffId = Digest.Parse("sha256:5b367c4d1b91adac12ca4a1c63950e898cb6578734a946c54195aadc3a504e0e");
    private static readonly Digest TopChainId = Digest.Parse("sha256:eda3b7ab291aeee20471c3a8bb0ff6f0e21209f1f10be9e03f0a4a762e9a136f");

    [Fact]
    public void Next_hashes_parent_and_diffid_joined_by_a_space_like_docker()
    {
        ChainId.Next(BaseDiffId, TopDiffId).Should().Be(TopChainId);
        ChainId.Next(BaseDiffId, TopDiffId).Should().Be(Digest.ComputeUtf8($"{BaseDiffId} {TopDiffId}"));
    }

    [Fact]
    public void First_chainid_is_the_first_diffid()
    {
        ChainId.Next(default, BaseDiffId).Should().Be(BaseDiffId);
    }

    [Fact]
    public void Compute_gives_one_chainid_per_layer()
    {
        ChainId.Compute([BaseDiffId, TopDiffId]).Should().Equal(BaseDiffId, TopChainId);
    }

    [Fact]
    public void Top_gives_the_last_chainid()
    {
        ChainId.Top([BaseDiffId, TopDiffId]).Should().Be(TopChainId);
        ChainId.Top([BaseDiffId]).Should().Be(BaseDiffId);
    }

    [Fact]
    public void No_layers_means_no_chainid()
    {
        ChainId.Compute([]).Should().BeEmpty();
        ChainId.Top([]).IsEmpty.Should().BeTrue();
    }

    [Fact]
    public void Default_diffid_is_refused()
    {
        Action next = () => ChainId.Next(BaseDiffId, default);
        next.Should().Throw<ArgumentException>().WithParameterName("diffId");
        Action compute = () => ChainId.Compute([BaseDiffId, default]);
        compute.Should().Throw<ArgumentException>();
    }

    [Fact]
    public void Chain_of_sha512_diffids_is_still_hashed_with_sha256()
    {
        Digest a = Digest.Compute("a"u8, DigestAlgorithm.Sha512);
        Digest b = Digest.Compute("b"u8, DigestAlgorithm.Sha512);
        Digest chain = ChainId.Next(a, b);
        chain.Algorithm.Should().Be(DigestAlgorithm.Sha256);
        chain.Should().Be(Digest.ComputeUtf8(a.Value + " " + b.Value));
    }
}
