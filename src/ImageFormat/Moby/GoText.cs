using System.Globalization;
using System.Text;

namespace ImageFormat.Moby;

/// <summary>
/// The few pieces of Go's standard library whose exact behaviour and messages Docker's answers carry:
/// <c>strconv.Quote</c>, <c>time.ParseDuration</c>, <c>strconv.ParseInt</c>, <c>path.Match</c>, and the
/// <c>until</c> timestamps of moby's <c>api/types/time.GetTimestamp</c>.
/// </summary>
internal static class GoText
{
    private static readonly (string Unit, long Nanoseconds)[] s_units =
    [
        ("ns", 1), ("us", 1_000), ("µs", 1_000), ("μs", 1_000), ("ms", 1_000_000), ("s", 1_000_000_000),
        ("m", 60_000_000_000), ("h", 3_600_000_000_000),
    ];

    /// <summary>Go's <c>strconv.Quote</c> (and <c>%#v</c> of a string) for the text Docker quotes.</summary>
    public static string Quote(string text)
    {
        var result = new StringBuilder(text.Length + 2).Append('"');
        foreach (Rune rune in text.EnumerateRunes())
        {
            switch (rune.Value)
            {
                case '"': result.Append("\\\""); break;
                case '\\': result.Append("\\\\"); break;
                case '\n': result.Append("\\n"); break;
                case '\t': result.Append("\\t"); break;
                case '\r': result.Append("\\r"); break;
                case '\a': result.Append("\\a"); break;
                case '\b': result.Append("\\b"); break;
                case '\f': result.Append("\\f"); break;
                case '\v': result.Append("\\v"); break;
                default:
                    if (rune.Value < 0x20 || rune.Value == 0x7f)
                    {
                        result.Append(CultureInfo.InvariantCulture, $"\\x{rune.Value:x2}");
                    }
                    else if (Rune.IsControl(rune) || rune.Value == 0xFFFD)
                    {
                        result.Append(rune.Value > 0xFFFF ? $"\\U{rune.Value:x8}" : $"\\u{rune.Value:x4}");
                    }
                    else
                    {
                        result.Append(rune.ToString());
                    }

                    break;
            }
        }

        return result.Append('"').ToString();
    }

    /// <summary>Go's <c>time.ParseDuration</c>: nanoseconds, or <see langword="null"/> with <paramref name="error"/> set to Go's message.</summary>
    public static long? ParseDuration(string text, out string error)
    {
        error = $"time: invalid duration {Quote(text)}";
        string s = text;
        bool negative = false;
        if (s.Length > 0 && s[0] is '-' or '+')
        {
            negative = s[0] == '-';
            s = s[1..];
        }

        if (s == "0")
        {
            return 0;
        }

        if (s.Length == 0)
        {
            return null;
        }

        ulong total = 0;
        while (s.Length > 0)
        {
            if (!(s[0] == '.' || char.IsAsciiDigit(s[0])))
            {
                return null;
            }

            int i = 0;
            ulong value = 0;
            while (i < s.Length && char.IsAsciiDigit(s[i]))
            {
                if (value > (1UL << 63) / 10)
                {
                    return null;
                }

                value = (value * 10) + (ulong)(s[i] - '0');
                if (value > 1UL << 63)
                {
                    return null;
                }

                i++;
            }

            bool before = i > 0;
            ulong fraction = 0;
            double scale = 1;
            bool after = false;
            if (i < s.Length && s[i] == '.')
            {
                i++;
                int start = i;
                bool overflow = false;
                while (i < s.Length && char.IsAsciiDigit(s[i]))
                {
                    if (!overflow)
                    {
                        if (fraction > ((1UL << 63) - 1) / 10)
                        {
                            overflow = true;
                        }
                        else
                        {
                            ulong next = (fraction * 10) + (ulong)(s[i] - '0');
                            if (next > 1UL << 63)
                            {
                                overflow = true;
                            }
                            else
                            {
                                fraction = next;
                                scale *= 10;
                            }
                        }
                    }

                    i++;
                }

                after = i > start;
            }

            if (!before && !after)
            {
                return null;
            }

            int unitStart = i;
            while (i < s.Length && !(s[i] == '.' || char.IsAsciiDigit(s[i])))
            {
                i++;
            }

            if (i == unitStart)
            {
                error = $"time: missing unit in duration {Quote(text)}";
                return null;
            }

            string unitText = s[unitStart..i];
            s = s[i..];
            long unit = Array.Find(s_units, u => u.Unit == unitText).Nanoseconds;
            if (unit == 0)
            {
                error = $"time: unknown unit {Quote(unitText)} in duration {Quote(text)}";
                return null;
            }

            if (value > (1UL << 63) / (ulong)unit)
            {
                return null;
            }

            value *= (ulong)unit;
            if (fraction > 0)
            {
                value += (ulong)(fraction * (unit / scale));
                if (value > 1UL << 63)
                {
                    return null;
                }
            }

            total += value;
            if (total > 1UL << 63)
            {
                return null;
            }
        }

        if (negative)
        {
            return total == 1UL << 63 ? long.MinValue : -(long)total;
        }

        return total > long.MaxValue ? null : (long)total;
    }

