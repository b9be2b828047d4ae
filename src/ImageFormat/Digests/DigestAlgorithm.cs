namespace ImageFormat.Digests;

/// <summary>The digest algorithms the OCI image spec registers and ImageFormat accepts.</summary>
public enum DigestAlgorithm
{
    /// <summary>SHA-256: 64 lowercase hex characters. The algorithm of every Docker and OCI identity.</summary>
    Sha256 = 0,

    /// <summary>SHA-512: 128 lowercase hex characters.</summary>
    Sha512 = 1,
}

/// <summary>Helpers for <see cref="DigestAlgorithm"/>.</summary>
public static class DigestAlgorithmExtensions
{
    /// <summary>The algorithm's name as written in a digest string (<c>sha256</c>, <c>sha512</c>).</summary>
    /// <param name="algorithm">The algorithm.</param>
    /// <returns>The lowercase name.</returns>
    public static string Name(this DigestAlgorithm algorithm) => algorithm switch
    {
        DigestAlgorithm.Sha256 => "sha256",
        DigestAlgorithm.Sha512 => "sha512",
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm)),
    };

    /// <summary>The length of the hash in bytes (32 or 64).</summary>
    /// <param name="algorithm">The algorithm.</param>
    /// <returns>The hash length in bytes.</returns>
    public static int HashSizeInBytes(this DigestAlgorithm algorithm) => algorithm switch
    {
        DigestAlgorithm.Sha256 => 32,
        DigestAlgorithm.Sha512 => 64,
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm)),
    };
}
