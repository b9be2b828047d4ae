using System.Text.Json;
using ImageFormat.Digests;
using ImageFormat.Errors;
using ImageFormat.Json;

namespace ImageFormat.Moby;

/// <summary>
/// Docker's legacy v1 layer IDs: the directory names of a legacy <c>docker save</c> archive
/// (<c>&lt;v1id&gt;/layer.tar</c>, <c>&lt;v1id&gt;/json</c>), reproduced byte for byte from an image config as
/// Docker Engine 20.10 computes them.
/// </summary>
/// <remarks>
/// <para>For each layer moby builds a v1 image: the top layer gets the config's own v1 fields (<c>comment</c>,
/// <c>created</c>, <c>container</c>, <c>container_config</c>, <c>docker_version</c>, <c>author</c>,
/// <c>config</c>, <c>architecture</c>, <c>variant</c>, <c>os</c>, <c>Size</c>), every lower layer only
/// <c>created</c> = the Unix epoch. The ID is the SHA-256 of that struct as Go marshals it, re-marshalled
/// through a map (keys sorted) with <c>layer_id</c> = the layer's ChainID and <c>parent</c> = the previous
/// layer's v1 ID as a digest. The <c>json</c> file is the same struct with <c>id</c>, <c>parent</c> (hex) and
/// the config's <c>os</c> set, in Go's field order.</para>
/// <para>Go's rules are followed where they shape the bytes: case-insensitive keys, unknown keys ignored,
/// <c>null</c> semantics, <c>omitempty</c>, HTML escaping, nanosecond times with trailing zeros dropped, and
/// <c>"Size"</c> capitalised. Assumptions: the epoch is written <c>1970-01-01T00:00:00Z</c>, as by a daemon
/// whose local time zone is UTC (moby uses local time there); config fields outside the v1 image (history,
/// os.version, ...) are not checked beyond being JSON.</para>
/// </remarks>
public static class V1LayerId
{
    /// <summary>The v1 ID of each layer of an image, bottom first.</summary>
    /// <param name="rawConfig">The image config's exact bytes.</param>
    /// <param name="limits">Size, depth and layer-count limits; <see cref="ImageFormatLimits.Default"/> unless given.</param>
    /// <returns>64 lowercase hex characters per layer; empty when the config lists no layers.</returns>
    /// <exception cref="InvalidDocumentException">The config is not JSON, is not an object, lacks <c>rootfs</c>, lists an invalid DiffID, or a v1 field has the wrong type.</exception>
    /// <exception cref="LimitExceededException">The config is larger, deeper or has more layers than <paramref name="limits"/> allow.</exception>
    public static IReadOnlyList<string> ComputeAll(ReadOnlySpan<byte> rawConfig, ImageFormatLimits? limits = null)
    {
        IReadOnlyList<V1Layer> layers = ComputeLayers(rawConfig, limits);
        var ids = new string[layers.Count];
        for (int i = 0; i < ids.Length; i++)
        {
            ids[i] = layers[i].Id;
        }

        return ids;
    }

    /// <summary>Each layer's v1 ID, parent, DiffID, ChainID and <c>json</c> document, bottom first.</summary>
    /// <param name="rawConfig">The image config's exact bytes.</param>
    /// <param name="limits">Size, depth and layer-count limits; <see cref="ImageFormatLimits.Default"/> unless given.</param>
    /// <returns>One entry per layer; empty when the config lists no layers.</returns>
    /// <exception cref="InvalidDocumentException">The config is not JSON, is not an object, lacks <c>rootfs</c>, lists an invalid DiffID, or a v1 field has the wrong type.</exception>
    /// <exception cref="LimitExceededException">The config is larger, deeper or has more layers than <paramref name="limits"/> allow.</exception>
    public static IReadOnlyList<V1Layer> ComputeLayers(ReadOnlySpan<byte> rawConfig, ImageFormatLimits? limits = null)
    {
        limits ??= ImageFormatLimits.Default;
        if (rawConfig.Length > limits.MaxJsonBytes)
        {
            throw new LimitExceededException(GoV1Image.Subject, nameof(ImageFormatLimits.MaxJsonBytes), limits.MaxJsonBytes, rawConfig.Length);
        }

        using JsonDocument document = Parse(rawConfig, limits);
        JsonElement root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDocumentException(GoV1Image.Subject, "not a JSON object");
        }

