namespace ImageFormat.Fuzz;

/// <summary>Small limits so that every input costs little and exec/s stays high.</summary>
public static class FuzzLimits
{
    /// <summary>The limits every harness passes to the library.</summary>
    public static ImageFormatLimits Value { get; } = new()
    {
        MaxJsonBytes = 64 * 1024,
        MaxJsonDepth = 16,
        MaxTarHeaderBytes = 16 * 1024,
        MaxLayerCount = 8,
        MaxLinkHops = 8,
        MaxIndexDepth = 4,
        MaxZstdWindowLog = 20,
        MaxDecompressedBytes = 4 * 1024 * 1024,
        MaxTarEntries = 2000,
    };

    /// <summary>Most bytes a harness reads from one stream (entry data, file content) before it stops.</summary>
    public const int MaxReadBytes = 1024 * 1024;

    /// <summary>Reads at most <see cref="MaxReadBytes"/> of <paramref name="stream"/>.</summary>
    /// <param name="stream">The stream.</param>
    /// <returns>The bytes read, and whether the stream ended within the cap.</returns>
    public static (long Read, bool Ended) Drain(Stream stream)
    {
        byte[] buffer = new byte[16 * 1024];
        long total = 0;
        while (total < MaxReadBytes)
        {
            int n = stream.Read(buffer, 0, (int)Math.Min(buffer.Length, MaxReadBytes - total));
            if (n == 0)
            {
                return (total, true);
            }

            total += n;
        }

        return (total, stream.Read(buffer, 0, 1) == 0);
    }

    /// <summary>Splits an input into up to four layers at each <see cref="LayerSeparator"/>.</summary>
    /// <param name="data">The input.</param>
    /// <returns>The layers, at least one.</returns>
    public static List<byte[]> SplitLayers(byte[] data)
    {
        var layers = new List<byte[]>();
        ReadOnlySpan<byte> rest = data;
        while (layers.Count < 3)
        {
            int at = rest.IndexOf(LayerSeparator);
            if (at < 0)
            {
                break;
            }

            layers.Add(rest[..at].ToArray());
            rest = rest[(at + LayerSeparator.Length)..];
        }

        layers.Add(rest.ToArray());
        return layers;
    }

    /// <summary>Joins layers into one input (the inverse of <see cref="SplitLayers"/>).</summary>
    /// <param name="layers">The layers.</param>
    /// <returns>The input.</returns>
    public static byte[] JoinLayers(params byte[][] layers)
    {
        using var output = new MemoryStream();
        for (int i = 0; i < layers.Length; i++)
        {
            if (i > 0)
            {
                output.Write(LayerSeparator);
            }

            output.Write(layers[i]);
        }

        return output.ToArray();
    }

    /// <summary>Separates layers in the inputs of the multi-layer harnesses.</summary>
    public static ReadOnlySpan<byte> LayerSeparator => "\n==LAYER==\n"u8;
}
