using ImageFormat.Json;
using ImageFormat.Model;

namespace ImageFormat.Moby;

/// <summary>
/// How Docker 20.10's daemon builds a <c>container.Config</c> for <c>commit</c>: the container's config as
/// <c>docker create</c> left it, then the commit's changes merged over it (moby daemon/commit.go's <c>merge</c> at
/// v20.10).
/// </summary>
internal sealed partial class GoContainerConfig
{
    /// <summary>A container's config as <c>docker create IMAGE [COMMAND]</c> makes it: the client's defaults, then
    /// the daemon's <c>merge</c> of the image's config into them.</summary>
    public static GoContainerConfig ForContainer(ContainerConfig? image, string containerId, string imageName, IReadOnlyList<string>? command)
    {
        var c = new GoContainerConfig
        {
            Hostname = containerId[..12],
            AttachStdout = true,
            AttachStderr = true,
            Image = imageName,
            Cmd = command is { Count: > 0 } ? [.. command] : null,
            Labels = NewLabels(),
        };
        if (image is null)
        {
            return c;
        }

        c.User = image.User ?? string.Empty;
        c.ExposedPorts = image.ExposedPorts is { Count: > 0 } ports ? new SortedSet<string>(ports, Utf8Order.Instance) : null;
        c.Env = image.Env is { } env ? [.. env] : null;
        foreach ((string key, string value) in image.Labels ?? new Dictionary<string, string>())
        {
            c.Labels[key] = value;
        }

        if (c.Cmd is null)
        {
            c.Cmd = image.Cmd is { } cmd ? [.. cmd] : null;
            c.ArgsEscaped = image.ArgsEscaped ?? false;
        }

        c.Entrypoint = image.Entrypoint is { } entrypoint ? [.. entrypoint] : null;
        c.Healthcheck = GoHealthConfig.From(image.Healthcheck);
        c.WorkingDir = image.WorkingDir ?? string.Empty;
        c.Volumes = image.Volumes is { } volumes ? new SortedSet<string>(volumes, Utf8Order.Instance) : null;
        c.StopSignal = image.StopSignal ?? string.Empty;
        return c;
    }

    /// <summary>The daemon's <c>merge(userConf, imageConf)</c> after a commit's changes: what the changes left empty
    /// is filled from the container's config.</summary>
    public void MergeFrom(GoContainerConfig container)
    {
        if (User.Length == 0)
        {
            User = container.User;
        }

        ExposedPorts = Union(ExposedPorts, container.ExposedPorts);
        MergeEnv(container.Env);
        Labels ??= NewLabels();
        foreach ((string key, string value) in container.Labels ?? [])
        {
            Labels.TryAdd(key, value);
        }

        if (Entrypoint is not { Count: > 0 })
        {
            if (Cmd is not { Count: > 0 })
            {
                Cmd = container.Cmd;
                ArgsEscaped = container.ArgsEscaped;
            }

            Entrypoint ??= container.Entrypoint;
        }

        Healthcheck ??= container.Healthcheck;
        if (WorkingDir.Length == 0)
        {
            WorkingDir = container.WorkingDir;
        }

        Volumes = Union(Volumes, container.Volumes);
        if (StopSignal.Length == 0)
        {
            StopSignal = container.StopSignal;
        }
    }

    // An empty set takes the container's; else the container's keys are added.
    private static SortedSet<string>? Union(SortedSet<string>? mine, SortedSet<string>? container)
    {
        if (mine is not { Count: > 0 })
        {
            return container;
        }

        if (container is not null)
        {
            mine.UnionWith(container);
        }

        return mine;
    }

    // The container's variables whose names the changes did not set are appended, in order.
    private void MergeEnv(List<string>? container)
    {
        if (Env is not { Count: > 0 })
        {
            Env = container;
            return;
        }

        foreach (string variable in container ?? [])
        {
            string key = variable.Split('=')[0];
            if (!Env.Any(e => e.Split('=')[0] == key))
            {
                Env.Add(variable);
            }
        }
    }
}
