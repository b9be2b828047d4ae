using FluentAssertions;
using ImageFormat.Digests;
using ImageFormat.Errors;
using ImageFormat.Store;
using Xunit;

namespace ImageFormat.Tests.Store;

/// <summary>
/// Docker 20.10's rmi rules (moby <c>daemon/images/image_delete.go</c> at v20.10.x), on the founding scenario's shape: a base image <c>ubuntu:14.04</c>,
/// <c>commit_test:first</c> on it (parent link) and <c>commit_test:second</c> on that.
/// </summary>
public class RmiRulesTests
{
    private readonly ImageStore _store = ImageStore.CreateInMemory();
    private readonly StoreFixture _f;
    private readonly Digest _base;
    private readonly Digest _first;
    private readonly Digest _second;

    public RmiRulesTests()
    {
        _f = new StoreFixture(_store);
        _base = _f.Image(["base"], tag: "ubuntu:14.04");
        _first = _f.Image(["base", "first"], _base, "commit_test:first");
        _second = _f.Image(["base", "first", "second"], _first, "commit_test:second");
    }

    private static Digest Chain(params string[] files) => StoreFixture.Chain([.. files.Select(StoreFixture.DiffId)]);

    private static string[] Lines(ImageRemoval removal) => [.. removal.Items.Select(i => i.ToString())];

    [Fact]
    public void Untagging_a_reference_whose_image_a_container_uses_is_Dockers_repository_reference_conflict()
    {
        StoreContainer container = _store.AddContainer("commit_test:first", "commit_test2", command: ["sh"]);
        Action act = () => _store.RemoveImage("commit_test:first");
        act.Should().Throw<ConflictException>().Which.Message.Should().Be(
            $"conflict: unable to remove repository reference \"commit_test:first\" (must force) - container {container.Id[..12]} is using its referenced image {_first.ShortId}");
        _store.ReferencesTo(_first).Should().Equal("commit_test:first");
    }

    [Fact]
    public void A_tag_of_an_image_with_a_child_is_only_untagged()
    {
        StoreContainer container = _store.AddContainer("commit_test:first", "commit_test2", command: ["sh"]);
        _store.RemoveContainer(container.Name);
        Lines(_store.RemoveImage("commit_test:first")).Should().Equal("Untagged: commit_test:first");
        _store.Images.Select(i => i.Id).Should().Contain(_first);
    }

    [Fact]
    public void Removing_the_child_prunes_the_untagged_parent_image_ID_then_ChainID_each()
    {
        _store.RemoveImage("commit_test:first");
        Lines(_store.RemoveImage("commit_test:second")).Should().Equal(
            "Untagged: commit_test:second",
            $"Deleted: {_second}",
            $"Deleted: {Chain("base", "first", "second")}",
            $"Deleted: {_first}",
            $"Deleted: {Chain("base", "first")}");
        _store.Images.Select(i => i.Id).Should().Equal(_base);
        _store.Layers.Select(l => l.ChainId).Should().Equal(Chain("base"));
        _store.Check().Should().BeEmpty();
    }

    [Fact]
    public void No_prune_keeps_the_untagged_parent()
    {
        _store.RemoveImage("commit_test:first");
        Lines(_store.RemoveImage("commit_test:second", prune: false)).Should().Equal(
            "Untagged: commit_test:second", $"Deleted: {_second}", $"Deleted: {Chain("base", "first", "second")}");
        _store.Images.Select(i => i.Id).Should().Contain(_first);
        _store.ListImages(all: false).Should().Contain(s => s.Image.Id == _first && s.IsDangling);
    }

    [Fact]
    public void Deleting_an_image_with_children_by_ID_cannot_be_forced()
    {
        Action act = () => _store.RemoveImage(_base.ShortId, force: true);
        act.Should().Throw<ConflictException>().Which.Message.Should().Be(
            $"conflict: unable to delete {_base.ShortId} (cannot be forced) - image has dependent child images");
    }

    [Fact]
    public void An_ID_with_tags_in_two_repositories_must_be_forced_and_force_untags_in_reference_order()
    {
        _store.Tag("commit_test:second", "another:one");
        Action act = () => _store.RemoveImage(_second.Encoded);
        act.Should().Throw<ConflictException>().Which.Message.Should().Be(
            $"conflict: unable to delete {_second.ShortId} (must be forced) - image is referenced in multiple repositories");
        Lines(_store.RemoveImage(_second.Encoded, force: true)).Should().Equal(
            "Untagged: another:one",
            "Untagged: commit_test:second",
            $"Deleted: {_second}",
            $"Deleted: {Chain("base", "first", "second")}");
    }

    [Fact]
    public void Two_tags_of_one_repository_by_name_untag_one_at_a_time()
    {
        _store.Tag("commit_test:second", "commit_test:third");
        Lines(_store.RemoveImage("commit_test:second")).Should().Equal("Untagged: commit_test:second");
        Lines(_store.RemoveImage("commit_test:third")).Should().Equal(
            "Untagged: commit_test:third", $"Deleted: {_second}", $"Deleted: {Chain("base", "first", "second")}");
    }

