using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace ImageFormat.Json;

/// <summary>
/// A JSON object read as a dictionary in document order and written with keys in UTF-8 byte order, as Go writes
/// maps. <c>null</c> values are refused; a value's own failure is reported with its key.
/// </summary>
/// <typeparam name="TValue">The value type.</typeparam>
internal class SortedMapConverter<TValue> : JsonConverter<IReadOnlyDictionary<string, TValue>>
    where TValue : notnull
{
    public override IReadOnlyDictionary<string, TValue> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException($"expected an object, found {JsonErrors.Describe(reader.TokenType)}");
        }

        JsonTypeInfo<TValue> valueInfo = (JsonTypeInfo<TValue>)options.GetTypeInfo(typeof(TValue));
        Dictionary<string, TValue> map = new(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            string key = reader.GetString()!;
            ValidateKey(key);
            reader.Read();
            if (reader.TokenType == JsonTokenType.Null)
            {
                throw new JsonException($"null value for key \"{key}\"");
            }

            TValue value;
            try
            {
                value = typeof(TValue) == typeof(string)
                    ? (TValue)(object)ReadString(ref reader, key)
                    : JsonSerializer.Deserialize(ref reader, valueInfo)!;
            }
            catch (JsonException ex)
            {
                throw new JsonException($"value of key \"{key}\": {JsonErrors.Reason(ex)}", ex);
            }

            if (!map.TryAdd(key, value))
            {
                throw new JsonException($"duplicate key \"{key}\"");
            }
        }

        return map;
    }

    public override void Write(Utf8JsonWriter writer, IReadOnlyDictionary<string, TValue> value, JsonSerializerOptions options)
    {
        JsonTypeInfo<TValue> valueInfo = (JsonTypeInfo<TValue>)options.GetTypeInfo(typeof(TValue));
        writer.WriteStartObject();
        foreach (string key in value.Keys.Order(Utf8Order.Instance))
        {
            writer.WritePropertyName(key);
            JsonSerializer.Serialize(writer, value[key], valueInfo);
        }

        writer.WriteEndObject();
    }

    /// <summary>Throws a <see cref="JsonException"/> for a key the map does not allow.</summary>
    protected virtual void ValidateKey(string key)
    {
    }

    private static string ReadString(ref Utf8JsonReader reader, string key)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new JsonException($"value of key \"{key}\": expected a string, found {JsonErrors.Describe(reader.TokenType)}");
        }

        try
        {
            return reader.GetString()!;
        }
        catch (InvalidOperationException ex)
        {
            throw new JsonException($"value of key \"{key}\": {ex.Message}", ex);
        }
    }
}

/// <summary>A string that must be a canonical digest; checked while the reader still knows the path.</summary>
internal sealed class DigestStringConverter : JsonConverter<string>
{
    public override string Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new JsonException($"expected a digest string, found {JsonErrors.Describe(reader.TokenType)}");
        }

        string text = reader.GetString()!;
        DigestText.Check(text, null);
        return text;
    }

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
}

/// <summary>A list of digest strings (<c>diff_ids</c>); <c>null</c> elements are refused.</summary>
internal sealed class DigestStringListConverter : JsonConverter<IReadOnlyList<string>>
{
    public override IReadOnlyList<string> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException($"expected an array of digests, found {JsonErrors.Describe(reader.TokenType)}");
        }

        List<string> texts = [];
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            string element = $"element {texts.Count}";
            if (reader.TokenType != JsonTokenType.String)
            {
                throw new JsonException($"{element}: expected a digest string, found {JsonErrors.Describe(reader.TokenType)}");
            }

            string text = reader.GetString()!;
            DigestText.Check(text, element);
            texts.Add(text);
        }

        return texts;
    }

    public override void Write(Utf8JsonWriter writer, IReadOnlyList<string> value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        foreach (string text in value)
        {
            writer.WriteStringValue(text);
        }

        writer.WriteEndArray();
    }
}

/// <summary>
/// Go's <c>map[string]struct{}</c> (<c>ExposedPorts</c>, <c>Volumes</c>): an object whose values are objects and
/// whose keys are the data. Read as the keys in document order; written sorted, each with <c>{}</c>.
/// </summary>
internal sealed class EmptyObjectSetConverter : JsonConverter<IReadOnlyList<string>>
{
    public override IReadOnlyList<string> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException($"expected an object, found {JsonErrors.Describe(reader.TokenType)}");
        }

        List<string> keys = [];
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            string key = reader.GetString()!;
            reader.Read();
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw new JsonException($"value of \"{key}\" must be an object, found {JsonErrors.Describe(reader.TokenType)}");
            }

            // Go decodes these values into struct{}: their content is ignored.
            reader.Skip();
            keys.Add(key);
        }

        return keys;
    }

    public override void Write(Utf8JsonWriter writer, IReadOnlyList<string> value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        foreach (string key in value.Distinct(StringComparer.Ordinal).Order(Utf8Order.Instance))
        {
            writer.WritePropertyName(key);
            writer.WriteStartObject();
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }
}
