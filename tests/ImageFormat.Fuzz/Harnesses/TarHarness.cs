using ImageFormat.Errors;
using ImageFormat.Tar;

namespace ImageFormat.Fuzz.Harnesses;

/// <summary>The tar reader: every entry's header and data, with small limits.</summary>
public sealed class TarHarness : Harness
{
    /// <inheritdoc/>
    public override string Name => "tar";

    /// <inheritdoc/>
    public override string Checks => "TarEntryReader reads every header and every entry's data; only ImageFormatException may escape, and an entry's data stream gives exactly Size bytes.";

    /// <inheritdoc/>
    public override void Run(byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        try
        {
            using var reader = new TarEntryReader(new MemoryStream(data, writable: false), leaveOpen: false, FuzzLimits.Value);
            while (reader.GetNextEntry() is { } header)
            {
                using Stream content = reader.OpenEntryData();
                (long read, bool ended) = FuzzLimits.Drain(content);
                if (ended && read != header.Size)
                {
                    throw new FuzzInvariantException($"entry \"{header.Name}\" declares {header.Size} bytes but its data stream gave {read}");
                }
            }
        }
        catch (ImageFormatException)
        {
            // Documented: InvalidArchiveException for malformed or truncated input, LimitExceededException for limits.
        }
    }

    /// <inheritdoc/>
    public override IEnumerable<(string Name, byte[] Data)> Seeds(SeedSources seeds)
    {
        ArgumentNullException.ThrowIfNull(seeds);
        yield return ("hello.tar", seeds.HelloTar);
        foreach ((string name, byte[] layer) in SeedSources.HostileLayers())
        {
            yield return (name + ".tar", layer);
        }
    }
}
