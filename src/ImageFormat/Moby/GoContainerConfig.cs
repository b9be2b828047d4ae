using System.Text.Json;
using ImageFormat.Json;

namespace ImageFormat.Moby;

/// <summary>
/// moby's <c>api/types/container.Config</c> (api/types/container/config.go at v20.10), the one model of it: decoded
/// with Go's <c>encoding/json</c> rules (<see cref="Apply"/>, for the <c>config</c> and <c>container_config</c> of an
/// image config) or built by the daemon's rules (<see cref="ForContainer"/>, <see cref="MergeFrom"/>,
/// <see cref="DockerfileChanges"/>, for commit and import), and marshalled as Go does (<see cref="Write"/>).
/// </summary>
/// <remarks>
/// Go's marshalling kept by <see cref="Write"/>: fields in declaration order; the fields without <c>omitempty</c>
/// are written even when empty (<c>"Env":null</c>, <c>"Volumes":{}</c>), so a nil slice or map (<see langword="null"/>
/// here) and an empty one stay distinct; the <c>omitempty</c> fields (<c>ExposedPorts</c>, <c>Healthcheck</c>,
/// <c>ArgsEscaped</c>, <c>NetworkDisabled</c>, <c>MacAddress</c>, <c>StopSignal</c>, <c>StopTimeout</c>,
/// <c>Shell</c>) are left out when empty; map keys sorted by their UTF-8 bytes; strings escaped by
/// <see cref="GoJsonWriter"/>. Unknown keys are ignored on decoding, as Go does, and not written back.
/// </remarks>
internal sealed partial class GoContainerConfig
{
    private static readonly string[] Fields =
    [
        "Hostname", "Domainname", "User", "AttachStdin", "AttachStdout", "AttachStderr", "ExposedPorts", "Tty",
        "OpenStdin", "StdinOnce", "Env", "Cmd", "Healthcheck", "ArgsEscaped", "Image", "Volumes", "WorkingDir",
        "Entrypoint", "NetworkDisabled", "MacAddress", "OnBuild", "Labels", "StopSignal", "StopTimeout", "Shell",
    ];

    public string Hostname { get; set; } = string.Empty;

    public string Domainname { get; set; } = string.Empty;

    public string User { get; set; } = string.Empty;

    public bool AttachStdin { get; set; }

    public bool AttachStdout { get; set; }

    public bool AttachStderr { get; set; }

    /// <summary>Go's <c>nat.PortSet</c> (<c>map[Port]struct{}</c>), keys in Go's order; see <see cref="NewKeySet"/>.</summary>
    public SortedSet<string>? ExposedPorts { get; set; }

    public bool Tty { get; set; }

    public bool OpenStdin { get; set; }

    public bool StdinOnce { get; set; }

    public List<string>? Env { get; set; }

    public List<string>? Cmd { get; set; }

    public GoHealthConfig? Healthcheck { get; set; }

    public bool ArgsEscaped { get; set; }

    public string Image { get; set; } = string.Empty;

    /// <summary>Go's <c>map[string]struct{}</c>, keys in Go's order; see <see cref="NewKeySet"/>.</summary>
    public SortedSet<string>? Volumes { get; set; }

    public string WorkingDir { get; set; } = string.Empty;

    public List<string>? Entrypoint { get; set; }

    public bool NetworkDisabled { get; set; }

    public string MacAddress { get; set; } = string.Empty;

    public List<string>? OnBuild { get; set; }

    /// <summary>Go's <c>map[string]string</c>, keys in Go's order; see <see cref="NewLabels"/>.</summary>
    public SortedDictionary<string, string>? Labels { get; set; }

    public string StopSignal { get; set; } = string.Empty;

    public long? StopTimeout { get; set; }

    public List<string>? Shell { get; set; }

    /// <summary>An empty <c>map[string]struct{}</c> whose keys enumerate in the order Go marshals them.</summary>
    public static SortedSet<string> NewKeySet() => new(Utf8Order.Instance);

    /// <summary>An empty <c>map[string]string</c> whose keys enumerate in the order Go marshals them.</summary>
    public static SortedDictionary<string, string> NewLabels() => new(Utf8Order.Instance);

