using System.Text.Json;
using System.Text.Json.Serialization;
using ImageFormat.Digests;
using ImageFormat.Json;

namespace ImageFormat.Model;

/// <summary>
/// One image in the <c>manifest.json</c> of a <c>docker save</c> archive (Docker image specification v1.2 and
/// its Engine 25 extensions). Keys are matched case-insensitively, as Go's <c>encoding/json</c> does, so jib's
/// lowercase <c>config</c>, <c>repoTags</c>, <c>layers</c> are read too.
/// </summary>
/// <remarks>
/// Serialised as Docker writes it: <c>Config</c>, <c>RepoTags</c> (<c>null</c> when <see langword="null"/>),
/// <c>Layers</c>, <c>Parent</c> and <c>LayerSources</c> (both omitted when absent), then unknown fields.
/// </remarks>
public sealed record DockerArchiveManifestEntry
{
    /// <summary>The archive path of the config blob, such as <c>&lt;hex&gt;.json</c> or <c>blobs/sha256/&lt;hex&gt;</c> (<c>Config</c>, required).</summary>
    [JsonPropertyName("Config")]
    [JsonPropertyOrder(0)]
    public required string Config { get; init; }

    /// <summary>The tags the image is saved under (<c>RepoTags</c>); <see langword="null"/> or empty when saved by ID.</summary>
    [JsonPropertyName("RepoTags")]
    [JsonPropertyOrder(1)]
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public IReadOnlyList<string>? RepoTags { get; init; }

    /// <summary>The archive paths of the layers, base first (<c>Layers</c>, required).</summary>
    [JsonPropertyName("Layers")]
    [JsonPropertyOrder(2)]
    public required IReadOnlyList<string> Layers { get; init; }

    /// <summary>The ID of the parent image, when it is in the same archive (<c>Parent</c>).</summary>
    [JsonIgnore]
    public Digest? Parent { get; init; }

    [JsonPropertyName("Parent")]
    [JsonPropertyOrder(3)]
    [JsonInclude]
    [JsonConverter(typeof(DigestStringConverter))]
    internal string? ParentJson
    {
        get => Parent?.Value;
        init => Parent = value is null ? null : DigestText.Parse(value);
    }

    /// <summary>
    /// Descriptors of layers by layer digest (<c>LayerSources</c>): foreign layers in older engines, every layer
    /// in Engine 25+. Written with keys sorted.
    /// </summary>
    [JsonIgnore]
    public IReadOnlyDictionary<Digest, Descriptor>? LayerSources { get; init; }

    [JsonPropertyName("LayerSources")]
    [JsonPropertyOrder(4)]
    [JsonInclude]
    [JsonConverter(typeof(DigestKeyedMapConverter))]
    internal IReadOnlyDictionary<string, Descriptor>? LayerSourcesJson
    {
        get => DigestText.Format(LayerSources);
        init => LayerSources = DigestText.Parse(value);
    }

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
}

/// <summary>The <c>oci-layout</c> file of an OCI image layout.</summary>
public sealed record OciLayoutHeader
{
    /// <summary>The layout version (<c>imageLayoutVersion</c>, required), <c>1.0.0</c> today.</summary>
    [JsonPropertyName("imageLayoutVersion")]
    [JsonPropertyOrder(0)]
    public required string ImageLayoutVersion { get; init; }

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
}
