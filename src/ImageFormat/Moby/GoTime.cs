using System.Globalization;
using ImageFormat.Errors;

namespace ImageFormat.Moby;

/// <summary>Go's <c>time.Time</c> JSON round trip (RFC 3339 in, RFC 3339 with nanoseconds out), done on the text.</summary>
internal static class GoTime
{
    /// <summary>Parses the raw JSON token as Go 1.19's <c>time.Time.UnmarshalJSON</c> and returns what <c>MarshalJSON</c> writes back.</summary>
    public static string Normalize(string raw)
    {
        ReadOnlySpan<char> s = raw;
        if (s.Length < 2 || s[0] != '"' || s[^1] != '"')
        {
            throw Bad(raw);
        }

        // Go parses the token as it stands, quotes included and escapes not decoded.
        s = s[1..^1];
        int p = 0;
        int year = Digits(s, ref p, 4, raw);
        Expect(s, ref p, '-', raw);
        int month = Digits(s, ref p, 2, raw);
        Expect(s, ref p, '-', raw);
        int day = Digits(s, ref p, 2, raw);
        Expect(s, ref p, 'T', raw);

        // Go 1.19 reads the hour of an RFC 3339 layout as one or two digits.
        int hour = Digits(s, ref p, p + 1 < s.Length && char.IsAsciiDigit(s[p + 1]) ? 2 : 1, raw);
        Expect(s, ref p, ':', raw);
        int minute = Digits(s, ref p, 2, raw);
        Expect(s, ref p, ':', raw);
        int second = Digits(s, ref p, 2, raw);
        if (month is < 1 or > 12 || day < 1 || day > DaysIn(month, year) || hour > 23 || minute > 59 || second > 59)
        {
            throw Bad(raw);
        }

        string fraction = string.Empty;
        if (p + 1 < s.Length && (s[p] == '.' || s[p] == ',') && char.IsAsciiDigit(s[p + 1]))
        {
            int start = ++p;
            while (p < s.Length && char.IsAsciiDigit(s[p]))
            {
                p++;
            }

            // Nanoseconds: digits past the ninth are dropped, trailing zeros are not written.
            fraction = s[start..Math.Min(p, start + 9)].ToString().TrimEnd('0');
        }

        string zone;
        if (p < s.Length && s[p] == 'Z')
        {
            p++;
            zone = "Z";
        }
        else
        {
            if (s.Length - p < 6 || (s[p] != '+' && s[p] != '-') || s[p + 3] != ':')
            {
                throw Bad(raw);
            }

            char sign = s[p++];
            int zh = Digits(s, ref p, 2, raw);
            p++;
            int zm = Digits(s, ref p, 2, raw);

            // Go keeps the offset as seconds and prints it back as hours and minutes, unchecked.
            int minutes = (zh * 60) + zm;
            zone = minutes == 0
                ? "Z"
                : string.Create(CultureInfo.InvariantCulture, $"{sign}{minutes / 60:D2}:{minutes % 60:D2}");
        }

        if (p != s.Length)
        {
            throw Bad(raw);
        }

        return string.Create(
            CultureInfo.InvariantCulture,
            $"{year:D4}-{month:D2}-{day:D2}T{hour:D2}:{minute:D2}:{second:D2}{(fraction.Length > 0 ? "." + fraction : string.Empty)}{zone}");
    }

    // Go's calendar is the proleptic Gregorian one, year 0 included (a leap year).
    private static int DaysIn(int month, int year) => month == 2
        ? (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28)
        : month is 4 or 6 or 9 or 11 ? 30 : 31;

    private static int Digits(ReadOnlySpan<char> s, ref int p, int count, string raw)
    {
        if (p + count > s.Length)
        {
            throw Bad(raw);
        }

        int value = 0;
        for (int i = 0; i < count; i++)
        {
            char c = s[p + i];
            if (!char.IsAsciiDigit(c))
            {
                throw Bad(raw);
            }

            value = (value * 10) + (c - '0');
        }

        p += count;
        return value;
    }

    private static void Expect(ReadOnlySpan<char> s, ref int p, char c, string raw)
    {
        if (p >= s.Length || s[p] != c)
        {
            throw Bad(raw);
        }

        p++;
    }

    private static InvalidDocumentException Bad(string raw) =>
        new(GoV1Image.Subject, $"created: {InvalidDigestException.Truncate(raw)} is not an RFC 3339 time");
}