        Digest[] diffIds;
        GoV1Image top;
        try
        {
            diffIds = ReadDiffIds(root, limits);
            top = GoV1Image.FromConfig(root);
        }
        catch (InvalidOperationException e)
        {
            // JsonElement.GetString throws it for a string it cannot decode: an escaped lone surrogate (\ud800).
            throw new InvalidDocumentException(GoV1Image.Subject, $"a string cannot be decoded: {e.Message}", e);
        }

        IReadOnlyList<Digest> chainIds = ChainId.Compute(diffIds);
        var layers = new V1Layer[diffIds.Length];
        Digest parent = default;
        for (int i = 0; i < layers.Length; i++)
        {
            GoV1Image v1 = i == layers.Length - 1 ? top.Clone() : new GoV1Image { Created = GoV1Image.UnixEpoch };
            v1.Id = string.Empty;
            v1.Parent = string.Empty;
            Digest id = CreateId(v1, chainIds[i], parent);

            v1.Id = id.Encoded;
            v1.Parent = parent.IsEmpty ? string.Empty : parent.Encoded;
            v1.Os = top.Os;
            layers[i] = new V1Layer(v1.Id, parent.IsEmpty ? null : parent.Encoded, diffIds[i], chainIds[i], MarshalInOrder(v1));
            parent = id;
        }

