using System.Text.RegularExpressions;
using ImageFormat.Errors;

namespace ImageFormat.Store;

public sealed partial class ImageStore
{
    /// <summary>
    /// Records a container on an image, as <c>docker create</c> does: it holds the image's layer chain (so
    /// <c>rmi</c> conflicts and never releases those layers) until <see cref="RemoveContainer"/>. On disk its root
    /// file system directory is created empty; filling it is the layers' work.
    /// </summary>
    /// <param name="image">The image: a reference, full ID or short ID.</param>
    /// <param name="name">The name; <see langword="null"/> picks one from the ID.</param>
    /// <param name="running">Whether to record it as running (running containers are a hard conflict).</param>
    /// <returns>The container.</returns>
    /// <exception cref="NotFoundException">No such image.</exception>
    /// <exception cref="ConflictException">The name is in use.</exception>
    /// <exception cref="ArgumentException">The name is not a valid container name.</exception>
    public StoreContainer AddContainer(string image, string? name = null, bool running = false)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (name is not null && !ContainerName().IsMatch(name))
        {
            throw new ArgumentException($"Invalid container name ({name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", nameof(name));
        }

        string id = NewContainerId();
        StoreContainer added = Change(state =>
        {
            StoreImage target = state.Images[Resolve(state, image, out _)];
            string chosen = name ?? $"imagefmt_{id[..12]}";
            if (state.Containers.Values.FirstOrDefault(c => c.Name == chosen) is { } holder)
            {
                throw new ConflictException(
                    $"Conflict. The container name \"/{chosen}\" is already in use by container \"{holder.Id}\". You have to remove (or rename) that container to be able to reuse that name.",
                    canBeForced: false);
            }

            var container = new StoreContainer
            {
                Id = id,
                Name = chosen,
                ImageId = target.Id,
                ChainId = target.ChainId,
                Created = Now,
                RootFsPath = _backing.CreateContainerDirectory(id),
                Running = running,
            };
            state.Containers[id] = container;
            return container;
        });
        return added;
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

    [GeneratedRegex("^[a-zA-Z0-9][a-zA-Z0-9_.-]+$")]
    private static partial Regex ContainerName();
}
