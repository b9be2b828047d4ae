using System.Globalization;
using System.Text;
using ImageFormat.Errors;
using ImageFormat.Moby;
using ImageFormat.References;

namespace ImageFormat.Store;

/// <summary>How a listing is printed: Docker's <c>--format</c>, <c>-q</c>, <c>--no-trunc</c>, <c>--digests</c> and <c>-H</c>.</summary>
public sealed record DockerListingOptions
{
    /// <summary>The Go template, <c>table …</c>, or <see langword="null"/> (or <c>table</c>) for the default table.</summary>
    public string? Format { get; init; }

    /// <summary><c>-q</c>: only IDs (ignored when <see cref="Format"/> is a template, as in Docker).</summary>
    public bool Quiet { get; init; }

    /// <summary><c>--no-trunc</c>: full IDs, commands and texts.</summary>
    public bool NoTrunc { get; init; }

    /// <summary><c>images --digests</c>: the digest column, one row per digest.</summary>
    public bool Digests { get; init; }

    /// <summary><c>history -H</c> (the default): sizes and dates in human units.</summary>
    public bool Human { get; init; } = true;

    /// <summary>The time relative dates are measured from; the current time when <see langword="null"/>.</summary>
    public DateTimeOffset? Now { get; init; }

    /// <summary>The zone absolute dates are printed in (Docker's client prints local time); the local zone when <see langword="null"/>.</summary>
    public TimeZoneInfo? TimeZone { get; init; }
}

/// <summary>
/// The Docker 20.10 client's listings (<c>docker images</c>, <c>docker ps</c>, <c>docker history</c>), default
/// tables and <c>--format</c> alike, rendered by one template engine: every default table is Docker's own template
/// (<c>table {{.Repository}}\t{{.Tag}}\t…</c>), a <c>table</c> template gets Docker's header row and columns aligned
/// as Go's <c>tabwriter</c> aligns them, and <c>{{json .}}</c> writes the placeholders with Docker's key order (sorted)
/// and escaping. The placeholders are the ones Docker documents for each command.
/// </summary>
public static class DockerListing
{
    private const string DefaultImages = "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{if .CreatedSince }}{{.CreatedSince}}{{else}}N/A{{end}}\t{{.Size}}";
    private const string DefaultImagesWithDigest = "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{if .CreatedSince }}{{.CreatedSince}}{{else}}N/A{{end}}\t{{.Size}}";
    private const string DefaultContainers = "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}";
    private const string DefaultHistory = "table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}";
    private const string NonHumanHistory = "table {{.ID}}\t{{.CreatedAt}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}";
    private const string Quiet = "{{.ID}}";

    /// <summary><c>docker rmi</c>'s output: one <c>Untagged:</c> or <c>Deleted:</c> line per item, in Docker's order.</summary>
    /// <param name="removal">What the removal did.</param>
    /// <returns>The text, each line ending in a newline; empty when nothing was removed.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="removal"/> is <see langword="null"/>.</exception>
    public static string Rmi(ImageRemoval removal)
    {
        ArgumentNullException.ThrowIfNull(removal);
        var text = new StringBuilder();
        foreach (ImageDeleteItem item in removal.Items)
        {
            text.Append(item.ToString()).Append('\n');
        }

        return text.ToString();
    }

    /// <summary><c>docker image prune</c>'s output: <c>Deleted Images:</c>, one lowercase <c>untagged:</c> or
    /// <c>deleted:</c> line per item and a blank line when anything was removed, then
    /// <c>Total reclaimed space: SIZE</c>.</summary>
    /// <param name="removal">What the prune did.</param>
    /// <returns>The text, ending in a newline.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="removal"/> is <see langword="null"/>.</exception>
    public static string Prune(ImageRemoval removal)
    {
        ArgumentNullException.ThrowIfNull(removal);
        var text = new StringBuilder();
        if (removal.Items.Count > 0)
        {
            text.Append("Deleted Images:\n");
            foreach (ImageDeleteItem item in removal.Items)
            {
                text.Append(item.Untagged is { } untagged ? $"untagged: {untagged.FamiliarString()}" : $"deleted: {item.Deleted}").Append('\n');
            }

            text.Append('\n');
        }

        text.Append("Total reclaimed space: ").Append(DockerUnits.HumanSize(removal.ReclaimedBytes)).Append('\n');
        return text.ToString();
    }

