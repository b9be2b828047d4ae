namespace ImageFormat.Progress;

/// <summary>What a long operation is doing when it reports <see cref="ImageProgress"/>.</summary>
public enum ImageProgressPhase
{
    /// <summary>Writing an archive or layout (<c>archive convert</c>, <c>save</c>).</summary>
    Writing,

    /// <summary>Hashing the blobs of an archive against their digests (<c>archive verify</c>).</summary>
    Verifying,

    /// <summary>Applying layers onto a directory (<c>archive extract</c>, container <c>create</c>).</summary>
    Extracting,

    /// <summary>Copying an archive's layers into the store (<c>load</c>).</summary>
    Loading,

    /// <summary>Building a layer from a directory and adding the image to the store (<c>commit</c>, <c>import</c>).</summary>
    Committing,

    /// <summary>Writing a container's file system as a tar (<c>export</c>).</summary>
    Exporting,
}

/// <summary>
/// One progress report of a long operation: its phase, the blob or layer being processed, and how many bytes of
/// the operation are done out of how many. Reports of one operation come in order, with
/// <see cref="BytesDone"/> never decreasing; the last one has <see cref="BytesDone"/> equal to
/// <see cref="BytesTotal"/>. Each item is reported at least once when it starts and once when it ends; in between,
/// reports are throttled (about one every 100 ms).
/// </summary>
/// <param name="Phase">What the operation is doing.</param>
/// <param name="Item">The blob or layer being processed: a digest, or a name when the item has no digest yet (a layer being built); empty before the first item.</param>
/// <param name="ItemIndex">The zero-based position of <paramref name="Item"/> among <paramref name="ItemCount"/>.</param>
/// <param name="ItemCount">How many blobs or layers the operation processes.</param>
/// <param name="BytesDone">Bytes processed so far, over all items.</param>
/// <param name="BytesTotal">Bytes the operation processes in all: stored (compressed) sizes of the blobs it reads, or, where that is not known beforehand (a directory to build a layer from), the bytes seen so far.</param>
public readonly record struct ImageProgress(ImageProgressPhase Phase, string Item, int ItemIndex, int ItemCount, long BytesDone, long BytesTotal);
