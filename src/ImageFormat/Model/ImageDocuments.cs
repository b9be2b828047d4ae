using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using ImageFormat.Errors;
using ImageFormat.Json;

namespace ImageFormat.Model;

/// <summary>
/// Parses and writes the JSON documents of Docker and OCI images.
/// </summary>
/// <remarks>
/// <para>
/// Parsing keeps the exact bytes (<see cref="RawDocument{T}"/>) and is strict: malformed JSON, invalid UTF-8,
/// trailing data, duplicate keys at any level, a wrong type, <c>null</c> where an object or string is required,
/// a missing required field, an invalid digest, a negative or out-of-range size, or a timestamp Go would refuse all
/// throw <see cref="InvalidDocumentException"/> naming the document and the JSON path. Unknown fields are kept
/// and written back. The input is copied, so the caller may reuse its buffer.
/// </para>
/// <para>
/// Writing produces compact UTF-8 JSON that is a pure function of the value: known fields in the order each
/// type documents, then unknown fields in their original order; maps (annotations, labels, <c>LayerSources</c>,
/// <c>repositories</c>) with keys sorted by their UTF-8 bytes; strings escaped as Go's <c>json.Marshal</c> does
/// (<c>&lt;</c>, <c>&gt;</c>, <c>&amp;</c> as <c>\u003c</c>, <c>\u003e</c>, <c>\u0026</c>).
/// <see langword="null"/> members are omitted, except <c>RepoTags</c> and <c>manifests</c>, which Docker writes as
/// <c>null</c>. To write a parsed document unchanged, write its <see cref="RawDocument{T}.Bytes"/>.
/// </para>
/// </remarks>
public static class ImageDocuments
{
    /// <summary>Parses an image manifest (OCI or Docker schema 2).</summary>
    /// <param name="bytes">The document's bytes.</param>
    /// <param name="subject">Names the document in errors, such as an entry name or a digest.</param>
    /// <param name="limits">Safety limits; <see cref="ImageFormatLimits.Default"/> when <see langword="null"/>.</param>
    /// <returns>The bytes and the manifest.</returns>
    /// <exception cref="InvalidDocumentException">The bytes are not a valid image manifest.</exception>
    /// <exception cref="LimitExceededException">The document is larger or deeper than <paramref name="limits"/> allow.</exception>
    public static RawDocument<ImageManifest> ParseManifest(ReadOnlyMemory<byte> bytes, string subject, ImageFormatLimits? limits = null)
        => Parse(bytes, subject, limits, ModelJsonContext.Default.ImageManifest, DocumentValidator.Manifest);

    /// <summary>Parses an index (OCI image index, Docker manifest list, or an OCI layout's <c>index.json</c>).</summary>
    /// <param name="bytes">The document's bytes.</param>
    /// <param name="subject">Names the document in errors.</param>
    /// <param name="limits">Safety limits; <see cref="ImageFormatLimits.Default"/> when <see langword="null"/>.</param>
    /// <returns>The bytes and the index; see <see cref="ImageIndex.ManifestsWasNull"/> for Docker 25's <c>null</c>.</returns>
    /// <exception cref="InvalidDocumentException">The bytes are not a valid index.</exception>
    /// <exception cref="LimitExceededException">The document is larger or deeper than <paramref name="limits"/> allow.</exception>
    public static RawDocument<ImageIndex> ParseIndex(ReadOnlyMemory<byte> bytes, string subject, ImageFormatLimits? limits = null)
        => Parse(bytes, subject, limits, ModelJsonContext.Default.ImageIndex, DocumentValidator.Index);

