using System.Globalization;
using System.Text;
using System.Text.Json;
using ImageFormat.Errors;

namespace ImageFormat.Digests;

/// <summary>
/// The fields of moby's <c>image.V1Image</c> (Docker 20.10), decoded from an image config with the rules of Go's
/// <c>encoding/json</c> and marshalled back in Go's field order, so that legacy v1 layer IDs and
/// <c>&lt;v1id&gt;/json</c> documents come out byte for byte as Docker writes them.
/// </summary>
/// <remarks>
/// Go's decoder rules kept here: keys match a field exactly, else case-insensitively (with Unicode's two
/// non-ASCII folds to ASCII letters, U+017F to s and U+212A to k); unknown keys are ignored; <c>null</c> leaves
/// strings, numbers, booleans and structs as they were and makes slices, maps and pointers nil; a repeated key
/// decodes again into the same value, so repeated objects and maps merge while scalars and slices are replaced.
/// A value of the wrong type makes Docker refuse the whole config, and makes this throw.
/// </remarks>
internal sealed class GoV1Image
{
    internal const string Subject = "image config";

    // Time zero of Go's time.Time, which is what an absent or null "created" marshals as.
    internal const string ZeroTime = "0001-01-01T00:00:00Z";

    // time.Unix(0, 0) as a daemon whose local zone is UTC marshals it (moby writes it for every layer but the top).
    internal const string UnixEpoch = "1970-01-01T00:00:00Z";

    private static readonly string[] Fields =
    [
        "id", "comment", "created", "container", "container_config", "docker_version", "author", "config",
        "architecture", "variant", "os", "Size",
    ];

    public string Id { get; set; } = string.Empty;

    public string Parent { get; set; } = string.Empty;

    public string Comment { get; set; } = string.Empty;

    public string Created { get; set; } = ZeroTime;

    public string Container { get; set; } = string.Empty;

    public GoContainerConfig ContainerConfig { get; set; } = new();

    public string DockerVersion { get; set; } = string.Empty;

    public string Author { get; set; } = string.Empty;

    public GoContainerConfig? Config { get; set; }

    public string Architecture { get; set; } = string.Empty;

    public string Variant { get; set; } = string.Empty;

    public string Os { get; set; } = string.Empty;

    public long Size { get; set; }

    /// <summary>Decodes the V1Image fields of a config object (the embedded struct of moby's <c>image.Image</c>).</summary>
    public static GoV1Image FromConfig(JsonElement config)
    {
        var image = new GoV1Image();
        foreach (JsonProperty property in config.EnumerateObject())
        {
            JsonElement v = property.Value;
            switch (GoDecode.Match(property.Name, Fields))
            {
                case 0:
                    image.Id = GoDecode.String(v, image.Id, "id");
                    break;
                case 1:
                    image.Comment = GoDecode.String(v, image.Comment, "comment");
                    break;
                case 2:
                    image.Created = v.ValueKind == JsonValueKind.Null ? image.Created : GoTime.Normalize(v.GetRawText());
                    break;
                case 3:
                    image.Container = GoDecode.String(v, image.Container, "container");
                    break;
                case 4:
                    if (v.ValueKind != JsonValueKind.Null)
                    {
                        image.ContainerConfig.Apply(v, "container_config");
                    }

                    break;
                case 5:
                    image.DockerVersion = GoDecode.String(v, image.DockerVersion, "docker_version");
                    break;
                case 6:
                    image.Author = GoDecode.String(v, image.Author, "author");
                    break;
                case 7:
                    if (v.ValueKind == JsonValueKind.Null)
                    {
                        image.Config = null;
                    }
                    else
                    {
                        image.Config ??= new GoContainerConfig();
                        image.Config.Apply(v, "config");
                    }

                    break;
                case 8:
                    image.Architecture = GoDecode.String(v, image.Architecture, "architecture");
                    break;
                case 9:
                    image.Variant = GoDecode.String(v, image.Variant, "variant");
                    break;
                case 10:
                    image.Os = GoDecode.String(v, image.Os, "os");
                    break;
                case 11:
                    image.Size = GoDecode.Int64(v, image.Size, "Size");
                    break;
                default:
                    break;
            }
        }

        return image;
    }

