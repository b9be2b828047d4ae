using ImageFormat.Digests;
using ImageFormat.Errors;

namespace ImageFormat.References;

/// <summary>The outcome of a <see cref="ShortIdIndex"/> lookup.</summary>
internal enum ShortIdMatch
{
    /// <summary>Exactly one digest matches (or one matches exactly).</summary>
    Found = 0,

    /// <summary>No digest matches.</summary>
    NotFound = 1,

    /// <summary>More than one digest matches.</summary>
    Ambiguous = 2,
}

/// <summary>
/// Finds digests by short ID, with the rules of the digest set Docker 20.10's image store searches
/// (distribution's <c>digestset.Lookup</c>): the text is a prefix of the hex part (<c>39d975</c>), or an
/// algorithm and a prefix of the hex (<c>sha256:39d975</c>), which then only matches digests of that
/// algorithm. There is no minimum length. A text naming one digest exactly wins even when it is a prefix of
/// another; otherwise two or more matches are ambiguous.
/// </summary>
/// <remarks>
/// Digests are kept sorted by hex, so a lookup is a binary search plus a walk over the matches. Reads may run
/// concurrently; <see cref="Add"/> and <see cref="Remove"/> must not run alongside anything else.
/// Docker's own image lookup reports an ambiguous short ID as <c>No such image</c>; callers that want that
/// exact behaviour use <see cref="TryLookup"/> and map <see cref="ShortIdMatch.Ambiguous"/> to not found.
/// </remarks>
internal sealed class ShortIdIndex
{
    // Sorted by hex, then algorithm name, both ordinal: the order of digestset's entries.
    private readonly List<Digest> _entries = [];

    /// <summary>Creates an empty index.</summary>
    public ShortIdIndex()
    {
    }

    /// <summary>Creates an index holding some digests (duplicates are kept once).</summary>
    /// <param name="digests">The digests.</param>
    /// <exception cref="ArgumentNullException"><paramref name="digests"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">One of them is the empty default value.</exception>
    public ShortIdIndex(IEnumerable<Digest> digests)
    {
        ArgumentNullException.ThrowIfNull(digests);
        foreach (Digest digest in digests)
        {
            Add(digest);
        }
    }

    /// <summary>How many digests the index holds.</summary>
    public int Count => _entries.Count;

    /// <summary>Adds a digest.</summary>
    /// <param name="digest">The digest.</param>
    /// <returns>Whether it was added (<see langword="false"/> when already present).</returns>
    /// <exception cref="ArgumentException"><paramref name="digest"/> is the empty default value.</exception>
    public bool Add(Digest digest)
    {
        if (digest.IsEmpty)
        {
            throw new ArgumentException("The digest is empty.", nameof(digest));
        }

        int index = _entries.BinarySearch(digest, EntryComparer.Instance);
        if (index >= 0)
        {
            return false;
        }

        _entries.Insert(~index, digest);
        return true;
    }

    /// <summary>Removes a digest.</summary>
    /// <param name="digest">The digest.</param>
    /// <returns>Whether it was present.</returns>
    public bool Remove(Digest digest)
    {
        int index = digest.IsEmpty ? -1 : _entries.BinarySearch(digest, EntryComparer.Instance);
        if (index < 0)
        {
            return false;
        }

        _entries.RemoveAt(index);
        return true;
    }

    /// <summary>Whether the index holds a digest.</summary>
    /// <param name="digest">The digest.</param>
    /// <returns>Whether it is present.</returns>
    public bool Contains(Digest digest) => !digest.IsEmpty && _entries.BinarySearch(digest, EntryComparer.Instance) >= 0;

    /// <summary>Finds the digest a short ID names.</summary>
    /// <param name="shortId">A hex prefix, optionally after <c>algorithm:</c>; a full digest matches itself.</param>
    /// <param name="notFoundMessage">
    /// The message when nothing matches; by default Docker's <c>No such image: </c> followed by <paramref name="shortId"/>.
    /// </param>
    /// <returns>The one digest it names.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="shortId"/> is <see langword="null"/>.</exception>
    /// <exception cref="NotFoundException">Nothing matches.</exception>
    /// <exception cref="AmbiguousNameException">More than one digest matches; the candidates are listed in order.</exception>
    public Digest Lookup(string shortId, string? notFoundMessage = null)
    {
        ArgumentNullException.ThrowIfNull(shortId);
        switch (TryLookup(shortId, out Digest digest))
        {
            case ShortIdMatch.Found:
                return digest;
            case ShortIdMatch.NotFound:
                throw new NotFoundException(shortId, notFoundMessage ?? "No such image: " + shortId);
            default:
                throw new AmbiguousNameException(shortId, [.. FindMatches(shortId).Select(d => d.Value)]);
        }
    }

