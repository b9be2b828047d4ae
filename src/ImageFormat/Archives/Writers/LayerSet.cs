using System.Collections.Concurrent;
using ImageFormat.Compression;
using ImageFormat.Digests;
using ImageFormat.Progress;

namespace ImageFormat.Archives.Writers;

/// <summary>
/// The distinct layers of the images being written, each prepared once for the target format: kept as stored,
/// or staged re-encoded (in parallel, one layer per worker).
/// </summary>
internal sealed class LayerSet : IDisposable
{
    private readonly Dictionary<(Digest Digest, Digest DiffId), PreparedLayer> _layers;

    private LayerSet(Dictionary<(Digest, Digest), PreparedLayer> layers, ImageFormatLimits limits)
    {
        _layers = layers;
        Limits = limits;
    }

    public ImageFormatLimits Limits { get; }

    public static LayerSet Prepare(IReadOnlyList<ImageToWrite> images, ArchiveWriterOptions options) =>
        Prepare(images, options, null, CancellationToken.None);

    /// <summary>
    /// Prepares the layers, counting the stored bytes read for re-encoding into <paramref name="reporter"/> (one
    /// item per re-encoded layer) and stopping at the next read once <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    public static LayerSet Prepare(IReadOnlyList<ImageToWrite> images, ArchiveWriterOptions options, ProgressReporter? reporter, CancellationToken cancellationToken)
    {
        var distinct = new List<LayerToWrite>();
        var seen = new HashSet<(Digest, Digest)>();
        foreach (LayerToWrite layer in images.SelectMany(i => i.Layers))
        {
            if (seen.Add((layer.Digest, layer.DiffId)))
            {
                distinct.Add(layer);
            }
        }

        var prepared = new ConcurrentDictionary<(Digest, Digest), PreparedLayer>();
        string temp = options.TempDirectory ?? Path.GetTempPath();
        try
        {
            var work = new List<(LayerToWrite Layer, CompressionFormat Target)>();
            foreach (LayerToWrite layer in distinct)
            {
                CompressionFormat target = options.Format == ArchiveFormat.Legacy
                    ? CompressionFormat.None
                    : options.LayerCompression ?? layer.Compression;
                if (target == layer.Compression)
                {
                    prepared[(layer.Digest, layer.DiffId)] = PreparedLayer.Verbatim(layer);
                }
                else
                {
                    work.Add((layer, target));
                }
            }

            if (work.Count > 0)
            {
                Directory.CreateDirectory(temp);
                reporter?.AddItems(work.Count, work.Sum(w => w.Layer.Size));

                // Largest first, so a big layer does not start last and leave the other cores idle at the end.
                var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.MaxParallelism ?? Environment.ProcessorCount, CancellationToken = cancellationToken };
                try
                {
                    Parallel.ForEach(work.OrderByDescending(w => w.Layer.Size), parallel, item =>
                    {
                        string mediaType = ArchiveWriter.OciLayerMediaType(item.Target);
                        int index = reporter?.StartItem(item.Layer.Digest.Value) ?? 0;
                        prepared[(item.Layer.Digest, item.Layer.DiffId)] = PreparedLayer.Transform(item.Layer, item.Target, mediaType, options.CompressionLevel, temp, options.Limits, reporter, cancellationToken);
                        reporter?.EndItem(item.Layer.Digest.Value, index);
                    });
                }
                catch (AggregateException e) when (e.InnerExceptions.Count >= 1)
                {
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
                    throw;
                }
            }

            return new LayerSet(new Dictionary<(Digest, Digest), PreparedLayer>(prepared), options.Limits);
        }
        catch
        {
            foreach (PreparedLayer layer in prepared.Values)
            {
                layer.Dispose();
            }

            throw;
        }
    }

    public PreparedLayer Get(LayerToWrite layer) => _layers[(layer.Digest, layer.DiffId)];

    public void Dispose()
    {
        foreach (PreparedLayer layer in _layers.Values)
        {
            layer.Dispose();
        }
    }
}
