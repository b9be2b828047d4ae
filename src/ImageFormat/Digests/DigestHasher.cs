using System.Security.Cryptography;

namespace ImageFormat.Digests;

/// <summary>
/// Hashes content that arrives in pieces and counts its bytes, producing a <see cref="Digest"/>.
/// </summary>
/// <remarks>
/// Not thread-safe. After <see cref="GetDigest"/> the hasher starts over, as after <see cref="Reset"/>.
/// </remarks>
public sealed class DigestHasher : IDisposable
{
    private readonly IncrementalHash _hash;
    private bool _disposed;

    /// <summary>Creates a hasher.</summary>
    /// <param name="algorithm">The algorithm; SHA-256 unless given.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="algorithm"/> is not a defined algorithm.</exception>
    public DigestHasher(DigestAlgorithm algorithm = DigestAlgorithm.Sha256)
    {
        HashAlgorithmName name = algorithm switch
        {
            DigestAlgorithm.Sha256 => HashAlgorithmName.SHA256,
            DigestAlgorithm.Sha512 => HashAlgorithmName.SHA512,
            _ => throw new ArgumentOutOfRangeException(nameof(algorithm)),
        };
        Algorithm = algorithm;
        _hash = IncrementalHash.CreateHash(name);
    }

    /// <summary>The algorithm.</summary>
    public DigestAlgorithm Algorithm { get; }

    /// <summary>How many bytes were appended since the hasher was created, reset or last finished.</summary>
    public long BytesHashed { get; private set; }

    /// <summary>Adds bytes to the content.</summary>
    /// <param name="data">The next bytes.</param>
    /// <exception cref="ObjectDisposedException">The hasher is disposed.</exception>
    public void Append(ReadOnlySpan<byte> data)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _hash.AppendData(data);
        BytesHashed += data.Length;
    }

    /// <summary>Finishes the hash and returns the digest of everything appended; the hasher then starts over.</summary>
    /// <returns>The digest.</returns>
    /// <exception cref="ObjectDisposedException">The hasher is disposed.</exception>
    public Digest GetDigest()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Span<byte> hash = stackalloc byte[64];
        int written = _hash.GetHashAndReset(hash);
        BytesHashed = 0;
        return Digest.FromHash(Algorithm, hash[..written]);
    }

    /// <summary>Returns the digest of everything appended so far without finishing: more bytes may follow.</summary>
    /// <returns>The digest of the bytes so far.</returns>
    /// <exception cref="ObjectDisposedException">The hasher is disposed.</exception>
    public Digest PeekDigest()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Span<byte> hash = stackalloc byte[64];
        int written = _hash.GetCurrentHash(hash);
        return Digest.FromHash(Algorithm, hash[..written]);
    }

    /// <summary>Forgets everything appended.</summary>
    /// <exception cref="ObjectDisposedException">The hasher is disposed.</exception>
    public void Reset()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Span<byte> discard = stackalloc byte[64];
        _hash.GetHashAndReset(discard);
        BytesHashed = 0;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _hash.Dispose();
        }
    }
}
