using ImageFormat.Errors;

namespace ImageFormat.Layers;

/// <summary>What an extraction did, and what it could not do on this host.</summary>
public sealed class LayerExtractResult
{
    internal List<InvalidLayerException> SkippedList { get; } = [];

    internal List<LayerOwnership> OwnershipList { get; } = [];

    internal List<string> DevicesList { get; } = [];

    internal List<string> XattrsList { get; } = [];

    /// <summary>Path component lookups the resolver made (tests use it to prove the cost is linear in depth).</summary>
    internal long ComponentLookups { get; set; }

    /// <summary>How many entries were applied (files, directories, links, devices, whiteouts).</summary>
    public long EntriesApplied { get; internal set; }

    /// <summary>Entries refused and skipped because <see cref="LayerExtractOptions.SkipInvalidEntries"/> was set, in order.</summary>
    public IReadOnlyList<InvalidLayerException> Skipped => SkippedList;

    /// <summary>Ownership the extraction did not apply (not running as root, or disabled), per path relative to the root.</summary>
    public IReadOnlyList<LayerOwnership> OwnershipNotApplied => OwnershipList;

    /// <summary>Device nodes that could not be created (no privilege), as <c>path (c|b major:minor)</c>.</summary>
    public IReadOnlyList<string> DevicesNotCreated => DevicesList;

    /// <summary>Extended attributes the file system or privileges refused, as <c>path: name</c>.</summary>
    public IReadOnlyList<string> XattrsNotApplied => XattrsList;
}

/// <summary>The owner an entry asked for.</summary>
/// <param name="Path">The path relative to the root, as resolved.</param>
/// <param name="Uid">The user ID from the layer.</param>
/// <param name="Gid">The group ID from the layer.</param>
public readonly record struct LayerOwnership(string Path, long Uid, long Gid);
