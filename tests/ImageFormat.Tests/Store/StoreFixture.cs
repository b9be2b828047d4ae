using System.Text;
using ImageFormat.Digests;
using ImageFormat.Store;
using ImageFormat.Tests.Archives;

namespace ImageFormat.Tests.Store;

/// <summary>Builds images in a store from tiny layers: the founding scenario's shape, with records.</summary>
internal sealed class StoreFixture
{
    private readonly Dictionary<Digest, byte[]> _layers = [];

    public StoreFixture(ImageStore store) => Store = store;

    public ImageStore Store { get; }

    public static byte[] LayerTar(string file, string content)
    {
        using var builder = new TarBuilder();
        return builder.File(file, content).Build();
    }

    /// <summary>Adds an image whose layers are <paramref name="files"/> (one file per layer), with a history entry per layer.</summary>
    public Digest Image(string[] files, Digest? parent = null, string? tag = null, string created = "2024-01-02T03:04:05Z")
    {
        var diffIds = new List<string>();
        var history = new List<string>();
        foreach (string file in files)
        {
            byte[] tar = LayerTar(file, file + "\n");
            Digest diffId = Digest.Compute(tar);
            _layers[diffId] = tar;
            diffIds.Add($"\"{diffId}\"");
            history.Add($"{{\"created\":\"{created}\",\"created_by\":\"add {file}\"}}");
        }

        string config = $"{{\"architecture\":\"amd64\",\"created\":\"{created}\",\"history\":[{string.Join(',', history)}],\"os\":\"linux\",\"rootfs\":{{\"type\":\"layers\",\"diff_ids\":[{string.Join(',', diffIds)}]}}}}";
        return Store.AddImage(Encoding.UTF8.GetBytes(config), d => new MemoryStream(_layers[d]), parent, tag);
    }

    public static Digest Chain(params Digest[] diffIds) => ChainId.Top(diffIds);

    public static Digest DiffId(string file) => Digest.Compute(LayerTar(file, file + "\n"));
}
