using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ImageFormat.Model;

/// <summary>
/// The platform an image runs on, as written in an index descriptor
/// (<see href="https://github.com/opencontainers/image-spec/blob/main/image-index.md"/>).
/// </summary>
/// <remarks>
/// Serialised as <c>architecture</c>, <c>os</c>, <c>os.version</c>, <c>os.features</c>, <c>variant</c>,
/// <c>features</c>, then unknown fields.
/// </remarks>
public sealed record Platform
{
    /// <summary>The CPU architecture in Go's terms, such as <c>amd64</c> or <c>arm64</c> (<c>architecture</c>, required).</summary>
    [JsonPropertyName("architecture")]
    [JsonPropertyOrder(0)]
    public required string Architecture { get; init; }

    /// <summary>The operating system in Go's terms, such as <c>linux</c> (<c>os</c>, required).</summary>
    [JsonPropertyName("os")]
    [JsonPropertyOrder(1)]
    public required string Os { get; init; }

    /// <summary>The operating system version, such as <c>10.0.14393.1066</c> (<c>os.version</c>).</summary>
    [JsonPropertyName("os.version")]
    [JsonPropertyOrder(2)]
    public string? OsVersion { get; init; }

    /// <summary>Required operating system features, such as <c>win32k</c> (<c>os.features</c>).</summary>
    [JsonPropertyName("os.features")]
    [JsonPropertyOrder(3)]
    public IReadOnlyList<string>? OsFeatures { get; init; }

    /// <summary>The CPU variant, such as <c>v7</c> or <c>v8</c> (<c>variant</c>).</summary>
    [JsonPropertyName("variant")]
    [JsonPropertyOrder(4)]
    public string? Variant { get; init; }

    /// <summary>Reserved by the OCI specification (<c>features</c>).</summary>
    [JsonPropertyName("features")]
    [JsonPropertyOrder(5)]
    public IReadOnlyList<string>? Features { get; init; }

    /// <summary>Fields this library does not know, in document order; written back after the known fields.</summary>
    [JsonIgnore]
    public IReadOnlyDictionary<string, JsonElement>? AdditionalFields
    {
        get => ExtensionData;
        init => ExtensionData = Json.ExtensionData.Copy(value);
    }

    [JsonExtensionData]
    [JsonInclude]
    internal Dictionary<string, JsonElement>? ExtensionData { get; set; }

    /// <summary>Parses <c>os/architecture[/variant]</c>, the form of <c>docker --platform</c>.</summary>
    /// <param name="value">Such as <c>linux/arm64/v8</c> or <c>linux/amd64</c>.</param>
    /// <returns>The platform, exactly as written (not normalised).</returns>
    /// <exception cref="ArgumentException"><paramref name="value"/> does not have two or three non-empty parts.</exception>
    public static Platform Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (!TryParse(value, out Platform? platform))
        {
            throw new ArgumentException($"invalid platform \"{value}\": expected os/architecture[/variant]", nameof(value));
        }

        return platform;
    }

    /// <summary>Tries to parse <c>os/architecture[/variant]</c>.</summary>
    /// <param name="value">The text.</param>
    /// <param name="platform">The platform, when the text is one.</param>
    /// <returns>Whether the text has two or three non-empty parts separated by <c>/</c>.</returns>
    public static bool TryParse([NotNullWhen(true)] string? value, [NotNullWhen(true)] out Platform? platform)
    {
        platform = null;
        if (string.IsNullOrEmpty(value))
        {
            return false;
        }

        string[] parts = value.Split('/');
        if (parts.Length is < 2 or > 3 || Array.Exists(parts, p => p.Length == 0 || p.Any(char.IsWhiteSpace)))
        {
            return false;
        }

        platform = new Platform { Os = parts[0], Architecture = parts[1], Variant = parts.Length == 3 ? parts[2] : null };
        return true;
    }

    /// <summary>
    /// Returns this platform in the normal form containerd compares: lowercase OS (<c>macos</c> is <c>darwin</c>),
    /// <c>x86_64</c>/<c>x86-64</c> as <c>amd64</c>, <c>aarch64</c> as <c>arm64</c>, <c>i386</c> as <c>386</c>,
    /// <c>armhf</c>/<c>armel</c> as <c>arm</c> <c>v7</c>/<c>v6</c>, a bare <c>arm</c> as <c>v7</c>, numeric ARM
    /// variants with a <c>v</c>, and the default variants <c>amd64/v1</c> and <c>arm64/v8</c> dropped.
    /// </summary>
    /// <returns>The normalised platform (other fields unchanged).</returns>
    public Platform Normalize()
    {
        string os = Os.ToLowerInvariant();
        if (os == "macos")
        {
            os = "darwin";
        }

        string architecture = Architecture.ToLowerInvariant();
        string? variant = string.IsNullOrEmpty(Variant) ? null : Variant.ToLowerInvariant();
        switch (architecture)
        {
            case "i386":
                architecture = "386";
                variant = null;
                break;
            case "x86_64" or "x86-64" or "amd64":
                architecture = "amd64";
                variant = variant == "v1" ? null : variant;
                break;
            case "aarch64" or "arm64":
                architecture = "arm64";
                variant = variant is "8" or "v8" ? null : variant;
                break;
            case "armhf":
                architecture = "arm";
                variant = "v7";
                break;
            case "armel":
                architecture = "arm";
                variant = "v6";
                break;
            case "arm":
                variant = variant switch
                {
                    null => "v7",
                    "5" or "6" or "7" or "8" => "v" + variant,
                    _ => variant,
                };
                break;
        }

        return this with { Os = os, Architecture = architecture, Variant = variant };
    }

    /// <summary>
    /// Whether an image for <paramref name="candidate"/> satisfies a request for this platform: OS, architecture
    /// and variant are equal after <see cref="Normalize"/>; a request without a variant accepts any variant.
    /// </summary>
    /// <param name="candidate">The platform an image declares.</param>
    /// <returns>Whether it matches.</returns>
    public bool Matches(Platform candidate)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        Platform want = Normalize();
        Platform have = candidate.Normalize();
        bool variantFree = string.IsNullOrEmpty(Variant);
        return want.Os == have.Os
            && want.Architecture == have.Architecture
            && (variantFree || want.Variant == have.Variant);
    }

    /// <summary>Returns <c>os/architecture[/variant]</c>.</summary>
    /// <returns>The short form.</returns>
    public override string ToString()
    {
        StringBuilder builder = new();
        builder.Append(Os).Append('/').Append(Architecture);
        if (!string.IsNullOrEmpty(Variant))
        {
            builder.Append('/').Append(Variant);
        }

        return builder.ToString();
    }
}

/// <summary>Reads a descriptor's <c>platform</c>, an empty object as none; writes it as it is.</summary>
internal sealed class EmptyPlatformConverter : JsonConverter<Platform?>
{
    public override Platform? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.StartObject)
        {
            Utf8JsonReader probe = reader;
            if (probe.Read() && probe.TokenType == JsonTokenType.EndObject)
            {
                reader.Read();
                return null;
            }
        }

        return JsonSerializer.Deserialize(ref reader, (System.Text.Json.Serialization.Metadata.JsonTypeInfo<Platform>)options.GetTypeInfo(typeof(Platform)));
    }

    public override void Write(Utf8JsonWriter writer, Platform? value, JsonSerializerOptions options) =>
        JsonSerializer.Serialize(writer, value!, (System.Text.Json.Serialization.Metadata.JsonTypeInfo<Platform>)options.GetTypeInfo(typeof(Platform)));
}
