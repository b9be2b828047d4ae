using System.Text.Encodings.Web;
using System.Text.Json;

namespace ImageFormat.Moby;

/// <summary>
/// Formats images in the JSON shape <c>docker image inspect</c> prints (an array of objects, four-space
/// indentation). Fields come from the raw config as written; <c>Config</c> and <c>ContainerConfig</c> are
/// copied as stored. Daemon-only facts have neutral values: <c>GraphDriver</c> names no driver and
/// <c>Metadata.LastTagTime</c> is Go's zero time, as Docker prints for an image that was never tagged locally.
/// <c>Size</c> is the sum of the regular files' sizes in the image's layers, which is what Docker reports, and
/// <c>Comment</c> falls back to the last history entry's comment, as Docker's does (commit writes it only there).
/// </summary>
internal static class DockerInspect
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Indented = true,
        IndentSize = 4,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>What the JSON is made of, from an archive (<see cref="Archives.ArchiveInspect"/>) or from the local store.</summary>
    internal sealed record Subject(
        Model.RawDocument<Model.ImageConfig> Config,
        IReadOnlyList<string> RepoTags,
        IReadOnlyList<string> RepoDigests,
        Digests.Digest? Parent,
        long Size,
        string LastTagTime);

    internal static string Format(IReadOnlyList<Subject> images)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartArray();
            foreach (Subject image in images)
            {
                Write(writer, image);
            }

            writer.WriteEndArray();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static void Write(Utf8JsonWriter writer, Subject image)
    {
        using JsonDocument config = JsonDocument.Parse(image.Config.Bytes);
        JsonElement root = config.RootElement;
        writer.WriteStartObject();
        writer.WriteString("Id", image.Config.Digest.Value);
        writer.WriteStartArray("RepoTags");
        foreach (string tag in image.RepoTags)
        {
            writer.WriteStringValue(tag);
        }

        writer.WriteEndArray();
        writer.WriteStartArray("RepoDigests");
        foreach (string digest in image.RepoDigests)
        {
            writer.WriteStringValue(digest);
        }

        writer.WriteEndArray();
        writer.WriteString("Parent", image.Parent?.Value ?? string.Empty);
        writer.WriteString("Comment", Comment(image));
        writer.WriteString("Created", StringProperty(root, "created"));
        writer.WriteString("Container", StringProperty(root, "container"));
        WriteRaw(writer, "ContainerConfig", root, "container_config");
        writer.WriteString("DockerVersion", StringProperty(root, "docker_version"));
        writer.WriteString("Author", StringProperty(root, "author"));
        WriteRaw(writer, "Config", root, "config");
        writer.WriteString("Architecture", StringProperty(root, "architecture"));
        if (StringProperty(root, "variant") is { Length: > 0 } variant)
        {
            writer.WriteString("Variant", variant);
        }

        writer.WriteString("Os", StringProperty(root, "os"));
        if (StringProperty(root, "os.version") is { Length: > 0 } osVersion)
        {
            writer.WriteString("OsVersion", osVersion);
        }

        writer.WriteNumber("Size", image.Size);
        writer.WriteNumber("VirtualSize", image.Size);
        writer.WriteStartObject("GraphDriver");
        writer.WriteNull("Data");
        writer.WriteString("Name", string.Empty);
        writer.WriteEndObject();
        writer.WriteStartObject("RootFS");
        writer.WriteString("Type", image.Config.Value.RootFs.Type);
        writer.WriteStartArray("Layers");
        foreach (Digests.Digest diffId in image.Config.Value.RootFs.DiffIds)
        {
            writer.WriteStringValue(diffId.Value);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.WriteStartObject("Metadata");
        writer.WriteString("LastTagTime", image.LastTagTime);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>Docker's rule: the config's comment, else the comment of the last history entry (where commit puts it).</summary>
    private static string Comment(Subject image)
    {
        Model.ImageConfig config = image.Config.Value;
        if (!string.IsNullOrEmpty(config.Comment))
        {
            return config.Comment;
        }

        return config.History.Count > 0 ? config.History[^1].Comment ?? string.Empty : string.Empty;
    }

    private static string StringProperty(JsonElement root, string name) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : string.Empty;

    private static void WriteRaw(Utf8JsonWriter writer, string name, JsonElement root, string property)
    {
        writer.WritePropertyName(name);
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty(property, out JsonElement value))
        {
            value.WriteTo(writer);
        }
        else
        {
            writer.WriteNullValue();
        }
    }
}
