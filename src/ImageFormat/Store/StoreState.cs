using System.Globalization;
using System.Text.Json;
using ImageFormat.Digests;
using ImageFormat.Errors;

namespace ImageFormat.Store;

/// <summary>
/// Every record of a store: images, layers, references and containers. A change works on a copy and the copy is
/// committed whole, so a failed or dry-run change leaves nothing behind. Reference counts are never stored: they
/// are derived from these records, so they cannot drift.
/// </summary>
internal sealed class StoreState
{
    private const int FormatVersion = 1;

    public Dictionary<Digest, StoreImage> Images { get; } = [];

    public Dictionary<Digest, StoreLayer> Layers { get; } = [];

    /// <summary>Full reference string (<c>docker.io/library/hello:latest</c>) to image ID, like Docker's repositories.json.</summary>
    public SortedDictionary<string, Digest> References { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, StoreContainer> Containers { get; } = new(StringComparer.Ordinal);

    public StoreState Clone()
    {
        var copy = new StoreState();
        foreach ((Digest k, StoreImage v) in Images)
        {
            copy.Images[k] = v;
        }

        foreach ((Digest k, StoreLayer v) in Layers)
        {
            copy.Layers[k] = v;
        }

        foreach ((string k, Digest v) in References)
        {
            copy.References[k] = v;
        }

        foreach ((string k, StoreContainer v) in Containers)
        {
            copy.Containers[k] = v;
        }

        return copy;
    }

    /// <summary>Every blob the records name: configs, layer tars, compressed originals.</summary>
    public HashSet<Digest> ReferencedBlobs()
    {
        var blobs = new HashSet<Digest>(Images.Keys);
        foreach (StoreLayer layer in Layers.Values)
        {
            blobs.Add(layer.DiffId);
            if (layer.CompressedDigest is { } compressed)
            {
                blobs.Add(compressed);
            }
        }

        return blobs;
    }

    /// <summary>How many holders each layer has: images on it, layers above it, containers on it.</summary>
    public Dictionary<Digest, int> ReferenceCounts()
    {
        var counts = Layers.Keys.ToDictionary(k => k, _ => 0);
        void Hold(Digest chainId)
        {
            if (!chainId.IsEmpty)
            {
                counts[chainId] = counts.GetValueOrDefault(chainId) + 1;
            }
        }

        foreach (StoreImage image in Images.Values)
        {
            Hold(image.ChainId);
        }

        foreach (StoreLayer layer in Layers.Values)
        {
            if (layer.Parent is { } parent)
            {
                Hold(parent);
            }
        }

        foreach (StoreContainer container in Containers.Values)
        {
            Hold(container.ChainId);
        }

        return counts;
    }

    public byte[] Serialize()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteNumber("version", FormatVersion);
            w.WriteStartArray("images");
            foreach (StoreImage image in Images.Values.OrderBy(i => i.Id.Value, StringComparer.Ordinal))
            {
                w.WriteStartObject();
                w.WriteString("id", image.Id.Value);
                WriteOptional(w, "parent", image.Parent?.Value);
                WriteOptional(w, "created", image.Created);
                WriteOptional(w, "lastTagTime", image.LastTagTime?.ToString("O", CultureInfo.InvariantCulture));
                WriteOptional(w, "chainId", image.ChainId.IsEmpty ? null : image.ChainId.Value);
                w.WriteStartArray("diffIds");
                foreach (Digest d in image.DiffIds)
                {
                    w.WriteStringValue(d.Value);
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("layers");
            foreach (StoreLayer layer in Layers.Values.OrderBy(l => l.ChainId.Value, StringComparer.Ordinal))
            {
                w.WriteStartObject();
                w.WriteString("chainId", layer.ChainId.Value);
                w.WriteString("diffId", layer.DiffId.Value);
                WriteOptional(w, "parent", layer.Parent?.Value);
                w.WriteNumber("size", layer.Size);
                w.WriteNumber("tarSize", layer.TarSize);
                WriteOptional(w, "compressedDigest", layer.CompressedDigest?.Value);
                WriteOptional(w, "compressedMediaType", layer.CompressedMediaType);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartObject("references");
            foreach ((string reference, Digest id) in References)
            {
                w.WriteString(reference, id.Value);
            }

            w.WriteEndObject();
            w.WriteStartArray("containers");
            foreach (StoreContainer c in Containers.Values.OrderBy(c => c.Id, StringComparer.Ordinal))
            {
                w.WriteStartObject();
                w.WriteString("id", c.Id);
                w.WriteString("name", c.Name);
                w.WriteString("image", c.ImageId.Value);
                WriteOptional(w, "chainId", c.ChainId.IsEmpty ? null : c.ChainId.Value);
                w.WriteString("created", c.Created.ToString("O", CultureInfo.InvariantCulture));
                WriteOptional(w, "rootfs", c.RootFsPath);
                w.WriteBoolean("running", c.Running);
                WriteOptional(w, "imageName", c.ImageName);
                if (c.Command is { } command)
                {
                    w.WriteStartArray("command");
                    foreach (string arg in command)
                    {
                        w.WriteStringValue(arg);
                    }

                    w.WriteEndArray();
                }

                WriteOptional(w, "commandLine", c.CommandLine);
                if (c.Labels is { } labels)
                {
                    w.WriteStartObject("labels");
                    foreach ((string key, string value) in labels.OrderBy(p => p.Key, StringComparer.Ordinal))
                    {
                        w.WriteString(key, value);
                    }

                    w.WriteEndObject();
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }

    private static void WriteOptional(Utf8JsonWriter w, string name, string? value)
    {
        if (value is not null)
        {
            w.WriteString(name, value);
        }
    }

    public static StoreState Parse(byte[] bytes, string subject)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(bytes);
            JsonElement root = document.RootElement;
            int version = root.GetProperty("version").GetInt32();
            if (version != FormatVersion)
            {
                throw new ImageFormatException(ErrorCodes.StoreCorrupt, $"{subject}: store format version {version} is not supported (this imagefmt reads version {FormatVersion})");
            }

            var state = new StoreState();
            foreach (JsonElement e in root.GetProperty("images").EnumerateArray())
            {
                var image = new StoreImage
                {
                    Id = Digest.Parse(e.GetProperty("id").GetString()!),
                    Parent = OptionalDigest(e, "parent"),
                    Created = OptionalString(e, "created"),
                    LastTagTime = OptionalString(e, "lastTagTime") is { } t ? DateTimeOffset.Parse(t, CultureInfo.InvariantCulture) : null,
                    ChainId = OptionalDigest(e, "chainId") ?? default,
                    DiffIds = [.. e.GetProperty("diffIds").EnumerateArray().Select(d => Digest.Parse(d.GetString()!))],
                };
                state.Images[image.Id] = image;
            }

            foreach (JsonElement e in root.GetProperty("layers").EnumerateArray())
            {
                var layer = new StoreLayer
                {
                    ChainId = Digest.Parse(e.GetProperty("chainId").GetString()!),
                    DiffId = Digest.Parse(e.GetProperty("diffId").GetString()!),
                    Parent = OptionalDigest(e, "parent"),
                    Size = e.GetProperty("size").GetInt64(),
                    TarSize = e.GetProperty("tarSize").GetInt64(),
                    CompressedDigest = OptionalDigest(e, "compressedDigest"),
                    CompressedMediaType = OptionalString(e, "compressedMediaType"),
                };
                state.Layers[layer.ChainId] = layer;
            }

            foreach (JsonProperty p in root.GetProperty("references").EnumerateObject())
            {
                state.References[p.Name] = Digest.Parse(p.Value.GetString()!);
            }

            foreach (JsonElement e in root.GetProperty("containers").EnumerateArray())
            {
                var container = new StoreContainer
                {
                    Id = e.GetProperty("id").GetString()!,
                    Name = e.GetProperty("name").GetString()!,
                    ImageId = Digest.Parse(e.GetProperty("image").GetString()!),
                    ChainId = OptionalDigest(e, "chainId") ?? default,
                    Created = DateTimeOffset.Parse(e.GetProperty("created").GetString()!, CultureInfo.InvariantCulture),
                    RootFsPath = OptionalString(e, "rootfs"),
                    Running = e.GetProperty("running").GetBoolean(),
                    ImageName = OptionalString(e, "imageName"),
                    Command = e.TryGetProperty("command", out JsonElement command) && command.ValueKind == JsonValueKind.Array
                        ? [.. command.EnumerateArray().Select(a => a.GetString()!)]
                        : null,
                    CommandLine = OptionalString(e, "commandLine"),
                    Labels = e.TryGetProperty("labels", out JsonElement labels) && labels.ValueKind == JsonValueKind.Object
                        ? labels.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal)
                        : null,
                };
                state.Containers[container.Id] = container;
            }

            return state;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or InvalidDigestException)
        {
            throw new ImageFormatException(ErrorCodes.StoreCorrupt, $"{subject}: the store's records cannot be read: {e.Message}", e);
        }
    }

    private static string? OptionalString(JsonElement e, string name) =>
        e.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static Digest? OptionalDigest(JsonElement e, string name) => OptionalString(e, name) is { } s ? Digest.Parse(s) : null;
}
