using System.Net;
using ImageFormat.Errors;

namespace ImageFormat.Registry;

/// <summary>
/// A registry operation failed: the registry answered with an error, refused the credentials, could not be reached,
/// or broke the protocol. <see cref="ImageFormatException.Code"/> is one of <see cref="ErrorCodes.RegistryError"/>,
/// <see cref="ErrorCodes.RegistryUnauthorized"/>, <see cref="ErrorCodes.RegistryUnavailable"/>,
/// <see cref="ErrorCodes.RegistryTlsFailure"/>, <see cref="ErrorCodes.RegistryProtocolError"/>,
/// <see cref="ErrorCodes.RegistryNotFound"/>, <see cref="ErrorCodes.CredentialHelperFailed"/>,
/// <see cref="ErrorCodes.PlatformNotFound"/>, <see cref="ErrorCodes.DockerConfigInvalid"/> or <see cref="ErrorCodes.ReferrersListInvalid"/>. The message always names
/// the registry.
/// </summary>
public sealed class RegistryException : ImageFormatException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="code">A registry code from <see cref="ErrorCodes"/>.</param>
    /// <param name="registry">The registry host (with port), such as <c>localhost:5000</c>.</param>
    /// <param name="message">What failed; the registry is prefixed to it.</param>
    /// <param name="statusCode">The HTTP status the registry answered, when it answered.</param>
    /// <param name="registryErrorCode">The distribution error code (<c>MANIFEST_UNKNOWN</c>, <c>DENIED</c>...), when it sent one.</param>
    /// <param name="innerException">The underlying failure, if any.</param>
    public RegistryException(
        string code,
        string registry,
        string message,
        HttpStatusCode? statusCode = null,
        string? registryErrorCode = null,
        Exception? innerException = null)
        : base(code, $"{registry}: {message}", innerException)
    {
        Registry = registry;
        StatusCode = statusCode;
        RegistryErrorCode = registryErrorCode;
    }

    /// <summary>The registry host (with port).</summary>
    public string Registry { get; }

    /// <summary>The HTTP status the registry answered, when it answered.</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>The first distribution error code of the response body, when there was one.</summary>
    public string? RegistryErrorCode { get; }
}
