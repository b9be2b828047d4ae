using System.Net;
using System.Net.Http.Headers;
using ImageFormat.Digests;
using ImageFormat.Errors;
using ImageFormat.Model;

namespace ImageFormat.Registry;

/// <summary>
/// OCI 1.1 referrers (OCI distribution-spec v1.1, "Listing Referrers", "Pushing Manifests with Subject" and
/// "Referrers Tag Schema"): the manifests whose <c>subject</c> names a given manifest. A registry with the referrers
/// API answers <c>GET /v2/NAME/referrers/DIGEST</c> and acknowledges a pushed subject with an <c>OCI-Subject</c>
/// header; for one without it, the client keeps the list itself, as an OCI index under the tag <c>ALG-HEX</c>.
/// </summary>
public sealed partial class RegistryClient
{
    /// <summary>The response header a registry with the referrers API sets when it stored a manifest's <c>subject</c>.</summary>
    private const string OciSubjectHeader = "OCI-Subject";

    /// <summary>The response header naming the filters the referrers API applied (<c>artifactType</c>).</summary>
    private const string OciFiltersAppliedHeader = "OCI-Filters-Applied";

    /// <summary>
    /// The tag under which a registry without the referrers API keeps the referrers of <paramref name="subject"/>
    /// (OCI distribution-spec v1.1, "Referrers Tag Schema"): the algorithm and the encoded part joined by <c>-</c>,
    /// truncated to 32 and 64 characters, any character a tag cannot hold replaced by <c>-</c>.
    /// </summary>
    /// <param name="subject">The subject manifest's digest.</param>
    /// <returns>The tag, such as <c>sha256-e3b0c442…</c>.</returns>
    public static string ReferrersTag(Digest subject)
    {
        string algorithm = subject.Value[..subject.Value.IndexOf(':', StringComparison.Ordinal)];
        string encoded = subject.Encoded;
        string tag = algorithm[..Math.Min(algorithm.Length, 32)] + "-" + encoded[..Math.Min(encoded.Length, 64)];
        return string.Create(tag.Length, tag, static (span, value) =>
        {
            for (int i = 0; i < value.Length; i++)
            {
                char c = value[i];
                span[i] = char.IsAsciiLetterOrDigit(c) || c is '_' || (i > 0 && c is '.' or '-') ? c : '-';
            }
        });
    }