        return layers;
    }

    // moby image/v1 CreateID: the struct's members plus layer_id and parent, keys sorted as Go sorts a map's.
    private static Digest CreateId(GoV1Image v1, Digest chainId, Digest parent)
    {
        List<(string Key, byte[] Value)> members = v1.Members();
        members.Add(("layer_id", Quoted(chainId.Value)));
        if (!parent.IsEmpty)
        {
            members.Add(("parent", Quoted(parent.Value)));
        }

        members.Sort(static (a, b) => Utf8Order.Instance.Compare(a.Key, b.Key));
        return Digest.Compute(Join(members));
    }

    private static byte[] MarshalInOrder(GoV1Image v1) => Join(v1.Members());

    private static byte[] Join(List<(string Key, byte[] Value)> members)
    {
        var w = new GoJsonWriter();
        bool first = true;
        w.Byte((byte)'{');
        foreach ((string key, byte[] value) in members)
        {
            w.Key(key, ref first);
            w.Raw(value);
        }

        w.Byte((byte)'}');
        return w.ToArray();
    }

    private static byte[] Quoted(string text)
    {
        var w = new GoJsonWriter();
        w.String(text);
        return w.ToArray();
    }

    private static JsonDocument Parse(ReadOnlySpan<byte> rawConfig, ImageFormatLimits limits)
    {
        // The image parsers refuse invalid UTF-8 (JsonInput.Precheck); so does this one, rather than fail on the string later.
        if (!System.Text.Unicode.Utf8.IsValid(rawConfig))
        {
            throw new InvalidDocumentException(GoV1Image.Subject, "not valid UTF-8");
        }

        // A reader one level deeper than the limit lets a too-deep document be told apart from a malformed one.
        var reader = new Utf8JsonReader(rawConfig, new JsonReaderOptions { MaxDepth = limits.MaxJsonDepth + 1 });
        JsonDocument document;
        try
        {
            document = JsonDocument.ParseValue(ref reader);
            if (reader.Read())
            {
                document.Dispose();
                throw new InvalidDocumentException(GoV1Image.Subject, $"unexpected data after the JSON value at byte {reader.TokenStartIndex}");
            }
        }
        catch (JsonException e)
        {
            if (reader.CurrentDepth > limits.MaxJsonDepth)
            {
                throw new LimitExceededException(GoV1Image.Subject, nameof(ImageFormatLimits.MaxJsonDepth), limits.MaxJsonDepth, limits.MaxJsonDepth + 1);
            }

            throw new InvalidDocumentException(GoV1Image.Subject, $"not valid JSON: {e.Message}", e);
        }

        if (Depth(document.RootElement) > limits.MaxJsonDepth)
        {
            document.Dispose();
            throw new LimitExceededException(GoV1Image.Subject, nameof(ImageFormatLimits.MaxJsonDepth), limits.MaxJsonDepth, limits.MaxJsonDepth + 1);
        }

        return document;
    }

    private static int Depth(JsonElement element)
    {
        int deepest = 0;
        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (JsonProperty property in element.EnumerateObject())
            {
                deepest = Math.Max(deepest, Depth(property.Value));
            }

            return deepest + 1;
        }

        if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement item in element.EnumerateArray())
            {
                deepest = Math.Max(deepest, Depth(item));
            }

            return deepest + 1;
        }

        return 0;
    }

    // rootfs.diff_ids as moby's image.Image decodes it (keys matched as Go does, the last rootfs wins).
    private static Digest[] ReadDiffIds(JsonElement root, ImageFormatLimits limits)
    {
        JsonElement? rootFs = null;
        foreach (JsonProperty property in root.EnumerateObject())
        {
            if (GoDecode.Match(property.Name, ["rootfs"]) == 0)
            {
                rootFs = property.Value.ValueKind == JsonValueKind.Null ? null : property.Value;
            }
        }

        if (rootFs is not JsonElement fs)
        {
            throw new InvalidDocumentException(GoV1Image.Subject, "no rootfs");
        }

        GoDecode.ExpectObject(fs, "rootfs");
        List<string>? ids = null;
        foreach (JsonProperty property in fs.EnumerateObject())
        {
            if (GoDecode.Match(property.Name, ["diff_ids"]) == 0)
            {
                ids = GoDecode.StringSlice(property.Value, "rootfs.diff_ids");
            }
        }

        ids ??= [];
        if (ids.Count > limits.MaxLayerCount)
        {
            throw new LimitExceededException(GoV1Image.Subject, nameof(ImageFormatLimits.MaxLayerCount), limits.MaxLayerCount, ids.Count);
        }

        var digests = new Digest[ids.Count];
        for (int i = 0; i < digests.Length; i++)
        {
            if (!Digest.TryParse(ids[i], out digests[i], out string? reason))
            {
                throw new InvalidDocumentException(GoV1Image.Subject, $"rootfs.diff_ids[{i}]: {reason}");
            }
        }

        return digests;
    }
}

/// <summary>One layer of a legacy <c>docker save</c> archive, as <see cref="V1LayerId.ComputeLayers"/> derives it.</summary>
public sealed class V1Layer
{
    internal V1Layer(string id, string? parentId, Digest diffId, Digest chainId, byte[] json)
    {
        Id = id;
        ParentId = parentId;
        DiffId = diffId;
        ChainId = chainId;
        Json = json;
    }

    /// <summary>The v1 ID: the directory name, 64 lowercase hex characters.</summary>
    public string Id { get; }

    /// <summary>The v1 ID of the layer below, or <see langword="null"/> for the bottom layer.</summary>
    public string? ParentId { get; }

    /// <summary>The layer's DiffID (digest of its uncompressed tar).</summary>
    public Digest DiffId { get; }

    /// <summary>The layer's ChainID.</summary>
    public Digest ChainId { get; }

    /// <summary>The exact bytes of the <c>&lt;v1id&gt;/json</c> file Docker writes for this layer.</summary>
    public ReadOnlyMemory<byte> Json { get; }
}
