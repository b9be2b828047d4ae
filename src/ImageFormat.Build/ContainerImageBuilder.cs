using System.Globalization;
using ImageFormat.Archives;
using ImageFormat.Archives.Writers;
using ImageFormat.Compression;
using ImageFormat.Digests;
using ImageFormat.Errors;
using ImageFormat.Images;
using ImageFormat.Model;
using ImageFormat.References;
using ImageFormat.Store;
using ImageFormat.Tar;

namespace ImageFormat.Build;

/// <summary>
/// Builds an image from a base and a list of files, with the library's public API only: the base's layers are
/// copied as stored, one new layer holds the files under the working directory, the config inherits the base's and
/// adds what the request asks, as the .NET SDK's container support does. Nothing comes from the clock, the host's
/// users or the host's paths: the same request gives the same image ID on any machine and operating system.
/// </summary>
public static class ContainerImageBuilder
{
    private const int DirectoryMode = 0b111_101_101; // 0755
    private const int ExecutableMode = 0b111_101_101; // 0755
    private const int RegularMode = 0b110_100_100; // 0644

    /// <summary>Builds the image and writes it where the request says.</summary>
    /// <param name="request">What to build.</param>
    /// <param name="cancellationToken">Stops the build between files and blocks written.</param>
    /// <returns>The image's ID and tags.</returns>
    /// <exception cref="ContainerBuildException">Any failure, with a stable code and what to change.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public static ContainerImageResult Build(ContainerImageRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ArchiveOutputPath is null && !request.LoadIntoStore)
        {
            throw new ContainerBuildException(BuildErrorCodes.NoOutput, "Nothing to produce: set ContainerArchiveOutputPath to write an archive, or ContainerLoadIntoStore=true to load the image into the local store.");
        }

        IReadOnlyList<ImageReference> tags = ParseTags(request.Repository, request.Tags);
        string workingDirectory = NormalizeWorkingDirectory(request.WorkingDirectory);
        IReadOnlyList<string> ports = NormalizePorts(request.Ports);
        ValidateVariables(request.Environment, "ContainerEnvironmentVariable", requireName: true);
        ValidateVariables(request.Labels, "ContainerLabel", requireName: true);
        (string os, string architecture, string? variant) = ParsePlatform(request.Platform);