    /// <summary>
    /// Parses a document that may be a manifest or an index: by its <c>mediaType</c> when it is a known one,
    /// otherwise by its shape (<c>manifests</c> versus <c>config</c>/<c>layers</c>).
    /// </summary>
    /// <param name="bytes">The document's bytes.</param>
    /// <param name="subject">Names the document in errors.</param>
    /// <param name="limits">Safety limits; <see cref="ImageFormatLimits.Default"/> when <see langword="null"/>.</param>
    /// <returns>The manifest or the index.</returns>
    /// <exception cref="InvalidDocumentException">The bytes are neither, are both, or are a Docker schema 1 manifest.</exception>
    /// <exception cref="LimitExceededException">The document is larger or deeper than <paramref name="limits"/> allow.</exception>
    public static ManifestOrIndex ParseManifestOrIndex(ReadOnlyMemory<byte> bytes, string subject, ImageFormatLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(subject);
        limits ??= ImageFormatLimits.Default;
        JsonInput.Precheck(bytes.Span, subject, limits);
        bool isIndex = LooksLikeIndex(bytes.Span, subject);
        return isIndex
            ? new ManifestOrIndex(null, ParseChecked(bytes, subject, limits, ModelJsonContext.Default.ImageIndex, DocumentValidator.Index))
            : new ManifestOrIndex(ParseChecked(bytes, subject, limits, ModelJsonContext.Default.ImageManifest, DocumentValidator.Manifest), null);
    }

    /// <summary>Parses an image configuration (the blob whose digest is the image ID).</summary>
    /// <param name="bytes">The document's bytes.</param>
    /// <param name="subject">Names the document in errors.</param>
    /// <param name="limits">Safety limits; <see cref="ImageFormatLimits.Default"/> when <see langword="null"/>.</param>
    /// <returns>The bytes and the configuration.</returns>
    /// <exception cref="InvalidDocumentException">The bytes are not a valid image configuration.</exception>
    /// <exception cref="LimitExceededException">The document is larger or deeper than <paramref name="limits"/> allow.</exception>
    public static RawDocument<ImageConfig> ParseConfig(ReadOnlyMemory<byte> bytes, string subject, ImageFormatLimits? limits = null)
        => Parse(bytes, subject, limits, ModelJsonContext.Default.ImageConfig, DocumentValidator.Config);

    /// <summary>Parses the <c>manifest.json</c> of a <c>docker save</c> archive (keys matched case-insensitively).</summary>
    /// <param name="bytes">The document's bytes.</param>
    /// <param name="subject">Names the document in errors.</param>
    /// <param name="limits">Safety limits; <see cref="ImageFormatLimits.Default"/> when <see langword="null"/>.</param>
    /// <returns>The bytes and the entries, one per image.</returns>
    /// <exception cref="InvalidDocumentException">The bytes are not a valid archive manifest.</exception>
    /// <exception cref="LimitExceededException">The document is larger or deeper than <paramref name="limits"/> allow.</exception>
    public static RawDocument<IReadOnlyList<DockerArchiveManifestEntry>> ParseArchiveManifest(
        ReadOnlyMemory<byte> bytes, string subject, ImageFormatLimits? limits = null)
        => Parse(bytes, subject, limits, ArchiveManifestJsonContext.Default.IReadOnlyListDockerArchiveManifestEntry, DocumentValidator.ArchiveManifest);

    /// <summary>Parses the <c>repositories</c> file of a <c>docker save</c> archive: repository → tag → ID.</summary>
    /// <param name="bytes">The document's bytes.</param>
    /// <param name="subject">Names the document in errors.</param>
    /// <param name="limits">Safety limits; <see cref="ImageFormatLimits.Default"/> when <see langword="null"/>.</param>
    /// <returns>The bytes and the map, in document order.</returns>
    /// <exception cref="InvalidDocumentException">The bytes are not an object of objects of strings.</exception>
    /// <exception cref="LimitExceededException">The document is larger or deeper than <paramref name="limits"/> allow.</exception>
    public static RawDocument<IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>> ParseRepositories(
        ReadOnlyMemory<byte> bytes, string subject, ImageFormatLimits? limits = null)
        => Parse(bytes, subject, limits, ModelJsonContext.Default.IReadOnlyDictionaryStringIReadOnlyDictionaryStringString, static _ => null);

