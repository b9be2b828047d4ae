using System.Text.Json;

namespace ImageFormat.Moby;

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
