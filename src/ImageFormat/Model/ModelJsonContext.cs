using System.Text.Json.Serialization;
using ImageFormat.Json;

namespace ImageFormat.Model;

/// <summary>
/// Source-generated metadata for the image documents (no reflection, so trimming and AOT keep working).
/// Duplicate keys are refused here as a second line behind <see cref="JsonInput"/>'s own check, which names the
/// path; <c>null</c> for a non-nullable member is refused through <c>RespectNullableAnnotations</c>.
/// </summary>
[JsonSourceGenerationOptions(
    AllowDuplicateProperties = false,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    MaxDepth = JsonInput.SerializerMaxDepth,
    Converters = [
        typeof(SortedMapConverter<string>),
        typeof(SortedMapConverter<IReadOnlyDictionary<string, string>>),
    ])]
[JsonSerializable(typeof(ImageManifest))]
[JsonSerializable(typeof(ImageIndex))]
[JsonSerializable(typeof(ImageConfig))]
[JsonSerializable(typeof(OciLayoutHeader))]
[JsonSerializable(typeof(Descriptor))]
[JsonSerializable(typeof(IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>))]
[JsonSerializable(typeof(IReadOnlyList<DockerArchiveManifestEntry>))]
internal sealed partial class ModelJsonContext : JsonSerializerContext;

/// <summary>
/// The same metadata for a docker-save <c>manifest.json</c>, whose keys Docker reads case-insensitively through
/// Go's <c>encoding/json</c> and which jib writes in lowercase. Two keys differing only in case are duplicates.
/// </summary>
[JsonSourceGenerationOptions(
    AllowDuplicateProperties = false,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true,
    PropertyNameCaseInsensitive = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    MaxDepth = JsonInput.SerializerMaxDepth,
    Converters = [
        typeof(SortedMapConverter<string>),
    ])]
[JsonSerializable(typeof(IReadOnlyList<DockerArchiveManifestEntry>))]
internal sealed partial class ArchiveManifestJsonContext : JsonSerializerContext;
