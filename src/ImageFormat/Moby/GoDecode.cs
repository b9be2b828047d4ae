using System.Globalization;
using System.Text.Json;
using ImageFormat.Errors;

namespace ImageFormat.Moby;

/// <summary>Go <c>encoding/json</c> decoding rules for the few types the v1 image uses.</summary>
internal static class GoDecode
{
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

    /// <summary>A Go <c>map[string]struct{}</c>, as its set of keys. Objects merge into an existing map.</summary>
    public static SortedSet<string>? EmptyStructMap(JsonElement value, SortedSet<string>? current, string path)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        ExpectObject(value, path);
        current ??= GoContainerConfig.NewKeySet();
        foreach (JsonProperty property in value.EnumerateObject())
        {
            if (property.Value.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null))
            {
                throw TypeError(property.Value, "an object", $"{path}[{property.Name}]");
            }

            current.Add(property.Name);
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
        current ??= GoContainerConfig.NewLabels();
        foreach (JsonProperty property in value.EnumerateObject())
        {
            current[property.Name] = String(property.Value, string.Empty, $"{path}[{property.Name}]");
        }

        return current;
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
