using System.Text.Json;

namespace ImageFormat.Moby;

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
