using System.Text;

namespace ImageFormat.Digests;

/// <summary>
/// Layer ChainIDs, the identities Docker's layer store gives a layer together with everything under it
/// (<see href="https://github.com/opencontainers/image-spec/blob/main/config.md#layer-chainid"/>):
/// <c>ChainID(L1) = DiffID(L1)</c>, <c>ChainID(Ln) = sha256("ChainID(Ln-1) DiffID(Ln)")</c>.
/// </summary>
public static class ChainId
{
    /// <summary>The ChainID of a layer placed on a chain.</summary>
    /// <param name="parentChainId">The ChainID of the layers below, or <c>default</c> for the bottom layer.</param>
    /// <param name="diffId">The layer's DiffID.</param>
    /// <returns>The ChainID: <paramref name="diffId"/> itself at the bottom, else the SHA-256 of both digest strings joined by one space.</returns>
    /// <exception cref="ArgumentException"><paramref name="diffId"/> is <c>default</c>.</exception>
    public static Digest Next(Digest parentChainId, Digest diffId)
    {
        if (diffId.IsEmpty)
        {
            throw new ArgumentException("The DiffID is the default value, which names no layer.", nameof(diffId));
        }

        if (parentChainId.IsEmpty)
        {
            return diffId;
        }

        // Digest strings are ASCII, so one byte per character.
        string parent = parentChainId.Value;
        string diff = diffId.Value;
        Span<byte> text = stackalloc byte[parent.Length + 1 + diff.Length];
        Encoding.ASCII.GetBytes(parent, text);
        text[parent.Length] = (byte)' ';
        Encoding.ASCII.GetBytes(diff, text[(parent.Length + 1)..]);
        return Digest.Compute(text);
    }

    /// <summary>The ChainID of each layer of a stack, bottom first.</summary>
    /// <param name="diffIds">The layers' DiffIDs, bottom first (a config's <c>rootfs.diff_ids</c>).</param>
    /// <returns>One ChainID per layer.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="diffIds"/> is null.</exception>
    /// <exception cref="ArgumentException">A DiffID is <c>default</c>.</exception>
    public static IReadOnlyList<Digest> Compute(IReadOnlyList<Digest> diffIds)
    {
        ArgumentNullException.ThrowIfNull(diffIds);
        var chain = new Digest[diffIds.Count];
        Digest previous = default;
        for (int i = 0; i < chain.Length; i++)
        {
            previous = Next(previous, diffIds[i]);
            chain[i] = previous;
        }

        return chain;
    }

    /// <summary>The ChainID of the top layer: the identity of the whole stack.</summary>
    /// <param name="diffIds">The layers' DiffIDs, bottom first.</param>
    /// <returns>The top ChainID, or <c>default</c> when there are no layers (as Docker, which gives such a stack no layer).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="diffIds"/> is null.</exception>
    /// <exception cref="ArgumentException">A DiffID is <c>default</c>.</exception>
    public static Digest Top(IReadOnlyList<Digest> diffIds)
    {
        ArgumentNullException.ThrowIfNull(diffIds);
        Digest previous = default;
        for (int i = 0; i < diffIds.Count; i++)
        {
            previous = Next(previous, diffIds[i]);
        }

        return previous;
    }
}
