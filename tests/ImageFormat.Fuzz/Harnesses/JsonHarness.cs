using ImageFormat.Errors;
using ImageFormat.Moby;
using ImageFormat.Model;

namespace ImageFormat.Fuzz.Harnesses;

/// <summary>Every JSON document parser on every input; what parses is written back and must parse again.</summary>
public sealed class JsonHarness : Harness
{
    /// <inheritdoc/>
    public override string Name => "json";

    /// <inheritdoc/>
    public override string Checks => "Every ImageDocuments parser (manifest, index, manifest-or-index, config, manifest.json, repositories, oci-layout) and V1LayerId on each input; only InvalidDocumentException/LimitExceededException may escape, and what parses is serialized and parses again to the same bytes.";

    /// <inheritdoc/>
    public override void Run(byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        ImageFormatLimits limits = FuzzLimits.Value;
        Try(() => RoundTrip(ImageDocuments.ParseManifest(data, "manifest", limits).Value, ImageDocuments.Serialize, b => ImageDocuments.ParseManifest(b, "again", limits).Value, ImageDocuments.Serialize));
        Try(() => RoundTrip(ImageDocuments.ParseIndex(data, "index", limits).Value, ImageDocuments.Serialize, b => ImageDocuments.ParseIndex(b, "again", limits).Value, ImageDocuments.Serialize));
        Try(() => RoundTrip(ImageDocuments.ParseConfig(data, "config", limits).Value, ImageDocuments.Serialize, b => ImageDocuments.ParseConfig(b, "again", limits).Value, ImageDocuments.Serialize));
        Try(() => RoundTrip(ImageDocuments.ParseArchiveManifest(data, "manifest.json", limits).Value, ImageDocuments.SerializeArchiveManifest, b => ImageDocuments.ParseArchiveManifest(b, "again", limits).Value, ImageDocuments.SerializeArchiveManifest));
        Try(() => RoundTrip(ImageDocuments.ParseRepositories(data, "repositories", limits).Value, ImageDocuments.SerializeRepositories, b => ImageDocuments.ParseRepositories(b, "again", limits).Value, ImageDocuments.SerializeRepositories));
        Try(() => RoundTrip(ImageDocuments.ParseOciLayout(data, "oci-layout", limits).Value, ImageDocuments.Serialize, b => ImageDocuments.ParseOciLayout(b, "again", limits).Value, ImageDocuments.Serialize));
        Try(() => ImageDocuments.ParseManifestOrIndex(data, "manifest or index", limits));
        Try(() => V1LayerId.ComputeAll(data, limits));
        Try(() => V1LayerId.ComputeLayers(data, limits));
    }

    private static void Try(Func<object?> parse)
    {
        try
        {
            _ = parse();
        }
        catch (InvalidDocumentException)
        {
            // Documented: not a valid document.
        }
        catch (LimitExceededException)
        {
            // Documented: larger or deeper than the limits.
        }
    }

    /// <summary>Serializes what parsed; when the writer accepts it, its output must parse and serialize to the same bytes.</summary>
    private static object? RoundTrip<T>(T value, Func<T, byte[]> serialize, Func<byte[], T> parse, Func<T, byte[]> serializeAgain)
    {
        byte[] written;
        try
        {
            written = serialize(value);
        }
        catch (ArgumentException)
        {
            // Documented: the value is not valid for writing (the readers accept more than the writers write).
            return null;
        }

        T again;
        try
        {
            again = parse(written);
        }
        catch (ImageFormatException e)
        {
            throw new FuzzInvariantException($"the library wrote a document it cannot read back: {e.Message}\n{System.Text.Encoding.UTF8.GetString(written)}", e);
        }

        if (!serializeAgain(again).AsSpan().SequenceEqual(written))
        {
            throw new FuzzInvariantException($"writing is not stable: a document read back from the writer's output is written differently\n{System.Text.Encoding.UTF8.GetString(written)}");
        }

        return again;
    }

    /// <inheritdoc/>
    public override IEnumerable<(string Name, byte[] Data)> Seeds(SeedSources seeds)
    {
        ArgumentNullException.ThrowIfNull(seeds);
        foreach ((string name, byte[] bytes) in seeds.ModelDocuments())
        {
            yield return (name, bytes);
        }

        yield return ("duplicate-keys.json", """{"schemaVersion":2,"schemaVersion":2}"""u8.ToArray());
        yield return ("deep.json", System.Text.Encoding.ASCII.GetBytes(new string('[', 40) + new string(']', 40)));
        yield return ("unicode-escapes.json", """{"a\u0000b":"\ud800","config":{"Env":["\u00e9"]}}"""u8.ToArray());
    }
}
