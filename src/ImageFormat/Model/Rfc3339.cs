namespace ImageFormat.Model;

/// <summary>
/// The timestamps Go writes in image documents: RFC 3339 with 0 to 9 fractional digits and <c>Z</c> or a
/// <c>±hh:mm</c> offset, as <c>time.Time</c> marshals and accepts them.
/// </summary>
internal static class Rfc3339
{
    /// <summary>Whether <paramref name="text"/> is a timestamp Go's <c>time.Time</c> would accept.</summary>
    public static bool IsValid(string text) => TryParseParts(text, out _);

    public static bool TryParse(string? text, out DateTimeOffset value)
    {
        value = default;
        if (text is null || !TryParseParts(text, out Parts p) || p.Year < 1)
        {
            return false;
        }

        try
        {
            value = new DateTimeOffset(p.Year, p.Month, p.Day, p.Hour, p.Minute, p.Second, p.Offset).AddTicks(p.Ticks);
            return true;
        }
        catch (ArgumentOutOfRangeException)
        {
            // 0001-01-01T00:00:00+01:00 and the like: valid for Go, outside DateTimeOffset's range.
            return false;
        }
    }

    private static bool TryParseParts(string s, out Parts parts)
    {
        parts = default;
        if (s.Length < 20
            || !Digits(s, 0, 4, out int year) || s[4] != '-'
            || !Digits(s, 5, 2, out int month) || s[7] != '-'
            || !Digits(s, 8, 2, out int day) || s[10] != 'T'
            || !Digits(s, 11, 2, out int hour) || s[13] != ':'
            || !Digits(s, 14, 2, out int minute) || s[16] != ':'
            || !Digits(s, 17, 2, out int second))
        {
            return false;
        }

        int i = 19;
        long ticks = 0;
        if (s[i] == '.')
        {
            int start = ++i;
            while (i < s.Length && char.IsAsciiDigit(s[i]))
            {
                i++;
            }

            int count = i - start;
            if (count is < 1 or > 9)
            {
                return false;
            }

            // DateTimeOffset holds 100 ns ticks: digits beyond the seventh are dropped, never rounded.
            for (int k = 0; k < 7; k++)
            {
                ticks = (ticks * 10) + (k < count ? s[start + k] - '0' : 0);
            }
        }

        TimeSpan offset;
        if (i == s.Length - 1 && s[i] == 'Z')
        {
            offset = TimeSpan.Zero;
        }
        else if (i == s.Length - 6 && s[i] is '+' or '-' && Digits(s, i + 1, 2, out int oh) && s[i + 3] == ':'
            && Digits(s, i + 4, 2, out int om) && oh < 24 && om < 60)
        {
            offset = new TimeSpan(oh, om, 0);
            if (s[i] == '-')
            {
                offset = -offset;
            }
        }
        else
        {
            return false;
        }

        // Year 0 is valid for Go; DateTime.DaysInMonth needs year 1+, and year 0 is a leap year like 2000.
        int daysInMonth = DateTime.DaysInMonth(year == 0 ? 2000 : year, Math.Clamp(month, 1, 12));
        if (month is < 1 or > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        parts = new Parts(year, month, day, hour, minute, second, ticks, offset);
        return true;
    }

    private static bool Digits(string s, int start, int count, out int value)
    {
        value = 0;
        if (start + count > s.Length)
        {
            return false;
        }

        for (int i = start; i < start + count; i++)
        {
            if (!char.IsAsciiDigit(s[i]))
            {
                return false;
            }

            value = (value * 10) + (s[i] - '0');
        }

        return true;
    }

    private readonly record struct Parts(int Year, int Month, int Day, int Hour, int Minute, int Second, long Ticks, TimeSpan Offset);
}