    /// <summary>Looks a short ID up without throwing.</summary>
    /// <param name="shortId">A hex prefix, optionally after <c>algorithm:</c>.</param>
    /// <param name="digest">The digest, when exactly one is named.</param>
    /// <returns>Whether one, none or several digests match.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="shortId"/> is <see langword="null"/>.</exception>
    public ShortIdMatch TryLookup(string shortId, out Digest digest)
    {
        ArgumentNullException.ThrowIfNull(shortId);
        digest = default;
        if (!TrySplit(shortId, out string? algorithm, out string hexPrefix))
        {
            return ShortIdMatch.NotFound;
        }

        int count = 0;
        for (int i = FirstCandidate(hexPrefix); i < _entries.Count && _entries[i].EncodedStartsWith(hexPrefix); i++)
        {
            Digest entry = _entries[i];
            if (algorithm is not null && !entry.Value.AsSpan(0, entry.Value.IndexOf(':')).SequenceEqual(algorithm))
            {
                continue;
            }

            if (algorithm is not null && entry.EncodedSpan.Length == hexPrefix.Length)
            {
                digest = entry;
                return ShortIdMatch.Found;
            }

            if (++count == 1)
            {
                digest = entry;
            }
        }

        if (count == 1)
        {
            return ShortIdMatch.Found;
        }

        digest = default;
        return count == 0 ? ShortIdMatch.NotFound : ShortIdMatch.Ambiguous;
    }

    /// <summary>Every digest a short ID matches, in hex order.</summary>
    /// <param name="shortId">A hex prefix, optionally after <c>algorithm:</c>.</param>
    /// <returns>The matches (empty when none).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="shortId"/> is <see langword="null"/>.</exception>
    public IReadOnlyList<Digest> FindMatches(string shortId)
    {
        ArgumentNullException.ThrowIfNull(shortId);
        List<Digest> matches = [];
        if (!TrySplit(shortId, out string? algorithm, out string hexPrefix))
        {
            return matches;
        }

        for (int i = FirstCandidate(hexPrefix); i < _entries.Count && _entries[i].EncodedStartsWith(hexPrefix); i++)
        {
            Digest entry = _entries[i];
            if (algorithm is null || entry.Value.AsSpan(0, entry.Value.IndexOf(':')).SequenceEqual(algorithm))
            {
                matches.Add(entry);
            }
        }

        return matches;
    }

    /// <summary>
    /// Splits <c>algorithm:hex</c> at its first ':'. Text with an empty algorithm or empty hex part can match
    /// nothing (go-digest calls it malformed and digestset then compares it whole, colon included).
    /// </summary>
    private static bool TrySplit(string shortId, out string? algorithm, out string hexPrefix)
    {
        int colon = shortId.IndexOf(':');
        if (colon < 0)
        {
            algorithm = null;
            hexPrefix = shortId;
            return true;
        }

        algorithm = shortId[..colon];
        hexPrefix = shortId[(colon + 1)..];
        return colon > 0 && hexPrefix.Length > 0;
    }

    /// <summary>The index of the first entry whose hex sorts at or after <paramref name="hexPrefix"/>.</summary>
    private int FirstCandidate(string hexPrefix)
    {
        int low = 0;
        int high = _entries.Count;
        while (low < high)
        {
            int middle = low + ((high - low) / 2);
            if (_entries[middle].EncodedSpan.SequenceCompareTo(hexPrefix) < 0)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low;
    }

    private sealed class EntryComparer : IComparer<Digest>
    {
        public static readonly EntryComparer Instance = new();

        public int Compare(Digest x, Digest y)
        {
            int byHex = x.EncodedSpan.SequenceCompareTo(y.EncodedSpan);
            return byHex != 0 ? byHex : string.CompareOrdinal(x.Value, y.Value);
        }
    }
}
