using System.Text.Json;
using System.Text.Json.Serialization;

namespace ImageFormat.Model;

/// <summary>
/// An image manifest: the OCI image manifest
/// (<see href="https://github.com/opencontainers/image-spec/blob/main/manifest.md"/>) or the Docker image
/// manifest v2 schema 2, which share one shape.
/// </summary>
/// <remarks>
/// Serialised as <c>schemaVersion</c>, <c>mediaType</c>, <c>artifactType</c>, <c>config</c>, <c>layers</c>,
/// <c>subject</c>, <c>annotations</c>, then unknown fields. <c>"layers": null</c> reads as no layers, as Go does.
/// </remarks>
public sealed record ImageManifest
{
    /// <summary>The schema version (<c>schemaVersion</c>); always 2.</summary>
    [JsonPropertyName("schemaVersion")]
    [JsonPropertyOrder(0)]
    public int SchemaVersion { get; init; } = 2;

    /// <summary>The manifest's media type (<c>mediaType</c>): <see cref="MediaTypes.OciManifest"/>, <see cref="MediaTypes.DockerManifestSchema2"/>, or absent in old OCI manifests.</summary>
    [JsonPropertyName("mediaType")]
    [JsonPropertyOrder(1)]
    public string? MediaType { get; init; }

    /// <summary>The artifact type, for artifact manifests (<c>artifactType</c>).</summary>
    [JsonPropertyName("artifactType")]
    [JsonPropertyOrder(2)]
    public string? ArtifactType { get; init; }

    /// <summary>The configuration blob (<c>config</c>, required).</summary>
    [JsonPropertyName("config")]
    [JsonPropertyOrder(3)]
    public required Descriptor Config { get; init; }

    /// <summary>The layers, base first (<c>layers</c>).</summary>
    [JsonIgnore]
    public IReadOnlyList<Descriptor> Layers { get; init; } = [];

    [JsonPropertyName("layers")]
    [JsonPropertyOrder(4)]
    [JsonInclude]
    [JsonRequired]
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    internal IReadOnlyList<Descriptor>? LayersJson
    {
        get => Layers;
        init => Layers = value ?? [];
    }

    /// <summary>The manifest this one refers to (<c>subject</c>), for referrers.</summary>
    [JsonPropertyName("subject")]
    [JsonPropertyOrder(5)]
    public Descriptor? Subject { get; init; }

    /// <summary>Annotations (<c>annotations</c>); written with keys sorted by their UTF-8 bytes.</summary>
    [JsonPropertyName("annotations")]
    [JsonPropertyOrder(6)]
    public IReadOnlyDictionary<string, string>? Annotations { get; init; }

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
