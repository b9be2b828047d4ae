using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace ImageFormat.Json;

/// <summary>
/// A JSON object read as a dictionary in document order and written with keys in UTF-8 byte order, as Go writes
/// maps. <c>null</c> values are refused.
/// </summary>
/// <typeparam name="TValue">The value type.</typeparam>
internal sealed class SortedMapConverter<TValue> : JsonConverter<IReadOnlyDictionary<string, TValue>>
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
            reader.Read();
            if (reader.TokenType == JsonTokenType.Null)
            {
                throw new JsonException($"null value for key \"{key}\"");
            }

            TValue value = JsonSerializer.Deserialize(ref reader, valueInfo)!;
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