    /// <summary>
    /// Lists the manifests that name <paramref name="subject"/> as their <c>subject</c>: from the referrers API when
    /// the registry answers it, else (a 404) from the referrers tag schema's index (none when that tag is missing).
    /// </summary>
    /// <param name="repository">The repository of the subject.</param>
    /// <param name="subject">The subject manifest's digest.</param>
    /// <param name="artifactType">Only referrers of this artifact type; all when <see langword="null"/>. Applied here
    /// when the registry did not apply it.</param>
    /// <param name="cancellationToken">Cancels the requests.</param>
    /// <returns>The referrers' descriptors (media type, digest, size, artifact type, annotations), in the registry's order.</returns>
    /// <exception cref="RegistryException">A request failed, or the registry answered something that is not an index.</exception>
    public async Task<IReadOnlyList<Descriptor>> ListReferrersAsync(RegistryRepository repository, Digest subject, string? artifactType = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(repository);
        HostState host = await GetHostAsync(repository, cancellationToken).ConfigureAwait(false);
        string path = $"v2/{repository.Name}/referrers/{subject}" + (artifactType is null ? string.Empty : "?artifactType=" + Uri.EscapeDataString(artifactType));
        string what = $"referrers of {repository.Name}@{subject}";
        IReadOnlyList<Descriptor> found;
        bool filtered = false;
        using (HttpResponseMessage response = await SendAsync(
            host,
            b =>
            {
                HttpRequestMessage request = new(HttpMethod.Get, Resolve(b, path));
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(MediaTypes.OciIndex));
                return request;
            },
            [Scope(repository.Name, push: false)],
            retry: true,
            HttpCompletionOption.ResponseHeadersRead,
            cancellationToken).ConfigureAwait(false))
        {
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                found = await ReadReferrersTagAsync(repository, subject, cancellationToken).ConfigureAwait(false);
            }
            else if (!response.IsSuccessStatusCode)
            {
                throw await ErrorAsync(host, response, what).ConfigureAwait(false);
            }
            else
            {
                byte[] bytes = await ReadLimitedAsync(host, response, Options.Limits.MaxJsonBytes, what, cancellationToken).ConfigureAwait(false);
                found = ParseReferrersIndex(host.Registry, bytes, what);
                filtered = response.Headers.TryGetValues(OciFiltersAppliedHeader, out IEnumerable<string>? applied)
                    && applied.SelectMany(v => v.Split(',')).Any(v => v.Trim() == "artifactType");
            }
        }

        return artifactType is null || filtered ? found : [.. found.Where(d => d.ArtifactType == artifactType)];
    }

    /// <summary>
    /// The referrer a pushed document is, when it names a <c>subject</c>: its descriptor as a referrers list holds it
    /// (its <c>artifactType</c>, else its config's media type; its annotations). Documents that cannot be parsed have none.
    /// </summary>
    private (Digest Subject, Descriptor Descriptor)? ReferrerOf(ReadOnlyMemory<byte> bytes, string mediaType, Digest digest)
    {
        ManifestOrIndex document;
        try
        {
            document = ImageDocuments.ParseManifestOrIndex(bytes, digest.Value, Options.Limits);
        }
        catch (ImageFormatException)
        {
            return null;
        }

        (Descriptor? subject, string? artifactType, IReadOnlyDictionary<string, string>? annotations) = document.Manifest is { } manifest
            ? (manifest.Value.Subject, manifest.Value.ArtifactType ?? manifest.Value.Config.MediaType, manifest.Value.Annotations)
            : (document.Index!.Value.Subject, document.Index.Value.ArtifactType, document.Index.Value.Annotations);
        return subject is null
            ? null
            : (subject.Digest, new Descriptor { MediaType = mediaType, Digest = digest, Size = bytes.Length, ArtifactType = artifactType, Annotations = annotations is { Count: > 0 } ? annotations : null });
    }

    /// <summary>
    /// Adds <paramref name="referrer"/> to the referrers tag schema's index of <paramref name="subject"/>: fetches the
    /// index under <see cref="ReferrersTag"/> (a missing tag is an empty list), and pushes it back with the descriptor
    /// appended unless it already lists that digest.
    /// </summary>
    private async Task AddToReferrersTagAsync(RegistryRepository repository, Digest subject, Descriptor referrer, CancellationToken cancellationToken)
    {
        IReadOnlyList<Descriptor> current = await ReadReferrersTagAsync(repository, subject, cancellationToken).ConfigureAwait(false);
        if (current.Any(d => d.Digest == referrer.Digest))
        {
            return;
        }

        RawDocument<ImageIndex> index = RawDocument.Create(new ImageIndex { MediaType = MediaTypes.OciIndex, Manifests = [.. current, referrer] });
        await PutManifestAsync(repository, ReferrersTag(subject), index.Bytes, MediaTypes.OciIndex, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The descriptors of the referrers tag schema's index of <paramref name="subject"/>; none when the tag is missing.</summary>
    private async Task<IReadOnlyList<Descriptor>> ReadReferrersTagAsync(RegistryRepository repository, Digest subject, CancellationToken cancellationToken)
    {
        string tag = ReferrersTag(subject);
        RegistryManifest? list = await GetManifestCoreAsync(repository, tag, allowMissing: true, cancellationToken).ConfigureAwait(false);
        if (list is null)
        {
            return [];
        }

        return list.Document.Index?.Value.Manifests
            ?? throw new RegistryException(ErrorCodes.ReferrersListInvalid, repository.Registry, $"referrers of {repository.Name}@{subject}: the tag {tag} holds a manifest, not the index of referrers");
    }

    private IReadOnlyList<Descriptor> ParseReferrersIndex(string registry, byte[] bytes, string what)
    {
        ManifestOrIndex document;
        try
        {
            document = ImageDocuments.ParseManifestOrIndex(bytes, what, Options.Limits);
        }
        catch (ImageFormatException e)
        {
            throw new RegistryException(ErrorCodes.ReferrersListInvalid, registry, $"{what}: the answer is not an OCI index: {e.Message}", innerException: e);
        }

        return document.Index?.Value.Manifests
            ?? throw new RegistryException(ErrorCodes.ReferrersListInvalid, registry, $"{what}: the answer is a manifest, not an OCI index");
    }
}
