using System.Globalization;
using System.Text;
using System.Text.Json;
using ImageFormat.Errors;

namespace ImageFormat.Moby;

/// <summary>
/// The Dockerfile instructions <c>docker commit -c</c> and <c>docker import -c</c> accept (Docker 20.10's
/// <c>BuildFromConfig</c>): <c>CMD</c>, <c>ENTRYPOINT</c>, <c>ENV</c>, <c>EXPOSE</c>, <c>LABEL</c>, <c>ONBUILD</c>,
/// <c>USER</c>, <c>VOLUME</c>, <c>WORKDIR</c>, applied in order to a config. Variables (<c>$NAME</c>,
/// <c>${NAME}</c>, <c>${NAME:-word}</c>, <c>${NAME:+word}</c>) are expanded from the config's <c>Env</c> as it
/// stands, except in <c>CMD</c>, <c>ENTRYPOINT</c>, <c>HEALTHCHECK</c> and <c>ONBUILD</c>; quotes and backslashes
/// are removed as the builder's shell lexer does. <c>HEALTHCHECK</c> is parsed as BuildKit's
/// <c>parseHealthcheck</c> (vendored by moby v20.10) does. Anything else (<c>STOPSIGNAL</c> included) is refused.
/// </summary>
internal static class DockerfileChanges
{
    private static readonly HashSet<string> s_valid = new(StringComparer.Ordinal)
    {
        "cmd", "entrypoint", "env", "expose", "healthcheck", "label", "onbuild", "user", "volume", "workdir",
    };