    /// <summary>The members Go marshals for this struct, in field order, each as <c>(key, compact value)</c>.</summary>
    public List<(string Key, byte[] Value)> Members()
    {
        var members = new List<(string, byte[])>(14);
        void Add(string key, Action<GoJsonWriter> write)
        {
            var w = new GoJsonWriter();
            write(w);
            members.Add((key, w.ToArray()));
        }

        // Go's omitempty on a string field: an empty string is left out.
        void AddString(string key, string value)
        {
            if (value.Length > 0)
            {
                Add(key, w => w.String(value));
            }
        }

        AddString("id", Id);
        AddString("parent", Parent);
        AddString("comment", Comment);
        Add("created", w => w.String(Created));
        AddString("container", Container);
        Add("container_config", ContainerConfig.Write);
        AddString("docker_version", DockerVersion);
        AddString("author", Author);
        if (Config is not null)
        {
            Add("config", Config.Write);
        }

        AddString("architecture", Architecture);
        AddString("variant", Variant);
        AddString("os", Os);
        if (Size != 0)
        {
            Add("Size", w => w.Number(Size));
        }

        return members;
    }

    public GoV1Image Clone() => (GoV1Image)MemberwiseClone();
}

/// <summary>moby's <c>api/types/container.Config</c> of Docker 20.10, decoded and marshalled as Go does.</summary>
internal sealed class GoContainerConfig
{
    private static readonly string[] Fields =
    [
        "Hostname", "Domainname", "User", "AttachStdin", "AttachStdout", "AttachStderr", "ExposedPorts", "Tty",
        "OpenStdin", "StdinOnce", "Env", "Cmd", "Healthcheck", "ArgsEscaped", "Image", "Volumes", "WorkingDir",
        "Entrypoint", "NetworkDisabled", "MacAddress", "OnBuild", "Labels", "StopSignal", "StopTimeout", "Shell",
    ];

    private string _hostname = string.Empty;
    private string _domainname = string.Empty;
    private string _user = string.Empty;
    private bool _attachStdin;
    private bool _attachStdout;
    private bool _attachStderr;
    private SortedDictionary<string, string>? _exposedPorts;
    private bool _tty;
    private bool _openStdin;
    private bool _stdinOnce;
    private List<string>? _env;
    private List<string>? _cmd;
    private GoHealthConfig? _healthcheck;
    private bool _argsEscaped;
    private string _image = string.Empty;
    private SortedDictionary<string, string>? _volumes;
    private string _workingDir = string.Empty;
    private List<string>? _entrypoint;
    private bool _networkDisabled;
    private string _macAddress = string.Empty;
    private List<string>? _onBuild;
    private SortedDictionary<string, string>? _labels;
    private string _stopSignal = string.Empty;
    private long? _stopTimeout;
    private List<string>? _shell;

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
                case 0: _hostname = GoDecode.String(v, _hostname, at); break;
                case 1: _domainname = GoDecode.String(v, _domainname, at); break;
                case 2: _user = GoDecode.String(v, _user, at); break;
                case 3: _attachStdin = GoDecode.Bool(v, _attachStdin, at); break;
                case 4: _attachStdout = GoDecode.Bool(v, _attachStdout, at); break;
                case 5: _attachStderr = GoDecode.Bool(v, _attachStderr, at); break;
                case 6: _exposedPorts = GoDecode.EmptyStructMap(v, _exposedPorts, at); break;
                case 7: _tty = GoDecode.Bool(v, _tty, at); break;
                case 8: _openStdin = GoDecode.Bool(v, _openStdin, at); break;
                case 9: _stdinOnce = GoDecode.Bool(v, _stdinOnce, at); break;
                case 10: _env = GoDecode.StringSlice(v, at); break;
                case 11: _cmd = GoDecode.StrSlice(v, at); break;
                case 12:
                    if (v.ValueKind == JsonValueKind.Null)
                    {
                        _healthcheck = null;
                    }
                    else
                    {
                        _healthcheck ??= new GoHealthConfig();
                        _healthcheck.Apply(v, at);
                    }

