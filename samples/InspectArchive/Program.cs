// Inspects an image archive offline, the way `skopeo inspect docker-archive:` or `crane config` would, with the
// public API only: every image of the archive with its ID, tags, platform, layers and sizes, read from the
// archive's documents without reading a layer.
//
//   dotnet run --project samples/InspectArchive -- ARCHIVE
//
// ARCHIVE is any archive the library reads: `docker save` output of any Docker version, an OCI archive, an OCI
// layout directory, compressed or not.
using ImageFormat.Archives;
using ImageFormat.Errors;

if (args.Length != 1)
{
    Console.Error.WriteLine("usage: InspectArchive ARCHIVE");
    return 2;
}

try
{
    using ImageArchive archive = Directory.Exists(args[0]) ? ImageArchive.OpenLayout(args[0]) : ImageArchive.OpenFile(args[0]);
    Console.WriteLine($"{args[0]}: {archive.Dialect}, {archive.Images.Count} image(s), compression {archive.Compression}");
    foreach (ArchiveImage image in archive.Images)
    {
        string tags = image.RepoTags.Count > 0 ? string.Join(", ", image.RepoTags) : "<none>";
        Console.WriteLine($"image {image.Id}");
        Console.WriteLine($"  tags:     {tags}");
        Console.WriteLine($"  platform: {image.Platform}");
        Console.WriteLine($"  created:  {image.Config.Value.Created ?? "<unset>"}");
        foreach (ArchiveLayer layer in image.Layers)
        {
            Console.WriteLine($"  layer {layer.Index}: diffID {layer.DiffId}, {layer.Size} bytes stored ({layer.Compression})");
        }

        Console.WriteLine($"  stored size: {image.StoredSize} bytes");
    }

    foreach (ArchiveProblem problem in archive.Problems)
    {
        Console.WriteLine($"note: {problem}");
    }

    return 0;
}
catch (ImageFormatException e)
{
    // Every failure from bad data is typed and carries a stable code.
    Console.Error.WriteLine($"Error: {e.Code}: {e.Message}");
    return 1;
}