    public static void Apply(GoContainerConfig config, IEnumerable<string> changes)
    {
        var lines = new List<(string Instruction, string Arguments)>();
        foreach (string change in changes)
        {
            foreach (string raw in change.Split('\n'))
            {
                string line = raw.Trim();
                if (line.Length == 0 || line.StartsWith('#'))
                {
                    continue;
                }

                int space = line.IndexOfAny([' ', '\t']);
                string instruction = (space < 0 ? line : line[..space]).ToLowerInvariant();
                string rest = space < 0 ? string.Empty : line[(space + 1)..].Trim();

                // Docker checks every instruction before applying any.
                if (!s_valid.Contains(instruction))
                {
                    throw Invalid($"{instruction} is not a valid change command");
                }

                lines.Add((instruction, rest));
            }
        }

        bool cmdSet = false;
        foreach ((string instruction, string rest) in lines)
        {
            switch (instruction)
            {
                case "cmd":
                    config.Cmd = CommandLine(rest, "CMD");
                    config.ArgsEscaped = false;
                    cmdSet = true;
                    break;
                case "entrypoint":
                    config.Entrypoint = CommandLine(rest, "ENTRYPOINT");
                    if (!cmdSet)
                    {
                        config.Cmd = null;
                    }

                    break;
                case "env":
                    foreach ((string key, string value) in NameValues(rest, "ENV", config))
                    {
                        config.Env ??= [];
                        int existing = config.Env.FindIndex(e => e.Split('=', 2)[0] == key);
                        if (existing >= 0)
                        {
                            config.Env[existing] = key + "=" + value;
                        }
                        else
                        {
                            config.Env.Add(key + "=" + value);
                        }
                    }

                    break;
                case "label":
                    config.Labels ??= GoContainerConfig.NewLabels();
                    foreach ((string key, string value) in NameValues(rest, "LABEL", config))
                    {
                        config.Labels[key] = value;
                    }

                    break;
                case "expose":
                    config.ExposedPorts ??= GoContainerConfig.NewKeySet();
                    foreach (string word in Words(rest))
                    {
                        foreach (string port in PortSpecs(Expand(word, config)))
                        {
                            config.ExposedPorts.Add(port);
                        }
                    }

                    break;
                case "user":
                    config.User = Expand(Single(rest, "USER"), config);
                    break;
                case "volume":
                    config.Volumes ??= GoContainerConfig.NewKeySet();
                    foreach (string word in JsonArray(rest) ?? Words(rest))
                    {
                        string volume = Expand(word, config).Trim();
                        if (volume.Length == 0)
                        {
                            throw Invalid("VOLUME specified can not be an empty string");
                        }

                        config.Volumes.Add(volume);
                    }

                    break;
                case "workdir":
                    string requested = Expand(Single(rest, "WORKDIR"), config);
                    config.WorkingDir = requested.StartsWith('/') ? requested : CleanPath("/" + config.WorkingDir + "/" + requested);
                    break;
                case "healthcheck":
                    config.Healthcheck = Healthcheck(rest);
                    break;
                case "onbuild":
                    string trigger = rest.Split([' ', '\t'], 2)[0].ToUpperInvariant();
                    if (trigger.Length == 0)
                    {
                        throw Invalid("ONBUILD requires at least one argument");
                    }

                    if (trigger == "ONBUILD")
                    {
                        throw Invalid("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
                    }

                    if (trigger is "FROM" or "MAINTAINER")
                    {
                        throw Invalid($"{trigger} isn't allowed as an ONBUILD trigger");
                    }

                    config.OnBuild ??= [];
                    config.OnBuild.Add(rest);
                    break;
            }
        }
    }

    private static ImageFormatException Invalid(string message) => new(ErrorCodes.StoreInvalidChange, message);

    /// <summary>
    /// <c>HEALTHCHECK NONE</c> or <c>HEALTHCHECK [--interval=D] [--timeout=D] [--start-period=D] [--retries=N] CMD …</c>:
    /// leading <c>--name=value</c> words are the flags (checked only for <c>CMD</c>, as BuildKit does); the type is
    /// case-insensitive; <c>CMD</c> takes a JSON array (<c>["CMD", …]</c>) or shell text kept verbatim
    /// (<c>["CMD-SHELL", "…"]</c>); durations are Go durations of at least 1ms.
    /// </summary>
    private static GoHealthConfig Healthcheck(string rest)
    {
        var flags = new List<string>();
        string text = rest;
        while (text.StartsWith("--", StringComparison.Ordinal))
        {
            int end = text.IndexOfAny([' ', '\t']);
            string word = end < 0 ? text : text[..end];
            text = end < 0 ? string.Empty : text[end..].TrimStart();
            if (word == "--")
            {
                break;
            }

            flags.Add(word[2..]);
        }

        if (text.Length == 0)
        {
            throw Invalid("HEALTHCHECK requires at least one argument");
        }

        int space = text.IndexOfAny([' ', '\t']);
        string type = (space < 0 ? text : text[..space]).ToUpperInvariant();
        string command = space < 0 ? string.Empty : text[space..].TrimStart();
        if (type == "NONE")
        {
            return command.Length == 0 ? new GoHealthConfig { Test = ["NONE"] } : throw Invalid("HEALTHCHECK NONE takes no arguments");
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string flag in flags)
        {
            int equals = flag.IndexOf('=', StringComparison.Ordinal);
            string name = equals < 0 ? flag : flag[..equals];
            if (name is not ("interval" or "timeout" or "start-period" or "retries"))
            {
                throw Invalid($"Unknown flag: {name}");
            }

            if (values.ContainsKey(name))
            {
                throw Invalid($"Duplicate flag specified: {name}");
            }

            values[name] = equals < 0 ? throw Invalid($"Missing a value on flag: {name}") : flag[(equals + 1)..];
        }

        if (type != "CMD")
        {
            throw Invalid($"Unknown type {GoText.Quote(type)} in HEALTHCHECK (try CMD)");
        }

        List<string>? exec = JsonArray(command);
        List<string> test = exec is null ? (command.Length == 0 ? [] : ["CMD-SHELL", command]) : ["CMD", .. exec];
        if (test.Count <= 1)
        {
            throw Invalid("Missing command after HEALTHCHECK CMD");
        }

        long Interval(string name)
        {
            if (!values.TryGetValue(name, out string? value) || value.Length == 0)
            {
                return 0;
            }

            long nanoseconds = GoText.ParseDuration(value, out string error) ?? throw Invalid(error);
            return nanoseconds < 1_000_000 ? throw Invalid($"Interval {GoText.Quote(name)} cannot be less than 1ms") : nanoseconds;
        }

        long interval = Interval("interval");
        long timeout = Interval("timeout");
        long startPeriod = Interval("start-period");
        int retries = 0;
        if (values.TryGetValue("retries", out string? r) && r.Length > 0)
        {
            long parsed = GoText.ParseInt32(r, out string error) ?? throw Invalid(error);
            retries = parsed < 1 ? throw Invalid($"--retries must be at least 1 (not {parsed.ToString(CultureInfo.InvariantCulture)})") : (int)parsed;
        }

        return new GoHealthConfig { Test = test, Interval = interval, Timeout = timeout, StartPeriod = startPeriod, Retries = retries };
    }

    /// <summary>Exec form (a JSON array of strings) as is; shell form as <c>/bin/sh -c "…"</c>.</summary>
    private static List<string> CommandLine(string rest, string instruction) =>
        JsonArray(rest) ?? (rest.Length == 0 ? throw Invalid($"{instruction} requires at least one argument") : ["/bin/sh", "-c", rest]);

    private static List<string>? JsonArray(string rest)
    {
        if (!rest.StartsWith('['))
        {
            return null;
        }

        try
        {
            using JsonDocument document = JsonDocument.Parse(rest);
            if (document.RootElement.ValueKind != JsonValueKind.Array || document.RootElement.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String))
            {
                return null;
            }

            return [.. document.RootElement.EnumerateArray().Select(e => e.GetString()!)];
        }
        catch (JsonException)
        {
            // Not JSON: the builder then takes the text as shell form.
            return null;
        }
    }

