// Docker's commit workflow in code, with the public API only and no daemon: load an archive into a local image
// store, create a container from one of its images, change the container's root file system, commit the change
// as a new layer with an author and a message, show the history, then remove images the way `docker rmi` does
// (a tag of an image that still has a child is only untagged; an image nothing references any more is deleted
// with its layers).
//
//   dotnet run --project samples/CommitWorkflow -- ARCHIVE IMAGE STORE-ROOT
//
// IMAGE names an image of ARCHIVE (a tag such as hello:latest); STORE-ROOT is created when missing.
using ImageFormat.Digests;
using ImageFormat.Errors;
using ImageFormat.Layers;
using ImageFormat.Store;

if (args.Length != 3)
{
    Console.Error.WriteLine("usage: CommitWorkflow ARCHIVE IMAGE STORE-ROOT");
    return 2;
}

(string archive, string image, string root) = (args[0], args[1], args[2]);
try
{
    using ImageStore store = ImageStore.Open(root);

    // docker load -i ARCHIVE
    LoadResult loaded = await store.LoadFileAsync(archive);
    loaded.Lines.ToList().ForEach(Console.WriteLine);

    // docker create --name work IMAGE sh, then a change inside the container's root file system.
    StoreContainer container = store.AddContainer(image, name: "work", command: ["sh"]);
    await File.WriteAllTextAsync(Path.Combine(container.RootFsPath!, "committed.txt"), "written by the CommitWorkflow sample\n");

    // docker diff work
    foreach (LayerChange change in store.Diff("work"))
    {
        Console.WriteLine($"{change.Kind switch { LayerChangeKind.Added => 'A', LayerChangeKind.Deleted => 'D', _ => 'C' }} {change.Path}");
    }

    // docker commit -a AUTHOR -m MESSAGE work committed:sample
    Digest id = await store.CommitAsync("work", new CommitOptions { Author = "CommitWorkflow sample", Comment = "add committed.txt", Tag = "committed:sample" });
    Console.WriteLine(id);

    // docker history committed:sample (times left out: they change on every run)
    Console.Write(DockerListing.History(store.History("committed:sample"), new DockerListingOptions { Format = "{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}" }));

    // docker rm work; docker rmi IMAGE: the base still has a child (the commit), so its tag is only removed.
    store.RemoveContainer("work");
    Console.Write(DockerListing.Rmi(store.RemoveImage(image)));

    // docker rmi committed:sample: nothing references the commit or its untagged parent any more; both go.
    Console.Write(DockerListing.Rmi(store.RemoveImage("committed:sample")));
    Console.WriteLine($"images left: {store.ListImages(all: true).Count}");
    return 0;
}
catch (ImageFormatException e)
{
    Console.Error.WriteLine($"Error: {e.Code}: {e.Message}");
    return 1;
}
