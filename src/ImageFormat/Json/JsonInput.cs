using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using ImageFormat.Errors;

namespace ImageFormat.Json;

/// <summary>
/// Turns untrusted bytes into a model object or one of the project's typed exceptions, nothing else.
/// A first pass with <see cref="Utf8JsonReader"/> enforces the size and depth limits and refuses invalid UTF-8
/// and duplicate keys while it knows the JSON path; the source-generated serializer then binds the model.
/// </summary>
internal static class JsonInput
{
    /// <summary>The serializer's own depth cap; the first pass enforces the configured limit well below it.</summary>
    public const int SerializerMaxDepth = 1024;

    private static readonly ConcurrentDictionary<(JsonSerializerOptions, int), JsonSerializerOptions> DeepOptions = new();

    public static T Deserialize<T>(ReadOnlySpan<byte> json, JsonTypeInfo<T> typeInfo, string subject, ImageFormatLimits limits)
        where T : class
    {
        Precheck(json, subject, limits);
        return DeserializeChecked(json, typeInfo, subject, limits);
    }

    /// <summary>Binds bytes that already passed <see cref="Precheck"/>.</summary>
    public static T DeserializeChecked<T>(ReadOnlySpan<byte> json, JsonTypeInfo<T> typeInfo, string subject, ImageFormatLimits limits)
        where T : class
    {
        JsonTypeInfo<T> info = WithDepth(typeInfo, limits.MaxJsonDepth);
        T? value;
        try
        {
            value = JsonSerializer.Deserialize(json, info);
        }
        catch (JsonException ex)
        {
            throw new InvalidDocumentException(subject, JsonErrors.Reason(ex), ex);
        }
        catch (InvalidOperationException ex)
        {
            // Raised by the reader for text it cannot turn into a string (an escaped lone surrogate).
            throw new InvalidDocumentException(subject, $"invalid JSON: {ex.Message}", ex);
        }
        catch (FormatException ex)
        {
            throw new InvalidDocumentException(subject, $"invalid JSON: {ex.Message}", ex);
        }

        return value ?? throw new InvalidDocumentException(subject, "at $: the document is null");
    }

    /// <summary>Checks size, UTF-8, syntax, depth and duplicate keys; throws the typed exception for the first problem.</summary>
    public static void Precheck(ReadOnlySpan<byte> json, string subject, ImageFormatLimits limits)
    {
        ArgumentNullException.ThrowIfNull(subject);
        ArgumentNullException.ThrowIfNull(limits);
        if (json.Length > limits.MaxJsonBytes)
        {
            throw new LimitExceededException(subject, nameof(ImageFormatLimits.MaxJsonBytes), limits.MaxJsonBytes, json.Length);
        }

        int invalid = FirstInvalidUtf8(json);
        if (invalid >= 0)
        {
            throw new InvalidDocumentException(subject, $"invalid UTF-8 at byte offset {invalid}");
        }

        int maxDepth = Math.Max(0, limits.MaxJsonDepth);
        Utf8JsonReader reader = new(json, new JsonReaderOptions
        {
            // One more than the limit, so this pass (not the reader) reports the limit by name.
            MaxDepth = maxDepth >= int.MaxValue - 1 ? int.MaxValue : maxDepth + 1,
            CommentHandling = JsonCommentHandling.Disallow,
            AllowTrailingCommas = false,
        });
        List<Frame> frames = [];
        try
        {
            while (reader.Read())
            {
                JsonTokenType token = reader.TokenType;
                switch (token)
                {
                    case JsonTokenType.StartObject or JsonTokenType.StartArray:
                        NoteValue(frames);
                        if (frames.Count + 1 > maxDepth)
                        {
                            throw new LimitExceededException(subject, nameof(ImageFormatLimits.MaxJsonDepth), maxDepth, frames.Count + 1);
                        }

                        frames.Add(new Frame(token == JsonTokenType.StartObject));
                        break;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        frames.RemoveAt(frames.Count - 1);
                        break;
                    case JsonTokenType.PropertyName:
                        Frame frame = frames[^1];
                        string name = reader.GetString()!;
                        frame.Names ??= new HashSet<string>(StringComparer.Ordinal);
                        if (!frame.Names.Add(name))
                        {
                            frame.Property = name;
                            throw new InvalidDocumentException(subject, $"at {Path(frames)}: duplicate key \"{name}\"");
                        }

                        frame.Property = name;
                        break;
                    default:
                        NoteValue(frames);
                        break;
                }
            }
        }
        catch (JsonException ex)
        {
            throw new InvalidDocumentException(subject,
                $"malformed JSON at {Path(frames)} (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}): {StripLocation(ex.Message)}", ex);
        }
        catch (InvalidOperationException ex)
        {
            throw new InvalidDocumentException(subject, $"malformed JSON at {Path(frames)}: {ex.Message}", ex);
        }
    }

    public static JsonTypeInfo<T> WithDepth<T>(JsonTypeInfo<T> typeInfo, int maxDepth)
    {
        int needed = maxDepth >= int.MaxValue - 2 ? int.MaxValue : maxDepth + 2;
        if (needed <= SerializerMaxDepth)
        {
            return typeInfo;
        }

        // A caller allowed deeper documents than the generated options do: same resolver, larger cap.
        JsonSerializerOptions options = DeepOptions.GetOrAdd((typeInfo.Options, needed),
            static key => new JsonSerializerOptions(key.Item1) { MaxDepth = key.Item2 });
        return (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T));
    }

    private static void NoteValue(List<Frame> frames)
    {
        if (frames.Count > 0 && !frames[^1].IsObject)
        {
            frames[^1].Index++;
        }
    }

    private static string Path(List<Frame> frames)
    {
        StringBuilder path = new("$");
        foreach (Frame frame in frames)
        {
            if (frame.IsObject)
            {
                if (frame.Property is not null)
                {
                    JsonErrors.AppendProperty(path, frame.Property);
                }
            }
            else if (frame.Index >= 0)
            {
                path.Append('[').Append(frame.Index).Append(']');
            }
        }

        return path.ToString();
    }

    private static string StripLocation(string message)
    {
        int suffix = message.IndexOf(" LineNumber: ", StringComparison.Ordinal);
        return suffix >= 0 ? message[..suffix] : message;
    }

    private static int FirstInvalidUtf8(ReadOnlySpan<byte> bytes)
    {
        if (System.Text.Unicode.Utf8.IsValid(bytes))
        {
            return -1;
        }

        int offset = 0;
        while (offset < bytes.Length)
        {
            if (System.Text.Rune.DecodeFromUtf8(bytes[offset..], out _, out int consumed) != System.Buffers.OperationStatus.Done)
            {
                return offset;
            }

            offset += consumed;
        }

        return -1;
    }

    private sealed class Frame(bool isObject)
    {
        public bool IsObject { get; } = isObject;

        public HashSet<string>? Names { get; set; }

        public string? Property { get; set; }

        public int Index { get; set; } = -1;
    }
}
