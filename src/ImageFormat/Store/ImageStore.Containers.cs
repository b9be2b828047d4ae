using System.Text.RegularExpressions;
using ImageFormat.Digests;
using ImageFormat.Errors;
using ImageFormat.IO;
using ImageFormat.Layers;

namespace ImageFormat.Store;

public sealed partial class ImageStore
{
    /// <summary>
    /// <c>docker create</c>: records a container on an image, which holds the image's layer chain (so <c>rmi</c>
    /// conflicts and never releases those layers) until <see cref="RemoveContainer"/>. On disk the image's layers
    /// are first unpacked into the container's root file system directory (<see cref="StoreContainer.RootFsPath"/>),
    /// and only then is the record committed: a process killed while unpacking leaves a directory no record names,
    /// which the next <see cref="Open"/> removes, never a half container.
    /// </summary>
    /// <param name="image">The image: a reference, full ID or short ID.</param>
    /// <param name="name">The name; <see langword="null"/> picks one from the ID.</param>
    /// <param name="running">Whether to record it as running (running containers are a hard conflict).</param>
    /// <param name="command">The command given after the image (Docker's <c>Cmd</c> for the container), if any.</param>
    /// <returns>The container.</returns>
    /// <exception cref="NotFoundException">No such image.</exception>
    /// <exception cref="ConflictException">The name is in use.</exception>
    /// <exception cref="ImageFormatException">The name is not a valid container name (<see cref="ErrorCodes.StoreInvalidName"/>),
    /// neither <paramref name="command"/> nor the image gives a command or entrypoint (<see cref="ErrorCodes.StoreNoCommand"/>,
    /// Docker's <c>No command specified</c>), or a layer cannot be unpacked.</exception>
    /// <exception cref="IOException">The root file system cannot be written.</exception>
    public StoreContainer AddContainer(string image, string? name = null, bool running = false, IReadOnlyList<string>? command = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (name is not null && !ContainerName().IsMatch(name))
        {
            throw new ImageFormatException(ErrorCodes.StoreInvalidName, $"Invalid container name ({name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
        }

        string id = NewContainerId();
        string chosen = name ?? $"imagefmt_{id[..12]}";

        // The daemon's mergeAndVerifyConfig: after the image, before the name is reserved.
        Digest resolved = Resolve(_state, image, out _);
        Model.ContainerConfig? config = ReadConfigDocument(resolved).Value.Config;
        if (command is not { Count: > 0 } && config is not { Entrypoint.Count: > 0 } and not { Cmd.Count: > 0 })
        {
            throw new ImageFormatException(ErrorCodes.StoreNoCommand, "No command specified");
        }

        StoreImage target = CheckNewContainer(_state, image, chosen);
        string? rootfs = _backing.CreateContainerDirectory(id);
        try
        {
            if (rootfs is not null)
            {
                var options = new LayerExtractOptions { Limits = _options.Limits };
                foreach (Digest diffId in target.DiffIds)
                {
                    // The store's blobs were verified when written; they are checked again as they are read, so a
                    // blob damaged on disk fails the create (and the half-unpacked directory is removed below).
                    using var tar = new VerifyingReadStream(_backing.OpenBlob(diffId), diffId, _backing.BlobSize(diffId), $"layer {diffId}");
                    LayerExtractor.ApplyLayer(tar, rootfs, diffId.Value, options);
                    tar.VerifyToEnd();
                }

                DirectorySync.Flush(rootfs);
            }

            return Change(state =>
            {
                StoreImage checkedTarget = CheckNewContainer(state, image, chosen);
                var container = new StoreContainer
                {
                    Id = id,
                    Name = chosen,
                    ImageId = checkedTarget.Id,
                    ChainId = checkedTarget.ChainId,
                    Created = Now,
                    RootFsPath = rootfs,
                    Running = running,
                    ImageName = image,
                    Command = command is { Count: > 0 } ? [.. command] : null,
                    CommandLine = DaemonCommandLine(config, command is { Count: > 0 } ? command : null),
                    Labels = config?.Labels is { } labels ? new Dictionary<string, string>(labels, StringComparer.Ordinal) : new Dictionary<string, string>(StringComparer.Ordinal),
                };
                state.Containers[id] = container;
                return container;
            });
        }
        catch
        {
            _backing.DeleteContainerDirectory(id, _options.Limits.MaxWalkDepth);
            throw;
        }
    }

    private static StoreImage CheckNewContainer(StoreState state, string image, string name)
    {
        StoreImage target = state.Images[Resolve(state, image, out _)];
        if (state.Containers.Values.FirstOrDefault(c => c.Name == name) is { } holder)
        {
            throw new ConflictException(
                $"Conflict. The container name \"/{name}\" is already in use by container \"{holder.Id}\". You have to remove (or rename) that container to be able to reuse that name.",
                canBeForced: false);
        }

        return target;
    }

    /// <summary>
    /// Removes a container (<c>docker rm</c>), releasing the layers it held; layers no image holds any more are
    /// deleted silently, as Docker does.
    /// </summary>
    /// <param name="nameOrId">The container's name, full ID or unique ID prefix.</param>
    /// <param name="force">Remove it even when it is recorded as running.</param>
    /// <returns>The removed container.</returns>
    /// <exception cref="NotFoundException"><c>No such container: …</c>.</exception>
    /// <exception cref="ConflictException">It is running and <paramref name="force"/> is false.</exception>
    public StoreContainer RemoveContainer(string nameOrId, bool force = false)
    {
        ArgumentNullException.ThrowIfNull(nameOrId);
        return Change(state =>
        {
            StoreContainer container = FindContainer(state, nameOrId);
            if (container.Running && !force)
            {
                throw new ConflictException(
                    $"You cannot remove a running container {container.Id}. Stop the container before attempting removal or force remove",
                    canBeForced: true);
            }

            state.Containers.Remove(container.Id);
            ReleaseLayer(state, container.ChainId);
            return container;
        });
    }

    /// <summary>Finds a container by name, full ID or unique ID prefix.</summary>
    /// <param name="nameOrId">What the user typed.</param>
    /// <returns>The container.</returns>
    /// <exception cref="NotFoundException"><c>No such container: …</c>.</exception>
    public StoreContainer GetContainer(string nameOrId)
    {
        ArgumentNullException.ThrowIfNull(nameOrId);
        return FindContainer(_state, nameOrId);
    }

    private static StoreContainer FindContainer(StoreState state, string nameOrId)
    {
        if (state.Containers.TryGetValue(nameOrId, out StoreContainer? byId))
        {
            return byId;
        }

        string name = nameOrId.TrimStart('/');
        if (state.Containers.Values.FirstOrDefault(c => c.Name == name) is { } byName)
        {
            return byName;
        }

        var prefixed = nameOrId.Length > 0 ? state.Containers.Values.Where(c => c.Id.StartsWith(nameOrId, StringComparison.Ordinal)).ToList() : [];
        return prefixed.Count == 1 ? prefixed[0] : throw new NotFoundException(nameOrId, $"No such container: {nameOrId}");
    }

    /// <summary>
    /// <c>docker ps</c>' rows before formatting (the daemon's <c>/containers/json</c>), newest first: the command as
    /// the daemon joins it (path, then the arguments, each quoted with <c>'</c> when it holds a space), the image as
    /// the user named it while that name still resolves to the container's image (else its ID), the labels (the
    /// image's, as <c>create</c> merges them), and with <paramref name="size"/> the sizes <c>--size</c> asks for.
    /// </summary>
    /// <param name="all">Docker's <c>-a</c>: stopped containers too (none of the store's runs, so without it the list is empty).</param>
    /// <param name="size">Compute <see cref="ContainerSummary.SizeRw"/> and <see cref="ContainerSummary.SizeRootFs"/> (compares each root file system with its image).</param>
    /// <returns>The rows.</returns>
    public IReadOnlyList<ContainerSummary> ListContainers(bool all, bool size)
    {
        var rows = new List<ContainerSummary>();
        foreach (StoreContainer c in _state.Containers.Values.Where(c => all || c.Running).OrderByDescending(c => c.Created).ThenBy(c => c.Id, StringComparer.Ordinal))
        {
            // The command and labels are the container's own, recorded at creation (the image may be gone since).
            Model.ContainerConfig? config = (c.CommandLine is null || c.Labels is null) && _state.Images.ContainsKey(c.ImageId) ? ReadConfigDocument(c.ImageId).Value.Config : null;
            string command = c.CommandLine ?? DaemonCommandLine(config, c.Command);
            string image = c.ImageId.Value;
            if (c.ImageName is { } name && name != c.ImageId.Value)
            {
                try
                {
                    image = Resolve(_state, name, out _) == c.ImageId ? name : image;
                }
                catch (ImageFormatException)
                {
                    // The name no longer resolves: the daemon reports the image ID.
                }
            }

            long? sizeRw = null;
            long? sizeRootFs = null;
            if (size)
            {
                sizeRw = 0;
                if (c.RootFsPath is { } rootfs)
                {
                    foreach (LayerChange change in Diff(c.Id))
                    {
                        if (change.Kind != LayerChangeKind.Deleted
                            && new FileInfo(Path.Combine(rootfs, change.Path.TrimStart('/'))) is { Exists: true, LinkTarget: null } file)
                        {
                            sizeRw += file.Length;
                        }
                    }
                }

                sizeRootFs = ChainSize(_state, c.ChainId) + sizeRw;
            }

            rows.Add(new ContainerSummary
            {
                Container = c,
                Command = command,
                Image = image,
                Labels = c.Labels ?? config?.Labels ?? new Dictionary<string, string>(),
                SizeRw = sizeRw,
                SizeRootFs = sizeRootFs,
            });
        }

        return rows;
    }

    /// <summary>The daemon's <c>Command</c> of a container: the path (first of the entrypoint, else of the command), then the arguments, each quoted with <c>'</c> when it holds a space.</summary>
    private static string DaemonCommandLine(Model.ContainerConfig? image, IReadOnlyList<string>? command)
    {
        List<string> line = [.. image?.Entrypoint ?? [], .. command ?? image?.Cmd ?? []];
        return line.Count == 0 ? string.Empty : string.Join(' ', [line[0], .. line.Skip(1).Select(a => a.Contains(' ', StringComparison.Ordinal) ? $"'{a}'" : a)]);
    }

    [GeneratedRegex("^[a-zA-Z0-9][a-zA-Z0-9_.-]+$")]
    private static partial Regex ContainerName();
}
