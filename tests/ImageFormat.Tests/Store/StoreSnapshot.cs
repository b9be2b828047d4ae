using FluentAssertions;
using ImageFormat.Tests.TestSupport;

namespace ImageFormat.Tests.Store;

/// <summary>A store's records and blobs at one moment, to show that a failed or cancelled call left it as it was.</summary>
internal sealed record StoreSnapshot(byte[] State, SortedDictionary<string, string> Blobs)
{
    public static StoreSnapshot Take(string root) =>
        new(File.ReadAllBytes(Path.Combine(root, "state.json")), AsyncImages.Tree(Path.Combine(root, "blobs")));

    /// <summary>Asserts the same records and blobs, and nothing left in the store's temporary folder.</summary>
    public void ShouldStillHold(string root)
    {
        File.ReadAllBytes(Path.Combine(root, "state.json")).Should().Equal(State);
        AsyncImages.Tree(Path.Combine(root, "blobs")).Should().Equal(Blobs);
        Directory.EnumerateFileSystemEntries(Path.Combine(root, "tmp")).Should().BeEmpty();
    }
}
