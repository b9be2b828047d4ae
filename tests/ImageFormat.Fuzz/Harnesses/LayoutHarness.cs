using System.Buffers.Binary;
using System.Text;
using ImageFormat.Archives;
using ImageFormat.Errors;

namespace ImageFormat.Fuzz.Harnesses;

/// <summary>
/// An OCI layout directory built from the input, then opened and read whole. The input is a script of operations,
/// each a kind byte, a path ended by a newline, and the kind's operand:
/// <c>f</c> file (2-byte big-endian length, then the bytes), <c>d</c> directory, <c>s</c> symbolic link (target,
/// ended by a newline, taken as is), <c>h</c> hard link (existing path, ended by a newline), <c>p</c> FIFO.
/// Paths are made relative and lose <c>.</c> and <c>..</c>; nothing is created through a link, so the harness itself
/// never writes outside the layout.
/// </summary>
public sealed class LayoutHarness : Harness
{
    private const int MaxOperations = 64;
    private readonly string _workspace;
    private long _count;

    /// <summary>Creates the harness; layouts are made under <c>DIR/layout</c>.</summary>
    /// <param name="workDirectory">The work directory.</param>
    public LayoutHarness(string workDirectory)
    {
        _workspace = Path.Combine(Path.GetFullPath(workDirectory), "layout");
        FileSystem.DeleteTree(_workspace);
        Directory.CreateDirectory(_workspace);
    }

    /// <inheritdoc/>
    public override string Name => "layout";

    /// <inheritdoc/>
    public override string Checks => "ImageArchive.OpenLayout of a directory scripted by the input (files, directories, symlinks, hard links, FIFOs), then ArchiveVerifier.Verify, docker inspect and every layer's verified stream; only ImageFormatException may escape (and IOException from Verify, as documented).";

    /// <inheritdoc/>
    public override void Run(byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        string directory = Path.Combine(_workspace, $"{Environment.ProcessId}-{_count++}");
        Directory.CreateDirectory(directory);
        try
        {
            Build(directory, data);
            try
            {
                using ImageArchive archive = ImageArchive.OpenLayout(directory, new ImageArchiveOptions { Limits = FuzzLimits.Value });
                try
                {
                    _ = ArchiveVerifier.Verify(archive);
                }
                catch (IOException)
                {
                    // Documented for Verify: the archive's file could not be read.
                }

                foreach (ArchiveImage image in archive.Images)
                {
                    _ = ArchiveInspect.Format([image]);
                    foreach (ArchiveLayer layer in image.Layers)
                    {
                        if (layer.IsPresent)
                        {
                            using Stream verified = layer.OpenVerified();
                            FuzzLimits.Drain(verified);
                        }
                    }
                }
            }
            catch (ImageFormatException)
            {
                // Documented for OpenLayout, DockerInspect.Format and the layer streams.
            }
        }
        finally
        {
            FileSystem.DeleteTree(directory);
        }
    }

    /// <summary>Carries out the script in <paramref name="directory"/>.</summary>
    /// <param name="directory">An empty directory.</param>
    /// <param name="script">The script.</param>
    public static void Build(string directory, ReadOnlySpan<byte> script)
    {
        for (int op = 0; op < MaxOperations && script.Length > 0; op++)
        {
            byte kind = script[0];
            script = script[1..];
            string? path = Clean(Line(ref script));
            switch (kind)
            {
                case (byte)'f':
                    int length = script.Length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(script) : 0;
                    script = script[Math.Min(2, script.Length)..];
                    ReadOnlySpan<byte> content = script[..Math.Min(length, script.Length)];
                    script = script[content.Length..];
                    if (Prepare(directory, path) is { } file)
                    {
                        using var stream = new FileStream(file, FileMode.CreateNew, FileAccess.Write);
                        stream.Write(content);
                    }

                    break;
                case (byte)'d':
                    if (Prepare(directory, path) is { } dir)
                    {
                        Directory.CreateDirectory(dir);
                    }

                    break;
                case (byte)'s':
                    string target = Encoding.UTF8.GetString(Line(ref script)).Replace("\0", string.Empty, StringComparison.Ordinal);
                    if (Prepare(directory, path) is { } link && target.Length > 0)
                    {
                        File.CreateSymbolicLink(link, target);
                    }

                    break;
                case (byte)'h':
                    string? existing = Clean(Line(ref script));
                    if (existing is not null && Prepare(directory, path) is { } hard && Inside(directory, existing) is { } from)
                    {
                        FileSystem.HardLink(from, hard);
                    }

                    break;
                case (byte)'p':
                    if (Prepare(directory, path) is { } fifo)
                    {
                        FileSystem.MakeFifo(fifo);
                    }

                    break;
                default:
                    break;
            }
        }
    }

    /// <summary>Writes the script that rebuilds <paramref name="directory"/> (regular files, directories, links).</summary>
    /// <param name="directory">The directory.</param>
    /// <returns>The script.</returns>
    public static byte[] Script(string directory)
    {
        using var output = new MemoryStream();
        foreach (string path in Directory.GetFileSystemEntries(directory, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            string relative = Path.GetRelativePath(directory, path);
            var info = new FileInfo(path);
            if (info.LinkTarget is { } target)
            {
                Op(output, 's', relative, Encoding.UTF8.GetBytes(target + "\n"));
            }
            else if (Directory.Exists(path))
            {
                Op(output, 'd', relative, []);
            }
            else
            {
                byte[] content = File.ReadAllBytes(path);
                byte[] operand = new byte[2 + content.Length];
                BinaryPrimitives.WriteUInt16BigEndian(operand, checked((ushort)content.Length));
                content.CopyTo(operand, 2);
                Op(output, 'f', relative, operand);
            }
        }

        return output.ToArray();
    }

    /// <summary>Appends one operation to a script.</summary>
    /// <param name="output">The script.</param>
    /// <param name="kind">The kind byte.</param>
    /// <param name="path">The path.</param>
    /// <param name="operand">The operand, already encoded.</param>
    public static void Op(Stream output, char kind, string path, ReadOnlySpan<byte> operand)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.WriteByte((byte)kind);
        output.Write(Encoding.UTF8.GetBytes(path + "\n"));
        output.Write(operand);
    }