    private static string Single(string rest, string instruction) =>
        rest.Length == 0 ? throw Invalid($"{instruction} requires exactly one argument") : rest;

    /// <summary><c>KEY=VALUE …</c> (quotes allowed) or the legacy <c>KEY VALUE WITH SPACES</c>.</summary>
    private static List<(string Key, string Value)> NameValues(string rest, string instruction, GoContainerConfig config)
    {
        List<string> words = Words(rest);
        if (words.Count == 0)
        {
            throw Invalid($"{instruction} requires at least one argument");
        }

        var pairs = new List<(string, string)>();
        if (!words[0].Contains('=', StringComparison.Ordinal))
        {
            string[] parts = rest.Split([' ', '\t'], 2, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 2)
            {
                throw Invalid($"{instruction} must have two arguments");
            }

            pairs.Add((Expand(parts[0], config), Expand(parts[1].Trim(), config)));
            return pairs;
        }

        foreach (string word in words)
        {
            int equals = word.IndexOf('=', StringComparison.Ordinal);
            if (equals < 0)
            {
                throw Invalid($"Syntax error - can't find = in \"{word}\". Must be of the form: name=value");
            }

            string key = Expand(word[..equals], config);
            if (key.Length == 0)
            {
                throw Invalid($"{instruction} names can not be blank");
            }

            pairs.Add((key, Expand(word[(equals + 1)..], config)));
        }

        return pairs;
    }

    /// <summary>Splits on unquoted white space, keeping quotes and backslashes for <see cref="Expand"/>.</summary>
    private static List<string> Words(string text)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        char quote = '\0';
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (quote == '\0' && char.IsWhiteSpace(c))
            {
                if (word.Length > 0)
                {
                    words.Add(word.ToString());
                    word.Clear();
                }

                continue;
            }

