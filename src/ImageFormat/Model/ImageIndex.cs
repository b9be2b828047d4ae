using System.Text.Json;
using System.Text.Json.Serialization;

namespace ImageFormat.Model;

/// <summary>
/// An index of manifests: the OCI image index
/// (<see href="https://github.com/opencontainers/image-spec/blob/main/image-index.md"/>), the Docker manifest list,
/// and the <c>index.json</c> of an OCI image layout.
/// </summary>
/// <remarks>
/// Serialised as <c>schemaVersion</c>, <c>mediaType</c>, <c>artifactType</c>, <c>manifests</c>, <c>subject</c>,
/// <c>annotations</c>, then unknown fields.
/// </remarks>
public sealed record ImageIndex
{
    /// <summary>The schema version (<c>schemaVersion</c>); always 2.</summary>
    [JsonPropertyName("schemaVersion")]
    [JsonPropertyOrder(0)]
    public int SchemaVersion { get; init; } = 2;

    /// <summary>The index's media type (<c>mediaType</c>): <see cref="MediaTypes.OciIndex"/>, <see cref="MediaTypes.DockerManifestList"/>, or absent.</summary>
    [JsonPropertyName("mediaType")]
    [JsonPropertyOrder(1)]
    public string? MediaType { get; init; }

    /// <summary>The artifact type (<c>artifactType</c>).</summary>
    [JsonPropertyName("artifactType")]
    [JsonPropertyOrder(2)]
    public string? ArtifactType { get; init; }

    /// <summary>The manifests and nested indexes (<c>manifests</c>); empty when the document had <c>null</c>.</summary>
    [JsonIgnore]
    public IReadOnlyList<Descriptor> Manifests { get; init; } = [];

    /// <summary>
    /// Whether the document had <c>"manifests": null</c>, which Docker Engine 25.0.0 to 25.0.2 wrote in the
    /// <c>index.json</c> of <c>docker save</c>. <see cref="Manifests"/> is then empty. Setting it on a new index
    /// writes <c>null</c> again.
    /// </summary>
    [JsonIgnore]
    public bool ManifestsWasNull { get; init; }

    [JsonPropertyName("manifests")]
    [JsonPropertyOrder(3)]
    [JsonInclude]
    [JsonRequired]
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    internal IReadOnlyList<Descriptor>? ManifestsJson
    {
        get => ManifestsWasNull ? null : Manifests;
        init
        {
            Manifests = value ?? [];
            ManifestsWasNull = value is null;
        }
    }

    /// <summary>The manifest this index refers to (<c>subject</c>), for referrers.</summary>
    [JsonPropertyName("subject")]
    [JsonPropertyOrder(4)]
    public Descriptor? Subject { get; init; }

    /// <summary>Annotations (<c>annotations</c>); written with keys sorted by their UTF-8 bytes.</summary>
    [JsonPropertyName("annotations")]
    [JsonPropertyOrder(5)]
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
