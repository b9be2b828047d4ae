using FluentAssertions;
using ImageFormat.Digests;
using ImageFormat.Errors;
using ImageFormat.References;
using Xunit;

namespace ImageFormat.Tests.References;

/// <summary>
/// Short-ID lookup with the rules of distribution's digestset as Docker 20.10's image store uses it. The three
/// IDs below are real images on this project's 20.10.24 peer engine, which resolved "3", "b" and "5" to them.
/// </summary>
public class ShortIdIndexTests
{
    private static readonly Digest Busybox = Digest.Parse("sha256:39d975d7325c1d7bbcdf6ca637b088e02abd68f17260fce3b485cb5d0cc86143");
    private static readonly Digest HelloLatest = Digest.Parse("sha256:b09c12e7651a467ce036522e14a9a09c116b86b8fa99d152d66e4c9e7f75bda7");
    private static readonly Digest HelloBase = Digest.Parse("sha256:5571c1f386721bf1313f133ab61c9f448f40cd1a012742b7839133a5660efdc3");
    private static readonly Digest Sibling1 = Digest.Parse("sha256:39d9aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    private static readonly Digest Sibling2 = Digest.Parse("sha256:39d9bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");

    private static ShortIdIndex Engine() => new([Busybox, HelloLatest, HelloBase]);

    [Theory]
    [InlineData("3")]
    [InlineData("39d975d7325c")]
    [InlineData("sha256:3")]
    [InlineData("sha256:39d9")]
    [InlineData("39d975d7325c1d7bbcdf6ca637b088e02abd68f17260fce3b485cb5d0cc86143")]
    [InlineData("sha256:39d975d7325c1d7bbcdf6ca637b088e02abd68f17260fce3b485cb5d0cc86143")]
    public void A_unique_prefix_with_or_without_algorithm_finds_the_image(string shortId)
    {
        Engine().Lookup(shortId).Should().Be(Busybox);
        Engine().TryLookup(shortId, out Digest found).Should().Be(ShortIdMatch.Found);
        found.Should().Be(Busybox);
    }

    [Fact]
    public void One_character_is_enough_as_on_engine_20_10()
    {
        ShortIdIndex index = Engine();
        index.Lookup("b").Should().Be(HelloLatest);
        index.Lookup("5").Should().Be(HelloBase);
    }

    [Fact]
    public void An_ambiguous_prefix_lists_every_candidate_in_order()
    {
        ShortIdIndex index = new([Sibling2, Busybox, Sibling1, HelloBase]);
        Action lookup = () => index.Lookup("39d9");
        AmbiguousNameException e = lookup.Should().Throw<AmbiguousNameException>().Which;
        e.Code.Should().Be(ErrorCodes.Ambiguous);
        e.Name.Should().Be("39d9");
        e.Candidates.Should().Equal(Busybox.Value, Sibling1.Value, Sibling2.Value);
        e.Message.Should().Be($"\"39d9\" is ambiguous: it matches {Busybox}, {Sibling1}, {Sibling2}");
        index.TryLookup("sha256:39d9", out Digest none).Should().Be(ShortIdMatch.Ambiguous);
        none.IsEmpty.Should().BeTrue();
        index.Lookup("39d97").Should().Be(Busybox);
        index.Lookup("39d9a").Should().Be(Sibling1);
    }

    [Fact]
    public void Not_found_uses_dockers_message_unless_the_caller_gives_one()
    {
        Action lookup = () => Engine().Lookup("abc");
        NotFoundException e = lookup.Should().Throw<NotFoundException>().Which;
        e.Code.Should().Be(ErrorCodes.NotFound);
        e.Name.Should().Be("abc");
        e.Message.Should().Be("No such image: abc");

        Action custom = () => Engine().Lookup("abc", "No such image: abc:latest");
        custom.Should().Throw<NotFoundException>().Which.Message.Should().Be("No such image: abc:latest");
    }

    [Theory]
    [InlineData("39D9")] // uppercase is not a prefix of a lowercase ID
    [InlineData("sha512:39d9")] // the algorithm must match
    [InlineData("SHA256:39d9")]
    [InlineData(":39d9")]
    [InlineData("sha256:")]
    [InlineData("sha256:39d9:x")]
    [InlineData("busybox:base")]
    [InlineData("39d975d7325c1d7bbcdf6ca637b088e02abd68f17260fce3b485cb5d0cc861430")] // one too many
    [InlineData("g")]
    [InlineData("\u0000")]
    public void Text_that_is_no_prefix_is_not_found(string shortId)
    {
        Engine().TryLookup(shortId, out _).Should().Be(ShortIdMatch.NotFound);
        Engine().FindMatches(shortId).Should().BeEmpty();
    }

    [Fact]
    public void A_full_digest_wins_over_a_longer_digest_it_prefixes_only_when_its_algorithm_is_given()
    {
        Digest sha512 = Digest.Parse("sha512:" + Busybox.Encoded + new string('0', 64));
        ShortIdIndex index = new([Busybox, sha512]);
        index.Lookup(Busybox.Value).Should().Be(Busybox);
        index.Lookup(sha512.Value).Should().Be(sha512);
        index.Lookup("sha512:39").Should().Be(sha512);
        // digestset only takes an exact match as final when an algorithm was named.
        index.TryLookup(Busybox.Encoded, out _).Should().Be(ShortIdMatch.Ambiguous);
    }

    [Fact]
    public void Empty_text_matches_everything_as_in_digestset()
    {
        // Docker never looks "" up (it is not a valid reference), but the rule is digestset's.
        new ShortIdIndex([Busybox]).Lookup("").Should().Be(Busybox);
        Engine().TryLookup("", out _).Should().Be(ShortIdMatch.Ambiguous);
        new ShortIdIndex().TryLookup("", out _).Should().Be(ShortIdMatch.NotFound);
    }

    [Fact]
    public void Add_remove_and_contains_keep_the_set()
    {
        ShortIdIndex index = new();
        index.Add(Busybox).Should().BeTrue();
        index.Add(Busybox).Should().BeFalse();
        index.Add(Sibling1).Should().BeTrue();
        index.Count.Should().Be(2);
        index.Contains(Sibling1).Should().BeTrue();
        index.TryLookup("39d9", out _).Should().Be(ShortIdMatch.Ambiguous);

        index.Remove(Sibling1).Should().BeTrue();
        index.Remove(Sibling1).Should().BeFalse();
        index.Remove(default).Should().BeFalse();
        index.Contains(Sibling1).Should().BeFalse();
        index.Contains(default).Should().BeFalse();
        index.Count.Should().Be(1);
        index.Lookup("39d9").Should().Be(Busybox);

        index.Remove(Busybox).Should().BeTrue();
        index.TryLookup("3", out _).Should().Be(ShortIdMatch.NotFound);
    }

    [Fact]
    public void Caller_mistakes_are_argument_exceptions()
    {
        ShortIdIndex index = Engine();
        Action addEmpty = () => index.Add(default);
        addEmpty.Should().Throw<ArgumentException>().Which.ParamName.Should().Be("digest");
        Action lookupNull = () => index.Lookup(null!);
        lookupNull.Should().Throw<ArgumentNullException>();
        Action tryNull = () => index.TryLookup(null!, out _);
        tryNull.Should().Throw<ArgumentNullException>();
        Action fromNull = () => _ = new ShortIdIndex(null!);
        fromNull.Should().Throw<ArgumentNullException>();
    }

    [Fact]
    public void Lookup_is_right_across_many_sorted_entries()
    {
        // 4096 IDs that differ in their first three hex digits, in scrambled insertion order.
        List<Digest> all = [.. Enumerable.Range(0, 4096).Select(i => Digest.Parse("sha256:" + i.ToString("x3", System.Globalization.CultureInfo.InvariantCulture) + new string('e', 61)))];
        ShortIdIndex index = new(all.OrderBy(d => d.Value.GetHashCode(StringComparison.Ordinal) % 97).ThenBy(d => d.Value, StringComparer.Ordinal));
        index.Count.Should().Be(4096);
        foreach (Digest d in all)
        {
            index.Lookup(d.Encoded[..3]).Should().Be(d);
        }

        index.FindMatches("ab").Should().HaveCount(16).And.BeInAscendingOrder(d => d.Value, StringComparer.Ordinal);
    }
}
