using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json;
using ImageFormat.Digests;
using ImageFormat.Errors;
using ImageFormat.Model;
using ImageFormat.References;

namespace ImageFormat.Registry;

public sealed partial class RegistryClient
{
    /// <summary>
    /// The <c>Accept</c> list of manifest requests: OCI manifests and indexes, Docker v2 schema 2 manifests and
    /// manifest lists (schema 1 is not accepted).
    /// </summary>
    public static IReadOnlyList<string> ManifestMediaTypes { get; } =
        [MediaTypes.OciManifest, MediaTypes.OciIndex, MediaTypes.DockerManifestSchema2, MediaTypes.DockerManifestList];

    /// <summary>The platform of this machine (<c>linux/amd64</c>, <c>linux/arm64</c>...), the default platform picked from an index.</summary>
    public static Platform HostPlatform { get; } = new Platform
    {
        Os = OperatingSystem.IsWindows() ? "windows" : OperatingSystem.IsMacOS() ? "darwin" : "linux",
        Architecture = RuntimeInformation.OSArchitecture switch
        {
            Architecture.X64 => "amd64",
            Architecture.Arm64 => "arm64",
            Architecture.Arm or Architecture.Armv6 => "arm",
            Architecture.X86 => "386",
            Architecture.S390x => "s390x",
            Architecture.Ppc64le => "ppc64le",
            Architecture.RiscV64 => "riscv64",
            Architecture.LoongArch64 => "loong64",
            _ => RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant(),
        },
        Variant = RuntimeInformation.OSArchitecture == Architecture.Armv6 ? "v6" : null,
    };

