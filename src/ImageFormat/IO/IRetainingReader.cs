namespace ImageFormat.IO;

/// <summary>
/// A stream that may go on using the bytes a read returned after the read returns (a verifying stream hashes them
/// on another thread): the caller reads into a buffer it keeps unchanged while any lease on it is held, and the
/// stream takes a lease for each read that returned bytes and disposes it once it is done with them. A reader that
/// already keeps its bytes in a buffer of its own (<see cref="ReadAheadStream"/>'s chunks) so spares the stream a
/// copy of them.
/// </summary>
internal interface IRetainingReader
{
    /// <summary>Reads as <see cref="Stream.Read(Span{byte})"/> does, into a buffer the caller keeps while leased.</summary>
    /// <param name="buffer">Where to put the bytes; unchanged by the caller until every lease taken on it is disposed.</param>
    /// <param name="lease">Takes a lease on <paramref name="buffer"/>; called at most once per read, only when bytes were read.</param>
    /// <returns>The number of bytes read; 0 at the end.</returns>
    int ReadRetaining(Memory<byte> buffer, Func<IDisposable> lease);
}
