using System.Text.Json;
using System.Text.Json.Serialization;
using ImageFormat.Digests;
using ImageFormat.Json;

namespace ImageFormat.Model;

/// <summary>
/// A content descriptor: what a blob is, its digest and its size
/// (<see href="https://github.com/opencontainers/image-spec/blob/main/descriptor.md"/>). The same shape names
/// manifests in an index, the config and layers in a manifest, and the <c>LayerSources</c> of a Docker archive.
/// </summary>
/// <remarks>
/// Serialised in the order of the OCI specification's Go types: <c>mediaType</c>, <c>digest</c>, <c>size</c>,
/// <c>urls</c>, <c>annotations</c>, <c>data</c>, <c>platform</c>, <c>artifactType</c>, then unknown fields.
/// </remarks>
public sealed record Descriptor
{
    /// <summary>The media type of the content (<c>mediaType</c>, required).</summary>
    [JsonPropertyName("mediaType")]
    [JsonPropertyOrder(0)]
    public required string MediaType { get; init; }

    /// <summary>The digest of the content's exact bytes (<c>digest</c>, required: a descriptor without one cannot be written).</summary>
    [JsonIgnore]
    public Digest Digest { get; init; }

    [JsonPropertyName("digest")]
    [JsonPropertyOrder(1)]
    [JsonInclude]
    [JsonRequired]
    [JsonConverter(typeof(DigestStringConverter))]
    internal string DigestJson
    {
        get => Digest.Value;
        init => Digest = DigestText.Parse(value);
    }

    /// <summary>The size of the content in bytes (<c>size</c>, required, never negative).</summary>
    [JsonPropertyName("size")]
    [JsonPropertyOrder(2)]
    public required long Size { get; init; }

    /// <summary>Where else the content may be downloaded from (<c>urls</c>).</summary>
    [JsonPropertyName("urls")]
    [JsonPropertyOrder(3)]
    public IReadOnlyList<string>? Urls { get; init; }

    /// <summary>Annotations (<c>annotations</c>); written with keys sorted by their UTF-8 bytes.</summary>
    [JsonPropertyName("annotations")]
    [JsonPropertyOrder(4)]
    public IReadOnlyDictionary<string, string>? Annotations { get; init; }

    /// <summary>The content itself, embedded (<c>data</c>, base64 in JSON).</summary>
    [JsonPropertyName("data")]
    [JsonPropertyOrder(5)]
    public ReadOnlyMemory<byte>? Data { get; init; }

    /// <summary>
    /// The platform the content runs on (<c>platform</c>, in an index). An empty object (<c>{}</c>, which the .NET
    /// SDK's container tooling writes for an image of unknown platform) reads as no platform, as Go's decoders
    /// leave such a platform empty and match it against nothing.
    /// </summary>
    [JsonPropertyName("platform")]
    [JsonPropertyOrder(6)]
    [JsonConverter(typeof(EmptyPlatformConverter))]
    public Platform? Platform { get; init; }

    /// <summary>The artifact type of the content when it is an artifact manifest (<c>artifactType</c>).</summary>
    [JsonPropertyName("artifactType")]
    [JsonPropertyOrder(7)]
    public string? ArtifactType { get; init; }

    /// <summary>Fields this library does not know, in document order; written back after the known fields.</summary>
    [JsonIgnore]
    public IReadOnlyDictionary<string, JsonElement>? AdditionalFields
    {
        get => ExtensionData;
        init => ExtensionData = Json.ExtensionData.Copy(value);
    }

    [JsonExtensionData]
    [JsonInclude]
    internal Dictionary<string, JsonElement>? ExtensionData { get; set; }

    /// <summary>The annotation <paramref name="key"/>, or <see langword="null"/>.</summary>
    /// <param name="key">The annotation key, such as <c>org.opencontainers.image.ref.name</c>.</param>
    /// <returns>The value, or <see langword="null"/> when absent.</returns>
    public string? GetAnnotation(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Annotations is not null && Annotations.TryGetValue(key, out string? value) ? value : null;
    }
}
