using System.Text.Json;
using ImageFormat.Digests;

namespace ImageFormat.Json;

/// <summary>
/// Digests cross the JSON boundary as strings: the source generator cannot describe <see cref="Digest"/> itself
/// (it has a span property), so models expose <see cref="Digest"/> and bind an internal string member through
/// these helpers. Failures are <see cref="JsonException"/>s so the serializer adds the JSON path.
/// </summary>
internal static class DigestText
{
    /// <summary>Throws a <see cref="JsonException"/> unless <paramref name="text"/> is a canonical digest.</summary>
    public static void Check(string text, string? what)
    {
        if (!Digest.TryParse(text, out _, out string? reason))
        {
            string prefix = what is null ? string.Empty : what + ": ";
            throw new JsonException($"{prefix}invalid digest \"{Errors.InvalidDigestException.Truncate(text)}\": {reason}");
        }
    }

    public static Digest Parse(string? text)
    {
        if (text is null)
        {
            throw new JsonException("null, expected a digest");
        }

        if (!Digest.TryParse(text, out Digest digest, out string? reason))
        {
            throw new JsonException($"invalid digest \"{Errors.InvalidDigestException.Truncate(text)}\": {reason}");
        }

        return digest;
    }

    public static IReadOnlyList<Digest> Parse(IReadOnlyList<string>? texts)
    {
        if (texts is null)
        {
            return [];
        }

        Digest[] digests = new Digest[texts.Count];
        for (int i = 0; i < digests.Length; i++)
        {
            try
            {
                digests[i] = Parse(texts[i]);
            }
            catch (JsonException ex)
            {
                throw new JsonException($"element {i}: {ex.Message}", ex);
            }
        }

        return digests;
    }

    public static IReadOnlyDictionary<Digest, TValue>? Parse<TValue>(IReadOnlyDictionary<string, TValue>? map)
    {
        if (map is null)
        {
            return null;
        }

        Dictionary<Digest, TValue> parsed = new(map.Count);
        foreach (KeyValuePair<string, TValue> pair in map)
        {
            try
            {
                parsed.Add(Parse(pair.Key), pair.Value);
            }
            catch (JsonException ex)
            {
                throw new JsonException($"key \"{Errors.InvalidDigestException.Truncate(pair.Key)}\": {ex.Message}", ex);
            }
        }

        return parsed;
    }

    public static IReadOnlyList<string> Format(IReadOnlyList<Digest> digests)
    {
        string[] texts = new string[digests.Count];
        for (int i = 0; i < texts.Length; i++)
        {
            texts[i] = Format(digests[i]);
        }

        return texts;
    }

    public static IReadOnlyDictionary<string, TValue>? Format<TValue>(IReadOnlyDictionary<Digest, TValue>? map)
    {
        if (map is null)
        {
            return null;
        }

        Dictionary<string, TValue> texts = new(map.Count, StringComparer.Ordinal);
        foreach (KeyValuePair<Digest, TValue> pair in map)
        {
            texts.Add(Format(pair.Key), pair.Value);
        }

        return texts;
    }

    private static string Format(Digest digest)
        => digest.IsEmpty ? throw new JsonException("an empty Digest cannot be written") : digest.Value;
}