    /// <summary>Parses the <c>oci-layout</c> file of an OCI image layout.</summary>
    /// <param name="bytes">The document's bytes.</param>
    /// <param name="subject">Names the document in errors.</param>
    /// <param name="limits">Safety limits; <see cref="ImageFormatLimits.Default"/> when <see langword="null"/>.</param>
    /// <returns>The bytes and the header.</returns>
    /// <exception cref="InvalidDocumentException">The bytes are not a valid layout header.</exception>
    /// <exception cref="LimitExceededException">The document is larger or deeper than <paramref name="limits"/> allow.</exception>
    public static RawDocument<OciLayoutHeader> ParseOciLayout(ReadOnlyMemory<byte> bytes, string subject, ImageFormatLimits? limits = null)
        => Parse(bytes, subject, limits, ModelJsonContext.Default.OciLayoutHeader, static _ => null);

    /// <summary>Writes a manifest as compact, deterministic JSON (see the type's remarks for the exact form).</summary>
    /// <param name="value">The manifest.</param>
    /// <returns>UTF-8 JSON bytes.</returns>
    /// <exception cref="ArgumentException"><paramref name="value"/> is not a valid manifest (the message says where).</exception>
    public static byte[] Serialize(ImageManifest value) => Write(value, ModelJsonContext.Default.ImageManifest, DocumentValidator.Manifest);

    /// <summary>Writes an index as compact, deterministic JSON.</summary>
    /// <param name="value">The index.</param>
    /// <returns>UTF-8 JSON bytes.</returns>
    /// <exception cref="ArgumentException"><paramref name="value"/> is not a valid index.</exception>
    public static byte[] Serialize(ImageIndex value) => Write(value, ModelJsonContext.Default.ImageIndex, DocumentValidator.Index);

    /// <summary>Writes an image configuration as compact, deterministic JSON.</summary>
    /// <param name="value">The configuration.</param>
    /// <returns>UTF-8 JSON bytes.</returns>
    /// <exception cref="ArgumentException"><paramref name="value"/> is not a valid configuration.</exception>
    public static byte[] Serialize(ImageConfig value) => Write(value, ModelJsonContext.Default.ImageConfig, DocumentValidator.Config);

    /// <summary>Writes an <c>oci-layout</c> header as compact JSON.</summary>
    /// <param name="value">The header.</param>
    /// <returns>UTF-8 JSON bytes.</returns>
    /// <exception cref="ArgumentException"><paramref name="value"/> cannot be written.</exception>
    public static byte[] Serialize(OciLayoutHeader value) => Write(value, ModelJsonContext.Default.OciLayoutHeader, static _ => null);

    /// <summary>Writes a docker-save <c>manifest.json</c> as compact, deterministic JSON, with Docker's key names.</summary>
    /// <param name="value">The entries.</param>
    /// <returns>UTF-8 JSON bytes.</returns>
    /// <exception cref="ArgumentException"><paramref name="value"/> is not a valid archive manifest.</exception>
    public static byte[] SerializeArchiveManifest(IReadOnlyList<DockerArchiveManifestEntry> value)
        => Write(value, ModelJsonContext.Default.IReadOnlyListDockerArchiveManifestEntry, DocumentValidator.ArchiveManifest);

    /// <summary>Writes a docker-save <c>repositories</c> file with repositories and tags sorted.</summary>
    /// <param name="value">Repository → tag → ID.</param>
    /// <returns>UTF-8 JSON bytes.</returns>
    /// <exception cref="ArgumentException"><paramref name="value"/> holds a <see langword="null"/> map or ID.</exception>
    public static byte[] SerializeRepositories(IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> value)
        => Write(value, ModelJsonContext.Default.IReadOnlyDictionaryStringIReadOnlyDictionaryStringString, static _ => null);