    /// <summary>Decodes a JSON object into this config as Go's <c>json.Unmarshal</c> does into an existing struct
    /// (see <see cref="GoV1Image"/> for the rules); <paramref name="path"/> names the value in errors.</summary>
    public void Apply(JsonElement value, string path)
    {
        GoDecode.ExpectObject(value, path);
        foreach (JsonProperty property in value.EnumerateObject())
        {
            int field = GoDecode.Match(property.Name, Fields);
            if (field >= 0)
            {
                ApplyField(field, property.Value, $"{path}.{Fields[field]}");
            }
        }
    }

    private void ApplyField(int field, JsonElement v, string at)
    {
        switch (field)
        {
            case 0: Hostname = GoDecode.String(v, Hostname, at); break;
            case 1: Domainname = GoDecode.String(v, Domainname, at); break;
            case 2: User = GoDecode.String(v, User, at); break;
            case 3: AttachStdin = GoDecode.Bool(v, AttachStdin, at); break;
            case 4: AttachStdout = GoDecode.Bool(v, AttachStdout, at); break;
            case 5: AttachStderr = GoDecode.Bool(v, AttachStderr, at); break;
            case 6: ExposedPorts = GoDecode.EmptyStructMap(v, ExposedPorts, at); break;
            case 7: Tty = GoDecode.Bool(v, Tty, at); break;
            case 8: OpenStdin = GoDecode.Bool(v, OpenStdin, at); break;
            case 9: StdinOnce = GoDecode.Bool(v, StdinOnce, at); break;
            case 10: Env = GoDecode.StringSlice(v, at); break;
            case 11: Cmd = GoDecode.StrSlice(v, at); break;
            case 12: Healthcheck = GoHealthConfig.Decode(v, Healthcheck, at); break;
            case 13: ArgsEscaped = GoDecode.Bool(v, ArgsEscaped, at); break;
            case 14: Image = GoDecode.String(v, Image, at); break;
            case 15: Volumes = GoDecode.EmptyStructMap(v, Volumes, at); break;
            case 16: WorkingDir = GoDecode.String(v, WorkingDir, at); break;
            case 17: Entrypoint = GoDecode.StrSlice(v, at); break;
            case 18: NetworkDisabled = GoDecode.Bool(v, NetworkDisabled, at); break;
            case 19: MacAddress = GoDecode.String(v, MacAddress, at); break;
            case 20: OnBuild = GoDecode.StringSlice(v, at); break;
            case 21: Labels = GoDecode.StringMap(v, Labels, at); break;
            case 22: StopSignal = GoDecode.String(v, StopSignal, at); break;
            case 23: StopTimeout = v.ValueKind == JsonValueKind.Null ? null : GoDecode.Int64(v, 0, at); break;
            default: Shell = GoDecode.StrSlice(v, at); break;
        }
    }

    /// <summary>Go's <c>json.Marshal</c> of the struct: compact, in field order.</summary>
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
            w.KeySet(ExposedPorts);
        }

        w.Key("Tty", ref first);
        w.Bool(Tty);
        w.Key("OpenStdin", ref first);
        w.Bool(OpenStdin);
        w.Key("StdinOnce", ref first);
        w.Bool(StdinOnce);
        w.Key("Env", ref first);
        w.StringArray(Env);
        w.Key("Cmd", ref first);
        w.StringArray(Cmd);
        if (Healthcheck is not null)
        {
            w.Key("Healthcheck", ref first);
            Healthcheck.Write(w);
        }

        if (ArgsEscaped)
        {
            w.Key("ArgsEscaped", ref first);
            w.Bool(true);
        }

        w.Key("Image", ref first);
        w.String(Image);
        w.Key("Volumes", ref first);
        w.KeySet(Volumes);
        w.Key("WorkingDir", ref first);
        w.String(WorkingDir);
        w.Key("Entrypoint", ref first);
        w.StringArray(Entrypoint);
        WriteOmitEmpty(w, ref first);
        w.Byte((byte)'}');
    }

    // The fields from NetworkDisabled on; all but OnBuild and Labels are omitempty.
    private void WriteOmitEmpty(GoJsonWriter w, ref bool first)
    {
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
        w.StringArray(OnBuild);
        w.Key("Labels", ref first);
        w.StringMap(Labels);
        if (StopSignal.Length > 0)
        {
            w.Key("StopSignal", ref first);
            w.String(StopSignal);
        }

        if (StopTimeout is long timeout)
        {
            w.Key("StopTimeout", ref first);
            w.Number(timeout);
        }

        if (Shell is { Count: > 0 })
        {
            w.Key("Shell", ref first);
            w.StringArray(Shell);
        }
    }

    /// <summary>A deep copy: no slice, map or health config is shared with this one.</summary>
    public GoContainerConfig Clone()
    {
        var copy = (GoContainerConfig)MemberwiseClone();
        copy.ExposedPorts = CopySet(ExposedPorts);
        copy.Env = Env is null ? null : [.. Env];
        copy.Cmd = Cmd is null ? null : [.. Cmd];
        copy.Healthcheck = Healthcheck?.Clone();
        copy.Volumes = CopySet(Volumes);
        copy.Entrypoint = Entrypoint is null ? null : [.. Entrypoint];
        copy.OnBuild = OnBuild is null ? null : [.. OnBuild];
        copy.Labels = Labels is null ? null : new SortedDictionary<string, string>(Labels, Utf8Order.Instance);
        copy.Shell = Shell is null ? null : [.. Shell];
        return copy;
    }

    private static SortedSet<string>? CopySet(SortedSet<string>? set) =>
        set is null ? null : new SortedSet<string>(set, Utf8Order.Instance);
}

