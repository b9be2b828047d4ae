using ImageFormat.Compression;
using ImageFormat.Digests;
using ImageFormat.Progress;
using Microsoft.Win32.SafeHandles;

namespace ImageFormat.Archives.Writers;

/// <summary>
/// A layer as it will be stored in the output: either the source blob (checked against its digest while it is
/// copied) or a staged temp file produced by decompressing and/or recompressing it, hashed as it was written.
/// </summary>
internal sealed class PreparedLayer : IDisposable
{
    private readonly LayerToWrite? _verbatim;
    private readonly FileStream? _staged;

    private PreparedLayer(LayerToWrite source, Digest digest, long size, CompressionFormat compression, string mediaType, LayerToWrite? verbatim, FileStream? staged)
    {
        Source = source;
        Digest = digest;
        Size = size;
        Compression = compression;
        MediaType = mediaType;
        _verbatim = verbatim;
        _staged = staged;
    }

    public LayerToWrite Source { get; }

    public Digest Digest { get; }

    public long Size { get; }

    public CompressionFormat Compression { get; }

    public string MediaType { get; }

    public Digest DiffId => Source.DiffId;

    public bool IsVerbatim => _verbatim is not null;

    public static PreparedLayer Verbatim(LayerToWrite layer) =>
        new(layer, layer.Digest, layer.Size, layer.Compression, layer.MediaType, layer, null);

    /// <summary>
    /// Stages <paramref name="layer"/> re-encoded as <paramref name="target"/>: the stored bytes are checked
    /// against the layer's digest, the uncompressed tar against its DiffID, and the output hashed, in one pass.
    /// </summary>
    public static PreparedLayer Transform(LayerToWrite layer, CompressionFormat target, string mediaType, int? level, string tempDirectory, ImageFormatLimits limits, ProgressReporter? reporter = null, CancellationToken cancellationToken = default)
    {
        string path = Path.Combine(tempDirectory, $".imagefmt-layer-{Guid.NewGuid():N}.tmp");
        var staged = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
        try
        {
            string subject = $"layer {layer.Digest}";
            Digest diffId;
            Digest digest;
            long size;
            using (var verified = new VerifyingReadStream(ProgressStream.Wrap(layer.OpenStored(), reporter, cancellationToken), layer.Digest, layer.Size, subject))
            using (Stream tar = layer.Compression == CompressionFormat.None
                ? verified
                : Decompression.Open(verified, layer.Compression, limits, leaveOpen: true, entry: subject))
            using (var uncompressed = new HashingReadStream(tar, leaveOpen: true))
            {
                var hashedOutput = new HashingWriteStream(staged, leaveOpen: true);
                using (Stream compressor = Compressor.Open(hashedOutput, target, level, leaveOpen: true))
                {
                    uncompressed.CopyTo(compressor, 1 << 20);
                }

                hashedOutput.Flush();
                digest = hashedOutput.GetDigest();
                size = hashedOutput.BytesWritten;
                hashedOutput.Dispose();
                diffId = uncompressed.GetDigest();

                // Draining the source past the compressed end makes the verifying stream check the stored digest too.
                verified.VerifyToEnd();
            }

            if (diffId != layer.DiffId)
            {
                throw new DigestMismatchException($"uncompressed {subject}", layer.DiffId, diffId);
            }

            staged.Flush();
            return new PreparedLayer(layer, digest, size, target, mediaType, null, staged);
        }
        catch
        {
            staged.Dispose();
            throw;
        }
    }

    /// <summary>Opens the bytes to store; a verbatim blob is verified against its digest and size as it is read.</summary>
    public Stream Open()
    {
        if (_staged is not null)
        {
            SafeFileHandle handle = _staged.SafeFileHandle;
            return new FileSegmentStream(handle, 0, Size);
        }

        return new VerifyingReadStream(_verbatim!.OpenStored(), Digest, Size, $"layer {Digest}");
    }

    /// <summary>
    /// Opens the bytes to store <em>without</em> checking them, for a copy that checks them separately. A staged
    /// layer was hashed as it was staged; a verbatim one must still be verified (<paramref name="unverified"/>).
    /// </summary>
    public Stream OpenUnchecked(out bool unverified)
    {
        unverified = _staged is null;
        return _staged is not null ? new FileSegmentStream(_staged.SafeFileHandle, 0, Size) : _verbatim!.OpenStored();
    }

    public void Dispose() => _staged?.Dispose();
}