            word.Append(c);
            if (c == '\\' && quote != '\'' && i + 1 < text.Length)
            {
                word.Append(text[++i]);
            }
            else if (quote == '\0' && c is '"' or '\'')
            {
                quote = c;
            }
            else if (c == quote)
            {
                quote = '\0';
            }
        }

        if (word.Length > 0)
        {
            words.Add(word.ToString());
        }

        return words;
    }

    /// <summary>The shell lexer's <c>ProcessWord</c>: quotes removed, backslash escapes, variables expanded.</summary>
    private static string Expand(string word, GoContainerConfig config)
    {
        var result = new StringBuilder();
        int i = 0;
        char quote = '\0';
        while (i < word.Length)
        {
            char c = word[i];
            if (quote == '\'')
            {
                if (c == '\'')
                {
                    quote = '\0';
                }
                else
                {
                    result.Append(c);
                }

                i++;
            }
            else if (c == '\\' && i + 1 < word.Length)
            {
                char next = word[i + 1];
                if (quote == '"' && next is not ('"' or '\\' or '$'))
                {
                    result.Append(c);
                }

                result.Append(next);
                i += 2;
            }
            else if (c == '$' && i + 1 < word.Length)
            {
                i = Variable(word, i + 1, config, result);
            }
            else if (quote == '\0' && c is '"' or '\'')
            {
                quote = c;
                i++;
            }
            else if (quote == '"' && c == '"')
            {
                quote = '\0';
                i++;
            }
            else
            {
                result.Append(c);
                i++;
            }
        }

        return result.ToString();
    }

    private static int Variable(string word, int start, GoContainerConfig config, StringBuilder result)
    {
        if (word[start] == '{')
        {
            int close = word.IndexOf('}', start);
            if (close < 0)
            {
                throw Invalid($"missing '}}' in '{word}'");
            }

            string inner = word[(start + 1)..close];
            int colon = inner.IndexOf(':', StringComparison.Ordinal);
            string name = colon < 0 ? inner : inner[..colon];
            string? value = Lookup(config, name);
            if (colon >= 0 && colon + 1 < inner.Length)
            {
                char modifier = inner[colon + 1];
                string alternative = inner[(colon + 2)..];
                value = modifier switch
                {
                    '-' => string.IsNullOrEmpty(value) ? alternative : value,
                    '+' => string.IsNullOrEmpty(value) ? string.Empty : alternative,
                    _ => throw Invalid($"unsupported modifier ({modifier}) in substitution"),
                };
            }

            result.Append(value);
            return close + 1;
        }

        int end = start;
        while (end < word.Length && (char.IsAsciiLetterOrDigit(word[end]) || word[end] == '_'))
        {
            end++;
        }

        if (end == start)
        {
            result.Append('$');
            return start;
        }

        result.Append(Lookup(config, word[start..end]));
        return end;
    }

    private static string? Lookup(GoContainerConfig config, string name)
    {
        foreach (string variable in config.Env ?? [])
        {
            string[] parts = variable.Split('=', 2);
            if (parts[0] == name)
            {
                return parts.Length > 1 ? parts[1] : string.Empty;
            }
        }

        return null;
    }

    /// <summary>Docker's <c>nat.ParsePortSpecs</c> for <c>EXPOSE</c>: <c>80</c>, <c>53/udp</c>, <c>8000-8001/tcp</c>.</summary>
    private static IEnumerable<string> PortSpecs(string spec)
    {
        string[] parts = spec.Split('/', 2);
        string protocol = parts.Length > 1 ? parts[1].ToLowerInvariant() : "tcp";
        string[] range = parts[0].Split('-', 2);
        if (!ushort.TryParse(range[0], NumberStyles.None, CultureInfo.InvariantCulture, out ushort first)
            || (range.Length > 1 && !ushort.TryParse(range[1], NumberStyles.None, CultureInfo.InvariantCulture, out _)))
        {
            throw Invalid($"invalid containerPort: {parts[0]}");
        }

        ushort last = range.Length > 1 ? ushort.Parse(range[1], CultureInfo.InvariantCulture) : first;
        if (last < first)
        {
            throw Invalid($"invalid range specified for containerPort: {parts[0]}");
        }

        for (int port = first; port <= last; port++)
        {
            yield return string.Create(CultureInfo.InvariantCulture, $"{port}/{protocol}");
        }
    }

    /// <summary>Go's <c>filepath.Clean</c> for an absolute path.</summary>
    private static string CleanPath(string path)
    {
        var parts = new List<string>();
        foreach (string part in path.Split('/'))
        {
            if (part is "" or ".")
            {
                continue;
            }

            if (part == "..")
            {
                if (parts.Count > 0)
                {
                    parts.RemoveAt(parts.Count - 1);
                }

                continue;
            }

            parts.Add(part);
        }

        return "/" + string.Join('/', parts);
    }
}