/// <summary>moby's <c>container.HealthConfig</c> (api/types/container/config.go at v20.10): every field is
/// <c>omitempty</c>, so an empty one marshals as <c>{}</c>.</summary>
internal sealed class GoHealthConfig
{
    private static readonly string[] Fields = ["Test", "Interval", "Timeout", "StartPeriod", "Retries"];

    public List<string>? Test { get; set; }

    /// <summary>Nanoseconds (Go's <c>time.Duration</c>).</summary>
    public long Interval { get; set; }

    /// <summary>Nanoseconds (Go's <c>time.Duration</c>).</summary>
    public long Timeout { get; set; }

    /// <summary>Nanoseconds (Go's <c>time.Duration</c>).</summary>
    public long StartPeriod { get; set; }

    public long Retries { get; set; }

    /// <summary>The health check of an image config's model, as the daemon copies it into a container's config
    /// (fields this version of the struct lacks, such as <c>StartInterval</c>, are dropped).</summary>
    public static GoHealthConfig? From(Model.HealthConfig? health) => health is null ? null : new GoHealthConfig
    {
        Test = health.Test is { } test ? [.. test] : null,
        Interval = health.Interval ?? 0,
        Timeout = health.Timeout ?? 0,
        StartPeriod = health.StartPeriod ?? 0,
        Retries = health.Retries ?? 0,
    };

    /// <summary>Go's decoding of a <c>*HealthConfig</c>: <c>null</c> makes it nil, an object decodes into the
    /// existing value (or a new one).</summary>
    public static GoHealthConfig? Decode(JsonElement value, GoHealthConfig? current, string path)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        current ??= new GoHealthConfig();
        current.Apply(value, path);
        return current;
    }

    public void Apply(JsonElement value, string path)
    {
        GoDecode.ExpectObject(value, path);
        foreach (JsonProperty property in value.EnumerateObject())
        {
            JsonElement v = property.Value;
            int field = GoDecode.Match(property.Name, Fields);
            string at = field < 0 ? path : $"{path}.{Fields[field]}";
            switch (field)
            {
                case 0: Test = GoDecode.StringSlice(v, at); break;
                case 1: Interval = GoDecode.Int64(v, Interval, at); break;
                case 2: Timeout = GoDecode.Int64(v, Timeout, at); break;
                case 3: StartPeriod = GoDecode.Int64(v, StartPeriod, at); break;
                case 4: Retries = GoDecode.Int64(v, Retries, at); break;
                default: break;
            }
        }
    }

    public void Write(GoJsonWriter w)
    {
        bool first = true;
        w.Byte((byte)'{');
        if (Test is { Count: > 0 })
        {
            w.Key("Test", ref first);
            w.StringArray(Test);
        }

        WriteNonZero(w, "Interval", Interval, ref first);
        WriteNonZero(w, "Timeout", Timeout, ref first);
        WriteNonZero(w, "StartPeriod", StartPeriod, ref first);
        WriteNonZero(w, "Retries", Retries, ref first);
        w.Byte((byte)'}');
    }

    public GoHealthConfig Clone()
    {
        var copy = (GoHealthConfig)MemberwiseClone();
        copy.Test = Test is null ? null : [.. Test];
        return copy;
    }

    private static void WriteNonZero(GoJsonWriter w, string key, long value, ref bool first)
    {
        if (value != 0)
        {
            w.Key(key, ref first);
            w.Number(value);
        }
    }
}
