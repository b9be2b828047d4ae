namespace ImageFormat.IO;

/// <summary>
/// A stream that can lend the bytes it holds instead of copying them out: a consumer that passes bytes on to another
/// thread (a writer) hands over the lent memory and the lease with it, and the bytes stay as they are until the lease
/// is disposed.
/// </summary>
internal interface IBlockLender
{
    /// <summary>Whether <see cref="Lend"/> works (else only <see cref="Stream.Read(Span{byte})"/> does).</summary>
    bool CanLend { get; }

    /// <summary>
    /// Takes the next bytes, at most <paramref name="max"/>, in place: the memory is the lender's, unchanged until
    /// <paramref name="lease"/> is disposed (once, on any thread). Reading and lending may be mixed; each byte is
    /// returned once either way.
    /// </summary>
    /// <param name="max">The most bytes wanted (at least 1).</param>
    /// <param name="lease">Disposed when the bytes are no longer needed; <see langword="null"/> at the end.</param>
    /// <returns>The bytes; empty only at the end of the content.</returns>
    ReadOnlyMemory<byte> Lend(int max, out IDisposable? lease);
}
