using System.IO.Hashing;
using System.Text;
using System.Text.Json.Nodes;
using FluentAssertions;
using ImageFormat.Archives;
using ImageFormat.Containment;
using ImageFormat.Layers;
using ImageFormat.Tar;
using ImageFormat.Tests.TestSupport;
using Xunit;

namespace ImageFormat.Tests.Layers;

/// <summary>
/// Against real Docker 20.10 (vfs driver), umoci and skopeo: an image whose layers delete files, replace a
/// directory and hold a setuid file, hard link, absolute symlink and sticky directory is extracted by us, by
/// <c>umoci unpack</c> and by <c>docker export</c>, and the trees must match. Then a container changes the image;
/// the same script run in our extraction (chroot) must give our diff equal to <c>docker diff</c>, and the layer we
/// build from it, loaded into Docker on the same base, must export the same files as Docker's own commit.
/// </summary>
public sealed class LayerInteropTests
{
    private const string BuildScript =
        "rm /bin/ls && rm /etc/passwd && echo new > /etc/only && rm -rf /tmp && echo file > /tmp && mkdir -p /data/sub && echo hi > /data/sub/f && " +
        "ln /data/sub/f /data/hard && ln -s /etc/only /data/abs && chmod 4755 /data/sub/f && chmod 1777 /data && rm /root -rf && mkdir /root && echo r > /root/r";

    private const string ChangeScript =
        "echo x > /data/new && rm /data/hard && rm -rf /data/sub && chmod 700 /etc/only && mkdir -p /n1/n2 && touch /n1/n2/f && ln -s target /data/sym2 && rm /bin/cp";

    // Paths Docker's init layer and runtime add to every container; not part of any image.
    private static readonly string[] s_runtimePaths = ["/.dockerenv", "/etc/hostname", "/etc/hosts", "/etc/resolv.conf", "/etc/mtab", "/dev", "/proc", "/sys"];

    [Fact]
    public void Extraction_diff_and_commit_match_docker_and_umoci()
    {
        DockerCli docker = Peers.RequireDocker();
        string skopeo = Peers.RequireSkopeo();
        string umoci = Peers.RequireUmoci();
        string chroot = Peers.RequireTool("chroot");
        string tar = Peers.RequireGnuTar();
        using var temp = new TempDirectory();
        string tag = "imagefmt-layers-" + Guid.NewGuid().ToString("N")[..12];
        var created = new List<string>();
        var images = new List<string>();
        try
        {
            string c1 = docker.RunChecked("create", "busybox:base", "sh", "-c", BuildScript).StdOut.Trim();
            created.Add(c1);
            docker.RunChecked("start", "-a", c1);
            docker.RunChecked("commit", c1, tag + ":base");
            images.Add(tag + ":base");
            string archivePath = temp.Combine("base.tar");
            docker.RunToFile(["save", tag + ":base"], archivePath).EnsureSuccess("docker save");

            // Ours.
            string ours = temp.Combine("ours");
            using (ImageArchive archive = ImageArchive.OpenFile(archivePath))
            {
                LayerExtractor.ExtractImage(archive.FindImage(tag + ":base"), ours).Skipped.Should().BeEmpty();
            }

            // umoci.
            ProcessRunner.Run(skopeo, ["copy", "docker-archive:" + archivePath, "oci:" + temp.Combine("oci") + ":t"]).EnsureSuccess("skopeo copy");
            ProcessRunner.Run(umoci, ["unpack", "--image", temp.Combine("oci") + ":t", temp.Combine("bundle")]).EnsureSuccess("umoci unpack");

            // docker export.
            string exported = ExportImage(docker, tar, tag + ":base", temp.Combine("export"), created);

            Dictionary<string, string> oursTree = Snapshot(ours);
            oursTree.Should().ContainKey("/data/sub/f").WhoseValue.Should().StartWith("- 4755 3 ");
            oursTree["/data/abs"].Should().Be("l 0777 /etc/only");
            oursTree.Should().NotContainKey("/bin/ls");
            oursTree.Keys.Where(k => k.StartsWith("/etc/", StringComparison.Ordinal)).Should().Equal("/etc/group", "/etc/only");
            oursTree["/tmp"].Should().StartWith("- 644 5 ");
            Snapshot(temp.Combine("bundle", "rootfs")).Should().Equal(oursTree);
            Snapshot(exported).Should().Equal(oursTree);

            // A container changes the image; the same script runs in our extraction.
            string c2 = docker.RunChecked("create", tag + ":base", "sh", "-c", ChangeScript).StdOut.Trim();
            created.Add(c2);
            docker.RunChecked("start", "-a", c2);
            ProcessRunner.Run(chroot, [ours, "/bin/sh", "-c", ChangeScript]).EnsureSuccess("chroot");
            string[] dockerDiff = docker.RunChecked("diff", c2).StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Where(l => !IsRuntime(l[2..])).OrderBy(l => l[2..], StringComparer.Ordinal).ToArray();

            IReadOnlyList<LayerChange> changes;
            using (ImageArchive archive = ImageArchive.OpenFile(archivePath))
            {
                ArchiveImage image = archive.FindImage(tag + ":base");
                changes = LayerDiff.Compute(MergedTree.Build(image), ours);
                changes.Select(c => c.ToString()).Should().Equal(dockerDiff);

                // Our layer, appended to the base image and loaded into Docker.
                string layerPath = temp.Combine("ours.layer.tar");
                LayerBuildResult built;
                using (FileStream layerFile = File.Create(layerPath))
                {
                    built = LayerBuilder.Write(ours, changes, layerFile, new LayerBuildOptions { Compression = ImageFormat.Compression.CompressionFormat.None });
                }

                string loadPath = temp.Combine("load.tar");
                WriteArchive(image, built, layerPath, tag + ":ours", loadPath);
                docker.RunChecked("load", "-i", loadPath);
                images.Add(tag + ":ours");
            }

            docker.RunChecked("commit", c2, tag + ":docker");
            images.Add(tag + ":docker");
            Dictionary<string, string> fromOurs = Snapshot(ExportImage(docker, tar, tag + ":ours", temp.Combine("export-ours"), created));
            Dictionary<string, string> fromDocker = Snapshot(ExportImage(docker, tar, tag + ":docker", temp.Combine("export-docker"), created));
            fromOurs.Should().Equal(fromDocker);
            fromOurs.Should().ContainKey("/n1/n2/f");
            fromOurs.Should().NotContainKey("/data/sub");
        }
        finally
        {
            foreach (string id in created)
            {
                docker.Run(["rm", "-f", id]);
            }

            foreach (string image in Enumerable.Reverse(images))
            {
                docker.Run(["rmi", image]);
            }
        }
    }