    private static RawDocument<T> Parse<T>(
        ReadOnlyMemory<byte> bytes, string subject, ImageFormatLimits? limits, JsonTypeInfo<T> typeInfo, Func<T, string?> validate)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(subject);
        limits ??= ImageFormatLimits.Default;
        JsonInput.Precheck(bytes.Span, subject, limits);
        return ParseChecked(bytes, subject, limits, typeInfo, validate);
    }

    private static RawDocument<T> ParseChecked<T>(
        ReadOnlyMemory<byte> bytes, string subject, ImageFormatLimits limits, JsonTypeInfo<T> typeInfo, Func<T, string?> validate)
        where T : class
    {
        T value = JsonInput.DeserializeChecked(bytes.Span, typeInfo, subject, limits);
        string? problem = validate(value);
        if (problem is not null)
        {
            throw new InvalidDocumentException(subject, problem);
        }

        // A private copy: the identity of the document must not change if the caller reuses its buffer.
        return new RawDocument<T>(bytes.ToArray(), value);
    }

    private static bool LooksLikeIndex(ReadOnlySpan<byte> json, string subject)
    {
        Utf8JsonReader reader = new(json, new JsonReaderOptions { MaxDepth = int.MaxValue });
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new InvalidDocumentException(subject, $"at $: expected an object, found {JsonErrors.Describe(reader.TokenType)}");
        }

        string? mediaType = null;
        bool hasManifests = false;
        bool hasConfigOrLayers = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("mediaType"u8))
            {
                reader.Read();
                try
                {
                    mediaType = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }
                catch (InvalidOperationException e)
                {
                    // An escaped lone surrogate (\ud800) passes the syntax check but cannot become a string.
                    throw new InvalidDocumentException(subject, $"at $.mediaType: {e.Message}", e);
                }
            }
            else
            {
                hasManifests |= reader.ValueTextEquals("manifests"u8);
                hasConfigOrLayers |= reader.ValueTextEquals("config"u8) || reader.ValueTextEquals("layers"u8);
                reader.Read();
            }

            reader.Skip();
        }

        if (MediaTypes.IsIndex(mediaType))
        {
            return true;
        }

        if (MediaTypes.IsManifest(mediaType))
        {
            return false;
        }

        if (MediaTypes.IsSchema1Manifest(mediaType))
        {
            throw new InvalidDocumentException(subject, $"at $.mediaType: Docker schema 1 manifests (\"{mediaType}\") are not supported");
        }

        if (hasManifests == hasConfigOrLayers)
        {
            throw new InvalidDocumentException(subject, hasManifests
                ? "at $: has both \"manifests\" and \"config\"/\"layers\": cannot tell a manifest from an index"
                : "at $: has neither \"manifests\" nor \"config\"/\"layers\": neither a manifest nor an index");
        }

        return hasManifests;
    }

    private static byte[] Write<T>(T value, JsonTypeInfo<T> typeInfo, Func<T, string?> validate)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(value);
        string? problem = validate(value);
        if (problem is not null)
        {
            throw new ArgumentException($"not a valid {typeof(T).Name}: {problem}", nameof(value));
        }

        byte[] json;
        try
        {
            // A parsed value may be as deep as its reader's limit allowed; writing imposes no limit of its own.
            json = JsonSerializer.SerializeToUtf8Bytes(value, JsonInput.WithDepth(typeInfo, int.MaxValue));
        }
        catch (JsonException ex)
        {
            throw new ArgumentException($"cannot write {typeof(T).Name}: {JsonErrors.Reason(ex)}", nameof(value), ex);
        }
        catch (InvalidOperationException ex)
        {
            // A string with a lone surrogate has no UTF-8 form.
            throw new ArgumentException($"cannot write {typeof(T).Name}: {ex.Message}", nameof(value), ex);
        }

        return GoJson.Transcode(json);
    }
}