        string scratch = Path.Combine(request.IntermediateDirectory ?? Path.GetTempPath(), $"imageformat-build-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(scratch);
            using BaseSource source = OpenBase(request.BaseImage);
            ImageToWrite baseImage = SelectPlatform(source, request.BaseImage, os, architecture, variant);

            string layerPath = Path.Combine(scratch, "layer.tar.gz");
            (Digest diffId, Digest digest, long size, int entries) = WriteLayer(layerPath, workingDirectory, request.Files, request.Created, cancellationToken);
            var layer = new LayerToWrite(() => File.OpenRead(layerPath), digest, size, diffId, CompressionFormat.Gzip);

            RawDocument<ImageConfig> config = MakeImage(baseImage, request, workingDirectory, ports, layer).Config;
            var image = new ImageToWrite(config, [.. baseImage.Layers, layer]) { Tags = tags };
            cancellationToken.ThrowIfCancellationRequested();

            string? archive = request.ArchiveOutputPath is null ? null : Path.GetFullPath(request.ArchiveOutputPath);
            if (archive is not null)
            {
                Write(image, archive, request.ArchiveFormat, scratch, cancellationToken);
            }

            if (request.LoadIntoStore)
            {
                string loadFrom = archive is not null && request.ArchiveFormat != ArchiveFormat.OciLayout ? archive : Path.Combine(scratch, "image.tar");
                if (loadFrom != archive)
                {
                    Write(image, loadFrom, ArchiveFormat.Docker, scratch, cancellationToken);
                }

                Load(loadFrom, request.StoreRoot);
            }

            return new ContainerImageResult(config.Digest.ToString(), [.. tags.Select(t => t.FamiliarString())], digest.ToString(), entries);
        }
        catch (ImageFormatException e)
        {
            throw new ContainerBuildException(BuildErrorCodes.BaseUnreadable, $"ContainerBaseImage '{request.BaseImage}' cannot be used: {e.Code}: {e.Message}", e);
        }
        finally
        {
            TryDelete(scratch);
        }
    }

    /// <summary>Maps a .NET runtime identifier (<c>linux-x64</c>, <c>linux-musl-arm64</c>, <c>win-x64</c>…) to an OCI platform (<c>linux/amd64</c>).</summary>
    /// <param name="runtimeIdentifier">The runtime identifier.</param>
    /// <returns>The platform, <c>os/architecture[/variant]</c>.</returns>
    /// <exception cref="ContainerBuildException">The identifier names no operating system or architecture images exist for.</exception>
    public static string PlatformOf(string runtimeIdentifier)
    {
        ArgumentNullException.ThrowIfNull(runtimeIdentifier);
        string rid = runtimeIdentifier.Trim().ToLowerInvariant();
        int dash = rid.LastIndexOf('-');
        string osPart = dash < 0 ? string.Empty : rid[..dash];
        string archPart = dash < 0 ? rid : rid[(dash + 1)..];
        string? os = osPart switch
        {
            "linux" or "linux-musl" or "linux-bionic" => "linux",
            "win" => "windows",
            _ => null,
        };
        string? arch = archPart switch
        {
            "x64" => "amd64",
            "arm64" => "arm64",
            "arm" => "arm/v7",
            "x86" => "386",
            "s390x" => "s390x",
            "ppc64le" => "ppc64le",
            "riscv64" => "riscv64",
            "loongarch64" => "loong64",
            _ => null,
        };
        if (os is null || arch is null)
        {
            throw new ContainerBuildException(BuildErrorCodes.InvalidProperty, $"ContainerRuntimeIdentifier '{runtimeIdentifier}' names no platform an image can have: use linux-x64, linux-arm64, linux-musl-x64, linux-arm or win-x64 (os-architecture).");
        }

        return $"{os}/{arch}";
    }

    private static List<ImageReference> ParseTags(string repository, IReadOnlyList<string> tags)
    {
        string? reason = null;
        if (string.IsNullOrWhiteSpace(repository) || !ImageReference.TryParse(repository, out ImageReference? name, out reason) || name!.Tag is not null || name.ToString().Contains('@', StringComparison.Ordinal))
        {
            reason ??= "it carries a tag or digest";
            throw new ContainerBuildException(BuildErrorCodes.InvalidTag, $"ContainerRepository '{repository}' is not a valid repository name ({reason}): use lowercase letters, digits and separators (. _ - /), such as 'myapp' or 'registry.example/team/myapp'.");
        }

        var result = new List<ImageReference>();
        foreach (string tag in tags.Count == 0 ? ["latest"] : tags)
        {
            if (!IsValidTag(tag) || !ImageReference.TryParse($"{repository}:{tag}", out ImageReference? reference) || reference!.Tag != tag)
            {
                throw new ContainerBuildException(BuildErrorCodes.InvalidTag, $"ContainerImageTag '{tag}' is not a valid tag: a tag is 1 to 128 letters, digits, '_', '.' or '-', not starting with '.' or '-' (set ContainerImageTag, or ContainerImageTags separated by ';').");
            }

            if (!result.Contains(reference))
            {
                result.Add(reference);
            }
        }

        return result;
    }

    // Docker's tag grammar: [\w][\w.-]{0,127}.
    private static bool IsValidTag(string tag) =>
        tag.Length is > 0 and <= 128
        && tag[0] is not ('.' or '-')
        && tag.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-');

    private static string NormalizeWorkingDirectory(string workingDirectory)
    {
        string dir = (workingDirectory ?? string.Empty).Replace('\\', '/');
        if (!dir.StartsWith('/') || dir.Split('/').Any(part => part is "." or ".."))
        {
            throw new ContainerBuildException(BuildErrorCodes.InvalidProperty, $"ContainerWorkingDirectory '{workingDirectory}' must be an absolute path in the image without '.' or '..', such as '/app/'.");
        }

        string trimmed = string.Join('/', dir.Split('/', StringSplitOptions.RemoveEmptyEntries));
        return "/" + trimmed + (trimmed.Length > 0 ? "/" : string.Empty);
    }

    private static List<string> NormalizePorts(IReadOnlyList<string> ports)
    {
        var result = new List<string>();
        foreach (string port in ports)
        {
            string[] parts = port.Trim().ToLowerInvariant().Split('/');
            string type = parts.Length > 1 ? parts[1] : "tcp";
            if (parts.Length > 2 || !ushort.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out ushort number) || number == 0 || type is not ("tcp" or "udp" or "sctp"))
            {
                throw new ContainerBuildException(BuildErrorCodes.InvalidProperty, $"ContainerPort '{port}' is not a port: give a number from 1 to 65535 in Include, and Type=\"tcp\" or Type=\"udp\" (default tcp).");
            }

            result.Add($"{number.ToString(CultureInfo.InvariantCulture)}/{type}");
        }

        return result;
    }

    private static void ValidateVariables(IReadOnlyList<KeyValuePair<string, string>> variables, string item, bool requireName)
    {
        foreach ((string key, _) in variables)
        {
            if (requireName && (string.IsNullOrWhiteSpace(key) || (item == "ContainerEnvironmentVariable" && key.Contains('=', StringComparison.Ordinal))))
            {
                throw new ContainerBuildException(BuildErrorCodes.InvalidProperty, $"{item} '{key}' has no valid name: give the name in Include (without '=') and the value in Value.");
            }
        }
    }

    private static (string Os, string Architecture, string? Variant) ParsePlatform(string platform)
    {
        string[] parts = (platform ?? string.Empty).Split('/');
        if (parts.Length is < 2 or > 3 || parts.Any(string.IsNullOrWhiteSpace))
        {
            throw new ContainerBuildException(BuildErrorCodes.InvalidProperty, $"The platform '{platform}' is not os/architecture[/variant]: set ContainerRuntimeIdentifier (such as linux-x64).");
        }

        return (parts[0], parts[1], parts.Length == 3 ? parts[2] : null);
    }

    private sealed class BaseSource : IDisposable
    {
        public ImageArchive? Archive { get; init; }

        public ImageStore? Store { get; init; }

        public string? StoreReference { get; init; }

        public string? ImageName { get; init; }

        public void Dispose()
        {
            Archive?.Dispose();
            Store?.Dispose();
        }
    }

    private static BaseSource OpenBase(string baseImage)
    {
        if (string.IsNullOrWhiteSpace(baseImage))
        {
            throw new ContainerBuildException(BuildErrorCodes.BaseNotGiven, "ContainerBaseImage is not set: give the path of an image archive (such as base.tar from docker save), oci:DIR for an OCI layout, or store:REF for an image in the local store.");
        }

        if (baseImage.StartsWith("store:", StringComparison.Ordinal))
        {
            string reference = baseImage["store:".Length..];
            if (reference.Length == 0)
            {
                throw new ContainerBuildException(BuildErrorCodes.BaseNotGiven, "ContainerBaseImage 'store:' names no image: use store:REPO:TAG or store:IMAGE-ID.");
            }

            string root = StoreRoot(null);
            if (!Directory.Exists(root))
            {
                throw new ContainerBuildException(BuildErrorCodes.BaseNotFound, $"ContainerBaseImage '{baseImage}': the local store {root} does not exist; load the base first (imagefmt load -i FILE) or set IMAGEFMT_ROOT.");
            }

            return new BaseSource { Store = ImageStore.Open(root), StoreReference = reference };
        }

        string? imageName = null;
        int hash = baseImage.LastIndexOf('#');
        if (hash > 0 && hash < baseImage.Length - 1)
        {
            imageName = baseImage[(hash + 1)..];
            baseImage = baseImage[..hash];
        }

        if (baseImage.StartsWith("oci:", StringComparison.Ordinal))
        {
            string directory = baseImage["oci:".Length..];
            if (!Directory.Exists(directory))
            {
                throw new ContainerBuildException(BuildErrorCodes.BaseNotFound, $"ContainerBaseImage '{baseImage}': the directory '{directory}' does not exist; give oci:DIR with DIR an OCI image layout (holding index.json and oci-layout).");
            }

            return new BaseSource { Archive = ImageArchive.OpenLayout(directory), ImageName = imageName };
        }

        if (Directory.Exists(baseImage))
        {
            throw new ContainerBuildException(BuildErrorCodes.BaseNotGiven, $"ContainerBaseImage '{baseImage}' is a directory: write oci:{baseImage} for an OCI layout, or give the path of an archive file.");
        }

        if (!File.Exists(baseImage))
        {
            throw new ContainerBuildException(BuildErrorCodes.BaseNotFound, $"ContainerBaseImage '{baseImage}' does not exist: give the path of an image archive (such as one written by docker save), oci:DIR for an OCI layout, or store:REF for an image in the local store.");
        }

        return new BaseSource { Archive = ImageArchive.OpenFile(baseImage), ImageName = imageName };
    }

    private static ImageToWrite SelectPlatform(BaseSource source, string baseImage, string os, string architecture, string? variant)
    {
        List<ImageToWrite> candidates = source.Store is { } store
            ? FindInStore(store, source.StoreReference!, baseImage)
            : source.ImageName is { } name ? [FindInArchive(source.Archive!, name, baseImage)]
            : [.. source.Archive!.Images.Select(ImageToWrite.FromArchive)];
        if (candidates.Count == 0)
        {
            throw new ContainerBuildException(BuildErrorCodes.PlatformNotInBase, $"ContainerBaseImage '{baseImage}' holds no image: give an archive or layout with at least one image.");
        }

        var matching = candidates.Where(c => Matches(c.Config.Value, os, architecture, variant)).DistinctBy(c => c.Id).ToList();
        if (matching.Count == 0)
        {
            string found = string.Join(", ", candidates.Select(c => PlatformText(c.Config.Value)).Distinct(StringComparer.Ordinal));
            string wanted = variant is null ? $"{os}/{architecture}" : $"{os}/{architecture}/{variant}";
            throw new ContainerBuildException(BuildErrorCodes.PlatformNotInBase, $"ContainerBaseImage '{baseImage}' has no image for {wanted} (it holds {found}): choose a base for {wanted}, or publish for the base's platform with ContainerRuntimeIdentifier (or RuntimeIdentifier).");
        }

        if (matching.Count > 1)
        {
            throw new ContainerBuildException(BuildErrorCodes.AmbiguousBase, $"ContainerBaseImage '{baseImage}' holds {matching.Count} different images for {os}/{architecture} ({string.Join(", ", matching.Select(m => m.ToString()))}): name the one to use after '#' (ContainerBaseImage=PATH#REPO:TAG or PATH#ID).");
        }

        return matching[0];
    }

    private static ImageToWrite FindInArchive(ImageArchive archive, string name, string baseImage)
    {
        try
        {
            return ImageToWrite.FromArchive(archive.FindImage(name));
        }
        catch (ImageFormatException e) when (e.Code == ErrorCodes.NotFound || e.Code == ErrorCodes.Ambiguous || e.Code == ErrorCodes.InvalidReference)
        {
            throw new ContainerBuildException(BuildErrorCodes.BaseNotFound, $"ContainerBaseImage '{baseImage}#{name}': {e.Message}; after '#' name an image the archive holds (imagefmt archive ls {baseImage}).", e);
        }
    }

    private static List<ImageToWrite> FindInStore(ImageStore store, string reference, string baseImage)
    {
        try
        {
            return [.. store.ImagesToSave([reference])];
        }
        catch (ImageFormatException e) when (e.Code == ErrorCodes.NotFound || e.Code == ErrorCodes.InvalidReference)
        {
            throw new ContainerBuildException(BuildErrorCodes.BaseNotFound, $"ContainerBaseImage '{baseImage}': {e.Message}; load the base into the store first (imagefmt load -i FILE) or name an image it holds (imagefmt images).", e);
        }
    }

    private static bool Matches(ImageConfig config, string os, string architecture, string? variant) =>
        string.Equals(config.Os, os, StringComparison.Ordinal)
        && string.Equals(config.Architecture, architecture, StringComparison.Ordinal)
        && (variant is null || config.Variant is null || string.Equals(config.Variant, variant, StringComparison.Ordinal));

    private static string PlatformText(ImageConfig config) =>
        config.Variant is null ? $"{config.Os ?? "?"}/{config.Architecture ?? "?"}" : $"{config.Os ?? "?"}/{config.Architecture ?? "?"}/{config.Variant}";

    /// <summary>Writes the new layer: the working directory's parents, then every file and directory below it, in ordinal path order, owned by root, with fixed times and explicit modes.</summary>
    internal static (Digest DiffId, Digest Digest, long Size, int Entries) WriteLayer(string layerPath, string workingDirectory, IReadOnlyList<ContainerFile> files, DateTimeOffset time, CancellationToken cancellationToken)
    {
        string root = workingDirectory.Trim('/');
        var directories = new SortedSet<string>(StringComparer.Ordinal);
        AddParents(directories, root, includeSelf: true);
        var entries = new SortedDictionary<string, ContainerFile>(StringComparer.Ordinal);
        foreach (ContainerFile file in files)
        {
            string relative = string.Join('/', file.RelativePath.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries));
            if (relative.Length == 0 || relative.Split('/').Any(part => part is "." or ".."))
            {
                throw new ContainerBuildException(BuildErrorCodes.InvalidProperty, $"The file '{file.SourcePath}' has the path '{file.RelativePath}' in the image, which is empty or climbs out of the working directory: give each file a RelativePath below it.");
            }

            string name = root.Length == 0 ? relative : $"{root}/{relative}";
            entries[name] = file;
            AddParents(directories, name, includeSelf: false);
        }

        var all = directories.Select(d => (Name: d, File: (ContainerFile?)null))
            .Concat(entries.Select(e => (Name: e.Key, File: (ContainerFile?)e.Value)))
            .OrderBy(e => e.Name, StringComparer.Ordinal)
            .ToList();
        try
        {
            using FileStream output = File.Create(layerPath);
            var blobHash = new HashingWriteStream(output, DigestAlgorithm.Sha256, leaveOpen: true);
            Stream compressor = Compressor.Open(blobHash, CompressionFormat.Gzip, Compressor.DefaultGzipLevel, leaveOpen: true);
            var tarHash = new HashingWriteStream(compressor, DigestAlgorithm.Sha256, leaveOpen: true);
            using (var writer = new TarEntryWriter(tarHash, leaveOpen: true))
            {
                foreach ((string name, ContainerFile? file) in all)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    if (file is null)
                    {
                        writer.WriteEntry(new TarEntryHeader { Name = name + "/", Type = TarEntryKind.Directory, Mode = DirectoryMode, ModificationTime = time }, null);
                        continue;
                    }

                    WriteFile(writer, name, file, time);
                }

                writer.Finish();
            }

            tarHash.Dispose();
            compressor.Dispose();
            blobHash.Dispose();
            return (tarHash.GetDigest(), blobHash.GetDigest(), blobHash.BytesWritten, all.Count);
        }
        catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException)
        {
            throw new ContainerBuildException(BuildErrorCodes.OutputFailed, $"The layer could not be written to {layerPath}: {e.Message}; check the space and permissions of the intermediate folder (IntermediateOutputPath).", e);
        }
    }

    private static void WriteFile(TarEntryWriter writer, string name, ContainerFile file, DateTimeOffset time)
    {
        FileStream content;
        try
        {
            content = new FileStream(file.SourcePath, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ContainerBuildException(BuildErrorCodes.PublishFileUnreadable, $"The publish output file '{file.SourcePath}' cannot be read ({e.Message}): publish again, or remove it from the files to containerize.", e);
        }

        using (content)
        {
            int mode = file.Mode ?? ModeOf(content);
            content.Position = 0;
            writer.WriteEntry(new TarEntryHeader { Name = name, Type = TarEntryKind.RegularFile, Mode = mode, Size = content.Length, ModificationTime = time }, content);
        }
    }

    // An explicit mode from the content, never from the host: ELF binaries and #! scripts are executable.
    private static int ModeOf(Stream content)
    {
        Span<byte> magic = stackalloc byte[4];
        int read = content.ReadAtLeast(magic, 4, throwOnEndOfStream: false);
        bool executable = (read == 4 && magic[0] == 0x7F && magic[1] == (byte)'E' && magic[2] == (byte)'L' && magic[3] == (byte)'F')
            || (read >= 2 && magic[0] == (byte)'#' && magic[1] == (byte)'!');
        return executable ? ExecutableMode : RegularMode;
    }

    private static void AddParents(SortedSet<string> directories, string path, bool includeSelf)
    {
        string[] parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        int count = includeSelf ? parts.Length : parts.Length - 1;
        for (int i = 1; i <= count; i++)
        {
            directories.Add(string.Join('/', parts.Take(i)));
        }
    }

    /// <summary>
    /// The new image, made with <see cref="ImageBuilder"/>: the base image's config with the request's additions, as
    /// the .NET SDK makes it, and the published layer appended with its history entry. No base blob is read.
    /// </summary>
    internal static IContainerImage MakeImage(IContainerImage baseImage, ContainerImageRequest request, string workingDirectory, IReadOnlyList<string> ports, IImageLayer layer)
    {
        string created = FormatTime(request.Created);
        return ImageBuilder.From(baseImage)
            .UpdateConfig(config => WithRequest(config, request, workingDirectory, ports, created))
            .AppendLayer(layer, new HistoryEntry { Created = created, CreatedBy = $"ImageFormat.Build: publish output to {workingDirectory}", Comment = "ImageFormat.Build" })
            .Build();
    }

    /// <summary>The base config with what the request sets: environment, labels, ports, user, working directory, entrypoint and command, and the creation time.</summary>
    private static ImageConfig WithRequest(ImageConfig baseConfig, ContainerImageRequest request, string workingDirectory, IReadOnlyList<string> ports, string created)
    {
        ContainerConfig container = baseConfig.Config ?? new ContainerConfig();

        // Environment: the base's variables in their order, a variable set again replaced in place, new ones appended.
        var env = new List<string>(container.Env ?? []);
        foreach ((string key, string value) in request.Environment)
        {
            int at = env.FindIndex(e => e.Split('=', 2)[0] == key);
            if (at >= 0)
            {
                env[at] = $"{key}={value}";
            }
            else
            {
                env.Add($"{key}={value}");
            }
        }

        // Labels and ports are maps in the config; Docker writes them with sorted keys.
        var labels = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach ((string key, string value) in container.Labels ?? new Dictionary<string, string>())
        {
            labels[key] = value;
        }

        foreach ((string key, string value) in request.Labels)
        {
            labels[key] = value;
        }

        var exposed = new SortedSet<string>(container.ExposedPorts ?? [], StringComparer.Ordinal);
        exposed.UnionWith(ports);

        // The SDK runs as the base's APP_UID when it names one and ContainerUser is not set.
        string? user = request.User;
        if (string.IsNullOrEmpty(user))
        {
            string? appUid = env.Select(e => e.Split('=', 2)).Where(p => p.Length == 2 && p[0] == "APP_UID").Select(p => p[1]).LastOrDefault();
            user = string.IsNullOrEmpty(appUid) ? container.User : appUid;
        }

        IReadOnlyList<string>? entrypoint = request.AppCommand.Count > 0 ? [.. request.AppCommand, .. request.AppCommandArgs] : container.Entrypoint;
        IReadOnlyList<string>? cmd = request.DefaultArgs.Count > 0 ? [.. request.DefaultArgs]
            : request.AppCommand.Count > 0 ? null // a new entrypoint resets the base's command, as ENTRYPOINT does in a Dockerfile
            : container.Cmd;

        return baseConfig with
        {
            Config = container with
            {
                Env = env.Count > 0 ? env : null,
                Labels = labels.Count > 0 ? labels : null,
                ExposedPorts = exposed.Count > 0 ? [.. exposed] : null,
                User = string.IsNullOrEmpty(user) ? null : user,
                WorkingDir = workingDirectory,
                Entrypoint = entrypoint,
                Cmd = cmd,
                Image = null,
                Hostname = null,
            },
            Container = null,
            ContainerConfig = null,
            DockerVersion = null,
            Created = created,
        };
    }

    /// <summary>Formats a time as Go writes RFC 3339 in configs (UTC, <c>Z</c>, no fraction when it is zero).</summary>
    internal static string FormatTime(DateTimeOffset time)
    {
        DateTime utc = time.UtcDateTime;
        long fraction = utc.Ticks % TimeSpan.TicksPerSecond;
        string seconds = utc.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
        return fraction == 0 ? seconds + "Z" : $"{seconds}.{(fraction * 100).ToString("D9", CultureInfo.InvariantCulture).TrimEnd('0')}Z";
    }

    private static void Write(ImageToWrite image, string path, ArchiveFormat format, string scratch, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            var options = new ArchiveWriterOptions { Format = format, TempDirectory = scratch };
            if (format == ArchiveFormat.OciLayout)
            {
                ArchiveWriter.WriteLayout([image], path, options);
            }
            else
            {
                string? parent = Path.GetDirectoryName(path);
                if (!string.IsNullOrEmpty(parent))
                {
                    Directory.CreateDirectory(parent);
                }

                ArchiveWriter.WriteFile([image], path, options);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ContainerBuildException(BuildErrorCodes.OutputFailed, $"The image could not be written to {path}: {e.Message}; check ContainerArchiveOutputPath and the folder's permissions.", e);
        }
    }

    private static void Load(string archive, string? storeRoot)
    {
        string root = StoreRoot(storeRoot);
        try
        {
            using ImageStore store = ImageStore.Open(root);
            store.Load(archive);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ImageFormatException or PlatformNotSupportedException)
        {
            string code = e is ImageFormatException f ? f.Code + ": " : string.Empty;
            throw new ContainerBuildException(BuildErrorCodes.StoreFailed, $"The image could not be loaded into the local store {root}: {code}{e.Message}; set ContainerStoreRoot (or IMAGEFMT_ROOT) to a store you can write, or leave ContainerLoadIntoStore unset.", e);
        }
    }

    private static string StoreRoot(string? root) =>
        !string.IsNullOrEmpty(root) ? root
        : Environment.GetEnvironmentVariable("IMAGEFMT_ROOT") is { Length: > 0 } fromEnvironment ? fromEnvironment
        : ImageStore.DefaultRoot();

    private static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A leftover scratch folder in obj/ is harmless; the build's result does not depend on it.
        }
    }
}
