using System.Globalization;
using System.Text;

namespace ImageFormat.Tar;

/// <summary>Byte-level layout of tar header blocks and the number encodings they use.</summary>
internal static class TarFields
{
    public const int BlockSize = 512;

    // Offsets and lengths shared by every dialect (V7 and ustar).
    public const int NameOffset = 0, NameLength = 100;
    public const int ModeOffset = 100, ModeLength = 8;
    public const int UidOffset = 108, UidLength = 8;
    public const int GidOffset = 116, GidLength = 8;
    public const int SizeOffset = 124, SizeLength = 12;
    public const int MtimeOffset = 136, MtimeLength = 12;
    public const int ChecksumOffset = 148, ChecksumLength = 8;
    public const int TypeOffset = 156;
    public const int LinkNameOffset = 157, LinkNameLength = 100;
    public const int MagicOffset = 257, MagicLength = 6;
    public const int VersionOffset = 263, VersionLength = 2;
    public const int UserNameOffset = 265, UserNameLength = 32;
    public const int GroupNameOffset = 297, GroupNameLength = 32;
    public const int DevMajorOffset = 329, DevMajorLength = 8;
    public const int DevMinorOffset = 337, DevMinorLength = 8;
    public const int PrefixOffset = 345, PrefixLength = 155;

    // GNU (old GNU) header tail.
    public const int GnuAtimeOffset = 345, GnuCtimeOffset = 357, GnuTimeLength = 12;
    public const int GnuSparseOffset = 386, GnuSparseEntries = 4;
    public const int GnuIsExtendedOffset = 482;
    public const int GnuRealSizeOffset = 483, GnuRealSizeLength = 12;
    public const int SparseEntryLength = 24, SparseNumberLength = 12;
    public const int GnuExtensionEntries = 21, GnuExtensionIsExtendedOffset = 504;

    // star header tail (ustar magic plus "tar\0" trailer).
    public const int StarPrefixLength = 131, StarAtimeOffset = 476, StarCtimeOffset = 488, StarTrailerOffset = 508;

    public const long MinUnixSeconds = -62_135_596_800; // 0001-01-01T00:00:00Z
    public const long MaxUnixSeconds = 253_402_300_799; // 9999-12-31T23:59:59Z

    public static ReadOnlySpan<byte> UstarMagic => "ustar\0"u8;
    public static ReadOnlySpan<byte> UstarVersion => "00"u8;
    public static ReadOnlySpan<byte> GnuMagic => "ustar "u8;
    public static ReadOnlySpan<byte> GnuVersion => " \0"u8;
    public static ReadOnlySpan<byte> StarTrailer => "tar\0"u8;

    /// <summary>The bytes of a NUL-terminated field, up to the first NUL or the field's end.</summary>
    public static ReadOnlySpan<byte> CString(ReadOnlySpan<byte> field)
    {
        int nul = field.IndexOf((byte)0);
        return nul < 0 ? field : field[..nul];
    }

    public static string Utf8(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);

    /// <summary>
    /// Parses an octal field, tolerating leading and trailing spaces and NULs as GNU tar and Go do, or a GNU base-256
    /// field (high bit of the first byte set; the next bit is the sign). Returns false on any other byte or on overflow.
    /// </summary>
    public static bool TryParseNumeric(ReadOnlySpan<byte> field, out long value)
    {
        value = 0;
        if (field.Length > 0 && (field[0] & 0x80) != 0)
        {
            // Two's complement: invert a negative number's bytes, read it as unsigned, invert back.
            byte inv = (field[0] & 0x40) != 0 ? (byte)0xff : (byte)0;
            ulong x = 0;
            for (int i = 0; i < field.Length; i++)
            {
                byte c = (byte)(field[i] ^ inv);
                if (i == 0)
                {
                    c &= 0x7f;
                }

                if ((x >> 56) != 0)
                {
                    return false;
                }

                x = (x << 8) | c;
            }

            if ((x >> 63) != 0)
            {
                return false;
            }

            value = inv == 0xff ? ~(long)x : (long)x;
            return true;
        }

        return TryParseOctal(field, out value);
    }

    public static bool TryParseOctal(ReadOnlySpan<byte> field, out long value)
    {
        value = 0;
        ReadOnlySpan<byte> digits = field.Trim(" \0"u8);
        long x = 0;
        foreach (byte c in digits)
        {
            if (c is < (byte)'0' or > (byte)'7')
            {
                return false;
            }

            if (x > (long.MaxValue >> 3))
            {
                return false;
            }

            x = (x << 3) | (long)(c - '0');
        }

        value = x;
        return true;
    }

    public static bool IsAllZero(ReadOnlySpan<byte> block) => !block.ContainsAnyExcept((byte)0);

