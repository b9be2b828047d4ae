using System.Text;
using ImageFormat.Tar;

namespace ImageFormat.Tests.Layers;

/// <summary>Builds small layer tars in memory for tests.</summary>
internal sealed class LayerTar
{
    private static readonly DateTimeOffset s_time = new(2024, 1, 2, 3, 4, 5, TimeSpan.Zero);
    private readonly List<(TarEntryHeader Header, byte[]? Data)> _entries = [];

    public LayerTar Dir(string name, int mode = 0x1ED) => Add(new TarEntryHeader { Name = name, Type = TarEntryKind.Directory, Mode = mode, ModificationTime = s_time }, null);

    public LayerTar File(string name, string content, int mode = 0x1A4, long uid = 0, long gid = 0)
    {
        byte[] data = Encoding.UTF8.GetBytes(content);
        return Add(new TarEntryHeader { Name = name, Size = data.Length, Mode = mode, Uid = uid, Gid = gid, ModificationTime = s_time }, data);
    }

    public LayerTar Symlink(string name, string target) => Add(new TarEntryHeader { Name = name, Type = TarEntryKind.SymbolicLink, LinkName = target, Mode = 0x1FF, ModificationTime = s_time }, null);

    public LayerTar HardLink(string name, string target, int mode = 0x1A4) => Add(new TarEntryHeader { Name = name, Type = TarEntryKind.HardLink, LinkName = target, Mode = mode, ModificationTime = s_time }, null);

    public LayerTar Whiteout(string name) => File(name, string.Empty);

    public LayerTar Add(TarEntryHeader header, byte[]? data)
    {
        _entries.Add((header, data));
        return this;
    }

    public byte[] ToBytes()
    {
        using var output = new MemoryStream();
        using (var writer = new TarEntryWriter(output, leaveOpen: true))
        {
            foreach ((TarEntryHeader header, byte[]? data) in _entries)
            {
                writer.WriteEntry(header, data is null ? null : new MemoryStream(data));
            }

            writer.Finish();
        }

        return output.ToArray();
    }

    public MemoryStream ToStream() => new(ToBytes());
}
