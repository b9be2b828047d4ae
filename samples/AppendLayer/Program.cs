// Appends a directory as a new layer to an image of an archive, writes the result as an OCI layout and loads it
// into a local image store, showing progress, asynchronously from end to end and with the public API only:
//
//   dotnet run --project samples/AppendLayer -- BASE.tar IMAGE DIRECTORY OUT-LAYOUT STORE-ROOT [TAG]
//
// IMAGE names the image of BASE.tar to build on (a tag such as hello:latest); Ctrl+C cancels cleanly, leaving
// no partial layout and the store as it was.
using System.Text.Json.Nodes;
using ImageFormat.Archives;
using ImageFormat.Archives.Writers;
using ImageFormat.Compression;
using ImageFormat.Layers;
using ImageFormat.Model;
using ImageFormat.Progress;
using ImageFormat.References;
using ImageFormat.Store;

if (args.Length is < 5 or > 6)
{
    Console.Error.WriteLine("usage: AppendLayer BASE.tar IMAGE DIRECTORY OUT-LAYOUT STORE-ROOT [TAG]");
    return 2;
}

(string basePath, string imageName, string directory, string layoutPath, string storeRoot) = (args[0], args[1], args[2], args[3], args[4]);
string tag = args.Length > 5 ? args[5] : "appended:latest";

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};
CancellationToken token = cancel.Token;
var progress = new ConsoleProgress();

// 1. Open the base archive and check every blob of it, with progress.
using ImageArchive archive = ImageArchive.OpenFile(basePath);
ArchiveVerification verification = await ArchiveVerifier.VerifyAsync(archive, progress, token);
if (!verification.IsValid)
{
    Console.Error.WriteLine($"{basePath} does not verify: {verification.Problems[0]}");
    return 1;
}

ArchiveImage baseImage = archive.Images.FirstOrDefault(i => i.RepoTags.Contains(imageName, StringComparer.Ordinal))
    ?? throw new ArgumentException($"{basePath} holds no image tagged {imageName}");
Console.WriteLine($"base: {imageName} {baseImage.Id} with {baseImage.Layers.Count} layer(s)");

// 2. Build the new layer from the directory: every path in it is added (no base tree to compare with).
IReadOnlyList<LayerChange> changes = LayerDiff.Compute(MergedTree.FromStreams([]), directory);
string layerFile = Path.GetTempFileName();
try
{
    LayerBuildResult layer;
    await using (var output = new FileStream(layerFile, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
    {
        layer = await LayerBuilder.WriteAsync(directory, changes, output, new LayerBuildOptions { Compression = CompressionFormat.Gzip, SourceDateEpoch = DateTimeOffset.UnixEpoch }, token);
    }

    Console.WriteLine($"layer: {layer.Entries} entries, diffID {layer.DiffId}, {layer.Size} bytes gzip");

    // 3. The new config: the base's, with the layer's diffID and one history entry appended.
    JsonNode config = JsonNode.Parse(baseImage.Config.Bytes.Span)!;
    config["rootfs"]!["diff_ids"]!.AsArray().Add(layer.DiffId.Value);
    (config["history"] ??= new JsonArray()).AsArray().Add(new JsonObject
    {
        ["created"] = "1970-01-01T00:00:00Z",
        ["created_by"] = $"AppendLayer {Path.GetFileName(Path.GetFullPath(directory))}",
    });
    byte[] configBytes = System.Text.Encoding.UTF8.GetBytes(config.ToJsonString());
    var image = new ImageToWrite(
        ImageDocuments.ParseConfig(configBytes, "appended config"),
        [.. baseImage.Layers.Select(LayerToWrite.FromArchive), new LayerToWrite(() => File.OpenRead(layerFile), layer.Digest, layer.Size, layer.DiffId, CompressionFormat.Gzip)])
    {
        Tags = [ImageReference.Parse(tag)],
    };

    // 4. Write the OCI layout (atomically: a cancelled run leaves no directory behind).
    await ArchiveWriter.WriteLayoutAsync([image], layoutPath, progress: progress, cancellationToken: token);
    Console.WriteLine($"layout: {layoutPath} holds {tag} {image.Id}");
}
finally
{
    File.Delete(layerFile);
}

// 5. Load the layout into the store (all or nothing).
using ImageStore store = ImageStore.Open(storeRoot);
using ImageArchive layout = ImageArchive.OpenLayout(layoutPath);
LoadResult loaded = await store.LoadAsync(layout, progress, token);
foreach (string line in loaded.Lines)
{
    Console.WriteLine(line);
}

return 0;

/// <summary>Prints one line when an item starts or ends and when the operation completes; reports come in order.</summary>
internal sealed class ConsoleProgress : IProgress<ImageProgress>
{
    private (ImageProgressPhase Phase, string Item) _last;

    public void Report(ImageProgress value)
    {
        if ((value.Phase, value.Item) == _last && value.BytesDone != value.BytesTotal)
        {
            return;
        }

        _last = (value.Phase, value.Item);
        string item = value.Item.Length > 40 ? value.Item[..40] + "…" : value.Item;
        Console.WriteLine($"  {value.Phase,-10} {value.ItemIndex + 1,3}/{value.ItemCount,-3} {item,-42} {value.BytesDone,12:N0} / {value.BytesTotal:N0} bytes");
    }
}
