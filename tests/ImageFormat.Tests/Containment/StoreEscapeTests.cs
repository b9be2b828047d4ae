using FluentAssertions;
using ImageFormat.Errors;
using ImageFormat.Store;
using ImageFormat.Tests.Layers;
using Xunit;

namespace ImageFormat.Tests.Containment;

/// <summary>
/// The same escapes through the store: <c>load</c> of a hostile image, then <c>create</c>, which unpacks it into the
/// container's root file system with the same extractor. The canary sits beside the store.
/// </summary>
public sealed class StoreEscapeTests
{
    [Fact]
    public void Load_then_create_of_an_escaping_image_touches_nothing_outside_the_container()
    {
        using var scene = new ContainmentScene("evil.tar", "store");
        string archive = scene.WriteArchive(
            "evil.tar",
            new LayerTar().Symlink("y", scene.Canary),
            new LayerTar().Symlink("x", "missing/../y"),
            new LayerTar().Whiteout("x/.wh.secret").Whiteout("x/sub/.wh..wh..opq").File("x/sub/new", "inside").Dir("p/").Dir("p/q/").Symlink("p", scene.Canary));

        using ImageStore store = ImageStore.Open(Path.Combine(scene.Temp, "store"));
        store.Load(archive);
        StoreContainer container = store.AddContainer("evil:1", "evil", command: ["sh"]);
        scene.AssertCanaryIntact();
        string rootfs = Path.Combine(scene.Temp, "store", "containers", container.Id, "rootfs");
        File.ReadAllText(Path.Combine(rootfs, scene.Canary.TrimStart('/'), "sub", "new")).Should().Be("inside");
    }

    [Fact]
    public void Load_then_create_of_an_image_hard_linking_through_the_escape_fails_with_a_typed_error()
    {
        using var scene = new ContainmentScene("evil.tar", "store");
        string archive = scene.WriteArchive(
            "evil.tar",
            new LayerTar().Symlink("y", scene.Canary).Symlink("x", "missing/../y"),
            new LayerTar().HardLink("h", "x/secret", mode: 0xDED));

        using ImageStore store = ImageStore.Open(Path.Combine(scene.Temp, "store"));
        store.Load(archive);
        Action create = () => store.AddContainer("evil:1", "evil", command: ["sh"]);
        InvalidLayerException ex = create.Should().Throw<InvalidLayerException>().Which;
        (ex.Code, ex.Reason).Should().Be((ErrorCodes.InvalidLayer, "hard link target \"x/secret\" does not exist"));
        scene.AssertCanaryIntact();
    }
}
