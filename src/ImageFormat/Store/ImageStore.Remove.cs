using ImageFormat.Digests;
using ImageFormat.Errors;
using ImageFormat.Moby;
using ImageFormat.References;

namespace ImageFormat.Store;

public sealed partial class ImageStore
{
    [Flags]
    private enum ConflictKind
    {
        None = 0,
        DependentChild = 1,
        RunningContainer = 2,
        ActiveReference = 4,
        StoppedContainer = 8,
        Hard = DependentChild | RunningContainer,
        Soft = ActiveReference | StoppedContainer,
    }

    private sealed record DeleteConflict(Digest ImageId, bool Hard, bool Used, string Reason)
    {
        public ConflictException ToException() => new(
            $"conflict: unable to delete {Truncate(ImageId)} ({(Hard ? "cannot be forced" : "must be forced")}) - {Reason}",
            canBeForced: !Hard);
    }

    /// <summary>
    /// <c>docker rmi</c>: untags a reference, or deletes an image named by ID, with Docker 20.10's rules (moby
    /// <c>daemon/images/image_delete.go</c> at v20.10.x): digest references go with the last tag of their repository; an image left with no
    /// reference is deleted unless a conflict holds; untagged parents are pruned unless <paramref name="prune"/> is
    /// false; a container's layers are never released while it exists.
    /// </summary>
    /// <param name="name">A reference, full ID or short ID.</param>
    /// <param name="force">Docker's <c>-f</c>: override soft conflicts (stopped containers, several repositories).</param>
    /// <param name="prune">Whether to delete untagged parents left without children (<c>--no-prune</c> turns it off).</param>
    /// <param name="dryRun">Report what would happen and change nothing.</param>
    /// <returns>The <c>Untagged:</c> and <c>Deleted:</c> items in Docker's order, and the space freed.</returns>
    /// <exception cref="NotFoundException"><c>No such image: …</c>.</exception>
    /// <exception cref="ConflictException">Docker's conflict, with its exact text.</exception>
    /// <exception cref="InvalidReferenceException">The name is not a valid reference.</exception>
    public ImageRemoval RemoveImage(string name, bool force = false, bool prune = true, bool dryRun = false)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Change(state => Measure(state, () => DeleteImage(state, name, force, prune), dryRun), dryRun);
    }

    /// <summary>
    /// <c>docker image prune</c>: deletes dangling images (untagged, with no children), or with
    /// <paramref name="all"/> every image no container uses, skipping any that conflicts, as Docker does. The filters
    /// have the daemon's semantics (moby v20.10 <c>daemon/images/image_prune.go</c>): <c>dangling</c>
    /// (<c>true</c>/<c>1</c> prunes dangling images only, <c>false</c>/<c>0</c> every unused image; like the Docker
    /// client this adds <c>dangling=true</c>, or <c>false</c> with <paramref name="all"/>, so <c>false</c> wins when
    /// both are given), <c>until=TIMESTAMP</c> (images created after it are kept:
    /// a Go duration before now, an RFC 3339 date or time, or Unix seconds), <c>label=KEY[=VALUE]</c> and
    /// <c>label!=KEY[=VALUE]</c> (images without a config section are not filtered by label).
    /// </summary>
    /// <param name="all">Docker's <c>-a</c>: also images that have tags.</param>
    /// <param name="dryRun">Report what would happen and change nothing.</param>
    /// <param name="filters">The filters; none when <see langword="null"/>.</param>
    /// <returns>What was untagged and deleted, and the reclaimed space as Docker computes it.</returns>
    /// <exception cref="ImageFormatException">A filter Docker refuses (<see cref="ErrorCodes.StoreInvalidFilter"/>).</exception>
    public ImageRemoval PruneImages(bool all = false, bool dryRun = false, DockerFilters? filters = null)
    {
        filters = filters?.Clone() ?? new DockerFilters();
        filters.Add("dangling", all ? "false" : "true");
        filters.Validate("dangling", "label", "label!", "until");
        if (filters.Contains("dangling"))
        {
            IReadOnlyCollection<string> values = filters.Get("dangling");
            all = values.Contains("false") || values.Contains("0");
            if (!all && !values.Contains("true") && !values.Contains("1"))
            {
                throw filters.InvalidValue("dangling");
            }
        }

        DateTimeOffset? until = null;
        if (filters.Get("until") is { Count: > 0 } untilValues)
        {
            if (untilValues.Count > 1)
            {
                throw DockerFilters.Invalid("more than one until filter specified");
            }

            until = GoText.ParseTimestamp(untilValues.First(), Now, TimeZoneInfo.Local, out string error) ?? throw DockerFilters.Invalid(error);
        }

        bool Keep(StoreImage image)
        {
            if (until is { } limit && (image.CreatedTime ?? DateTimeOffset.MinValue) > limit)
            {
                return false;
            }

            if (ReadConfigDocument(image.Id).Value.Config is not { } config)
            {
                return true;
            }

            return filters.MatchLabels("label", config.Labels) && !(filters.Contains("label!") && filters.MatchLabels("label!", config.Labels));
        }

        return Change(state => Measure(state, () => Prune(state, all, Keep), dryRun), dryRun);
    }

    private ImageRemoval Measure(StoreState state, Func<List<ImageDeleteItem>> run, bool dryRun)
    {
        Dictionary<Digest, StoreLayer> layersBefore = new(state.Layers);
        HashSet<Digest> blobsBefore = state.ReferencedBlobs();
        List<ImageDeleteItem> items = run();
        long reclaimed = 0;
        foreach (ImageDeleteItem item in items)
        {
            if (item.Deleted is { } d && layersBefore.TryGetValue(d, out StoreLayer? layer))
            {
                reclaimed += layer.Size;
            }
        }

        blobsBefore.ExceptWith(state.ReferencedBlobs());
        long freed = blobsBefore.Sum(b => Math.Max(0, _backing.BlobSize(b)));
        return new ImageRemoval { Items = items, ReclaimedBytes = reclaimed, BlobBytesFreed = freed, DryRun = dryRun };
    }

    private static List<ImageDeleteItem> DeleteImage(StoreState state, string name, bool force, bool prune)
    {
        Digest imageId = Resolve(state, name, out ImageSpecifier specifier);
        var records = new List<ImageDeleteItem>();
        List<ImageReference> references = ReferencesOf(state, imageId);
        bool removedRepositoryReference = false;
        if (!specifier.IsIdPrefixOf(imageId))
        {
            // A reference was given: untag it first, unless that would leave a container's image dangling.
            if (!force && IsSingleReference(references) && FirstContainer(state, c => c.ImageId == imageId) is { } container)
            {
                throw new ConflictException(
                    $"conflict: unable to remove repository reference \"{name}\" (must force) - container {container.ShortId} is using its referenced image {Truncate(imageId)}",
                    canBeForced: true);
            }

            ImageReference removed = RemoveReference(state, specifier.Reference!);
            records.Add(ImageDeleteItem.ForUntagged(removed));
            references = ReferencesOf(state, imageId);

            // The last tag of a repository takes that repository's digest references with it.
            if (removed.Digest is null && !references.Any(r => r.Digest is null && r.Name == removed.Name))
            {
                var remaining = new List<ImageReference>();
                foreach (ImageReference reference in references)
                {
                    if (reference.Digest is not null && reference.Name == removed.Name)
                    {
                        RemoveReference(state, reference);
                        records.Add(ImageDeleteItem.ForUntagged(reference));
                    }
                    else
                    {
                        remaining.Add(reference);
                    }
                }

                references = remaining;
            }

            if (references.Count > 0)
            {
                return records;
            }

            removedRepositoryReference = true;
        }
        else if (IsSingleReference(references))
        {
            // An ID whose references are one tag (and its repository's digests): untag them all, then delete.
            ConflictKind mask = ConflictKind.Hard;
            if (!force)
            {
                mask |= ConflictKind.Soft & ~ConflictKind.ActiveReference;
            }

            if (CheckConflict(state, imageId, mask) is { } conflict)
            {
                throw conflict.ToException();
            }

            foreach (ImageReference reference in references)
            {
                RemoveReference(state, reference);
                records.Add(ImageDeleteItem.ForUntagged(reference));
            }
        }

        if (DeleteHelper(state, imageId, records, force, prune, quiet: removedRepositoryReference) is { } error)
        {
            throw error.ToException();
        }

        return records;
    }

    /// <summary>Docker's <c>imageDeleteHelper</c>: delete the image and release its layers, then prune its parent quietly.</summary>
    private static DeleteConflict? DeleteHelper(StoreState state, Digest imageId, List<ImageDeleteItem> records, bool force, bool prune, bool quiet)
    {
        while (true)
        {
            ConflictKind mask = ConflictKind.Hard;
            if (!force)
            {
                mask |= ConflictKind.Soft;
            }

            if (CheckConflict(state, imageId, mask) is { } conflict)
            {
                // Quietly (after an untag, or pruning a parent) a conflict stops the work without an error,
                // unless the image is left dangling and unused, which the user must hear about.
                bool dangling = ReferencesOf(state, imageId).Count == 0 && Children(state, imageId).Count == 0;
                return quiet && (!dangling || conflict.Used) ? null : conflict;
            }

            StoreImage image = state.Images[imageId];
            foreach (ImageReference reference in ReferencesOf(state, imageId))
            {
                RemoveReference(state, reference);
                records.Add(ImageDeleteItem.ForUntagged(reference));
            }

            state.Images.Remove(imageId);
            records.Add(ImageDeleteItem.ForDeleted(imageId));
            foreach (Digest chainId in ReleaseLayer(state, image.ChainId))
            {
                records.Add(ImageDeleteItem.ForDeleted(chainId));
            }

            if (!prune || image.Parent is not { } parent || !state.Images.ContainsKey(parent))
            {
                return null;
            }

            imageId = parent;
            force = false;
            quiet = true;
        }
    }

    /// <summary>Drops one hold on a layer; a layer nobody holds is deleted and releases its parent in turn.</summary>
    private static List<Digest> ReleaseLayer(StoreState state, Digest chainId)
    {
        var removed = new List<Digest>();
        Dictionary<Digest, int> counts = state.ReferenceCounts();
        Digest current = chainId;
        while (!current.IsEmpty && state.Layers.TryGetValue(current, out StoreLayer? layer) && counts.GetValueOrDefault(current) == 0)
        {
            state.Layers.Remove(current);
            removed.Add(current);
            if (layer.Parent is not { } parent)
            {
                break;
            }

            counts[parent]--;
            current = parent;
        }

        return removed;
    }

    private static DeleteConflict? CheckConflict(StoreState state, Digest imageId, ConflictKind mask)
    {
        if ((mask & ConflictKind.DependentChild) != 0 && Children(state, imageId).Count > 0)
        {
            return new DeleteConflict(imageId, Hard: true, Used: false, "image has dependent child images");
        }

        if ((mask & ConflictKind.RunningContainer) != 0 && FirstContainer(state, c => c.Running && c.ImageId == imageId) is { } running)
        {
            return new DeleteConflict(imageId, Hard: true, Used: true, $"image is being used by running container {running.ShortId}");
        }

        if ((mask & ConflictKind.ActiveReference) != 0 && ReferencesOf(state, imageId).Count > 0)
        {
            return new DeleteConflict(imageId, Hard: false, Used: false, "image is referenced in multiple repositories");
        }

        if ((mask & ConflictKind.StoppedContainer) != 0 && FirstContainer(state, c => !c.Running && c.ImageId == imageId) is { } stopped)
        {
            return new DeleteConflict(imageId, Hard: false, Used: true, $"image is being used by stopped container {stopped.ShortId}");
        }

        return null;
    }

    /// <summary>The oldest matching container (Docker picks any; the oldest makes our choice deterministic).</summary>
    private static StoreContainer? FirstContainer(StoreState state, Func<StoreContainer, bool> predicate) =>
        state.Containers.Values.Where(predicate).OrderBy(c => c.Created).ThenBy(c => c.Id, StringComparer.Ordinal).FirstOrDefault();

    /// <summary>
    /// Docker's <c>isSingleReference</c>: true when the references are exactly one tag plus digests of that same
    /// repository, or digests of a single repository; false for none at all.
    /// </summary>
    private static bool IsSingleReference(List<ImageReference> references)
    {
        if (references.Count <= 1)
        {
            return references.Count == 1;
        }

        ImageReference? single = null;
        var canonical = new HashSet<string>(StringComparer.Ordinal);
        foreach (ImageReference reference in references)
        {
            if (reference.Digest is not null)
            {
                canonical.Add(reference.Name);
            }
            else if (single is null)
            {
                single = reference;
            }
            else
            {
                return false;
            }
        }

        single ??= references[0];
        return canonical.Count == 1 && canonical.Contains(single.Name);
    }

    private static ImageReference RemoveReference(StoreState state, ImageReference reference)
    {
        reference = reference.WithDefaultTag();
        if (!state.References.Remove(reference.ToString()))
        {
            throw new NotFoundException(reference.FamiliarString(), "reference does not exist");
        }

        return reference;
    }

    private static List<ImageDeleteItem> Prune(StoreState state, bool all, Func<StoreImage, bool> keep)
    {
        IEnumerable<StoreImage> candidates = all
            ? state.Images.Values
            : state.Images.Values.Where(i => Children(state, i.Id).Count == 0);
        var top = candidates
            .Where(i => !(ReferencesOf(state, i.Id).Count == 0 && Children(state, i.Id).Count > 0) && keep(i))
            .Select(i => i.Id)
            .OrderBy(i => i.Value, StringComparer.Ordinal)
            .ToList();
        var deleted = new List<ImageDeleteItem>();
        foreach (Digest id in top)
        {
            if (!state.Images.ContainsKey(id))
            {
                continue;
            }

            List<ImageReference> references = ReferencesOf(state, id);
            if (references.Count > 0)
            {
                // Without -a only repo:<none> images (digest references, no tag) go.
                if (!all && references.Any(r => r.Tag is not null))
                {
                    continue;
                }

                foreach (ImageReference reference in references)
                {
                    TryDelete(state, reference.ToString(), deleted);
                }
            }
            else
            {
                TryDelete(state, id.Encoded, deleted);
            }
        }

        return deleted;
    }

    /// <summary>One deletion of a prune: a conflict (or anything else) skips the image and undoes its partial work.</summary>
    private static void TryDelete(StoreState state, string name, List<ImageDeleteItem> deleted)
    {
        StoreState attempt = state.Clone();
        try
        {
            deleted.AddRange(DeleteImage(attempt, name, force: false, prune: true));
        }
        catch (ImageFormatException)
        {
            return;
        }

        CopyInto(attempt, state);
    }

    private static void CopyInto(StoreState from, StoreState to)
    {
        to.Images.Clear();
        to.Layers.Clear();
        to.References.Clear();
        to.Containers.Clear();
        StoreState copy = from.Clone();
        foreach ((Digest k, StoreImage v) in copy.Images)
        {
            to.Images[k] = v;
        }

        foreach ((Digest k, StoreLayer v) in copy.Layers)
        {
            to.Layers[k] = v;
        }

        foreach ((string k, Digest v) in copy.References)
        {
            to.References[k] = v;
        }

        foreach ((string k, StoreContainer v) in copy.Containers)
        {
            to.Containers[k] = v;
        }
    }
}
