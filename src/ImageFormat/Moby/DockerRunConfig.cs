using ImageFormat.Model;

namespace ImageFormat.Moby;

/// <summary>
/// Docker 20.10's <c>container.Config</c> as <c>commit</c> and <c>import</c> write it: every field Go's struct
/// declares without <c>omitempty</c> is written even when empty (<c>"Env":null</c>), maps with keys sorted, and the
/// fields in declaration order, so the bytes (and the image ID) follow Docker's.
/// </summary>
internal sealed class DockerRunConfig
{
    public string Hostname { get; set; } = string.Empty;

    public string Domainname { get; set; } = string.Empty;

    public string User { get; set; } = string.Empty;

    public bool AttachStdin { get; set; }

    public bool AttachStdout { get; set; }

    public bool AttachStderr { get; set; }

    public SortedSet<string>? ExposedPorts { get; set; }

    public bool Tty { get; set; }

    public bool OpenStdin { get; set; }

    public bool StdinOnce { get; set; }

    public List<string>? Env { get; set; }

    public List<string>? Cmd { get; set; }

    public HealthConfig? Healthcheck { get; set; }

    public bool ArgsEscaped { get; set; }

    public string Image { get; set; } = string.Empty;

    public SortedSet<string>? Volumes { get; set; }

    public string WorkingDir { get; set; } = string.Empty;

    public List<string>? Entrypoint { get; set; }

    public bool NetworkDisabled { get; set; }

    public string MacAddress { get; set; } = string.Empty;

    public List<string>? OnBuild { get; set; }

    public SortedDictionary<string, string>? Labels { get; set; }

    public string StopSignal { get; set; } = string.Empty;

    public int? StopTimeout { get; set; }

    public List<string>? Shell { get; set; }

    /// <summary>A container's config as <c>docker create IMAGE [COMMAND]</c> makes it: the client's defaults, then
    /// the daemon's <c>merge</c> of the image's config into them.</summary>
    public static DockerRunConfig ForContainer(ContainerConfig? image, string containerId, string imageName, IReadOnlyList<string>? command)
    {
        var c = new DockerRunConfig
        {
            Hostname = containerId[..12],
            AttachStdout = true,
            AttachStderr = true,
            Image = imageName,
            Cmd = command is { Count: > 0 } ? [.. command] : null,
            Labels = new SortedDictionary<string, string>(StringComparer.Ordinal),
        };
        if (image is null)
        {
            return c;
        }

        c.User = image.User ?? string.Empty;
        c.ExposedPorts = image.ExposedPorts is { Count: > 0 } ports ? new SortedSet<string>(ports, StringComparer.Ordinal) : null;
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
        c.Healthcheck = image.Healthcheck;
        c.WorkingDir = image.WorkingDir ?? string.Empty;
        c.Volumes = image.Volumes is { } volumes ? new SortedSet<string>(volumes, StringComparer.Ordinal) : null;
        c.StopSignal = image.StopSignal ?? string.Empty;
        return c;
    }

    public DockerRunConfig Clone()
    {
        var copy = (DockerRunConfig)MemberwiseClone();
        copy.ExposedPorts = ExposedPorts is null ? null : new SortedSet<string>(ExposedPorts, StringComparer.Ordinal);
        copy.Env = Env is null ? null : [.. Env];
        copy.Cmd = Cmd is null ? null : [.. Cmd];
        copy.Volumes = Volumes is null ? null : new SortedSet<string>(Volumes, StringComparer.Ordinal);
        copy.Entrypoint = Entrypoint is null ? null : [.. Entrypoint];
        copy.OnBuild = OnBuild is null ? null : [.. OnBuild];
        copy.Labels = Labels is null ? null : new SortedDictionary<string, string>(Labels, StringComparer.Ordinal);
        copy.Shell = Shell is null ? null : [.. Shell];
        return copy;
    }

    /// <summary>The daemon's <c>merge(userConf, imageConf)</c> after a commit's changes: what the changes left empty
    /// is filled from the container's config.</summary>
    public void MergeFrom(DockerRunConfig container)
    {
        if (User.Length == 0)
        {
            User = container.User;
        }

        if (ExposedPorts is not { Count: > 0 })
        {
            ExposedPorts = container.ExposedPorts;
        }
        else if (container.ExposedPorts is { } ports)
        {
            ExposedPorts.UnionWith(ports);
        }

        if (Env is not { Count: > 0 })
        {
            Env = container.Env;
        }
        else
        {
            foreach (string variable in container.Env ?? [])
            {
                string key = variable.Split('=')[0];
                if (!Env.Any(e => e.Split('=')[0] == key))
                {
                    Env.Add(variable);
                }
            }
        }

        Labels ??= new SortedDictionary<string, string>(StringComparer.Ordinal);
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

        if (Volumes is not { Count: > 0 })
        {
            Volumes = container.Volumes;
        }
        else if (container.Volumes is { } volumes)
        {
            Volumes.UnionWith(volumes);
        }

        if (StopSignal.Length == 0)
        {
            StopSignal = container.StopSignal;
        }
    }