    /// <summary>The unsigned and signed sums of a header block with its checksum field counted as spaces.</summary>
    public static (long Unsigned, long Signed) Checksums(ReadOnlySpan<byte> block)
    {
        long unsignedSum = 0, signedSum = 0;
        for (int i = 0; i < BlockSize; i++)
        {
            byte b = i is >= ChecksumOffset and < ChecksumOffset + ChecksumLength ? (byte)' ' : block[i];
            unsignedSum += b;
            signedSum += (sbyte)b;
        }

        return (unsignedSum, signedSum);
    }

    /// <summary>Whether <paramref name="x"/> fits in an octal field of <paramref name="length"/> bytes (one kept for the NUL).</summary>
    public static bool FitsInOctal(int length, long x) => x >= 0 && (length <= 1 || x < 1L << ((length - 1) * 3));

    /// <summary>Writes <paramref name="x"/> as zero-padded octal followed by a NUL, as Go's writer does.</summary>
    public static void FormatOctal(Span<byte> field, long x)
    {
        string s = Convert.ToString(x, 8);
        int pad = field.Length - s.Length - 1;
        int at = 0;
        for (; at < pad; at++)
        {
            field[at] = (byte)'0';
        }

        foreach (char c in s)
        {
            field[at++] = (byte)c;
        }

        if (at < field.Length)
        {
            field[at] = 0;
        }
    }

    /// <summary>Writes the checksum as six octal digits, a NUL and a space.</summary>
    public static void WriteChecksum(Span<byte> block)
    {
        long sum = Checksums(block).Unsigned;
        FormatOctal(block.Slice(ChecksumOffset, 7), sum);
        block[ChecksumOffset + 7] = (byte)' ';
    }

    public static DateTimeOffset? FromUnix(long seconds, long ticksFraction = 0)
    {
        if (seconds < MinUnixSeconds || seconds > MaxUnixSeconds)
        {
            return null;
        }

        DateTimeOffset t = DateTimeOffset.FromUnixTimeSeconds(seconds);
        if (ticksFraction != 0)
        {
            long ticks = t.UtcTicks + ticksFraction;
            if (ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks)
            {
                return null;
            }

            t = new DateTimeOffset(ticks, TimeSpan.Zero);
        }

        return t;
    }

    /// <summary>Seconds since the epoch, rounded down, and the remaining nanoseconds (0..999999900).</summary>
    public static (long Seconds, long Nanoseconds) ToUnix(DateTimeOffset t)
    {
        long ticks = t.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        long seconds = Math.DivRem(ticks, TimeSpan.TicksPerSecond, out long rem);
        if (rem < 0)
        {
            seconds--;
            rem += TimeSpan.TicksPerSecond;
        }

        return (seconds, rem * 100);
    }

    /// <summary>Parses a PAX time, <c>[-]seconds[.fraction]</c>, as Go and GNU tar do; fractions beyond 100 ns are dropped.</summary>
    public static bool TryParsePaxTime(ReadOnlySpan<byte> text, out DateTimeOffset value)
    {
        value = default;
        int dot = text.IndexOf((byte)'.');
        ReadOnlySpan<byte> secondsPart = dot < 0 ? text : text[..dot];
        ReadOnlySpan<byte> fraction = dot < 0 ? [] : text[(dot + 1)..];
        if (!TryParseDecimal(secondsPart, out long seconds))
        {
            return false;
        }

        long ticks = 0;
        for (int i = 0; i < fraction.Length; i++)
        {
            byte c = fraction[i];
            if (c is < (byte)'0' or > (byte)'9')
            {
                return false;
            }

            if (i < 7)
            {
                ticks = (ticks * 10) + (c - '0');
            }
        }

        for (int i = fraction.Length; i < 7; i++)
        {
            ticks *= 10;
        }

        // "-1.5" means 1.5 seconds before the epoch: the fraction counts away from zero.
        bool negative = secondsPart.Length > 0 && secondsPart[0] == (byte)'-';
        DateTimeOffset? t = FromUnix(seconds, negative ? -ticks : ticks);
        if (t is null)
        {
            return false;
        }

        value = t.Value;
        return true;
    }

    /// <summary>Parses an optionally signed decimal integer with no other characters.</summary>
    public static bool TryParseDecimal(ReadOnlySpan<byte> text, out long value)
    {
        value = 0;
        if (text.IsEmpty || text.Length > 20)
        {
            return false;
        }

        Span<char> chars = stackalloc char[text.Length];
        for (int i = 0; i < text.Length; i++)
        {
            chars[i] = (char)text[i];
        }

        return long.TryParse(chars, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>Renders bytes for an error message: printable ASCII as is, the rest escaped, long input cut.</summary>
    public static string Printable(ReadOnlySpan<byte> bytes)
    {
        var sb = new StringBuilder();
        foreach (byte b in bytes[..Math.Min(bytes.Length, 64)])
        {
            if (b is >= 0x20 and < 0x7f && b != (byte)'\\')
            {
                sb.Append((char)b);
            }
            else
            {
                sb.Append(CultureInfo.InvariantCulture, $"\\x{b:x2}");
            }
        }

        if (bytes.Length > 64)
        {
            sb.Append("...");
        }

        return sb.ToString();
    }
}