                    break;
                case 13: _argsEscaped = GoDecode.Bool(v, _argsEscaped, at); break;
                case 14: _image = GoDecode.String(v, _image, at); break;
                case 15: _volumes = GoDecode.EmptyStructMap(v, _volumes, at); break;
                case 16: _workingDir = GoDecode.String(v, _workingDir, at); break;
                case 17: _entrypoint = GoDecode.StrSlice(v, at); break;
                case 18: _networkDisabled = GoDecode.Bool(v, _networkDisabled, at); break;
                case 19: _macAddress = GoDecode.String(v, _macAddress, at); break;
                case 20: _onBuild = GoDecode.StringSlice(v, at); break;
                case 21: _labels = GoDecode.StringMap(v, _labels, at); break;
                case 22: _stopSignal = GoDecode.String(v, _stopSignal, at); break;
                case 23: _stopTimeout = v.ValueKind == JsonValueKind.Null ? null : GoDecode.Int64(v, 0, at); break;
                case 24: _shell = GoDecode.StrSlice(v, at); break;
                default: break;
            }
        }
    }

    public void Write(GoJsonWriter w)
    {
        bool first = true;
        w.Byte((byte)'{');
        w.Key("Hostname", ref first);
        w.String(_hostname);
        w.Key("Domainname", ref first);
        w.String(_domainname);
        w.Key("User", ref first);
        w.String(_user);
        w.Key("AttachStdin", ref first);
        w.Bool(_attachStdin);
        w.Key("AttachStdout", ref first);
        w.Bool(_attachStdout);
        w.Key("AttachStderr", ref first);
        w.Bool(_attachStderr);
        if (_exposedPorts is { Count: > 0 })
        {
            w.Key("ExposedPorts", ref first);
            GoDecode.WriteEmptyStructMap(w, _exposedPorts);
        }

        w.Key("Tty", ref first);
        w.Bool(_tty);
        w.Key("OpenStdin", ref first);
        w.Bool(_openStdin);
        w.Key("StdinOnce", ref first);
        w.Bool(_stdinOnce);
        w.Key("Env", ref first);
        GoDecode.WriteSlice(w, _env);
        w.Key("Cmd", ref first);
        GoDecode.WriteSlice(w, _cmd);
        if (_healthcheck is not null)
        {
            w.Key("Healthcheck", ref first);
            _healthcheck.Write(w);
        }

        if (_argsEscaped)
        {
            w.Key("ArgsEscaped", ref first);
            w.Bool(true);
        }

        w.Key("Image", ref first);
        w.String(_image);
        w.Key("Volumes", ref first);
        if (_volumes is null)
        {
            w.Null();
        }
        else
        {
            GoDecode.WriteEmptyStructMap(w, _volumes);
        }

        w.Key("WorkingDir", ref first);
        w.String(_workingDir);
        w.Key("Entrypoint", ref first);
        GoDecode.WriteSlice(w, _entrypoint);
        if (_networkDisabled)
        {
            w.Key("NetworkDisabled", ref first);
            w.Bool(true);
        }

        if (_macAddress.Length > 0)
        {
            w.Key("MacAddress", ref first);
            w.String(_macAddress);
        }

        w.Key("OnBuild", ref first);
        GoDecode.WriteSlice(w, _onBuild);
        w.Key("Labels", ref first);
        if (_labels is null)
        {
            w.Null();
        }
        else
        {
            GoDecode.WriteStringMap(w, _labels);
        }

        if (_stopSignal.Length > 0)
        {
            w.Key("StopSignal", ref first);
            w.String(_stopSignal);
        }

        if (_stopTimeout is long timeout)
        {
            w.Key("StopTimeout", ref first);
            w.Number(timeout);
        }

        if (_shell is { Count: > 0 })
        {
            w.Key("Shell", ref first);
            GoDecode.WriteSlice(w, _shell);
        }

        w.Byte((byte)'}');
    }
}

/// <summary>moby's <c>container.HealthConfig</c>: every field is omitted when empty.</summary>
internal sealed class GoHealthConfig
{
    private static readonly string[] Fields = ["Test", "Interval", "Timeout", "StartPeriod", "Retries"];

