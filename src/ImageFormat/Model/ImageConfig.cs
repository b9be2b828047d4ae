using System.Text.Json;
using System.Text.Json.Serialization;
using ImageFormat.Digests;
using ImageFormat.Json;

namespace ImageFormat.Model;

/// <summary>
/// An image configuration, the blob whose digest is the image ID: the OCI image configuration
/// (<see href="https://github.com/opencontainers/image-spec/blob/main/config.md"/>) and Docker's image JSON
/// (Docker image specification v1.2), which adds <c>container</c>, <c>container_config</c> and <c>docker_version</c>.
/// </summary>
/// <remarks>
/// Known fields are serialised in the order of their JSON names sorted alphabetically, which is how Docker and
/// BuildKit write configs: <c>architecture</c>, <c>author</c>, <c>comment</c>, <c>config</c>, <c>container</c>,
/// <c>container_config</c>, <c>created</c>, <c>docker_version</c>, <c>history</c>, <c>os</c>, <c>os.features</c>,
/// <c>os.version</c>, <c>rootfs</c>, <c>variant</c>; then unknown fields in document order.
/// </remarks>
public sealed record ImageConfig
{
    /// <summary>The CPU architecture, such as <c>amd64</c> (<c>architecture</c>).</summary>
    [JsonPropertyName("architecture")]
    [JsonPropertyOrder(0)]
    public string? Architecture { get; init; }

    /// <summary>Who made the image (<c>author</c>).</summary>
    [JsonPropertyName("author")]
    [JsonPropertyOrder(1)]
    public string? Author { get; init; }

    /// <summary>A comment, such as the message of <c>docker commit -m</c> (<c>comment</c>).</summary>
    [JsonPropertyName("comment")]
    [JsonPropertyOrder(2)]
    public string? Comment { get; init; }

    /// <summary>The defaults for containers run from the image (<c>config</c>).</summary>
    [JsonPropertyName("config")]
    [JsonPropertyOrder(3)]
    public ContainerConfig? Config { get; init; }

    /// <summary>The ID of the container the image was committed from (<c>container</c>, Docker only).</summary>
    [JsonPropertyName("container")]
    [JsonPropertyOrder(4)]
    public string? Container { get; init; }

    /// <summary>The configuration of that container (<c>container_config</c>, Docker only).</summary>
    [JsonPropertyName("container_config")]
    [JsonPropertyOrder(5)]
    public ContainerConfig? ContainerConfig { get; init; }

    /// <summary>
    /// When the image was created (<c>created</c>), exactly as written: Go writes RFC 3339 with up to nine
    /// fractional digits, more than <see cref="DateTimeOffset"/> holds, so the text is the truth and
    /// <see cref="CreatedTime"/> a view of it.
    /// </summary>
    [JsonPropertyName("created")]
    [JsonPropertyOrder(6)]
    public string? Created { get; init; }

    /// <summary><see cref="Created"/> parsed (fractions beyond 100 ns truncated), or <see langword="null"/> when absent.</summary>
    [JsonIgnore]
    public DateTimeOffset? CreatedTime => Rfc3339.TryParse(Created, out DateTimeOffset time) ? time : null;

    /// <summary>The version of Docker that built the image (<c>docker_version</c>, Docker only).</summary>
    [JsonPropertyName("docker_version")]
    [JsonPropertyOrder(7)]
    public string? DockerVersion { get; init; }

    /// <summary>How each layer was made, base first (<c>history</c>); empty when absent or <c>null</c>.</summary>
    [JsonIgnore]
    public IReadOnlyList<HistoryEntry> History { get; init; } = [];

    [JsonPropertyName("history")]
    [JsonPropertyOrder(8)]
    [JsonInclude]
    internal IReadOnlyList<HistoryEntry>? HistoryJson
    {
        get => History.Count == 0 ? null : History;
        init => History = value ?? [];
    }

    /// <summary>The operating system, such as <c>linux</c> (<c>os</c>).</summary>
    [JsonPropertyName("os")]
    [JsonPropertyOrder(9)]
    public string? Os { get; init; }

    /// <summary>Required operating system features (<c>os.features</c>).</summary>
    [JsonPropertyName("os.features")]
    [JsonPropertyOrder(10)]
    public IReadOnlyList<string>? OsFeatures { get; init; }

    /// <summary>The operating system version (<c>os.version</c>).</summary>
    [JsonPropertyName("os.version")]
    [JsonPropertyOrder(11)]
    public string? OsVersion { get; init; }

    /// <summary>The layers' DiffIDs (<c>rootfs</c>, required: Docker refuses a config without it).</summary>
    [JsonPropertyName("rootfs")]
    [JsonPropertyOrder(12)]
    public required RootFs RootFs { get; init; }

    /// <summary>The CPU variant, such as <c>v8</c> (<c>variant</c>).</summary>
    [JsonPropertyName("variant")]
    [JsonPropertyOrder(13)]
    public string? Variant { get; init; }

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

/// <summary>The <c>rootfs</c> of an image configuration: the DiffIDs of its layers, base first.</summary>
/// <remarks>Serialised as <c>type</c>, <c>diff_ids</c> (omitted when empty, as Docker does), then unknown fields.</remarks>
public sealed record RootFs
{
    /// <summary>The type (<c>type</c>), always <c>layers</c>.</summary>
    [JsonPropertyName("type")]
    [JsonPropertyOrder(0)]
    public string Type { get; init; } = "layers";

    /// <summary>The digests of the uncompressed layer tars, base first (<c>diff_ids</c>).</summary>
    [JsonIgnore]
    public IReadOnlyList<Digest> DiffIds { get; init; } = [];

    [JsonPropertyName("diff_ids")]
    [JsonPropertyOrder(1)]
    [JsonInclude]
    [JsonConverter(typeof(DigestStringListConverter))]
    internal IReadOnlyList<string>? DiffIdsJson
    {
        get => DiffIds.Count == 0 ? null : DigestText.Format(DiffIds);
        init => DiffIds = DigestText.Parse(value);
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

/// <summary>One entry of an image's <c>history</c>: how one step of the build was made.</summary>
/// <remarks>
/// Serialised in Docker's order: <c>created</c>, <c>author</c>, <c>created_by</c>, <c>comment</c>,
/// <c>empty_layer</c>, then unknown fields.
/// </remarks>
public sealed record HistoryEntry
{
    /// <summary>When the step ran (<c>created</c>), exactly as written; see <see cref="ImageConfig.Created"/>.</summary>
    [JsonPropertyName("created")]
    [JsonPropertyOrder(0)]
    public string? Created { get; init; }

    /// <summary><see cref="Created"/> parsed, or <see langword="null"/> when absent.</summary>
    [JsonIgnore]
    public DateTimeOffset? CreatedTime => Rfc3339.TryParse(Created, out DateTimeOffset time) ? time : null;

    /// <summary>Who ran the step (<c>author</c>).</summary>
    [JsonPropertyName("author")]
    [JsonPropertyOrder(1)]
    public string? Author { get; init; }

    /// <summary>The command of the step (<c>created_by</c>).</summary>
    [JsonPropertyName("created_by")]
    [JsonPropertyOrder(2)]
    public string? CreatedBy { get; init; }

    /// <summary>A comment (<c>comment</c>).</summary>
    [JsonPropertyName("comment")]
    [JsonPropertyOrder(3)]
    public string? Comment { get; init; }

    /// <summary>Whether the step made no layer (<c>empty_layer</c>); such entries have no DiffID.</summary>
    [JsonPropertyName("empty_layer")]
    [JsonPropertyOrder(4)]
    public bool? EmptyLayer { get; init; }

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
