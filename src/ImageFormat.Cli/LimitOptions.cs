using System.CommandLine;
using System.Globalization;

namespace ImageFormat.Cli;

/// <summary>
/// <c>--limit NAME=VALUE</c>, repeatable and accepted by every command: sets one property of
/// <see cref="ImageFormatLimits"/> (the name as in the library, case-insensitive). Sizes take an optional binary
/// suffix (<c>K</c>, <c>M</c>, <c>G</c>, <c>T</c>: powers of 1024).
/// </summary>
internal static class LimitOptions
{
    private static readonly (string Name, Func<ImageFormatLimits, long> Get, Func<ImageFormatLimits, long, ImageFormatLimits> Set)[] Limits =
    [
        (nameof(ImageFormatLimits.MaxJsonBytes), l => l.MaxJsonBytes, (l, v) => l with { MaxJsonBytes = checked((int)v) }),
        (nameof(ImageFormatLimits.MaxJsonDepth), l => l.MaxJsonDepth, (l, v) => l with { MaxJsonDepth = checked((int)v) }),
        (nameof(ImageFormatLimits.MaxTarHeaderBytes), l => l.MaxTarHeaderBytes, (l, v) => l with { MaxTarHeaderBytes = checked((int)v) }),
        (nameof(ImageFormatLimits.MaxLayerCount), l => l.MaxLayerCount, (l, v) => l with { MaxLayerCount = checked((int)v) }),
        (nameof(ImageFormatLimits.MaxLinkHops), l => l.MaxLinkHops, (l, v) => l with { MaxLinkHops = checked((int)v) }),
        (nameof(ImageFormatLimits.MaxIndexDepth), l => l.MaxIndexDepth, (l, v) => l with { MaxIndexDepth = checked((int)v) }),
        (nameof(ImageFormatLimits.MaxZstdWindowLog), l => l.MaxZstdWindowLog, (l, v) => l with { MaxZstdWindowLog = checked((int)v) }),
        (nameof(ImageFormatLimits.MaxDecompressedBytes), l => l.MaxDecompressedBytes, (l, v) => l with { MaxDecompressedBytes = v }),
        (nameof(ImageFormatLimits.MaxExpansionRatio), l => l.MaxExpansionRatio, (l, v) => l with { MaxExpansionRatio = checked((int)v) }),
        (nameof(ImageFormatLimits.ExpansionAllowanceBytes), l => l.ExpansionAllowanceBytes, (l, v) => l with { ExpansionAllowanceBytes = v }),
        (nameof(ImageFormatLimits.MaxSparseEntryBytes), l => l.MaxSparseEntryBytes, (l, v) => l with { MaxSparseEntryBytes = v }),
        (nameof(ImageFormatLimits.MaxSparseLayerBytes), l => l.MaxSparseLayerBytes, (l, v) => l with { MaxSparseLayerBytes = v }),
        (nameof(ImageFormatLimits.MaxSpoolBytes), l => l.MaxSpoolBytes, (l, v) => l with { MaxSpoolBytes = v }),
        (nameof(ImageFormatLimits.MaxLoadLayerBytes), l => l.MaxLoadLayerBytes, (l, v) => l with { MaxLoadLayerBytes = v }),
        (nameof(ImageFormatLimits.MaxTarEntries), l => l.MaxTarEntries, (l, v) => l with { MaxTarEntries = v }),
        (nameof(ImageFormatLimits.MaxIndexGraphVisits), l => l.MaxIndexGraphVisits, (l, v) => l with { MaxIndexGraphVisits = checked((int)v) }),
        (nameof(ImageFormatLimits.MaxWalkDepth), l => l.MaxWalkDepth, (l, v) => l with { MaxWalkDepth = checked((int)v) }),
    ];

    /// <summary>The global option.</summary>
    public static Option<string[]> Option { get; } = new("--limit")
    {
        Description = "Change a safety limit, NAME=VALUE (repeatable; sizes may end in K, M, G or T). Names and defaults: "
            + string.Join(", ", Limits.Select(l => $"{l.Name}={l.Get(ImageFormatLimits.Default).ToString(CultureInfo.InvariantCulture)}")) + ".",
        Recursive = true,
        AllowMultipleArgumentsPerToken = false,
    };

    /// <summary>The names <c>--limit</c> accepts.</summary>
    public static IEnumerable<string> Names => Limits.Select(l => l.Name);

    /// <summary>The limits the command line asks for: the defaults with each <c>--limit</c> applied in order.</summary>
    /// <exception cref="ArgumentException">A <c>--limit</c> is not <c>NAME=VALUE</c> with a known name and a non-negative number.</exception>
    public static ImageFormatLimits From(ParseResult parse)
    {
        ImageFormatLimits limits = ImageFormatLimits.Default;
        foreach (string setting in parse.GetValue(Option) ?? [])
        {
            int equals = setting.IndexOf('=', StringComparison.Ordinal);
            string name = equals < 0 ? setting : setting[..equals];
            var limit = Limits.FirstOrDefault(l => string.Equals(l.Name, name, StringComparison.OrdinalIgnoreCase));
            if (limit.Name is null)
            {
                throw new ArgumentException($"--limit {setting}: unknown limit \"{name}\"; known: {string.Join(", ", Names)}");
            }

            if (equals < 0 || !TryParseSize(setting[(equals + 1)..], out long value))
            {
                throw new ArgumentException($"--limit {setting}: expected {limit.Name}=N, a non-negative whole number, optionally ending in K, M, G or T");
            }

            try
            {
                limits = limit.Set(limits, value);
            }
            catch (OverflowException)
            {
                throw new ArgumentException($"--limit {setting}: {limit.Name} must be at most {int.MaxValue}");
            }
        }

        return limits;
    }

    private static bool TryParseSize(string text, out long value)
    {
        value = 0;
        int shift = text.Length == 0 ? 0 : char.ToUpperInvariant(text[^1]) switch
        {
            'K' => 10,
            'M' => 20,
            'G' => 30,
            'T' => 40,
            _ => 0,
        };
        string digits = shift == 0 ? text : text[..^1];
        if (digits.Length == 0 || !digits.All(char.IsAsciiDigit) || !long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long number))
        {
            return false;
        }

        if (number > (long.MaxValue >> shift))
        {
            return false;
        }

        value = number << shift;
        return true;
    }
}