    /// <summary><c>docker images</c>: one row per tag (per digest with <see cref="DockerListingOptions.Digests"/>), dangling images as <c>&lt;none&gt;</c>.</summary>
    /// <param name="images">The images, as <see cref="ImageStore.ListImages(bool, DockerFilters)"/> lists them.</param>
    /// <param name="options">The format.</param>
    /// <returns>The text, each line ending in a newline.</returns>
    /// <exception cref="ImageFormatException">The template is invalid or names a placeholder images do not have (<see cref="ErrorCodes.StoreInvalidTemplate"/>; Docker's message).</exception>
    public static string Images(IReadOnlyList<ImageSummary> images, DockerListingOptions options)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(options);
        string format = options.Format is null or "table"
            ? options.Quiet ? Quiet : options.Digests ? DefaultImagesWithDigest : DefaultImages
            : options.Format;
        if (IsTable(format) && options.Digests && !format.Contains("{{.Digest}}", StringComparison.Ordinal))
        {
            format += "\t{{.Digest}}";
        }

        bool needDigest = options.Digests || format.Contains("{{.Digest}}", StringComparison.Ordinal);
        Clock clock = new(options);
        var rows = new List<ITemplateRow>();
        foreach (ImageSummary image in images)
        {
            foreach ((string repo, string tag, string digest) in Expand(image, needDigest, options.Digests))
            {
                rows.Add(new ImageRow(image, repo, tag, digest, !options.NoTrunc, clock));
            }
        }

