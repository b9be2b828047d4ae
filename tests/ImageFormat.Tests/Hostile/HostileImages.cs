using System.Globalization;
using System.Text;
using ImageFormat.Digests;
using ImageFormat.Tests.Archives;
using ZstdSharp;

namespace ImageFormat.Tests.Hostile;

/// <summary>Builds hostile images and tars in memory: the corpus the bounds, names and verified-read tests use.</summary>
internal static class HostileImages
{
    /// <summary>
    /// A docker-archive (manifest.json, config.json, one file per layer) holding one image tagged <c>h:1</c>. Each
    /// layer is stored as given; its diffID is the digest of <c>DiffIdOf</c> (the uncompressed tar) when given, else
    /// of the stored bytes.
    /// </summary>
    public static byte[] Archive(params (byte[] Stored, byte[]? DiffIdOf)[] layers)
    {
        var diffIds = layers.Select(l => Digest.Compute(l.DiffIdOf ?? l.Stored).Value).ToList();
        string config = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":["
            + string.Join(",", diffIds.Select(d => $"\"{d}\"")) + "]}}";
        string manifest = $"[{{\"Config\":\"config.json\",\"RepoTags\":[\"h:1\"],\"Layers\":[{string.Join(",", layers.Select((_, i) => $"\"l{i}.tar\""))}]}}]";
        var builder = new TarBuilder().File("manifest.json", manifest).File("config.json", config);
        for (int i = 0; i < layers.Length; i++)
        {
            builder.File($"l{i}.tar", layers[i].Stored);
        }

        return builder.Build();
    }

    /// <summary>An archive of one uncompressed layer, its diffID that of the bytes.</summary>
    public static byte[] Archive(byte[] layer) => Archive((layer, null));

    /// <summary>A raw tar header block (ustar, checksum right) for <paramref name="name"/>, and its data padded.</summary>
    public static byte[] RawEntry(char type, string name, byte[] body, long? declaredSize = null)
    {
        byte[] b = new byte[512];
        Encoding.ASCII.GetBytes(name).CopyTo(b, 0);
        Encoding.ASCII.GetBytes("0000644\0").CopyTo(b, 100);
        Encoding.ASCII.GetBytes(Convert.ToString(declaredSize ?? body.Length, 8).PadLeft(11, '0') + "\0").CopyTo(b, 124);
        Encoding.ASCII.GetBytes("00000000000\0").CopyTo(b, 136);
        b[156] = (byte)type;
        Encoding.ASCII.GetBytes("ustar\0" + "00").CopyTo(b, 257);
        int sum = 0;
        for (int i = 0; i < 512; i++)
        {
            sum += i is >= 148 and < 156 ? ' ' : b[i];
        }

        Encoding.ASCII.GetBytes(Convert.ToString(sum, 8).PadLeft(6, '0') + "\0 ").CopyTo(b, 148);
        byte[] padded = new byte[(body.Length + 511) / 512 * 512];
        body.CopyTo(padded, 0);
        return [.. b, .. padded];
    }

    /// <summary>PAX records, each <c>LEN key=value\n</c>.</summary>
    public static byte[] Pax(params (string Key, string Value)[] records)
    {
        var sb = new StringBuilder();
        foreach ((string k, string v) in records)
        {
            int body = Encoding.UTF8.GetByteCount(k) + Encoding.UTF8.GetByteCount(v) + 3;
            int len = body + body.ToString(CultureInfo.InvariantCulture).Length;
            len = body + len.ToString(CultureInfo.InvariantCulture).Length;
            sb.Append(len).Append(' ').Append(k).Append('=').Append(v).Append('\n');
        }

        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>A layer whose one file's PAX path holds a NUL.</summary>
    public static byte[] NulNameLayer() =>
        [.. RawEntry('x', "p", Pax(("path", "etc/pass\0wd"))), .. RawEntry('0', "f", "x"u8.ToArray()), .. new byte[1024]];

    /// <summary>A layer with one sparse file claiming <paramref name="realSize"/> bytes of holes.</summary>
    public static byte[] SparseBombLayer(long realSize) =>
        [.. RawEntry('x', "p", Pax(("GNU.sparse.size", realSize.ToString(CultureInfo.InvariantCulture)), ("GNU.sparse.map", "0,1"))), .. RawEntry('0', "lastlog", "A"u8.ToArray()), .. new byte[1024]];

    /// <summary>A tar whose header claims <paramref name="size"/> bytes of data that are not there.</summary>
    public static byte[] HugeClaimLayer(long size) => RawEntry('0', "big", [], declaredSize: size);

    /// <summary>A layer whose links climb out of the root, then write through them.</summary>
    public static byte[] EscapingLinksLayer() =>
        [.. new Layers.LayerTar().Symlink("up", "../../../../tmp").File("up/imagefmt-escape", "x").HardLink("h", "../../etc/passwd").ToBytes()];

    /// <summary><paramref name="size"/> zeros as one file in a tar, zstd-compressed (a few KB for hundreds of MB).</summary>
    public static byte[] ZstdZeroTar(long size)
    {
        using var output = new MemoryStream();
        using (var zstd = new CompressionStream(output, level: 1, leaveOpen: true))
        {
            byte[] header = RawEntry('0', "zeros", [], declaredSize: size)[..512];
            zstd.Write(header);
            byte[] chunk = new byte[1 << 20];
            for (long left = size; left > 0; left -= chunk.Length)
            {
                zstd.Write(chunk, 0, (int)Math.Min(chunk.Length, left));
            }

            zstd.Write(new byte[((512 - (size % 512)) % 512) + 1024]);
        }

        return output.ToArray();
    }
}
