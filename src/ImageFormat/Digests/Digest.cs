using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using ImageFormat.Errors;

namespace ImageFormat.Digests;

/// <summary>
/// A content digest, <c>algorithm:hex</c>, as defined by the OCI image spec
/// (<see href="https://github.com/opencontainers/image-spec/blob/main/descriptor.md#digests"/>).
/// Only the canonical form is accepted: <c>sha256</c> with 64 or <c>sha512</c> with 128 lowercase hex
/// characters, so a <see cref="Digest"/> is always safe to use as a file name.
/// </summary>
/// <remarks>
/// The default value (<c>default(Digest)</c>) is not a digest; <see cref="IsEmpty"/> tells it apart and every
/// other member treats it as the empty string.
/// </remarks>
public readonly struct Digest : IEquatable<Digest>, IComparable<Digest>, ISpanFormattable
{
    private const string Sha256Prefix = "sha256:";
    private const string Sha512Prefix = "sha512:";

    private static readonly System.Buffers.SearchValues<char> LowerHex = System.Buffers.SearchValues.Create("0123456789abcdef");

    private readonly string? _value;

    private Digest(string value, DigestAlgorithm algorithm)
    {
        _value = value;
        Algorithm = algorithm;
    }

    /// <summary>The algorithm.</summary>
    public DigestAlgorithm Algorithm { get; }

    /// <summary>Whether this is the default value, which names no content.</summary>
    public bool IsEmpty => _value is null;

    /// <summary>The whole digest, <c>algorithm:hex</c>.</summary>
    public string Value => _value ?? string.Empty;

    /// <summary>The hex part, as a span of <see cref="Value"/> (no allocation).</summary>
    public ReadOnlySpan<char> EncodedSpan => _value is null ? default : _value.AsSpan(_value.IndexOf(':') + 1);

    /// <summary>The hex part, as a string (allocates).</summary>
    public string Encoded => EncodedSpan.ToString();

    /// <summary>Docker's short form: the first 12 hex characters.</summary>
    public string ShortId => _value is null ? string.Empty : EncodedSpan[..12].ToString();

    /// <summary>Parses a canonical digest.</summary>
    /// <param name="value">Text such as <c>sha256:e3b0c4...</c>.</param>
    /// <returns>The digest.</returns>
    /// <exception cref="InvalidDigestException"><paramref name="value"/> is not a canonical digest; the message says why.</exception>
    public static Digest Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (!TryParse(value, out Digest digest, out string? reason))
        {
            throw new InvalidDigestException(value, reason);
        }

        return digest;
    }

    /// <summary>Tries to parse a canonical digest.</summary>
    /// <param name="value">The text.</param>
    /// <param name="digest">The digest, when the text is one.</param>
    /// <returns>Whether <paramref name="value"/> is a canonical digest.</returns>
    public static bool TryParse([NotNullWhen(true)] string? value, out Digest digest) => TryParse(value, out digest, out _);

    /// <summary>Tries to parse a canonical digest and says why it is not one.</summary>
    /// <param name="value">The text.</param>
    /// <param name="digest">The digest, when the text is one.</param>
    /// <param name="reason">Why the text is not a digest, when it is not.</param>
    /// <returns>Whether <paramref name="value"/> is a canonical digest.</returns>
    public static bool TryParse([NotNullWhen(true)] string? value, out Digest digest, [NotNullWhen(false)] out string? reason)
    {
        digest = default;
        if (string.IsNullOrEmpty(value))
        {
            reason = "empty";
            return false;
        }

        int colon = value.IndexOf(':');
        if (colon < 0)
        {
            reason = "no ':' between algorithm and encoded part";
            return false;
        }

        ReadOnlySpan<char> algorithm = value.AsSpan(0, colon);
        ReadOnlySpan<char> encoded = value.AsSpan(colon + 1);
        if (algorithm.IsEmpty)
        {
            reason = "empty algorithm";
            return false;
        }

        if (encoded.IsEmpty)
        {
            reason = "empty encoded part";
            return false;
        }

        DigestAlgorithm alg;
        if (algorithm.SequenceEqual("sha256"))
        {
            alg = DigestAlgorithm.Sha256;
        }
        else if (algorithm.SequenceEqual("sha512"))
        {
            alg = DigestAlgorithm.Sha512;
        }
        else
        {
            reason = $"unsupported algorithm \"{InvalidDigestException.Truncate(algorithm.ToString())}\" (expected sha256 or sha512)";
            return false;
        }

        int expectedLength = alg.HashSizeInBytes() * 2;
        if (encoded.Length != expectedLength)
        {
            reason = $"{alg.Name()} needs {expectedLength} hex characters, found {encoded.Length}";
            return false;
        }

        int bad = encoded.IndexOfAnyExcept(LowerHex);
        if (bad >= 0)
        {
            reason = char.IsAsciiHexDigitUpper(encoded[bad])
                ? $"uppercase hex character '{encoded[bad]}' at {colon + 1 + bad} (digests are lowercase)"
                : $"invalid character '{encoded[bad]}' at {colon + 1 + bad}";
            return false;
        }

        digest = new Digest(value, alg);
        reason = null;
        return true;
    }

    /// <summary>Makes a digest from a raw hash value.</summary>
    /// <param name="algorithm">The algorithm that produced <paramref name="hash"/>.</param>
    /// <param name="hash">The hash bytes (32 for SHA-256, 64 for SHA-512).</param>
    /// <returns>The digest.</returns>
    /// <exception cref="ArgumentException"><paramref name="hash"/> has the wrong length.</exception>
    public static Digest FromHash(DigestAlgorithm algorithm, ReadOnlySpan<byte> hash)
    {
        if (hash.Length != algorithm.HashSizeInBytes())
        {
            throw new ArgumentException($"{algorithm.Name()} hashes are {algorithm.HashSizeInBytes()} bytes, got {hash.Length}", nameof(hash));
        }

        string prefix = algorithm == DigestAlgorithm.Sha256 ? Sha256Prefix : Sha512Prefix;
        Span<char> buffer = stackalloc char[Sha512Prefix.Length + 128];
        prefix.CopyTo(buffer);
        Convert.TryToHexStringLower(hash, buffer[prefix.Length..], out int hexLength);
        string value = new(buffer[..(prefix.Length + hexLength)]);
        return new Digest(value, algorithm);
    }

    /// <summary>Computes the SHA-256 digest of some bytes.</summary>
    /// <param name="data">The bytes.</param>
    /// <returns>The digest.</returns>
    public static Digest Compute(ReadOnlySpan<byte> data) => Compute(data, DigestAlgorithm.Sha256);

    /// <summary>Computes the digest of some bytes.</summary>
    /// <param name="data">The bytes.</param>
    /// <param name="algorithm">The algorithm.</param>
    /// <returns>The digest.</returns>
    public static Digest Compute(ReadOnlySpan<byte> data, DigestAlgorithm algorithm)
    {
        Span<byte> hash = stackalloc byte[64];
        int written = algorithm switch
        {
            DigestAlgorithm.Sha256 => SHA256.HashData(data, hash),
            DigestAlgorithm.Sha512 => SHA512.HashData(data, hash),
            _ => throw new ArgumentOutOfRangeException(nameof(algorithm)),
        };
        return FromHash(algorithm, hash[..written]);
    }

    /// <summary>Computes the digest of a string's UTF-8 bytes.</summary>
    /// <param name="text">The text.</param>
    /// <param name="algorithm">The algorithm; SHA-256 unless given.</param>
    /// <returns>The digest.</returns>
    public static Digest ComputeUtf8(string text, DigestAlgorithm algorithm = DigestAlgorithm.Sha256)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Compute(Encoding.UTF8.GetBytes(text), algorithm);
    }

    /// <summary>Computes the SHA-256 digest of a stream's remaining content, reading it to the end.</summary>
    /// <param name="stream">The stream.</param>
    /// <returns>The digest.</returns>
    public static Digest Compute(Stream stream) => Compute(stream, DigestAlgorithm.Sha256);

    /// <summary>Computes the digest of a stream's remaining content, reading it to the end.</summary>
    /// <param name="stream">The stream.</param>
    /// <param name="algorithm">The algorithm.</param>
    /// <returns>The digest.</returns>
    public static Digest Compute(Stream stream, DigestAlgorithm algorithm)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Span<byte> hash = stackalloc byte[64];
        int written = algorithm switch
        {
            DigestAlgorithm.Sha256 => SHA256.HashData(stream, hash),
            DigestAlgorithm.Sha512 => SHA512.HashData(stream, hash),
            _ => throw new ArgumentOutOfRangeException(nameof(algorithm)),
        };
        return FromHash(algorithm, hash[..written]);
    }

    /// <summary>Computes the digest of a stream's remaining content asynchronously.</summary>
    /// <param name="stream">The stream.</param>
    /// <param name="algorithm">The algorithm; SHA-256 unless given.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The digest.</returns>
    public static async ValueTask<Digest> ComputeAsync(Stream stream, DigestAlgorithm algorithm = DigestAlgorithm.Sha256, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        byte[] hash = algorithm switch
        {
            DigestAlgorithm.Sha256 => await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false),
            DigestAlgorithm.Sha512 => await SHA512.HashDataAsync(stream, cancellationToken).ConfigureAwait(false),
            _ => throw new ArgumentOutOfRangeException(nameof(algorithm)),
        };
        return FromHash(algorithm, hash);
    }

    /// <summary>
    /// Compares two digests in time that does not depend on where they differ: use it where a computed digest is
    /// checked against an expected one.
    /// </summary>
    /// <param name="other">The other digest.</param>
    /// <returns>Whether both name the same content.</returns>
    public bool FixedTimeEquals(Digest other)
    {
        ReadOnlySpan<char> a = Value;
        ReadOnlySpan<char> b = other.Value;
        return CryptographicOperations.FixedTimeEquals(
            System.Runtime.InteropServices.MemoryMarshal.AsBytes(a),
            System.Runtime.InteropServices.MemoryMarshal.AsBytes(b));
    }

    /// <summary>Whether <paramref name="prefix"/> is a prefix of the hex part (a Docker short ID match).</summary>
    /// <param name="prefix">Lowercase hex characters.</param>
    /// <returns>Whether the hex part starts with it.</returns>
    public bool EncodedStartsWith(ReadOnlySpan<char> prefix) => EncodedSpan.StartsWith(prefix, StringComparison.Ordinal);

    /// <inheritdoc/>
    public bool Equals(Digest other) => string.Equals(_value, other._value, StringComparison.Ordinal);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Digest other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => _value is null ? 0 : string.GetHashCode(_value, StringComparison.Ordinal);

    /// <inheritdoc/>
    public int CompareTo(Digest other) => string.CompareOrdinal(_value, other._value);

    /// <summary>Returns <c>algorithm:hex</c>.</summary>
    /// <returns>The digest string.</returns>
    public override string ToString() => Value;

    /// <inheritdoc/>
    public string ToString(string? format, IFormatProvider? formatProvider) => Value;

    /// <inheritdoc/>
    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format, IFormatProvider? provider)
    {
        if (Value.TryCopyTo(destination))
        {
            charsWritten = Value.Length;
            return true;
        }

        charsWritten = 0;
        return false;
    }

    /// <summary>Equality.</summary>
    /// <param name="left">A digest.</param>
    /// <param name="right">Another.</param>
    /// <returns>Whether they are equal.</returns>
    public static bool operator ==(Digest left, Digest right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    /// <param name="left">A digest.</param>
    /// <param name="right">Another.</param>
    /// <returns>Whether they differ.</returns>
    public static bool operator !=(Digest left, Digest right) => !left.Equals(right);

    /// <summary>Ordinal ordering.</summary>
    /// <param name="left">A digest.</param>
    /// <param name="right">Another.</param>
    /// <returns>Whether <paramref name="left"/> sorts first.</returns>
    public static bool operator <(Digest left, Digest right) => left.CompareTo(right) < 0;

    /// <summary>Ordinal ordering.</summary>
    /// <param name="left">A digest.</param>
    /// <param name="right">Another.</param>
    /// <returns>Whether <paramref name="left"/> sorts first or equal.</returns>
    public static bool operator <=(Digest left, Digest right) => left.CompareTo(right) <= 0;

    /// <summary>Ordinal ordering.</summary>
    /// <param name="left">A digest.</param>
    /// <param name="right">Another.</param>
    /// <returns>Whether <paramref name="left"/> sorts last.</returns>
    public static bool operator >(Digest left, Digest right) => left.CompareTo(right) > 0;

    /// <summary>Ordinal ordering.</summary>
    /// <param name="left">A digest.</param>
    /// <param name="right">Another.</param>
    /// <returns>Whether <paramref name="left"/> sorts last or equal.</returns>
    public static bool operator >=(Digest left, Digest right) => left.CompareTo(right) >= 0;
}