        return Render(format, ImageRow.Header, rows, "template parsing error: ", null);
    }

    /// <summary><c>docker ps</c>.</summary>
    /// <param name="containers">The containers, as <see cref="ImageStore.ListContainers"/> lists them.</param>
    /// <param name="options">The format.</param>
    /// <returns>The text, each line ending in a newline.</returns>
    /// <exception cref="ImageFormatException">The template is invalid or names a placeholder containers do not have (<see cref="ErrorCodes.StoreInvalidTemplate"/>; Docker's message).</exception>
    public static string Containers(IReadOnlyList<ContainerSummary> containers, DockerListingOptions options)
    {
        ArgumentNullException.ThrowIfNull(containers);
        ArgumentNullException.ThrowIfNull(options);
        Clock clock = new(options);
        string format = options.Format is null or "table" ? (options.Quiet ? Quiet : DefaultContainers) : options.Format;
        return Render(format, ContainerRow.Header, [.. containers.Select(c => new ContainerRow(c, !options.NoTrunc, clock))], "failed to parse template: ", ContainerRow.Probe);
    }

    /// <summary>Whether a <c>ps</c> format shows sizes, so that they must be computed (the Docker client's <c>FieldsUsed</c> check).</summary>
    /// <param name="format">The <c>--format</c> value.</param>
    /// <returns><see langword="true"/> when the template uses <c>.Size</c> (<c>{{json .}}</c> does).</returns>
    public static bool ContainersNeedSize(string? format)
    {
        if (format is null or "table")
        {
            return false;
        }

        try
        {
            var probe = new ContainerRow.Recorder();
            DockerTemplate.Parse(Prepare(format)).Execute(probe, header: false, new StringBuilder());
            return probe.Used.Contains("Size");
        }
        catch (ImageFormatException)
        {
            return false;
        }
    }

    /// <summary><c>docker history</c>.</summary>
    /// <param name="rows">The rows, as <see cref="ImageStore.History"/> lists them.</param>
    /// <param name="options">The format.</param>
    /// <returns>The text, each line ending in a newline.</returns>
    /// <exception cref="ImageFormatException">The template is invalid or names a placeholder history does not have (<see cref="ErrorCodes.StoreInvalidTemplate"/>; Docker's message).</exception>
    public static string History(IReadOnlyList<ImageHistoryItem> rows, DockerListingOptions options)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(options);
        Clock clock = new(options);
        string format = options.Format is null or "table" ? (options.Quiet ? Quiet : options.Human ? DefaultHistory : NonHumanHistory) : options.Format;
        return Render(format, HistoryRow.Header, [.. rows.Select(r => new HistoryRow(r, !options.NoTrunc, options.Human, clock))], "template parsing error: ", null);
    }

    private static bool IsTable(string format) => format.StartsWith("table", StringComparison.Ordinal);

    /// <summary>The client's <c>preFormat</c>: <c>table</c> removed, spaces trimmed, <c>\t</c> and <c>\n</c> made real.</summary>
    private static string Prepare(string format) =>
        (IsTable(format) ? format["table".Length..] : format).Trim(' ').Replace("\\t", "\t", StringComparison.Ordinal).Replace("\\n", "\n", StringComparison.Ordinal);

    private static string Render(string format, ITemplateRow header, List<ITemplateRow> rows, string parsePrefix, ITemplateRow? probe)
    {
        DockerTemplate template;
        try
        {
            template = DockerTemplate.Parse(Prepare(format));
        }
        catch (ImageFormatException e)
        {
            throw new ImageFormatException(ErrorCodes.StoreInvalidTemplate, parsePrefix + e.Message);
        }

        if (probe is not null && template.Execute(probe, header: false, new StringBuilder()) is { } invalid)
        {
            throw new ImageFormatException(ErrorCodes.StoreInvalidTemplate, "failed to execute template: " + invalid.Message);
        }

        var body = new StringBuilder();
        foreach (ITemplateRow row in rows)
        {
            if (template.Execute(row, header: false, body) is { } error)
            {
                throw new ImageFormatException(ErrorCodes.StoreInvalidTemplate, "template parsing error: " + error.Message);
            }

            body.Append('\n');
        }

        if (!IsTable(format))
        {
            return body.ToString();
        }

        // The header's errors are ignored, as the client ignores them: what was written before stays.
        var table = new StringBuilder();
        template.Execute(header, header: true, table);
        table.Append('\n').Append(body);
        return DockerTabWriter.Format(table.ToString());
    }

    /// <summary>The client's <c>imageFormatTaggedAndDigest</c>: a row per tag, digests per repository.</summary>
    private static List<(string Repo, string Tag, string Digest)> Expand(ImageSummary image, bool needDigest, bool showDigests)
    {
        if (image.IsDangling || (image.RepoTags.Count == 0 && image.RepoDigests.Count == 0))
        {
            return [("<none>", "<none>", "<none>")];
        }

        var tags = new List<(string Repo, string Tag)>();
        foreach (string reference in image.RepoTags)
        {
            if (ImageReference.TryParse(reference, out ImageReference? parsed) && parsed.Tag is { } tag)
            {
                tags.Add((parsed.FamiliarName, tag));
            }
        }

        var digestsByRepo = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var repoOrder = new List<string>();
        foreach (string reference in image.RepoDigests)
        {
            if (ImageReference.TryParse(reference, out ImageReference? parsed) && parsed.Digest is { } digest)
            {
                if (!digestsByRepo.TryGetValue(parsed.FamiliarName, out List<string>? list))
                {
                    digestsByRepo[parsed.FamiliarName] = list = [];
                    repoOrder.Add(parsed.FamiliarName);
                }

                list.Add(digest.ToString());
            }
        }

        var rows = new List<(string, string, string)>();
        foreach ((string repo, string tag) in tags)
        {
            List<string> digests = needDigest && digestsByRepo.TryGetValue(repo, out List<string>? d) ? d : [];
            if (digests.Count == 0)
            {
                rows.Add((repo, tag, "<none>"));
            }

            rows.AddRange(digests.Select(digest => (repo, tag, digest)));
        }

        foreach (string repo in repoOrder.Where(r => !tags.Any(t => t.Repo == r)))
        {
            if (showDigests)
            {
                rows.AddRange(digestsByRepo[repo].Select(d => (repo, "<none>", d)));
            }
            else
            {
                rows.Add((repo, "<none>", string.Empty));
            }
        }

        return rows;
    }

    /// <summary>stringid's <c>TruncateID</c>: the algorithm prefix dropped, at most 12 characters.</summary>
    private static string TruncateId(string id)
    {
        int colon = id.IndexOf(':', StringComparison.Ordinal);
        string hex = colon >= 0 ? id[(colon + 1)..] : id;
        return hex.Length > 12 ? hex[..12] : hex;
    }

    /// <summary>The client's clock: relative times from whole seconds, absolute ones in its zone, as Go prints them.</summary>
    private sealed class Clock(DockerListingOptions options)
    {
        private readonly DateTimeOffset _now = options.Now ?? DateTimeOffset.UtcNow;
        private readonly TimeZoneInfo _zone = options.TimeZone ?? TimeZoneInfo.Local;

        /// <summary>Go's <c>time.Unix(s, 0)</c> of a time the API sends as Unix seconds (Go's zero time when absent).</summary>
        public static DateTimeOffset Seconds(DateTimeOffset? time) =>
            time is { } t ? DateTimeOffset.FromUnixTimeSeconds(t.ToUnixTimeSeconds()) : DateTimeOffset.MinValue;

        public string Since(DateTimeOffset? time) => DockerUnits.HumanDuration(_now - Seconds(time)) + " ago";

        /// <summary>Go's <c>Time.String()</c>: <c>2006-01-02 15:04:05 -0700 MST</c>.</summary>
        public string GoString(DateTimeOffset? time)
        {
            DateTimeOffset local = TimeZoneInfo.ConvertTime(Seconds(time), _zone);
            string offset = local.ToString("zzz", CultureInfo.InvariantCulture).Replace(":", string.Empty, StringComparison.Ordinal);
            string name = local.Offset == TimeSpan.Zero && (_zone == TimeZoneInfo.Utc || _zone.Id is "UTC" or "Etc/UTC" or "Universal" or "Zulu") ? "UTC" : offset;
            return local.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " " + offset + " " + name;
        }

        /// <summary>Go's <c>time.RFC3339</c> in the client's zone.</summary>
        public string Rfc3339(DateTimeOffset? time)
        {
            DateTimeOffset local = TimeZoneInfo.ConvertTime(Seconds(time), _zone);
            return local.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + (local.Offset == TimeSpan.Zero ? "Z" : local.ToString("zzz", CultureInfo.InvariantCulture));
        }
    }

    /// <summary>The table header: Docker's <c>SubHeaderContext</c> map.</summary>
    private sealed class HeaderRow(IReadOnlyDictionary<string, string> names) : ITemplateRow
    {
        public string TypeName => "formatter.SubHeaderContext";

        public IEnumerable<KeyValuePair<string, string?>> Fields => names.Select(p => new KeyValuePair<string, string?>(p.Key, p.Value));

        public string? Field(string name, IReadOnlyList<string> arguments) =>
            name == "Label" && arguments.Count == 1
                ? arguments[0].Split('.')[^1].Replace('-', ' ').Replace('_', ' ')
                : names.TryGetValue(name, out string? value) ? value : null;
    }

    private abstract class Row : ITemplateRow
    {
        public abstract string TypeName { get; }

        protected abstract string[] Names { get; }

        public IEnumerable<KeyValuePair<string, string?>> Fields => Names.Select(n => new KeyValuePair<string, string?>(n, Field(n, [])));

        public string? Field(string name, IReadOnlyList<string> arguments)
        {
            if (name == "Label" && this is ContainerRow container)
            {
                return arguments.Count == 1 ? container.Label(arguments[0]) : throw WrongArguments(name, 1, arguments.Count);
            }

            if (!Names.Contains(name, StringComparer.Ordinal))
            {
                return null;
            }

            return arguments.Count == 0 ? Value(name) : throw WrongArguments(name, 0, arguments.Count);
        }

        protected abstract string? Value(string name);

        private static ImageFormatException WrongArguments(string name, int want, int got) =>
            new(ErrorCodes.StoreInvalidTemplate, $"template: :1: executing \"\" at <.{name}>: wrong number of args for {name}: want {want} got {got}");
    }

    private sealed class ImageRow(ImageSummary image, string repo, string tag, string digest, bool trunc, Clock clock) : Row
    {
        public static readonly HeaderRow Header = new(new Dictionary<string, string>
        {
            ["ID"] = "IMAGE ID", ["Repository"] = "REPOSITORY", ["Tag"] = "TAG", ["Digest"] = "DIGEST", ["CreatedSince"] = "CREATED",
            ["CreatedAt"] = "CREATED AT", ["Size"] = "SIZE", ["Containers"] = "CONTAINERS", ["VirtualSize"] = "SIZE",
            ["SharedSize"] = "SHARED SIZE", ["UniqueSize"] = "UNIQUE SIZE",
        });

        public override string TypeName => "*formatter.imageContext";

        protected override string[] Names { get; } =
            ["Containers", "CreatedAt", "CreatedSince", "Digest", "ID", "Repository", "SharedSize", "Size", "Tag", "UniqueSize", "VirtualSize"];

        // The daemon answers /images/json without the extra attributes (containers, shared size): Docker prints N/A.
        protected override string? Value(string name) => name switch
        {
            "ID" => trunc ? TruncateId(image.Image.Id.Value) : image.Image.Id.Value,
            "Repository" => repo,
            "Tag" => tag,
            "Digest" => digest,
            "CreatedSince" => clock.Since(image.Image.CreatedTime),
            "CreatedAt" => clock.GoString(image.Image.CreatedTime),
            "Size" => DockerUnits.HumanSizeWithPrecision(image.Size, 3),
            "VirtualSize" => DockerUnits.HumanSize(image.Size),
            _ => "N/A",
        };
    }

    private sealed class ContainerRow(ContainerSummary? c, bool trunc, Clock? clock) : Row
    {
        public static readonly HeaderRow Header = new(new Dictionary<string, string>
        {
            ["ID"] = "CONTAINER ID", ["Names"] = "NAMES", ["Image"] = "IMAGE", ["Command"] = "COMMAND", ["CreatedAt"] = "CREATED AT",
            ["RunningFor"] = "CREATED", ["Ports"] = "PORTS", ["State"] = "STATE", ["Status"] = "STATUS", ["Size"] = "SIZE",
            ["Labels"] = "LABELS", ["Mounts"] = "MOUNTS", ["LocalVolumes"] = "LOCAL VOLUMES", ["Networks"] = "NETWORKS",
        });

        /// <summary>The client checks every template against an empty container first, even when no container is listed.</summary>
        public static readonly ContainerRow Probe = new(null, false, null);

        public override string TypeName => "*formatter.ContainerContext";

        protected override string[] Names { get; } =
            ["Command", "CreatedAt", "ID", "Image", "Labels", "LocalVolumes", "Mounts", "Names", "Networks", "Platform", "Ports", "RunningFor", "Size", "State", "Status"];

        public string Label(string name) => c?.Labels.TryGetValue(name, out string? value) == true ? value : string.Empty;

        protected override string? Value(string name)
        {
            if (c is null)
            {
                return name == "Platform" ? null : string.Empty;
            }

            return name switch
            {
                "ID" => trunc ? c.Container.ShortId : c.Container.Id,
                "Names" => c.Container.Name,
                "Image" => Image(c, trunc),
                "Command" => GoText.Quote(trunc ? DockerUnits.Ellipsis(c.Command, 20) : c.Command),
                "CreatedAt" => clock!.GoString(c.Container.Created),
                "RunningFor" => clock!.Since(c.Container.Created),
                "State" => c.Container.Running ? "running" : "created",
                "Status" => c.Container.Running ? "Up" : "Created",
                "Size" => c.SizeRootFs is > 0
                    ? $"{DockerUnits.HumanSizeWithPrecision(c.SizeRw ?? 0, 3)} (virtual {DockerUnits.HumanSizeWithPrecision(c.SizeRootFs.Value, 3)})"
                    : DockerUnits.HumanSizeWithPrecision(c.SizeRw ?? 0, 3),
                "Labels" => string.Join(',', c.Labels.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}")),
                "LocalVolumes" => "0",

                // docker create attaches a container to the default bridge network.
                "Networks" => "bridge",
                "Platform" => null,
                _ => string.Empty,
            };
        }

        /// <summary>The client's <c>Image()</c>: the short ID when the name is the ID, else the familiar name (with its tag).</summary>
        private static string Image(ContainerSummary c, bool trunc)
        {
            if (!trunc)
            {
                return c.Image;
            }

            if (TruncateId(c.Container.ImageId.Value) == TruncateId(c.Image))
            {
                return TruncateId(c.Image);
            }

            if (ImageReference.TryParse(c.Image, out ImageReference? reference))
            {
                if (reference.Tag is { } tag)
                {
                    return reference.FamiliarName + ":" + tag;
                }

                if (reference.Digest is null)
                {
                    return reference.FamiliarName;
                }
            }

            return c.Image;
        }

        /// <summary>Records which placeholders a template reads.</summary>
        public sealed class Recorder : ITemplateRow
        {
            public HashSet<string> Used { get; } = new(StringComparer.Ordinal);

            public string TypeName => Probe.TypeName;

            public IEnumerable<KeyValuePair<string, string?>> Fields
            {
                get
                {
                    Used.Add("Size");
                    return Probe.Fields;
                }
            }

            public string? Field(string name, IReadOnlyList<string> arguments)
            {
                Used.Add(name);
                return Probe.Field(name, arguments);
            }
        }
    }

    private sealed class HistoryRow(ImageHistoryItem item, bool trunc, bool human, Clock clock) : Row
    {
        public static readonly HeaderRow Header = new(new Dictionary<string, string>
        {
            ["ID"] = "IMAGE", ["CreatedSince"] = "CREATED", ["CreatedAt"] = "CREATED AT", ["CreatedBy"] = "CREATED BY", ["Size"] = "SIZE", ["Comment"] = "COMMENT",
        });

        public override string TypeName => "*image.historyContext";

        protected override string[] Names { get; } = ["Comment", "CreatedAt", "CreatedBy", "CreatedSince", "ID", "Size"];

        protected override string? Value(string name) => name switch
        {
            "ID" => trunc ? TruncateId(item.Id) : item.Id,
            "CreatedAt" => clock.Rfc3339(item.Created),
            "CreatedSince" => human ? clock.Since(item.Created) : clock.Rfc3339(item.Created),
            "CreatedBy" => trunc ? DockerUnits.Ellipsis(item.CreatedBy.Replace('\t', ' '), 45) : item.CreatedBy.Replace('\t', ' '),
            "Size" => human ? DockerUnits.HumanSizeWithPrecision(item.Size, 3) : item.Size.ToString(CultureInfo.InvariantCulture),
            _ => item.Comment,
        };
    }
}