    public void Write(GoJsonWriter w)
    {
        bool first = true;
        w.Byte((byte)'{');
        w.Key("Hostname", ref first);
        w.String(Hostname);
        w.Key("Domainname", ref first);
        w.String(Domainname);
        w.Key("User", ref first);
        w.String(User);
        w.Key("AttachStdin", ref first);
        w.Bool(AttachStdin);
        w.Key("AttachStdout", ref first);
        w.Bool(AttachStdout);
        w.Key("AttachStderr", ref first);
        w.Bool(AttachStderr);
        if (ExposedPorts is { Count: > 0 })
        {
            w.Key("ExposedPorts", ref first);
            WriteSet(w, ExposedPorts);
        }

        w.Key("Tty", ref first);
        w.Bool(Tty);
        w.Key("OpenStdin", ref first);
        w.Bool(OpenStdin);
        w.Key("StdinOnce", ref first);
        w.Bool(StdinOnce);
        w.Key("Env", ref first);
        WriteList(w, Env);
        w.Key("Cmd", ref first);
        WriteList(w, Cmd);
        if (Healthcheck is { } health)
        {
            w.Key("Healthcheck", ref first);
            WriteHealth(w, health);
        }

        if (ArgsEscaped)
        {
            w.Key("ArgsEscaped", ref first);
            w.Bool(true);
        }

        w.Key("Image", ref first);
        w.String(Image);
        w.Key("Volumes", ref first);
        WriteSet(w, Volumes);
        w.Key("WorkingDir", ref first);
        w.String(WorkingDir);
        w.Key("Entrypoint", ref first);
        WriteList(w, Entrypoint);
        if (NetworkDisabled)
        {
            w.Key("NetworkDisabled", ref first);
            w.Bool(true);
        }

        if (MacAddress.Length > 0)
        {
            w.Key("MacAddress", ref first);
            w.String(MacAddress);
        }

        w.Key("OnBuild", ref first);
        WriteList(w, OnBuild);
        w.Key("Labels", ref first);
        if (Labels is null)
        {
            w.Null();
        }
        else
        {
            bool firstLabel = true;
            w.Byte((byte)'{');
            foreach ((string key, string value) in Labels)
            {
                w.Key(key, ref firstLabel);
                w.String(value);
            }

            w.Byte((byte)'}');
        }

        if (StopSignal.Length > 0)
        {
            w.Key("StopSignal", ref first);
            w.String(StopSignal);
        }

        if (StopTimeout is { } timeout)
        {
            w.Key("StopTimeout", ref first);
            w.Number(timeout);
        }

        if (Shell is { Count: > 0 })
        {
            w.Key("Shell", ref first);
            WriteList(w, Shell);
        }

        w.Byte((byte)'}');
    }

    /// <summary>Go's <c>[]string</c>: <c>null</c> when nil.</summary>
    internal static void WriteList(GoJsonWriter w, IReadOnlyList<string>? values) => w.StringArray(values);

    private static void WriteSet(GoJsonWriter w, SortedSet<string>? keys)
    {
        if (keys is null)
        {
            w.Null();
            return;
        }

        bool first = true;
        w.Byte((byte)'{');
        foreach (string key in keys)
        {
            w.Key(key, ref first);
            w.Raw("{}"u8);
        }

        w.Byte((byte)'}');
    }

    private static void WriteHealth(GoJsonWriter w, HealthConfig health)
    {
        bool first = true;
        w.Byte((byte)'{');
        if (health.Test is { Count: > 0 } test)
        {
            w.Key("Test", ref first);
            WriteList(w, test);
        }

        foreach ((string name, long? value) in new[] { ("Interval", health.Interval), ("Timeout", health.Timeout), ("StartPeriod", health.StartPeriod) })
        {
            if (value is { } v and not 0)
            {
                w.Key(name, ref first);
                w.Number(v);
            }
        }

        if (health.Retries is { } retries and not 0)
        {
            w.Key("Retries", ref first);
            w.Number(retries);
        }

        w.Byte((byte)'}');
    }
}
