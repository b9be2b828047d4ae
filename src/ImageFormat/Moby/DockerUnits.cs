using System.Globalization;
using System.Text;

namespace ImageFormat.Moby;

/// <summary>go-units' and Docker's text helpers, reproduced: sizes in decimal units and durations in words.</summary>
public static class DockerUnits
{
    private static readonly string[] Units = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"];

    /// <summary><c>units.HumanSize</c>: four significant digits.</summary>
    /// <param name="bytes">The size.</param>
    /// <returns>The text, such as <c>1.982MB</c>.</returns>
    public static string HumanSize(long bytes) => HumanSizeWithPrecision(bytes, 4);

    /// <summary><c>units.HumanSizeWithPrecision</c>: Go's <c>%.Ng</c> and a decimal unit.</summary>
    /// <param name="bytes">The size.</param>
    /// <param name="precision">Significant digits.</param>
    /// <returns>The text, such as <c>1.98MB</c>.</returns>
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
    /// <param name="d">The duration.</param>
    /// <returns>The text, such as <c>About a minute</c>.</returns>
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

    /// <summary>The Docker client's <c>formatter.Ellipsis</c>: at most <paramref name="max"/> characters (runes), the last an ellipsis (…).</summary>
    /// <param name="text">The text.</param>
    /// <param name="max">The most characters to keep.</param>
    /// <returns>The text, shortened if needed.</returns>
    public static string Ellipsis(string text, int max)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (max <= 0)
        {
            return string.Empty;
        }

        Rune[] runes = [.. text.EnumerateRunes()];
        if (runes.Length <= max)
        {
            return text;
        }

        return max == 1 ? runes[0].ToString() : string.Concat(runes[..(max - 1)].Select(r => r.ToString())) + "…";
    }
}