    [Fact]
    public void A_stopped_container_is_a_soft_conflict_and_force_deletes_the_image_but_not_the_layers_it_holds()
    {
        StoreContainer container = _store.AddContainer("commit_test:second", command: ["sh"]);
        Action act = () => _store.RemoveImage(_second.ShortId);
        act.Should().Throw<ConflictException>().Which.Message.Should().Be(
            $"conflict: unable to delete {_second.ShortId} (must be forced) - image is being used by stopped container {container.ShortId}");

        _store.RemoveImage("commit_test:first");
        // The untagged parent is pruned too, but no layer is released: the container holds the whole chain.
        Lines(_store.RemoveImage(_second.ShortId, force: true)).Should().Equal(
            "Untagged: commit_test:second", $"Deleted: {_second}", $"Deleted: {_first}");
        _store.Layers.Select(l => l.ChainId).Should().Contain(Chain("base", "first", "second"));
        _store.Check().Should().BeEmpty();
        _store.RemoveContainer(container.Id);
        _store.Layers.Select(l => l.ChainId).Should().NotContain(Chain("base", "first", "second"));
        _store.Check().Should().BeEmpty();
    }

    [Fact]
    public void A_running_container_is_a_hard_conflict()
    {
        StoreContainer container = _store.AddContainer("commit_test:second", running: true, command: ["sh"]);
        Action act = () => _store.RemoveImage(_second.ShortId, force: true);
        act.Should().Throw<ConflictException>().Which.Message.Should().Be(
            $"conflict: unable to delete {_second.ShortId} (cannot be forced) - image is being used by running container {container.ShortId}");
    }

    [Fact]
    public void Force_untags_a_reference_whose_image_a_container_uses_and_deletes_the_image()
    {
        _store.AddContainer("commit_test:second", command: ["sh"]);
        Lines(_store.RemoveImage("commit_test:second", force: true)).Should().Equal(
            "Untagged: commit_test:second", $"Deleted: {_second}");
    }

    [Fact]
    public void Digest_references_go_with_the_last_tag_of_their_repository()
    {
        string digestReference = "commit_test@sha256:" + new string('a', 64);
        _store.AddDigestReference(digestReference, "commit_test:second");
        _store.AddDigestReference("other@sha256:" + new string('b', 64), "commit_test:second");
        Lines(_store.RemoveImage("commit_test:second")).Should().Equal(
            "Untagged: commit_test:second", $"Untagged: {digestReference}");
        _store.ReferencesTo(_second).Should().Equal("other@sha256:" + new string('b', 64));
    }

    [Fact]
    public void Missing_images_are_Dockers_no_such_image_with_latest_added()
    {
        Action act = () => _store.RemoveImage("nosuch");
        act.Should().Throw<NotFoundException>().Which.Message.Should().Be("No such image: nosuch:latest");
        Action byId = () => _store.RemoveImage(new string('f', 64));
        byId.Should().Throw<NotFoundException>().Which.Message.Should().Be($"No such image: sha256:{new string('f', 64)}");
    }

    [Fact]
    public void A_dry_run_reports_the_same_lines_and_the_space_and_changes_nothing()
    {
        _store.RemoveImage("commit_test:first");
        string before = string.Join(",", _store.Images.Select(i => i.Id));
        ImageRemoval plan = _store.RemoveImage("commit_test:second", dryRun: true);
        plan.DryRun.Should().BeTrue();
        plan.Items.Should().HaveCount(5);
        plan.ReclaimedBytes.Should().Be("first\n".Length + "second\n".Length);
        plan.BlobBytesFreed.Should().BeGreaterThan(2048);
        string.Join(",", _store.Images.Select(i => i.Id)).Should().Be(before);
        _store.ReferencesTo(_second).Should().Equal("commit_test:second");
    }

    [Fact]
    public void Prune_deletes_dangling_images_and_reports_their_layers_sizes()
    {
        _store.RemoveImage("commit_test:first");
        _store.RemoveImage("commit_test:second", prune: false);
        ImageRemoval prune = _store.PruneImages();
        prune.Items.Select(i => i.ToString()).Should().Equal($"Deleted: {_first}", $"Deleted: {Chain("base", "first")}");
        prune.ReclaimedBytes.Should().Be("first\n".Length);
        _store.PruneImages(all: true).Items.Select(i => i.ToString()).Should().Equal(
            "Untagged: ubuntu:14.04", $"Deleted: {_base}", $"Deleted: {Chain("base")}");
        _store.Images.Should().BeEmpty();
    }

    [Fact]
    public void Images_lists_untagged_parents_only_with_all()
    {
        _store.RemoveImage("commit_test:first");
        _store.ListImages().Select(s => s.Image.Id).Should().BeEquivalentTo([_base, _second]);
        _store.ListImages(all: true).Should().Contain(s => s.Image.Id == _first && s.RepoTags.SequenceEqual(new[] { "<none>:<none>" }));
    }

    [Fact]
    public void Reference_counts_are_derived_from_images_layers_and_containers()
    {
        _store.AddContainer("ubuntu:14.04", command: ["sh"]);
        IReadOnlyDictionary<Digest, int> counts = _store.LayerReferenceCounts();
        counts[Chain("base")].Should().Be(3); // ubuntu:14.04, the layer above it, the container
        counts[Chain("base", "first")].Should().Be(2);
        counts[Chain("base", "first", "second")].Should().Be(1);
    }
}
