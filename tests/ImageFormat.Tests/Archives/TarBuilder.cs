using System.Formats.Tar;
using System.Text;

namespace ImageFormat.Tests.Archives;

/// <summary>Builds small tar archives in memory for tests, with the BCL's writer (test inputs only).</summary>
internal sealed class TarBuilder : IDisposable
{
    private readonly MemoryStream _buffer = new();
    private readonly TarWriter _writer;

    public TarBuilder()
    {
        _writer = new TarWriter(_buffer, TarEntryFormat.Pax, leaveOpen: true);
    }

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