    private static bool IsRuntime(string path) =>
        s_runtimePaths.Any(p => path == p || path.StartsWith(p + "/", StringComparison.Ordinal));

    private static string ExportImage(DockerCli docker, string tar, string image, string directory, List<string> created)
    {
        string id = docker.RunChecked("create", image, "true").StdOut.Trim();
        created.Add(id);
        string exportTar = directory + ".tar";
        docker.RunToFile(["export", id], exportTar).EnsureSuccess("docker export");
        Directory.CreateDirectory(directory);
        ProcessRunner.Run(tar, ["-xpf", exportTar, "-C", directory, "--xattrs", "--xattrs-include=*", "--numeric-owner"]).EnsureSuccess("tar -x");
        return directory;
    }

    /// <summary>Path → type, mode, size or link target, owner, content hash and xattrs, for every path but Docker's runtime ones.</summary>
    private static Dictionary<string, string> Snapshot(string root)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        Walk(root, root, result);
        return result;
    }

    private static void Walk(string root, string directory, Dictionary<string, string> result)
    {
        foreach (string host in Directory.EnumerateFileSystemEntries(directory).Order(StringComparer.Ordinal))
        {
            string path = "/" + Path.GetRelativePath(root, host);
            if (s_runtimePaths.Any(p => path == p || path.StartsWith(p + "/", StringComparison.Ordinal)))
            {
                continue;
            }

            FileStatus status = Native.LStat(host)!.Value;
            string mode = Convert.ToString(status.Permissions, 8).PadLeft(4, '0');
            string xattrs = status.IsSymlink ? string.Empty : string.Join(",", Native.LGetXattrs(host).Select(x => x.Key + "=" + Convert.ToHexString(x.Value)));
            string owner = $"{status.Uid}:{status.Gid}";
            if (status.IsSymlink)
            {
                result[path] = $"l {mode} {Native.ReadLink(host)}";
            }
            else if (status.IsDirectory)
            {
                result[path] = $"d {mode} {owner} {xattrs}";
                Walk(root, host, result);
            }
            else if (status.Type == Native.S_IFREG)
            {
                byte[] hash = XxHash128.Hash(File.ReadAllBytes(host));
                result[path] = $"- {Convert.ToString(status.Permissions, 8)} {status.Size} {owner} {Convert.ToHexString(hash)} {xattrs}";
            }
            else
            {
                result[path] = $"{status.Type:x} {mode} {status.RdevMajor}:{status.RdevMinor} {owner}";
            }
        }
    }

    /// <summary>A legacy docker-archive of <paramref name="image"/> with our layer on top (new config with the new diffID).</summary>
    private static void WriteArchive(ArchiveImage image, LayerBuildResult built, string layerPath, string repoTag, string output)
    {
        JsonNode config = JsonNode.Parse(image.Config.Bytes.Span)!;
        config["rootfs"]!["diff_ids"]!.AsArray().Add(built.DiffId.Value);
        config["history"]?.AsArray().Add(new JsonObject { ["created_by"] = "imagefmt layer builder" });
        byte[] configBytes = Encoding.UTF8.GetBytes(config.ToJsonString());
        string configName = ImageFormat.Digests.Digest.Compute(configBytes).Encoded + ".json";
        var layerNames = new JsonArray();
        using FileStream file = File.Create(output);
        using var writer = new TarEntryWriter(file);
        writer.WriteEntry(new TarEntryHeader { Name = configName, Size = configBytes.Length, Mode = 0x1A4 }, new MemoryStream(configBytes));
        foreach (ArchiveLayer layer in image.Layers)
        {
            string name = $"l{layer.Index}.tar";
            using Stream stored = layer.OpenStored();
            writer.WriteEntry(new TarEntryHeader { Name = name, Size = layer.Size, Mode = 0x1A4 }, stored);
            layerNames.Add(name);
        }

        using (FileStream layerFile = File.OpenRead(layerPath))
        {
            writer.WriteEntry(new TarEntryHeader { Name = "ours.tar", Size = layerFile.Length, Mode = 0x1A4 }, layerFile);
        }

        layerNames.Add("ours.tar");
        var manifest = new JsonArray(new JsonObject { ["Config"] = configName, ["RepoTags"] = new JsonArray(repoTag), ["Layers"] = layerNames });
        byte[] manifestBytes = Encoding.UTF8.GetBytes(manifest.ToJsonString());
        writer.WriteEntry(new TarEntryHeader { Name = "manifest.json", Size = manifestBytes.Length, Mode = 0x1A4 }, new MemoryStream(manifestBytes));
        writer.Finish();
    }
}
