using System.Text.Json;

namespace ImageFormat.Json;

/// <summary>Copies caller-supplied unknown fields so a record never shares a mutable dictionary with its creator.</summary>
internal static class ExtensionData
{
    public static Dictionary<string, JsonElement>? Copy(IReadOnlyDictionary<string, JsonElement>? fields)
    {
        if (fields is null)
        {
            return null;
        }

        // Keeps the caller's enumeration order: unknown fields are written back in that order.
        Dictionary<string, JsonElement> copy = new(fields.Count, StringComparer.Ordinal);
        foreach (KeyValuePair<string, JsonElement> pair in fields)
        {
            copy.Add(pair.Key, pair.Value.Clone());
        }

        return copy;
    }
}