    /// <summary>Fetches a manifest or index by tag or digest (<c>GET /v2/NAME/manifests/REFERENCE</c>) and checks its digest.</summary>
    /// <param name="repository">The repository.</param>
    /// <param name="reference">A tag or a digest.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The document with its exact bytes.</returns>
    /// <exception cref="RegistryException">The registry failed or has no such manifest (<see cref="ErrorCodes.RegistryNotFound"/>).</exception>
    /// <exception cref="DigestMismatchException">The bytes do not have the digest asked for, or that the registry announced.</exception>
    public async Task<RegistryManifest> GetManifestAsync(RegistryRepository repository, string reference, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(repository);
        return (await GetManifestCoreAsync(repository, reference, allowMissing: false, cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>The core of <see cref="GetManifestAsync"/>; with <paramref name="allowMissing"/>, a 404 is <see langword="null"/>.</summary>
    private async Task<RegistryManifest?> GetManifestCoreAsync(RegistryRepository repository, string reference, bool allowMissing, CancellationToken cancellationToken)
    {
        Digest? wanted = CheckReference(reference);
        HostState host = await GetHostAsync(repository, cancellationToken).ConfigureAwait(false);
        string path = $"v2/{repository.Name}/manifests/{reference}";
        using HttpResponseMessage response = await SendAsync(
            host,
            b => WithAccept(new HttpRequestMessage(HttpMethod.Get, Resolve(b, path))),
            [Scope(repository.Name, push: false)],
            retry: true,
            HttpCompletionOption.ResponseHeadersRead,
            cancellationToken).ConfigureAwait(false);
        if (allowMissing && response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        if (!response.IsSuccessStatusCode)
        {
            throw await ErrorAsync(host, response, $"manifest {repository.Name}:{reference}").ConfigureAwait(false);
        }

        byte[] bytes = await ReadLimitedAsync(host, response, Options.Limits.MaxJsonBytes, $"manifest {repository.Name}:{reference}", cancellationToken).ConfigureAwait(false);
        string subject = $"{repository}@{reference}";
        if (wanted is { } w)
        {
            Digest actual = Digest.Compute(bytes, w.Algorithm);
            if (actual != w)
            {
                throw new DigestMismatchException(subject, w, actual);
            }
        }

        if (response.Headers.TryGetValues("Docker-Content-Digest", out IEnumerable<string>? values)
            && Digest.TryParse(values.FirstOrDefault(), out Digest announced))
        {
            Digest actual = Digest.Compute(bytes, announced.Algorithm);
            if (actual != announced)
            {
                throw new DigestMismatchException(subject + " (Docker-Content-Digest)", announced, actual);
            }
        }

        ManifestOrIndex document = ImageDocuments.ParseManifestOrIndex(bytes, subject, Options.Limits);
        string mediaType = document.MediaType
            ?? response.Content.Headers.ContentType?.MediaType
            ?? (document.IsIndex ? MediaTypes.OciIndex : MediaTypes.OciManifest);
        return new RegistryManifest(repository, mediaType, document);
    }

    /// <summary>Asks for a manifest's descriptor without its body (<c>HEAD</c>): media type, digest and size.</summary>
    /// <param name="repository">The repository.</param>
    /// <param name="reference">A tag or a digest.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The descriptor, or <see langword="null"/> when the registry has no such manifest.</returns>
    /// <exception cref="RegistryException">The registry failed, or sent no usable digest.</exception>
    public async Task<Descriptor?> HeadManifestAsync(RegistryRepository repository, string reference, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(repository);
        Digest? wanted = CheckReference(reference);
        HostState host = await GetHostAsync(repository, cancellationToken).ConfigureAwait(false);
        string path = $"v2/{repository.Name}/manifests/{reference}";
        using HttpResponseMessage response = await SendAsync(
            host,
            b => WithAccept(new HttpRequestMessage(HttpMethod.Head, Resolve(b, path))),
            [Scope(repository.Name, push: false)],
            retry: true,
            HttpCompletionOption.ResponseHeadersRead,
            cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        if (!response.IsSuccessStatusCode)
        {
            throw await ErrorAsync(host, response, $"manifest {repository.Name}:{reference}").ConfigureAwait(false);
        }

        Digest digest = response.Headers.TryGetValues("Docker-Content-Digest", out IEnumerable<string>? values) && Digest.TryParse(values.FirstOrDefault(), out Digest d)
            ? d
            : wanted ?? throw new RegistryException(ErrorCodes.RegistryProtocolError, host.Registry, $"HEAD manifest {repository.Name}:{reference}: no Docker-Content-Digest header");
        return new Descriptor
        {
            MediaType = response.Content.Headers.ContentType?.MediaType ?? MediaTypes.OciManifest,
            Digest = digest,
            Size = response.Content.Headers.ContentLength ?? -1,
        };
    }

    /// <summary>
    /// Fetches the image manifest a reference names: the manifest itself, or, for an index, the manifest of
    /// <paramref name="platform"/> (this machine's when <see langword="null"/>) fetched by digest.
    /// </summary>
    /// <param name="repository">The repository.</param>
    /// <param name="reference">A tag or a digest.</param>
    /// <param name="platform">The platform to pick from an index; <see cref="HostPlatform"/> when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the requests.</param>
    /// <returns>An image manifest.</returns>
    /// <exception cref="RegistryException">The index has no manifest for the platform (<see cref="ErrorCodes.PlatformNotFound"/>), or a request failed.</exception>
    public async Task<RegistryManifest> GetImageManifestAsync(RegistryRepository repository, string reference, Platform? platform = null, CancellationToken cancellationToken = default)
    {
        RegistryManifest manifest = await GetManifestAsync(repository, reference, cancellationToken).ConfigureAwait(false);
        for (int depth = 0; manifest.IsIndex; depth++)
        {
            if (depth >= Options.Limits.MaxIndexDepth)
            {
                throw new LimitExceededException($"{repository}@{reference}", nameof(ImageFormatLimits.MaxIndexDepth), Options.Limits.MaxIndexDepth, depth + 1);
            }

            Descriptor chosen = SelectPlatform(repository, manifest, platform ?? HostPlatform);
            manifest = await GetManifestAsync(repository, chosen.Digest.Value, cancellationToken).ConfigureAwait(false);
        }

        return manifest;
    }

    /// <summary>The descriptor of an index that matches <paramref name="platform"/> (the first one, as Docker picks).</summary>
    /// <param name="repository">Where the index came from (for the error message).</param>
    /// <param name="index">An index.</param>
    /// <param name="platform">The platform wanted.</param>
    /// <returns>The matching descriptor.</returns>
    /// <exception cref="RegistryException"><see cref="ErrorCodes.PlatformNotFound"/>, listing the platforms the index has.</exception>
    public static Descriptor SelectPlatform(RegistryRepository repository, RegistryManifest index, Platform platform)
    {
        ArgumentNullException.ThrowIfNull(repository);
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(platform);
        IReadOnlyList<Descriptor> manifests = index.Document.Index?.Value.Manifests ?? throw new ArgumentException("Not an index.", nameof(index));
        foreach (Descriptor d in manifests)
        {
            if (d.Platform is { } p && platform.Matches(p) && (MediaTypes.IsManifest(d.MediaType) || MediaTypes.IsIndex(d.MediaType)))
            {
                return d;
            }
        }

        string available = string.Join(", ", manifests.Where(d => d.Platform is not null).Select(d => d.Platform!.ToString()).Distinct());
        throw new RegistryException(
            ErrorCodes.PlatformNotFound,
            repository.Registry,
            $"{repository.Name}@{index.Digest}: no manifest for platform {platform} (the index has {(available.Length == 0 ? "no platforms" : available)})");
    }

    /// <summary>Asks whether the repository has a blob (<c>HEAD /v2/NAME/blobs/DIGEST</c>).</summary>
    /// <param name="repository">The repository.</param>
    /// <param name="digest">The blob's digest.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>Whether it is there.</returns>
    public async Task<bool> BlobExistsAsync(RegistryRepository repository, Digest digest, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(repository);
        HostState host = await GetHostAsync(repository, cancellationToken).ConfigureAwait(false);
        return await BlobExistsAsync(host, repository, digest, [Scope(repository.Name, push: false)], cancellationToken).ConfigureAwait(false);
    }

    private async Task<bool> BlobExistsAsync(HostState host, RegistryRepository repository, Digest digest, IReadOnlyList<string> scopes, CancellationToken cancellationToken)
    {
        string path = $"v2/{repository.Name}/blobs/{digest}";
        using HttpResponseMessage response = await SendAsync(
            host, b => new HttpRequestMessage(HttpMethod.Head, Resolve(b, path)), scopes, retry: true, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }

        return response.IsSuccessStatusCode
            ? true
            : throw await ErrorAsync(host, response, $"blob {repository.Name}@{digest}").ConfigureAwait(false);
    }

    /// <summary>
    /// Opens a blob for reading (<c>GET /v2/NAME/blobs/DIGEST</c>, following redirects). The stream verifies every
    /// byte against the descriptor's digest and size while it is read (the read that meets the end throws
    /// <see cref="DigestMismatchException"/> when they differ), and resumes with <c>Range</c> after a dropped
    /// connection.
    /// </summary>
    /// <param name="repository">The repository.</param>
    /// <param name="blob">The blob's descriptor (digest and size).</param>
    /// <param name="cancellationToken">Cancels opening; reads take their own token.</param>
    /// <returns>The verifying stream.</returns>
    public async Task<Stream> OpenBlobAsync(RegistryRepository repository, Descriptor blob, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(repository);
        ArgumentNullException.ThrowIfNull(blob);
        Stream inner = await OpenRawBlobAsync(repository, blob, cancellationToken).ConfigureAwait(false);
        return new VerifyingReadStream(inner, blob.Digest, blob.Size, $"{repository}@{blob.Digest}");
    }

    /// <summary>Opens a blob's content, resuming after a dropped connection, without verifying it (the caller does).</summary>
    internal async Task<Stream> OpenRawBlobAsync(RegistryRepository repository, Descriptor blob, CancellationToken cancellationToken)
    {
        HostState host = await GetHostAsync(repository, cancellationToken).ConfigureAwait(false);
        ResumableBlobStream inner = new(this, host, repository, blob.Digest, blob.Size);
        try
        {
            await inner.OpenAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await inner.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return inner;
    }

    /// <summary>
    /// Downloads a blob into <paramref name="destinationPath"/>. The content goes to a temporary file beside it,
    /// verified while streaming (resuming with <c>Range</c> after a dropped connection), flushed to disk and only
    /// then renamed to its final name: no unverified byte is ever under <paramref name="destinationPath"/>.
    /// </summary>
    /// <param name="repository">The repository.</param>
    /// <param name="blob">The blob's descriptor (digest and size).</param>
    /// <param name="destinationPath">The final file; replaced if it exists.</param>
    /// <param name="progress">Receives bytes downloaded; may be <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the download (the temporary file is removed).</param>
    /// <returns>A task.</returns>
    /// <exception cref="DigestMismatchException">The content is not what the descriptor names; nothing is left behind.</exception>
    public async Task DownloadBlobAsync(RegistryRepository repository, Descriptor blob, string destinationPath, IProgress<BlobProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(repository);
        ArgumentNullException.ThrowIfNull(blob);
        ArgumentException.ThrowIfNullOrEmpty(destinationPath);
        string full = Path.GetFullPath(destinationPath);
        string dir = Path.GetDirectoryName(full)!;
        string temp = Path.Combine(dir, $".{Path.GetFileName(full)}.partial-{Guid.NewGuid():N}");
        try
        {
            FileStream file = new(temp, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Options = FileOptions.Asynchronous });
            await using (file.ConfigureAwait(false))
            {
                Stream source = await OpenBlobAsync(repository, blob, cancellationToken).ConfigureAwait(false);
                await using (source.ConfigureAwait(false))
                {
                    await CopyWithProgressAsync(source, file, blob, progress, cancellationToken).ConfigureAwait(false);
                    await ((VerifyingReadStream)source).VerifyToEndAsync(cancellationToken).ConfigureAwait(false);
                }

                await file.FlushAsync(cancellationToken).ConfigureAwait(false);
                file.Flush(flushToDisk: true);
            }

            File.Move(temp, full, overwrite: true);
            IO.DirectorySync.Flush(dir);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    internal static async Task CopyWithProgressAsync(Stream source, Stream destination, Descriptor blob, IProgress<BlobProgress>? progress, CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[128 * 1024];
        long done = 0;
        int n;
        while ((n = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            await destination.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
            done += n;
            progress?.Report(new BlobProgress(blob.Digest, done, blob.Size));
        }
    }

    /// <summary>
    /// Pushes a blob: <c>HEAD</c> first (nothing is sent when the repository has it); then, with
    /// <paramref name="mountFrom"/>, a cross-repository mount (<c>POST ?mount=DIGEST&amp;from=REPO</c>, asking for
    /// push and pull scopes together); else an upload: <c>POST</c>, then one <c>PUT ?digest=</c> with the content
    /// (monolithic), or <c>PATCH</c> chunks with <c>Content-Range</c> and an empty <c>PUT</c> when
    /// <see cref="RegistryClientOptions.UploadChunkSize"/> is set. A failed upload is started again from a new
    /// session, reopening the content.
    /// </summary>
    /// <param name="repository">The repository to push to.</param>
    /// <param name="blob">The blob's descriptor (digest and exact size).</param>
    /// <param name="openContent">Opens the blob's content from its start (called once per upload attempt).</param>
    /// <param name="mountFrom">A repository of the same registry that has the blob, to mount it from; or <see langword="null"/>.</param>
    /// <param name="progress">Receives bytes uploaded; may be <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the push.</param>
    /// <returns>What was done.</returns>
    public async Task<BlobPushResult> PushBlobAsync(
        RegistryRepository repository,
        Descriptor blob,
        Func<Stream> openContent,
        string? mountFrom = null,
        IProgress<BlobProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(repository);
        ArgumentNullException.ThrowIfNull(blob);
        ArgumentNullException.ThrowIfNull(openContent);
        return await PushBlobCoreAsync(repository, blob, _ => ValueTask.FromResult(openContent()), mountFrom, progress, cancellationToken).ConfigureAwait(false);
    }

    private async Task<BlobPushResult> PushBlobCoreAsync(
        RegistryRepository repository,
        Descriptor blob,
        Func<CancellationToken, ValueTask<Stream>> openContent,
        string? mountFrom,
        IProgress<BlobProgress>? progress,
        CancellationToken cancellationToken)
    {
        HostState host = await GetHostAsync(repository, cancellationToken).ConfigureAwait(false);
        List<string> scopes = [Scope(repository.Name, push: true)];
        if (mountFrom is not null && mountFrom != repository.Name)
        {
            scopes.Add(Scope(mountFrom, push: false));
        }

        if (await BlobExistsAsync(host, repository, blob.Digest, scopes, cancellationToken).ConfigureAwait(false))
        {
            return Done(BlobPushResult.AlreadyPresent);
        }

        for (int attempt = 0; ; attempt++)
        {
            try
            {
                Uri? location = await StartUploadAsync(host, repository, blob, mountFrom, scopes, cancellationToken).ConfigureAwait(false);
                if (location is null)
                {
                    return Done(BlobPushResult.Mounted);
                }

                await UploadAsync(host, repository, blob, location, openContent, scopes, progress, cancellationToken).ConfigureAwait(false);
                return Done(BlobPushResult.Uploaded);
            }
            catch (Exception e) when (attempt < Options.MaxRetries && IsRetryableUploadFailure(e, attempt, cancellationToken))
            {
                await Task.Delay(RetryDelay(attempt, null), Options.TimeProvider, cancellationToken).ConfigureAwait(false);
            }
        }

        BlobPushResult Done(BlobPushResult result)
        {
            progress?.Report(new BlobProgress(blob.Digest, blob.Size, blob.Size) { Result = result });
            return result;
        }
    }

    private static bool IsRetryableUploadFailure(Exception e, int attempt, CancellationToken cancellationToken) =>
        IsTransient(e, cancellationToken)
        || (e is RegistryException r && (r.Code == ErrorCodes.RegistryUnavailable || (r.Code == ErrorCodes.RegistryUnauthorized && attempt == 0)));

    /// <summary>Starts an upload session (or mounts); returns its location, or <see langword="null"/> when mounted.</summary>
    private async Task<Uri?> StartUploadAsync(HostState host, RegistryRepository repository, Descriptor blob, string? mountFrom, IReadOnlyList<string> scopes, CancellationToken cancellationToken)
    {
        string path = $"v2/{repository.Name}/blobs/uploads/";
        if (mountFrom is not null && mountFrom != repository.Name)
        {
            path += $"?mount={Uri.EscapeDataString(blob.Digest.Value)}&from={Uri.EscapeDataString(mountFrom)}";
        }

        using HttpResponseMessage response = await SendAsync(
            host, b => new HttpRequestMessage(HttpMethod.Post, Resolve(b, path)) { Content = new ByteArrayContent([]) }, scopes, retry: true, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Created && mountFrom is not null)
        {
            return null;
        }

        if (response.StatusCode != HttpStatusCode.Accepted)
        {
            throw await ErrorAsync(host, response, $"start upload of {blob.Digest} to {repository.Name}").ConfigureAwait(false);
        }

        return LocationOf(host, response, $"start upload of {blob.Digest} to {repository.Name}");
    }

    private static Uri LocationOf(HostState host, HttpResponseMessage response, string what)
    {
        Uri? location = response.Headers.Location;
        if (location is null)
        {
            throw new RegistryException(ErrorCodes.RegistryProtocolError, host.Registry, $"{what}: {(int)response.StatusCode} without a Location header");
        }

        return location.IsAbsoluteUri ? location : new Uri(response.RequestMessage?.RequestUri ?? host.BaseUri, location);
    }

    private static Uri WithQuery(Uri location, string name, string value)
    {
        UriBuilder builder = new(location);
        string query = builder.Query.Length > 1 ? builder.Query[1..] + "&" : string.Empty;
        builder.Query = query + name + "=" + Uri.EscapeDataString(value);
        return builder.Uri;
    }

    private async Task UploadAsync(
        HostState host,
        RegistryRepository repository,
        Descriptor blob,
        Uri location,
        Func<CancellationToken, ValueTask<Stream>> openContent,
        IReadOnlyList<string> scopes,
        IProgress<BlobProgress>? progress,
        CancellationToken cancellationToken)
    {
        string what = $"upload of {blob.Digest} to {repository.Name}";
        Stream content = await openContent(cancellationToken).ConfigureAwait(false);
        await using (content.ConfigureAwait(false))
        {
            if (Options.UploadChunkSize is long chunkSize && chunkSize > 0)
            {
                byte[] buffer = new byte[(int)Math.Min(chunkSize, Math.Max(blob.Size, 1))];
                long offset = 0;
                while (offset < blob.Size)
                {
                    int want = (int)Math.Min(buffer.Length, blob.Size - offset);
                    await content.ReadExactlyAsync(buffer.AsMemory(0, want), cancellationToken).ConfigureAwait(false);
                    Uri target = location;
                    long start = offset;
                    using HttpResponseMessage patch = await SendAsync(
                        host,
                        _ =>
                        {
                            ByteArrayContent body = new(buffer, 0, want);
                            body.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                            body.Headers.TryAddWithoutValidation("Content-Range", $"{start}-{start + want - 1}");
                            return new HttpRequestMessage(HttpMethod.Patch, target) { Content = body };
                        },
                        scopes,
                        retry: false,
                        HttpCompletionOption.ResponseContentRead,
                        cancellationToken,
                        replayable: false).ConfigureAwait(false);
                    if (patch.StatusCode != HttpStatusCode.Accepted)
                    {
                        throw await ErrorAsync(host, patch, what + $" (chunk at {start})").ConfigureAwait(false);
                    }

                    location = LocationOf(host, patch, what);
                    offset += want;
                    progress?.Report(new BlobProgress(blob.Digest, offset, blob.Size));
                }

                using HttpResponseMessage put = await SendAsync(
                    host,
                    _ => new HttpRequestMessage(HttpMethod.Put, WithQuery(location, "digest", blob.Digest.Value)) { Content = new ByteArrayContent([]) },
                    scopes,
                    retry: false,
                    HttpCompletionOption.ResponseContentRead,
                    cancellationToken,
                    replayable: false).ConfigureAwait(false);
                if (put.StatusCode != HttpStatusCode.Created)
                {
                    throw await ErrorAsync(host, put, what).ConfigureAwait(false);
                }
            }
            else
            {
                using HttpResponseMessage put = await SendAsync(
                    host,
                    _ =>
                    {
                        StreamContent body = new(new ProgressReadStream(content, blob, progress), 128 * 1024);
                        body.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                        body.Headers.ContentLength = blob.Size;
                        return new HttpRequestMessage(HttpMethod.Put, WithQuery(location, "digest", blob.Digest.Value)) { Content = body };
                    },
                    scopes,
                    retry: false,
                    HttpCompletionOption.ResponseContentRead,
                    cancellationToken,
                    replayable: false).ConfigureAwait(false);
                if (put.StatusCode != HttpStatusCode.Created)
                {
                    throw await ErrorAsync(host, put, what).ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>
    /// Pushes a manifest or index (<c>PUT /v2/NAME/manifests/REFERENCE</c>) by tag or by digest, and checks the
    /// digest the registry answers with.
    /// </summary>
    /// <param name="repository">The repository.</param>
    /// <param name="reference">A tag, or the document's own digest.</param>
    /// <param name="bytes">The document's exact bytes.</param>
    /// <param name="mediaType">Its media type (the <c>Content-Type</c>).</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The document's digest.</returns>
    public async Task<Digest> PutManifestAsync(RegistryRepository repository, string reference, ReadOnlyMemory<byte> bytes, string mediaType, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(repository);
        ArgumentException.ThrowIfNullOrEmpty(mediaType);
        Digest? byDigest = CheckReference(reference);
        Digest digest = Digest.Compute(bytes.Span, byDigest?.Algorithm ?? DigestAlgorithm.Sha256);
        if (byDigest is { } d && d != digest)
        {
            throw new ArgumentException($"The manifest's digest is {digest}, not {d}.", nameof(reference));
        }

        HostState host = await GetHostAsync(repository, cancellationToken).ConfigureAwait(false);
        string path = $"v2/{repository.Name}/manifests/{reference}";
        using HttpResponseMessage response = await SendAsync(
            host,
            b =>
            {
                ReadOnlyMemoryContent body = new(bytes);
                body.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
                return new HttpRequestMessage(HttpMethod.Put, Resolve(b, path)) { Content = body };
            },
            [Scope(repository.Name, push: true)],
            retry: true,
            HttpCompletionOption.ResponseContentRead,
            cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Created)
        {
            throw await ErrorAsync(host, response, $"push manifest {repository.Name}:{reference}").ConfigureAwait(false);
        }

        if (response.Headers.TryGetValues("Docker-Content-Digest", out IEnumerable<string>? values)
            && Digest.TryParse(values.FirstOrDefault(), out Digest answered)
            && answered.Algorithm == digest.Algorithm
            && answered != digest)
        {
            throw new RegistryException(ErrorCodes.RegistryProtocolError, host.Registry, $"push manifest {repository.Name}:{reference}: the registry stored {answered}, not {digest}");
        }

        if (!response.Headers.Contains(OciSubjectHeader) && ReferrerOf(bytes, mediaType, digest) is { } referrer)
        {
            await AddToReferrersTagAsync(repository, referrer.Subject, referrer.Descriptor, cancellationToken).ConfigureAwait(false);
        }

        return digest;
    }

    /// <summary>Lists a repository's tags (<c>GET /v2/NAME/tags/list?n=</c>), following <c>Link</c> headers page by page.</summary>
    /// <param name="repository">The repository.</param>
    /// <param name="pageSize">Tags asked for per page.</param>
    /// <param name="cancellationToken">Cancels the listing.</param>
    /// <returns>The tags, in the registry's order.</returns>
    public IAsyncEnumerable<string> ListTagsAsync(RegistryRepository repository, int pageSize = 1000, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(repository);
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        return ListPagesAsync(repository.Registry, repository.Endpoint, $"v2/{repository.Name}/tags/list?n={pageSize}", "tags", [Scope(repository.Name, push: false)], cancellationToken);
    }

    /// <summary>Lists the registry's repositories (<c>GET /v2/_catalog?n=</c>), following <c>Link</c> headers page by page.</summary>
    /// <param name="registry">The registry host with its port.</param>
    /// <param name="pageSize">Names asked for per page.</param>
    /// <param name="cancellationToken">Cancels the listing.</param>
    /// <returns>The repository names.</returns>
    public IAsyncEnumerable<string> ListCatalogAsync(string registry, int pageSize = 1000, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(registry);
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        return ListPagesAsync(registry, new RegistryRepository(registry, "x").Endpoint, $"v2/_catalog?n={pageSize}", "repositories", ["registry:catalog:*"], cancellationToken);
    }

    private async IAsyncEnumerable<string> ListPagesAsync(
        string registry, string endpoint, string first, string property, IReadOnlyList<string> scopes, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        HostState host = await GetHostAsync(registry, endpoint, cancellationToken).ConfigureAwait(false);
        Uri? next = Resolve(host.BaseUri, first);
        int pages = 0;
        while (next is not null)
        {
            if (++pages > 100_000)
            {
                throw new RegistryException(ErrorCodes.RegistryProtocolError, host.Registry, $"{first}: more than 100000 pages");
            }

            Uri page = next;
            List<string> items = [];
            using (HttpResponseMessage response = await SendAsync(
                host, _ => new HttpRequestMessage(HttpMethod.Get, page), scopes, retry: true, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false))
            {
                if (!response.IsSuccessStatusCode)
                {
                    throw await ErrorAsync(host, response, page.PathAndQuery).ConfigureAwait(false);
                }

                byte[] body = await ReadLimitedAsync(host, response, Options.Limits.MaxJsonBytes, page.PathAndQuery, cancellationToken).ConfigureAwait(false);
                try
                {
                    using JsonDocument doc = JsonDocument.Parse(body);
                    if (doc.RootElement.ValueKind == JsonValueKind.Object
                        && doc.RootElement.TryGetProperty(property, out JsonElement list)
                        && list.ValueKind == JsonValueKind.Array)
                    {
                        foreach (JsonElement item in list.EnumerateArray())
                        {
                            if (item.ValueKind == JsonValueKind.String)
                            {
                                items.Add(item.GetString()!);
                            }
                        }
                    }
                }
                catch (JsonException e)
                {
                    throw new RegistryException(ErrorCodes.RegistryProtocolError, host.Registry, $"{page.PathAndQuery}: the answer is not JSON", innerException: e);
                }

                next = NextLink(response, page);
            }

            foreach (string item in items)
            {
                yield return item;
            }
        }
    }

    /// <summary>The target of a <c>Link: &lt;URL&gt;; rel="next"</c> header (RFC 8288), resolved against the page.</summary>
    internal static Uri? NextLink(HttpResponseMessage response, Uri page)
    {
        if (!response.Headers.TryGetValues("Link", out IEnumerable<string>? links))
        {
            return null;
        }

        foreach (string header in links)
        {
            foreach (string link in header.Split(','))
            {
                int open = link.IndexOf('<', StringComparison.Ordinal);
                int close = link.IndexOf('>', StringComparison.Ordinal);
                if (open < 0 || close < open)
                {
                    continue;
                }

                string parameters = link[(close + 1)..];
                if (parameters.Contains("rel=\"next\"", StringComparison.OrdinalIgnoreCase) || parameters.Contains("rel=next", StringComparison.OrdinalIgnoreCase))
                {
                    return new Uri(page, link[(open + 1)..close]);
                }
            }
        }

        return null;
    }

    /// <summary>Sends <c>GET /v2/NAME/blobs/DIGEST</c> (from byte <paramref name="from"/>) and returns the successful response.</summary>
    internal async Task<HttpResponseMessage> GetBlobResponseAsync(HostState host, RegistryRepository repository, Digest digest, long from, CancellationToken cancellationToken)
    {
        string path = $"v2/{repository.Name}/blobs/{digest}";
        HttpResponseMessage response = await SendAsync(
            host,
            b =>
            {
                HttpRequestMessage request = new(HttpMethod.Get, Resolve(b, path));
                if (from > 0)
                {
                    request.Headers.Range = new RangeHeaderValue(from, null);
                }

                return request;
            },
            [Scope(repository.Name, push: false)],
            retry: true,
            HttpCompletionOption.ResponseHeadersRead,
            cancellationToken).ConfigureAwait(false);
        if (response.StatusCode is HttpStatusCode.OK or HttpStatusCode.PartialContent)
        {
            return response;
        }

        using (response)
        {
            throw await ErrorAsync(host, response, $"blob {repository.Name}@{digest}").ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Checks a credential against a registry as <c>docker login</c> does: <c>GET /v2/</c> with Basic credentials,
    /// or, for token auth, a token fetched from the realm with no scope. Nothing is stored.
    /// </summary>
    /// <param name="registry">The registry host with its port.</param>
    /// <param name="credential">The credential to check.</param>
    /// <param name="cancellationToken">Cancels the requests.</param>
    /// <returns>A task.</returns>
    /// <exception cref="RegistryException"><see cref="ErrorCodes.RegistryUnauthorized"/> when the registry refuses the credential.</exception>
    public async Task LoginAsync(string registry, RegistryCredential credential, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(registry);
        ArgumentNullException.ThrowIfNull(credential);
        HostState probed = await GetHostAsync(registry, new RegistryRepository(registry, "x").Endpoint, cancellationToken).ConfigureAwait(false);
        HostState host = new() { Registry = registry, BaseUri = probed.BaseUri, Challenge = probed.Challenge, Credential = credential, CredentialLoaded = true };
        if (host.Challenge is null)
        {
            return;
        }

        using HttpResponseMessage response = await SendAsync(
            host, b => new HttpRequestMessage(HttpMethod.Get, Resolve(b, "v2/")), [], retry: true, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw await ErrorAsync(host, response, "login").ConfigureAwait(false);
        }
    }

    private static HttpRequestMessage WithAccept(HttpRequestMessage request)
    {
        foreach (string type in ManifestMediaTypes)
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(type));
        }

        return request;
    }

    /// <summary>Checks a manifest reference is a tag or a digest; returns the digest when it is one.</summary>
    private static Digest? CheckReference(string reference)
    {
        ArgumentException.ThrowIfNullOrEmpty(reference);
        if (reference.Contains(':', StringComparison.Ordinal))
        {
            return Digest.Parse(reference);
        }

        if (reference.Length > ImageReference.MaxTagLength || !ImageReference.TryParse("x:" + reference, out _))
        {
            throw new InvalidReferenceException(reference, "invalid tag");
        }

        return null;
    }
}
