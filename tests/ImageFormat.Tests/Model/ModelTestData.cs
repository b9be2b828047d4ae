using System.Formats.Tar;
using System.Text;

namespace ImageFormat.Tests.Model;

/// <summary>The checked-in documents of Model/TestData and the real archives they were extracted from.</summary>
internal static class ModelTestData
{
    public static byte[] Read(string name) => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Model", "TestData", name));

    public static byte[] Utf8(string json) => Encoding.UTF8.GetBytes(json);

    public static string Text(ReadOnlyMemory<byte> bytes) => Encoding.UTF8.GetString(bytes.Span);

    /// <summary>The repository root (the folder holding ImageFormat.sln).</summary>
    public static string RepoRoot()
    {
        DirectoryInfo? dir = new(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "ImageFormat.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("ImageFormat.sln not found above " + AppContext.BaseDirectory);
    }

    public static byte[] ReadTarEntry(string tarPath, string entryName)
    {
        using FileStream file = File.OpenRead(tarPath);
        using TarReader reader = new(file);
        while (reader.GetNextEntry() is TarEntry entry)
        {
            if (entry.Name == entryName || entry.Name == "./" + entryName)
            {
                using MemoryStream copy = new();
                entry.DataStream!.CopyTo(copy);
                return copy.ToArray();
            }
        }

        throw new FileNotFoundException($"{entryName} not in {tarPath}");
    }
}
