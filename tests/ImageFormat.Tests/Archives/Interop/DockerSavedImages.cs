using System.Text.Json;
using ImageFormat.Tests.TestSupport;

namespace ImageFormat.Tests.Archives.Interop;

/// <summary>
/// Images made by real Docker 20.10 once per test run, and archives of them written by Docker, skopeo and umoci.
/// The images: <c>first</c> (busybox:base + a file, committed with an author and message), <c>second</c>
/// (first + a file, one deleted), tagged twice in two repositories, and <c>imported</c> (a root file system from
/// <c>docker import</c>). <c>all.tar</c> saves all of them with busybox:base, so layers are shared between images
/// and Docker writes the repeats as symlinks.
/// </summary>
internal sealed class DockerSavedImages
{
    private static readonly Lock Gate = new();
    private static DockerSavedImages? s_instance;

    private DockerSavedImages(DockerCli docker, string directory, string prefix)
    {
        Docker = docker;
        Directory = directory;
        Prefix = prefix;
    }

    public DockerCli Docker { get; }

    public string Directory { get; }

    public string Prefix { get; }

    public string First => $"{Prefix}:first";

    public string Second => $"{Prefix}:second";

    public string Alias => $"{Prefix}-alias:v1";

    public string Imported => $"{Prefix}:imported";

    public IReadOnlyList<string> Tags => [First, Second, Alias, Imported, "busybox:base"];

    public string AllArchive => Path.Combine(Directory, "all.tar");

    /// <summary>Makes the images and the archive once per process (skips the test where Docker is missing).</summary>
    public static DockerSavedImages Get()
    {
        DockerCli docker = Peers.RequireDocker();
        lock (Gate)
        {
            return s_instance ??= Create(docker);
        }
    }

    private static DockerSavedImages Create(DockerCli docker)
    {
        string prefix = $"imagefmt-it-{Guid.NewGuid().ToString("N")[..8]}";
        string directory = Path.Combine(Path.GetTempPath(), prefix);
        System.IO.Directory.CreateDirectory(directory);
        var images = new DockerSavedImages(docker, directory, prefix);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => images.Cleanup();

        string c1 = docker.RunChecked("create", "busybox:base", "sh", "-c", "echo one > /one").StdOut.Trim();
        docker.RunChecked("start", "-a", c1);
        docker.RunChecked("commit", "-a", "imagefmt tests", "-m", "add /one", c1, images.First);
        docker.RunChecked("rm", c1);
        string c2 = docker.RunChecked("create", images.First, "sh", "-c", "echo two > /two && rm /etc/group && mkdir -p /tmp/d && echo x > /tmp/d/x").StdOut.Trim();
        docker.RunChecked("start", "-a", c2);
        docker.RunChecked("commit", "-m", "add /two, remove /etc/group", c2, images.Second);
        docker.RunChecked("rm", c2);
        docker.RunChecked("tag", images.Second, images.Alias);

        var rootfs = new Dictionary<string, string> { ["etc/hostname"] = "imported\n", ["data/readme.txt"] = "made by docker import\n" };
        string rootTar = Path.Combine(directory, "rootfs.tar");
        using (var stream = File.Create(rootTar))
        using (var writer = new System.Formats.Tar.TarWriter(stream, System.Formats.Tar.TarEntryFormat.Pax))
        {
            foreach ((string name, string content) in rootfs)
            {
                writer.WriteEntry(new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.RegularFile, name)
                {
                    DataStream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(content)),
                    ModificationTime = DateTimeOffset.UnixEpoch,
                });
            }
        }

        docker.RunChecked("import", "-m", "imported for tests", rootTar, images.Imported);
        docker.RunToFile(["save", .. images.Tags], images.AllArchive).EnsureSuccess("docker save");
        return images;
    }

    /// <summary>What <c>docker image inspect</c> says of a reference: ID, RootFS layers, tags, parent.</summary>
    public (string Id, string[] DiffIds, string[] RepoTags, string Parent) Inspect(string reference)
    {
        string json = Docker.RunChecked("image", "inspect", reference).StdOut;
        using JsonDocument doc = JsonDocument.Parse(json);
        JsonElement image = doc.RootElement[0];
        return (
            image.GetProperty("Id").GetString()!,
            image.GetProperty("RootFS").GetProperty("Layers").EnumerateArray().Select(e => e.GetString()!).ToArray(),
            image.GetProperty("RepoTags").EnumerateArray().Select(e => e.GetString()!).ToArray(),
            image.GetProperty("Parent").GetString()!);
    }

    private void Cleanup()
    {
        Docker.Run(["rmi", First, Second, Alias, Imported]);
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
