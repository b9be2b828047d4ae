using System.Globalization;
using System.Text;
using ImageFormat.Store;

namespace ImageFormat.Cli.Commands;

/// <summary>
/// Docker's table writer: Go's <c>tabwriter</c> with minimum width 10 and padding 3; every column but the last is
/// padded to its widest cell plus 3 (at least 10), the last is printed as is.
/// </summary>
internal static class DockerTable
{
    public static void Write(TextWriter output, IReadOnlyList<string[]> rows)
    {
        int columns = rows.Max(r => r.Length);
        int[] widths = new int[columns];
        foreach (string[] row in rows)
        {
            for (int i = 0; i < row.Length - 1; i++)
            {
                widths[i] = Math.Max(widths[i], Math.Max(row[i].Length + 3, 10));
            }
        }

        foreach (string[] row in rows)
        {
            var line = new StringBuilder();
            for (int i = 0; i < row.Length; i++)
            {
                line.Append(row[i]);
                if (i < row.Length - 1)
                {
                    line.Append(' ', widths[i] - row[i].Length);
                }
            }

            output.WriteLine(line.ToString());
        }
    }
}

/// <summary><c>docker images</c>' rows: one per tag, digest-only repositories once, dangling images as <c>&lt;none&gt;</c>.</summary>
internal static class ImagesTable
{
    public static void Write(TextWriter output, IReadOnlyList<ImageSummary> images, DateTimeOffset now, bool quiet, bool noTrunc, bool digests)
    {
        var rows = new List<string[]>();
        if (!quiet)
        {
            rows.Add(digests
                ? ["REPOSITORY", "TAG", "DIGEST", "IMAGE ID", "CREATED", "SIZE"]
                : ["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"]);
        }

        foreach (ImageSummary image in images)
        {
            string id = noTrunc ? image.Image.Id.Value : image.Image.Id.ShortId;
            string created = image.Image.CreatedTime is { } c ? DockerUnits.HumanDuration(now - c) + " ago" : string.Empty;
            string size = DockerUnits.HumanSizeWithPrecision(image.Size, 3);
            foreach ((string repo, string tag, string digest) in Expand(image, digests))
            {
                if (quiet)
                {
                    output.WriteLine(id);
                    continue;
                }

                rows.Add(digests ? [repo, tag, digest, id, created, size] : [repo, tag, id, created, size]);
            }
        }

        if (!quiet)
        {
            DockerTable.Write(output, rows);
        }
    }

    private static List<(string Repo, string Tag, string Digest)> Expand(ImageSummary image, bool showDigests)
    {
        if (image.IsDangling)
        {
            return [("<none>", "<none>", "<none>")];
        }

        var tags = new List<(string Repo, string Tag)>();
        foreach (string reference in image.RepoTags)
        {
            int colon = reference.LastIndexOf(':');
            tags.Add((reference[..colon], reference[(colon + 1)..]));
        }

        var digestsByRepo = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (string reference in image.RepoDigests)
        {
            int at = reference.IndexOf('@', StringComparison.Ordinal);
            string repo = reference[..at];
            if (!digestsByRepo.TryGetValue(repo, out List<string>? list))
            {
                digestsByRepo[repo] = list = [];
            }

            list.Add(reference[(at + 1)..]);
        }

        var rows = new List<(string, string, string)>();
        foreach ((string repo, string tag) in tags)
        {
            List<string> digests = showDigests && digestsByRepo.TryGetValue(repo, out List<string>? d) ? d : [];
            if (digests.Count == 0)
            {
                rows.Add((repo, tag, "<none>"));
            }

            foreach (string digest in digests)
            {
                rows.Add((repo, tag, digest));
            }
        }

        foreach ((string repo, List<string> digests) in digestsByRepo.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (tags.Any(t => t.Repo == repo))
            {
                continue;
            }

            if (showDigests)
            {
                rows.AddRange(digests.Select(d => (repo, "<none>", d)));
            }
            else
            {
                rows.Add((repo, "<none>", string.Empty));
            }
        }

        return rows;
    }
}

/// <summary>go-units' and Docker's text helpers, reproduced: sizes in decimal units and durations in words.</summary>
internal static class DockerUnits
{
    private static readonly string[] Units = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"];

    /// <summary><c>units.HumanSize</c>: four significant digits.</summary>
    public static string HumanSize(long bytes) => HumanSizeWithPrecision(bytes, 4);

    /// <summary><c>units.HumanSizeWithPrecision</c>: Go's <c>%.Ng</c> and a decimal unit.</summary>
    public static string HumanSizeWithPrecision(long bytes, int precision)
    {
        double size = bytes;
        int unit = 0;
        while (size >= 1000 && unit < Units.Length - 1)
        {
            size /= 1000;
            unit++;
        }

        // .NET writes 1E+03 where Go's %g writes 1e+03.
        string number = size.ToString("G" + precision.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture).Replace('E', 'e');
        return number + Units[unit];
    }

    /// <summary><c>units.HumanDuration</c>.</summary>
    public static string HumanDuration(TimeSpan d)
    {
        int seconds = (int)d.TotalSeconds;
        if (seconds < 1)
        {
            return "Less than a second";
        }

        if (seconds == 1)
        {
            return "1 second";
        }

        if (seconds < 60)
        {
            return $"{seconds} seconds";
        }

        int minutes = (int)d.TotalMinutes;
        if (minutes == 1)
        {
            return "About a minute";
        }

        if (minutes < 60)
        {
            return $"{minutes} minutes";
        }

        int hours = (int)(d.TotalHours + 0.5);
        if (hours == 1)
        {
            return "About an hour";
        }

        if (hours < 48)
        {
            return $"{hours} hours";
        }

        if (hours < 24 * 7 * 2)
        {
            return $"{hours / 24} days";
        }

        if (hours < 24 * 30 * 2)
        {
            return $"{hours / 24 / 7} weeks";
        }

        if (hours < 24 * 365 * 2)
        {
            return $"{hours / 24 / 30} months";
        }

        return $"{(int)d.TotalHours / 24 / 365} years";
    }

    /// <summary>Docker's <c>stringutils.Ellipsis</c>: at most <paramref name="max"/> characters, the last three dots.</summary>
    public static string Ellipsis(string text, int max)
    {
        if (text.Length <= max)
        {
            return text;
        }

        return max <= 3 ? text[..max] : text[..(max - 3)] + "...";
    }
}
