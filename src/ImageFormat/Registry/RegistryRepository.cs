using ImageFormat.References;

namespace ImageFormat.Registry;

/// <summary>A repository in a registry: the registry host (with its port) and the repository name inside it.</summary>
/// <param name="Registry">The registry host with its port (<c>localhost:5000</c>, <c>docker.io</c>).</param>
/// <param name="Name">The repository name (<c>library/ubuntu</c>, <c>team/app</c>).</param>
public sealed record RegistryRepository(string Registry, string Name)
{
    /// <summary>The repository of a reference: its domain and path (<c>docker.io</c> for familiar names).</summary>
    /// <param name="reference">The reference.</param>
    /// <returns>The repository.</returns>
    public static RegistryRepository From(ImageReference reference)
    {
        ArgumentNullException.ThrowIfNull(reference);
        return new RegistryRepository(reference.Domain.Length == 0 ? ImageReference.DefaultDomain : reference.Domain, reference.Path);
    }

    /// <summary>The host HTTP requests go to: <c>registry-1.docker.io</c> for Docker Hub, else <see cref="Registry"/>.</summary>
    public string Endpoint => Registry is ImageReference.DefaultDomain or ImageReference.LegacyDefaultDomain ? "registry-1.docker.io" : Registry;

    /// <summary>Returns <c>registry/name</c>.</summary>
    /// <returns>The full name.</returns>
    public override string ToString() => $"{Registry}/{Name}";
}
