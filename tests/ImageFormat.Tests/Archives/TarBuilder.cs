using System.Formats.Tar;
using System.Text;

namespace ImageFormat.Tests.Archives;

/// <summary>Builds small tar archives in memory for tests, with the BCL's writer (test inputs only).</summary>
internal sealed class TarBuilder : IDisposable
{
    private readonly MemoryStream _buffer = new();
    private readonly TarWriter _writer;
    private readonly TarEntryFormat _format;

    public TarBuilder(TarEntryFormat format = TarEntryFormat.Pax)
    {
        _format = format;
        _writer = new TarWriter(_buffer, format, leaveOpen: true);
    }

    /// <summary>A regular file with the given mode (e.g. 0444 blobs, 0555 Bazel files).</summary>
    public TarBuilder File(string name, byte[] content, UnixFileMode mode)
    {
        TarEntry entry = NewEntry(TarEntryType.RegularFile, name);
        entry.DataStream = new MemoryStream(content);
        entry.Mode = mode;
        _writer.WriteEntry(entry);
        return this;
    }

    /// <summary>A directory with the given mode.</summary>
    public TarBuilder Directory(string name, UnixFileMode mode)
    {
        TarEntry entry = NewEntry(TarEntryType.Directory, name);
        entry.Mode = mode;
        _writer.WriteEntry(entry);
        return this;
    }

    private TarEntry NewEntry(TarEntryType type, string name) => _format == TarEntryFormat.Ustar
        ? new UstarTarEntry(type, name) { ModificationTime = DateTimeOffset.UnixEpoch }
        : new PaxTarEntry(type, name) { ModificationTime = DateTimeOffset.UnixEpoch };

    public TarBuilder File(string name, string content) => File(name, Encoding.UTF8.GetBytes(content));

    public TarBuilder File(string name, byte[] content)
    {
        var entry = new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(content), ModificationTime = DateTimeOffset.UnixEpoch };
        _writer.WriteEntry(entry);
        return this;
    }

    public TarBuilder Symlink(string name, string target)
    {
        _writer.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, name) { LinkName = target, ModificationTime = DateTimeOffset.UnixEpoch });
        return this;
    }

    public TarBuilder HardLink(string name, string target)
    {
        _writer.WriteEntry(new PaxTarEntry(TarEntryType.HardLink, name) { LinkName = target, ModificationTime = DateTimeOffset.UnixEpoch });
        return this;
    }

    public TarBuilder Directory(string name)
    {
        _writer.WriteEntry(new PaxTarEntry(TarEntryType.Directory, name) { ModificationTime = DateTimeOffset.UnixEpoch });
        return this;
    }

    public void Dispose()
    {
        _writer.Dispose();
        _buffer.Dispose();
    }

    public byte[] Build()
    {
        _writer.Dispose();
        return _buffer.ToArray();
    }

    /// <summary>Writes the archive to a temporary file and returns its path.</summary>
    public string BuildFile(string directory)
    {
        string path = Path.Combine(directory, $"archive-{Guid.NewGuid():N}.tar");
        System.IO.File.WriteAllBytes(path, Build());
        return path;
    }
}
