namespace ImageFormat.Registry;

/// <summary>
/// What a registry is logged in with: a user name and password, or an identity token (an OAuth2 refresh token, which
/// Docker stores with the user name <c>&lt;token&gt;</c>).
/// </summary>
/// <param name="Username">The user name; empty with an identity token.</param>
/// <param name="Secret">The password, or the identity token when <paramref name="IsIdentityToken"/>.</param>
/// <param name="IsIdentityToken">Whether <paramref name="Secret"/> is an identity token.</param>
public sealed record RegistryCredential(string Username, string Secret, bool IsIdentityToken = false)
{
    /// <summary>Hides the secret.</summary>
    /// <returns><c>RegistryCredential { Username = … }</c>.</returns>
    public override string ToString() => $"RegistryCredential {{ Username = {Username} }}";
}

/// <summary>Finds the credential of a registry.</summary>
public interface IRegistryCredentialStore
{
    /// <summary>The credential for <paramref name="registry"/>, or <see langword="null"/> for anonymous access.</summary>
    /// <param name="registry">The registry host with its port (<c>localhost:5000</c>, <c>docker.io</c>).</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    /// <returns>The credential, if any.</returns>
    ValueTask<RegistryCredential?> GetAsync(string registry, CancellationToken cancellationToken = default);
}

/// <summary>Credentials given in memory, by registry host.</summary>
public sealed class StaticCredentialStore : IRegistryCredentialStore
{
    private readonly Dictionary<string, RegistryCredential> _credentials = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Creates a store holding the given credentials.</summary>
    /// <param name="credentials">Registry host → credential.</param>
    public StaticCredentialStore(IEnumerable<KeyValuePair<string, RegistryCredential>> credentials)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        foreach ((string registry, RegistryCredential credential) in credentials)
        {
            _credentials[registry] = credential;
        }
    }

    /// <inheritdoc />
    public ValueTask<RegistryCredential?> GetAsync(string registry, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(_credentials.GetValueOrDefault(registry));
}