    private List<string>? _test;
    private long _interval;
    private long _timeout;
    private long _startPeriod;
    private long _retries;

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
                case 0: _test = GoDecode.StringSlice(v, at); break;
                case 1: _interval = GoDecode.Int64(v, _interval, at); break;
                case 2: _timeout = GoDecode.Int64(v, _timeout, at); break;
                case 3: _startPeriod = GoDecode.Int64(v, _startPeriod, at); break;
                case 4: _retries = GoDecode.Int64(v, _retries, at); break;
                default: break;
            }
        }
    }

    public void Write(GoJsonWriter w)
    {
        bool first = true;
        w.Byte((byte)'{');
        if (_test is { Count: > 0 })
        {
            w.Key("Test", ref first);
            GoDecode.WriteSlice(w, _test);
        }

        WriteNonZero(w, "Interval", _interval, ref first);
        WriteNonZero(w, "Timeout", _timeout, ref first);
        WriteNonZero(w, "StartPeriod", _startPeriod, ref first);
        WriteNonZero(w, "Retries", _retries, ref first);
        w.Byte((byte)'}');
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

/// <summary>Go <c>encoding/json</c> decoding rules for the few types the v1 image uses.</summary>
internal static class GoDecode
{
    // Go sorts map keys by their UTF-8 bytes.
    internal static readonly IComparer<string> Utf8Order = Comparer<string>.Create(static (a, b) =>
        Encoding.UTF8.GetBytes(a).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(b)));

    public static int Match(string key, string[] names)
    {
        int exact = Array.IndexOf(names, key);
        if (exact >= 0)
        {
            return exact;
        }

        for (int i = 0; i < names.Length; i++)
        {
            if (FoldEquals(key, names[i]))
            {
                return i;
            }
        }

        return -1;
    }

    public static void ExpectObject(JsonElement value, string path)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw TypeError(value, "an object", path);
        }
    }

    public static string String(JsonElement value, string current, string path) => value.ValueKind switch
    {
        JsonValueKind.String => GetString(value, path),
        JsonValueKind.Null => current,
        _ => throw TypeError(value, "a string", path),
    };

    public static bool Bool(JsonElement value, bool current, string path) => value.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Null => current,
        _ => throw TypeError(value, "a boolean", path),
    };

    public static long Int64(JsonElement value, long current, string path)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return current;
        }

        // Go parses the literal as a base-10 integer: 1.0 and 1e3 are refused.
        if (value.ValueKind != JsonValueKind.Number
            || !long.TryParse(value.GetRawText(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long n))
        {
            throw TypeError(value, "an integer", path);
        }

        return n;
    }

    /// <summary>A Go <c>[]string</c>: <c>null</c> is nil, a null element is the empty string.</summary>
    public static List<string>? StringSlice(JsonElement value, string path)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            throw TypeError(value, "an array of strings", path);
        }

        var list = new List<string>(value.GetArrayLength());
        foreach (JsonElement item in value.EnumerateArray())
        {
            list.Add(String(item, string.Empty, path));
        }

        return list;
    }

    /// <summary>moby's <c>strslice.StrSlice</c>: an array of strings, or one string taken as a one-element array.</summary>
    public static List<string>? StrSlice(JsonElement value, string path) => value.ValueKind == JsonValueKind.String
        ? [GetString(value, path)]
        : StringSlice(value, path);

    /// <summary>A Go <c>map[string]struct{}</c>; the dictionary's values are unused. Objects merge into an existing map.</summary>
    public static SortedDictionary<string, string>? EmptyStructMap(JsonElement value, SortedDictionary<string, string>? current, string path)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        ExpectObject(value, path);
        current ??= new SortedDictionary<string, string>(Utf8Order);
        foreach (JsonProperty property in value.EnumerateObject())
        {
            if (property.Value.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null))
            {
                throw TypeError(property.Value, "an object", $"{path}[{property.Name}]");
            }

            current[property.Name] = string.Empty;
        }

        return current;
    }

    /// <summary>A Go <c>map[string]string</c>: a null value is the empty string. Objects merge into an existing map.</summary>
    public static SortedDictionary<string, string>? StringMap(JsonElement value, SortedDictionary<string, string>? current, string path)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        ExpectObject(value, path);
        current ??= new SortedDictionary<string, string>(Utf8Order);
        foreach (JsonProperty property in value.EnumerateObject())
        {
            current[property.Name] = String(property.Value, string.Empty, $"{path}[{property.Name}]");
        }

        return current;
    }

    public static void WriteSlice(GoJsonWriter w, List<string>? list) => w.StringArray(list);

    public static void WriteEmptyStructMap(GoJsonWriter w, SortedDictionary<string, string> map)
    {
        bool first = true;
        w.Byte((byte)'{');
        foreach (string key in map.Keys)
        {
            w.Key(key, ref first);
            w.Raw("{}"u8);
        }

        w.Byte((byte)'}');
    }

    public static void WriteStringMap(GoJsonWriter w, SortedDictionary<string, string> map)
    {
        bool first = true;
        w.Byte((byte)'{');
        foreach (KeyValuePair<string, string> pair in map)
        {
            w.Key(pair.Key, ref first);
            w.String(pair.Value);
        }

        w.Byte((byte)'}');
    }

    public static InvalidDocumentException TypeError(JsonElement value, string expected, string path) =>
        new(GoV1Image.Subject, $"{path}: expected {expected}, found {Describe(value.ValueKind)}");

    private static string GetString(JsonElement value, string path)
    {
        try
        {
            return value.GetString()!;
        }
        catch (InvalidOperationException e)
        {
            throw new InvalidDocumentException(GoV1Image.Subject, $"{path}: the string is not valid UTF-16 text", e);
        }
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    // Go matches a key to a field name ignoring case; the only non-ASCII characters that fold to ASCII letters
    // are U+017F (long s) and U+212A (Kelvin sign).
    private static bool FoldEquals(string key, string name)
    {
        if (key.Length != name.Length)
        {
            return false;
        }

        for (int i = 0; i < key.Length; i++)
        {
            char k = key[i] switch
            {
                '\u017F' => 's',
                '\u212A' => 'k',
                var c => char.ToLowerInvariant(c) is var l && l < 0x80 ? l : c,
            };
            if (k != char.ToLowerInvariant(name[i]))
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>Go's <c>time.Time</c> JSON round trip (RFC 3339 in, RFC 3339 with nanoseconds out), done on the text.</summary>
internal static class GoTime
{
    /// <summary>Parses the raw JSON token as Go 1.19's <c>time.Time.UnmarshalJSON</c> and returns what <c>MarshalJSON</c> writes back.</summary>
    public static string Normalize(string raw)
    {
        ReadOnlySpan<char> s = raw;
        if (s.Length < 2 || s[0] != '"' || s[^1] != '"')
        {
            throw Bad(raw);
        }

        // Go parses the token as it stands, quotes included and escapes not decoded.
        s = s[1..^1];
        int p = 0;
        int year = Digits(s, ref p, 4, raw);
        Expect(s, ref p, '-', raw);
        int month = Digits(s, ref p, 2, raw);
        Expect(s, ref p, '-', raw);
        int day = Digits(s, ref p, 2, raw);
        Expect(s, ref p, 'T', raw);

        // Go 1.19 reads the hour of an RFC 3339 layout as one or two digits.
        int hour = Digits(s, ref p, p + 1 < s.Length && char.IsAsciiDigit(s[p + 1]) ? 2 : 1, raw);
        Expect(s, ref p, ':', raw);
        int minute = Digits(s, ref p, 2, raw);
        Expect(s, ref p, ':', raw);
        int second = Digits(s, ref p, 2, raw);
        if (month is < 1 or > 12 || day < 1 || day > DaysIn(month, year) || hour > 23 || minute > 59 || second > 59)
        {
            throw Bad(raw);
        }

        string fraction = string.Empty;
        if (p + 1 < s.Length && (s[p] == '.' || s[p] == ',') && char.IsAsciiDigit(s[p + 1]))
        {
            int start = ++p;
            while (p < s.Length && char.IsAsciiDigit(s[p]))
            {
                p++;
            }

            // Nanoseconds: digits past the ninth are dropped, trailing zeros are not written.
            fraction = s[start..Math.Min(p, start + 9)].ToString().TrimEnd('0');
        }

        string zone;
        if (p < s.Length && s[p] == 'Z')
        {
            p++;
            zone = "Z";
        }
        else
        {
            if (s.Length - p < 6 || (s[p] != '+' && s[p] != '-') || s[p + 3] != ':')
            {
                throw Bad(raw);
            }

            char sign = s[p++];
            int zh = Digits(s, ref p, 2, raw);
            p++;
            int zm = Digits(s, ref p, 2, raw);

            // Go keeps the offset as seconds and prints it back as hours and minutes, unchecked.
            int minutes = (zh * 60) + zm;
            zone = minutes == 0
                ? "Z"
                : string.Create(CultureInfo.InvariantCulture, $"{sign}{minutes / 60:D2}:{minutes % 60:D2}");
        }

        if (p != s.Length)
        {
            throw Bad(raw);
        }

        return string.Create(
            CultureInfo.InvariantCulture,
            $"{year:D4}-{month:D2}-{day:D2}T{hour:D2}:{minute:D2}:{second:D2}{(fraction.Length > 0 ? "." + fraction : string.Empty)}{zone}");
    }

    // Go's calendar is the proleptic Gregorian one, year 0 included (a leap year).
    private static int DaysIn(int month, int year) => month == 2
        ? (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28)
        : month is 4 or 6 or 9 or 11 ? 30 : 31;

    private static int Digits(ReadOnlySpan<char> s, ref int p, int count, string raw)
    {
        if (p + count > s.Length)
        {
            throw Bad(raw);
        }

        int value = 0;
        for (int i = 0; i < count; i++)
        {
            char c = s[p + i];
            if (!char.IsAsciiDigit(c))
            {
                throw Bad(raw);
            }

            value = (value * 10) + (c - '0');
        }

        p += count;
        return value;
    }

    private static void Expect(ReadOnlySpan<char> s, ref int p, char c, string raw)
    {
        if (p >= s.Length || s[p] != c)
        {
            throw Bad(raw);
        }

        p++;
    }

    private static InvalidDocumentException Bad(string raw) =>
        new(GoV1Image.Subject, $"created: {InvalidDigestException.Truncate(raw)} is not an RFC 3339 time");
}