    private static ReadOnlySpan<byte> Line(ref ReadOnlySpan<byte> script)
    {
        int end = script.IndexOf((byte)'\n');
        ReadOnlySpan<byte> line = end < 0 ? script : script[..end];
        script = end < 0 ? [] : script[(end + 1)..];
        return line;
    }

    private static string? Clean(ReadOnlySpan<byte> raw)
    {
        var parts = Encoding.UTF8.GetString(raw).Replace("\0", string.Empty, StringComparison.Ordinal)
            .Split('/', StringSplitOptions.RemoveEmptyEntries)
            .Where(p => p is not "." and not "..")
            .Select(p => p.Length > 80 ? p[..80] : p)
            .Take(12)
            .ToList();
        return parts.Count == 0 ? null : string.Join('/', parts);
    }

    /// <summary>The absolute path for a new entry, when its parents are (or can be made) real directories and nothing is there yet.</summary>
    private static string? Prepare(string directory, string? relative)
    {
        if (relative is null)
        {
            return null;
        }

        string current = directory;
        string[] parts = relative.Split('/');
        foreach (string part in parts[..^1])
        {
            current = Path.Combine(current, part);
            if (!FileSystem.Exists(current))
            {
                Directory.CreateDirectory(current);
            }
            else if (!FileSystem.IsRealDirectory(current))
            {
                return null;
            }
        }

        string full = Path.Combine(current, parts[^1]);
        return FileSystem.Exists(full) ? null : full;
    }

    /// <summary>The absolute path of an existing entry whose parents are all real directories.</summary>
    private static string? Inside(string directory, string relative)
    {
        string current = directory;
        string[] parts = relative.Split('/');
        foreach (string part in parts[..^1])
        {
            current = Path.Combine(current, part);
            if (!FileSystem.IsRealDirectory(current))
            {
                return null;
            }
        }

        string full = Path.Combine(current, parts[^1]);
        return FileSystem.Exists(full) ? full : null;
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            FileSystem.DeleteTree(_workspace);
        }

        base.Dispose(disposing);
    }

    /// <inheritdoc/>
    public override IEnumerable<(string Name, byte[] Data)> Seeds(SeedSources seeds)
    {
        ArgumentNullException.ThrowIfNull(seeds);
        string scratch = Path.Combine(_workspace, "seed");
        FileSystem.DeleteTree(scratch);
        ArchiveSeeds.HelloLayout(seeds, scratch);
        byte[] hello = Script(scratch);
        string index = File.ReadAllText(Path.Combine(scratch, "index.json"));
        string blob = Directory.GetFiles(Path.Combine(scratch, "blobs", "sha256")).Order(StringComparer.Ordinal).Select(Path.GetFileName).First()!;
        FileSystem.DeleteTree(scratch);
        yield return ("hello-layout", hello);

        byte[] With(params byte[][] extra) => [.. hello, .. extra.SelectMany(e => e)];
        byte[] Op(char kind, string path, string operand = "")
        {
            using var output = new MemoryStream();
            LayoutHarness.Op(output, kind, path, Encoding.UTF8.GetBytes(operand));
            return output.ToArray();
        }

        // The same layout with one entry replaced: the script's later operations fail where a path exists, so
        // these put the hostile entry first and let the copy of hello fill in the rest.
        yield return ("index-symlink-loop", [.. Op('s', "index.json", "index.json\n"), .. hello]);
        yield return ("blobs-dir-symlink-loop", [.. Op('s', "blobs/sha256/" + blob, "../sha256/" + blob + "\n"), .. hello]);
        yield return ("unused-fifo", With(Op('p', "blobs/sha256/unused")));
        yield return ("index-fifo", [.. Op('p', "index.json"), .. hello]);
        yield return ("blob-fifo", [.. Op('p', "blobs/sha256/" + blob), .. hello]);
        yield return ("blob-hardlink", With(Op('h', "blobs/sha256/copy", "blobs/sha256/" + blob + "\n")));
        yield return ("blob-symlink-outside", [.. Op('s', "blobs/sha256/" + blob, "../../../outside\n"), .. hello]);
        yield return ("blobs-symlink-dir", [.. Op('s', "blobs", ".\n"), .. hello]);
        yield return ("index-only", Encoding.UTF8.GetBytes("d blobs\n" + "foci-layout\n").Concat(Length("{\"imageLayoutVersion\":\"1.0.0\"}")).Concat(Encoding.UTF8.GetBytes("findex.json\n")).Concat(Length(index)).ToArray());
    }

    private static byte[] Length(string text)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        byte[] operand = new byte[2 + bytes.Length];
        BinaryPrimitives.WriteUInt16BigEndian(operand, (ushort)bytes.Length);
        bytes.CopyTo(operand, 2);
        return operand;
    }
}
