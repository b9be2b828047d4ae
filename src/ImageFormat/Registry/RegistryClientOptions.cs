using System.Security.Cryptography.X509Certificates;

namespace ImageFormat.Registry;

/// <summary>How a <see cref="RegistryClient"/> connects, authenticates, retries and transfers.</summary>
public sealed class RegistryClientOptions
{
    /// <summary>Where credentials come from; <see langword="null"/> for anonymous access only.</summary>
    public IRegistryCredentialStore? Credentials { get; init; }

    /// <summary>
    /// Registries (<c>host[:port]</c>) that may be reached over plain HTTP, and whose TLS certificate is not verified,
    /// as Docker's <c>insecure-registries</c>. Loopback registries (<c>localhost</c>, <c>127.0.0.0/8</c>, <c>::1</c>)
    /// may use plain HTTP without being named here. HTTPS is always tried first.
    /// </summary>
    public IReadOnlyCollection<string> InsecureRegistries { get; init; } = [];

    /// <summary>Whether TLS certificates are verified (<c>--tls-verify</c>); <see langword="true"/> by default.</summary>
    public bool TlsVerify { get; init; } = true;

    /// <summary>
    /// Extra certificate authorities trusted for TLS besides the system roots (<c>--cert-dir</c>, a registry's
    /// own CA); <see langword="null"/> for the system roots only.
    /// </summary>
    public X509Certificate2Collection? CaCertificates { get; init; }

    /// <summary>How many times a request is retried after 429, a 5xx or a dropped connection; 4 by default.</summary>
    public int MaxRetries { get; init; } = 4;

    /// <summary>The first retry delay, doubled at each retry (a <c>Retry-After</c> header wins); 250 ms by default.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How many blobs move at once when an image is pushed, pulled or copied; 3 by default (Docker's default).</summary>
    public int MaxParallelTransfers { get; init; } = 3;

    /// <summary>
    /// The chunk size of chunked uploads (<c>PATCH</c> with <c>Content-Range</c>); <see langword="null"/> (the default)
    /// uploads each blob monolithically with one <c>PUT</c>.
    /// </summary>
    public long? UploadChunkSize { get; init; }

    /// <summary>The clock token expiry is measured with, and retry delays wait on; the system clock by default.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>The <c>User-Agent</c> sent with every request.</summary>
    public string UserAgent { get; init; } = "imagefmt/0.1";

    /// <summary>Limits on what the registry sends (document sizes, depths).</summary>
    public ImageFormatLimits Limits { get; init; } = ImageFormatLimits.Default;
}
