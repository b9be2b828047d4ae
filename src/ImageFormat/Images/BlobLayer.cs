using ImageFormat.Compression;
using ImageFormat.Digests;
using ImageFormat.Errors;
using ImageFormat.Model;

namespace ImageFormat.Images;

/// <summary>
/// A layer over a blob the caller holds, in memory or in a file, hashed once when it is made (blob digest and
/// diffID) and referenced, not copied, afterwards. What <see cref="ImageBuilder.AppendLayerBytes"/> and
/// <see cref="ImageBuilder.AppendLayerFile"/> append.
/// </summary>
internal sealed class BlobLayer : IImageLayer
{
    private readonly Func<Stream> _open;
    private readonly ImageFormatLimits _limits;
    private readonly string _subject;

    private BlobLayer(Func<Stream> open, ImageFormatLimits limits, string subject)
    {
        _open = open;
        _limits = limits;
        _subject = subject;
        using Stream head = open();
        Span<byte> magic = stackalloc byte[CompressionDetector.HeadLength];
        Compression = CompressionDetector.Detect(magic[..head.ReadAtLeast(magic, magic.Length, throwOnEndOfStream: false)]);
        MediaType = Compression switch
        {
            CompressionFormat.None => MediaTypes.OciLayer,
            CompressionFormat.Gzip => MediaTypes.OciLayerGzip,
            CompressionFormat.Zstd => MediaTypes.OciLayerZstd,
            _ => throw new InvalidArchiveException(ErrorCodes.UnsupportedFormat, subject, $"a layer is stored plain, gzip or zstd, not {Compression}"),
        };

        using Stream blob = open();
        using var blobHash = new HashingReadStream(blob, leaveOpen: true);
        if (Compression == CompressionFormat.None)
        {
            blobHash.CopyTo(Stream.Null);
            Digest = DiffId = blobHash.GetDigest();
        }
        else
        {
            using Stream tar = Decompression.Open(blobHash, Compression, limits, leaveOpen: true, subject);
            using var tarHash = new HashingReadStream(tar, leaveOpen: true);
            tarHash.CopyTo(Stream.Null);
            blobHash.CopyTo(Stream.Null);
            Digest = blobHash.GetDigest();
            DiffId = tarHash.GetDigest();
        }

        Size = blobHash.BytesRead;
    }

    public Digest Digest { get; }

    public long Size { get; }

    public string MediaType { get; }

    public Digest DiffId { get; }

    public CompressionFormat Compression { get; }

    public static BlobLayer FromBytes(ReadOnlyMemory<byte> blob, ImageFormatLimits limits) =>
        new(() => new LayerStreams.ReadOnlyMemoryStream(blob), limits, "layer in memory");

    public static BlobLayer FromFile(string path, ImageFormatLimits limits)
    {
        string full = Path.GetFullPath(path);
        return new(() => new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16), limits, full);
    }

    public Stream OpenBlob(bool verify) => verify ? LayerStreams.VerifyBlob(_open(), Digest, Size, _subject) : _open();

    public ValueTask<Stream> OpenBlobAsync(bool verify, CancellationToken cancellationToken) =>
        cancellationToken.IsCancellationRequested ? ValueTask.FromCanceled<Stream>(cancellationToken) : ValueTask.FromResult(OpenBlob(verify));

    public Stream OpenUncompressed(bool verify) => LayerStreams.Uncompress(_open(), Compression, Digest, Size, DiffId, verify, _limits, _subject);

    public ValueTask<Stream> OpenUncompressedAsync(bool verify, CancellationToken cancellationToken) =>
        cancellationToken.IsCancellationRequested ? ValueTask.FromCanceled<Stream>(cancellationToken) : ValueTask.FromResult(OpenUncompressed(verify));

    public override string ToString() => $"{Digest} ({DiffId})";
}