    /// <summary>Go's <c>strconv.ParseInt(text, 10, 32)</c>, or <see langword="null"/> with Go's message.</summary>
    public static long? ParseInt32(string text, out string error)
    {
        string digits = text.Length > 0 && text[0] is '+' or '-' ? text[1..] : text;
        if (digits.Length == 0 || !digits.All(char.IsAsciiDigit))
        {
            error = $"strconv.ParseInt: parsing {Quote(text)}: invalid syntax";
            return null;
        }

        error = $"strconv.ParseInt: parsing {Quote(text)}: value out of range";
        return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value) && value is >= int.MinValue and <= int.MaxValue
            ? value
            : null;
    }

    /// <summary>Go's <c>path.Match</c>: shell patterns (<c>*</c>, <c>?</c>, <c>[…]</c>, <c>\</c>) where <c>*</c> never crosses <c>/</c>.</summary>
    /// <exception cref="FormatException">The pattern is malformed (Go's <c>ErrBadPattern</c>, <c>syntax error in pattern</c>).</exception>
    public static bool PathMatch(string pattern, string name)
    {
        while (pattern.Length > 0)
        {
            (bool star, string chunk, pattern) = ScanChunk(pattern);
            if (star && chunk.Length == 0)
            {
                return !name.Contains('/', StringComparison.Ordinal);
            }

            (string rest, bool ok) = MatchChunk(chunk, name);
            if (ok && (rest.Length == 0 || pattern.Length > 0))
            {
                name = rest;
                continue;
            }

            bool matched = false;
            if (star)
            {
                for (int i = 0; i < name.Length && name[i] != '/'; i++)
                {
                    (rest, ok) = MatchChunk(chunk, name[(i + 1)..]);
                    if (ok)
                    {
                        if (pattern.Length == 0 && rest.Length > 0)
                        {
                            continue;
                        }

                        name = rest;
                        matched = true;
                        break;
                    }
                }
            }

            if (matched)
            {
                continue;
            }

            // Before answering no, Go checks that the rest of the pattern is well formed.
            while (pattern.Length > 0)
            {
                (_, chunk, pattern) = ScanChunk(pattern);
                MatchChunk(chunk, string.Empty);
            }

            return false;
        }

        return name.Length == 0;
    }

    private static (bool Star, string Chunk, string Remaining) ScanChunk(string pattern)
    {
        bool star = false;
        while (pattern.Length > 0 && pattern[0] == '*')
        {
            pattern = pattern[1..];
            star = true;
        }

        bool inRange = false;
        int i;
        for (i = 0; i < pattern.Length; i++)
        {
            switch (pattern[i])
            {
                case '\\':
                    if (i + 1 < pattern.Length)
                    {
                        i++;
                    }

                    break;
                case '[':
                    inRange = true;
                    break;
                case ']':
                    inRange = false;
                    break;
                case '*' when !inRange:
                    return (star, pattern[..i], pattern[i..]);
            }
        }

        return (star, pattern, string.Empty);
    }

    /// <summary>Go's <c>matchChunk</c>; a malformed chunk throws even when the name is exhausted, as Go reports it.</summary>
    private static (string Remaining, bool Ok) MatchChunk(string chunk, string s)
    {
        bool failed = false;
        while (chunk.Length > 0)
        {
            if (!failed && s.Length == 0)
            {
                failed = true;
            }

            switch (chunk[0])
            {
                case '[':
                    char r = '\0';
                    if (!failed)
                    {
                        r = s[0];
                        s = s[1..];
                    }

                    chunk = chunk[1..];
                    bool negated = false;
                    if (chunk.Length > 0 && chunk[0] == '^')
                    {
                        negated = true;
                        chunk = chunk[1..];
                    }

                    bool match = false;
                    int count = 0;
                    while (true)
                    {
                        if (chunk.Length > 0 && chunk[0] == ']' && count > 0)
                        {
                            chunk = chunk[1..];
                            break;
                        }

                        (char lo, chunk) = GetEscaped(chunk);
                        char hi = lo;
                        if (chunk.Length > 0 && chunk[0] == '-')
                        {
                            (hi, chunk) = GetEscaped(chunk[1..]);
                        }

                        if (lo <= r && r <= hi)
                        {
                            match = true;
                        }

                        count++;
                    }

                    if (match == negated)
                    {
                        failed = true;
                    }

                    break;
                case '?':
                    if (!failed)
                    {
                        if (s[0] == '/')
                        {
                            failed = true;
                        }

                        s = s[1..];
                    }

                    chunk = chunk[1..];
                    break;
                case '\\':
                    chunk = chunk[1..];
                    if (chunk.Length == 0)
                    {
                        throw BadPattern();
                    }

                    goto default;
                default:
                    if (!failed)
                    {
                        if (chunk[0] != s[0])
                        {
                            failed = true;
                        }

                        s = s[1..];
                    }

                    chunk = chunk[1..];
                    break;
            }
        }

        return failed ? (string.Empty, false) : (s, true);
    }

    private static (char Value, string Remaining) GetEscaped(string chunk)
    {
        if (chunk.Length == 0 || chunk[0] is '-' or ']')
        {
            throw BadPattern();
        }

        if (chunk[0] == '\\')
        {
            chunk = chunk[1..];
            if (chunk.Length == 0)
            {
                throw BadPattern();
            }
        }

        char value = chunk[0];
        chunk = chunk[1..];
        return chunk.Length == 0 ? throw BadPattern() : (value, chunk);
    }

    private static FormatException BadPattern() => new("syntax error in pattern");

    /// <summary>
    /// moby's <c>GetTimestamp</c> then <c>ParseTimestamps</c> for <c>until</c>: a Go duration before
    /// <paramref name="now"/>, an RFC 3339 date or time (local when it names no zone), or Unix seconds with an
    /// optional fraction.
    /// </summary>
    /// <returns>The instant, or <see langword="null"/> with <paramref name="error"/> set to Docker's message.</returns>
    public static DateTimeOffset? ParseTimestamp(string value, DateTimeOffset now, TimeZoneInfo zone, out string error)
    {
        error = string.Empty;
        if (value != "0" && ParseDuration(value, out _) is { } duration)
        {
            // Docker sends whole seconds.
            return DateTimeOffset.FromUnixTimeSeconds(now.AddTicks(-(duration / 100)).ToUnixTimeSeconds());
        }

        bool local = !(value.AsSpan().IndexOfAny("zZ+") >= 0 || value.Count(c => c == '-') == 3);
        string[] formats;
        if (value.Contains('.', StringComparison.Ordinal))
        {
            formats = local ? ["yyyy-MM-dd'T'HH:mm:ss.FFFFFFF"] : ["yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'"];
        }
        else if (value.Contains('T', StringComparison.Ordinal))
        {
            formats = local
                ? ["yyyy-MM-dd'T'HH", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss"]
                : ["yyyy-MM-dd'T'HHK", "yyyy-MM-dd'T'HH:mmK", "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH'Z'", "yyyy-MM-dd'T'HH:mm'Z'", "yyyy-MM-dd'T'HH:mm:ss'Z'"];
        }
        else
        {
            formats = local ? ["yyyy-MM-dd"] : ["yyyy-MM-ddK", "yyyy-MM-dd'Z'"];
        }

        if (DateTime.TryParseExact(value, formats, CultureInfo.InvariantCulture, DateTimeStyles.None, out DateTime parsed))
        {
            if (local || value.EndsWith('Z') || value.EndsWith('z'))
            {
                TimeSpan offset = local ? zone.GetUtcOffset(parsed) : TimeSpan.Zero;
                return new DateTimeOffset(DateTime.SpecifyKind(parsed, DateTimeKind.Unspecified), offset);
            }

            return DateTimeOffset.ParseExact(value, formats, CultureInfo.InvariantCulture, DateTimeStyles.None);
        }

        if (value.Contains('-', StringComparison.Ordinal))
        {
            // Go's time.Parse says precisely which element failed; this says which value did not parse.
            error = $"parsing time {Quote(value)}: not a time Docker accepts (RFC 3339, e.g. 2006-01-02T15:04:05Z07:00)";
            return null;
        }

        string[] parts = value.Split('.', 2);
        if (long.TryParse(parts[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long seconds)
            && (parts.Length == 1 || long.TryParse(parts[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)))
        {
            long nanoseconds = parts.Length == 1 ? 0 : (long)(long.Parse(parts[1], CultureInfo.InvariantCulture) * Math.Pow(10, 9 - parts[1].Length));
            return DateTimeOffset.FromUnixTimeSeconds(seconds).AddTicks(nanoseconds / 100);
        }

        error = $"failed to parse value as time or duration: {Quote(value)}";
        return null;
    }
}
