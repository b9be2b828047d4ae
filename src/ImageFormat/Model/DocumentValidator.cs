namespace ImageFormat.Model;

/// <summary>
/// Rules the JSON binding cannot express: schema versions, media types that contradict the document kind,
/// negative sizes, <c>null</c> inside lists, timestamps Go would refuse. Each check returns the first problem as
/// "at JSON-path: what", or <see langword="null"/>.
/// </summary>
internal static class DocumentValidator
{
    public static string? Manifest(ImageManifest manifest)
    {
        if (manifest.SchemaVersion != 2)
        {
            return $"at $.schemaVersion: expected 2, found {manifest.SchemaVersion}" +
                (manifest.SchemaVersion == 1 ? " (Docker schema 1 manifests are not supported)" : string.Empty);
        }

        if (MediaTypes.IsIndex(manifest.MediaType))
        {
            return $"at $.mediaType: \"{manifest.MediaType}\" is an index, not an image manifest";
        }

        if (MediaTypes.IsSchema1Manifest(manifest.MediaType))
        {
            return $"at $.mediaType: Docker schema 1 manifests (\"{manifest.MediaType}\") are not supported";
        }

        return Descriptor(manifest.Config, "$.config")
            ?? Descriptors(manifest.Layers, "$.layers")
            ?? (manifest.Subject is null ? null : Descriptor(manifest.Subject, "$.subject"));
    }

    public static string? Index(ImageIndex index)
    {
        if (index.SchemaVersion != 2)
        {
            return $"at $.schemaVersion: expected 2, found {index.SchemaVersion}";
        }

        if (MediaTypes.IsManifest(index.MediaType) || MediaTypes.IsSchema1Manifest(index.MediaType))
        {
            return $"at $.mediaType: \"{index.MediaType}\" is an image manifest, not an index";
        }

        return Descriptors(index.Manifests, "$.manifests")
            ?? (index.Subject is null ? null : Descriptor(index.Subject, "$.subject"));
    }

    public static string? Config(ImageConfig config)
    {
        if (config.Created is not null && !Rfc3339.IsValid(config.Created))
        {
            return $"at $.created: \"{config.Created}\" is not an RFC 3339 timestamp";
        }

        if (config.RootFs is null)
        {
            return "at $.rootfs: missing";
        }

        string? problem = Strings(config.OsFeatures, "$['os.features']")
            ?? ContainerConfig(config.Config, "$.config")
            ?? ContainerConfig(config.ContainerConfig, "$.container_config");
        if (problem is not null)
        {
            return problem;
        }

        for (int i = 0; i < config.History.Count; i++)
        {
            HistoryEntry? entry = config.History[i];
            if (entry is null)
            {
                return $"at $.history[{i}]: null, expected an object";
            }

            if (entry.Created is not null && !Rfc3339.IsValid(entry.Created))
            {
                return $"at $.history[{i}].created: \"{entry.Created}\" is not an RFC 3339 timestamp";
            }
        }

        return null;
    }

    public static string? ArchiveManifest(IReadOnlyList<DockerArchiveManifestEntry> entries)
    {
        for (int i = 0; i < entries.Count; i++)
        {
            DockerArchiveManifestEntry? entry = entries[i];
            string path = $"$[{i}]";
            if (entry is null)
            {
                return $"at {path}: null, expected an object";
            }

            string? problem = Strings(entry.RepoTags, path + ".RepoTags") ?? Strings(entry.Layers, path + ".Layers");
            if (problem is not null)
            {
                return problem;
            }

            if (entry.LayerSources is not null)
            {
                foreach (KeyValuePair<Digests.Digest, Descriptor> source in entry.LayerSources)
                {
                    problem = Descriptor(source.Value, $"{path}.LayerSources['{source.Key}']");
                    if (problem is not null)
                    {
                        return problem;
                    }
                }
            }
        }

        return null;
    }

    public static string? Descriptor(Descriptor? descriptor, string path)
    {
        if (descriptor is null)
        {
            return $"at {path}: null, expected a descriptor";
        }

        if (descriptor.Size < 0)
        {
            return $"at {path}.size: negative size {descriptor.Size}";
        }

        if (descriptor.Digest.IsEmpty)
        {
            return $"at {path}.digest: missing";
        }

        return Strings(descriptor.Urls, path + ".urls")
            ?? (descriptor.Platform is null ? null
                : Strings(descriptor.Platform.OsFeatures, path + ".platform['os.features']")
                    ?? Strings(descriptor.Platform.Features, path + ".platform.features"));
    }

    private static string? Descriptors(IReadOnlyList<Descriptor> descriptors, string path)
    {
        for (int i = 0; i < descriptors.Count; i++)
        {
            string? problem = Descriptor(descriptors[i], $"{path}[{i}]");
            if (problem is not null)
            {
                return problem;
            }
        }

        return null;
    }

    private static string? ContainerConfig(ContainerConfig? config, string path)
    {
        if (config is null)
        {
            return null;
        }

        return Strings(config.Env, path + ".Env")
            ?? Strings(config.Cmd, path + ".Cmd")
            ?? Strings(config.Entrypoint, path + ".Entrypoint")
            ?? Strings(config.OnBuild, path + ".OnBuild")
            ?? Strings(config.Shell, path + ".Shell")
            ?? Strings(config.Healthcheck?.Test, path + ".Healthcheck.Test");
    }

    private static string? Strings(IReadOnlyList<string>? list, string path)
    {
        if (list is null)
        {
            return null;
        }

        for (int i = 0; i < list.Count; i++)
        {
            if (list[i] is null)
            {
                return $"at {path}[{i}]: null, expected a string";
            }
        }

        return null;
    }
}
