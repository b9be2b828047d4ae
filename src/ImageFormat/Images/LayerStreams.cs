using ImageFormat.Compression;
using ImageFormat.Digests;
using ImageFormat.Model;
using ImageFormat.Progress;

namespace ImageFormat.Images;

/// <summary>
/// The one way a layer's blob becomes a checked stream, for every <see cref="IImageLayer"/> implementation: the
/// stored bytes against the blob digest and size, the uncompressed bytes against the diffID.
/// </summary>
internal static class LayerStreams
{
    /// <summary>
    /// Opens any layer's uncompressed tar with <paramref name="cancellationToken"/> observed on every read. A layer
    /// that can (<see cref="IReportingLayer"/>) counts its stored bytes into <paramref name="reporter"/> while they
    /// are read, and <paramref name="counted"/> is then <see langword="true"/>; any other layer is left for the
    /// caller to count when it ends (its stored bytes are not visible through the interface).
    /// </summary>
    public static Stream OpenUncompressed(IImageLayer layer, bool verify, ProgressReporter? reporter, CancellationToken cancellationToken, out bool counted)
    {
        counted = layer is IReportingLayer;
        return layer is IReportingLayer reporting
            ? reporting.OpenUncompressed(verify, reporter, cancellationToken)
            : ProgressStream.Wrap(layer.OpenUncompressed(verify), null, cancellationToken);
    }

    /// <summary>How messages and progress name <paramref name="layer"/>: its own name when it has one, else its digest.</summary>
    public static string SubjectOf(IImageLayer layer) => layer is IReportingLayer reporting ? reporting.Subject : layer.Digest.Value;

    /// <summary>
    /// Reads what is left of <paramref name="layer"/> (an uncompressed layer stream) so that a verifying stream
    /// sees its end and checks the digests: a tar reader stops at the end-of-archive blocks and leaves the padding
    /// (or anything an attacker appended) unread.
    /// </summary>
    public static void ReadToEnd(Stream layer)
    {
        byte[] buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            while (layer.Read(buffer, 0, buffer.Length) > 0)
            {
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The OCI layer media type of a blob stored plain, gzip- or zstd-compressed.</summary>
    /// <exception cref="ArgumentException"><paramref name="compression"/> is bzip2 or xz, which no layer media type names.</exception>
    public static string OciLayerMediaType(CompressionFormat compression) => compression switch
    {
        CompressionFormat.None => MediaTypes.OciLayer,
        CompressionFormat.Gzip => MediaTypes.OciLayerGzip,
        CompressionFormat.Zstd => MediaTypes.OciLayerZstd,
        _ => throw new ArgumentException($"Layers are stored plain, gzip or zstd, not {compression}.", nameof(compression)),
    };

    /// <summary>Wraps a stored blob so that reads check it against its digest and size.</summary>
    public static Stream VerifyBlob(Stream blob, Digest digest, long size, string subject) =>
        digest.IsEmpty ? blob : new VerifyingReadStream(blob, digest, size, subject, leaveOpen: false);

    /// <summary>
    /// Turns a stored blob into its uncompressed tar: decompressed as <paramref name="format"/> says, and, when
    /// <paramref name="verify"/>, checked against <paramref name="digest"/>/<paramref name="size"/> (when known) and
    /// <paramref name="diffId"/> (when known). Takes ownership of <paramref name="blob"/>.
    /// </summary>
    public static Stream Uncompress(Stream blob, CompressionFormat format, Digest digest, long size, Digest diffId, bool verify, ImageFormatLimits limits, string subject)
    {
        if (!verify)
        {
            return format == CompressionFormat.None ? blob : Decompression.Open(blob, format, limits, leaveOpen: false, subject);
        }

        Stream checkedBlob = digest.IsEmpty ? blob : new VerifyingReadStream(blob, digest, size, subject, leaveOpen: false);
        if (format == CompressionFormat.None)
        {
            return diffId.IsEmpty || diffId == digest
                ? checkedBlob
                : new VerifyingReadStream(checkedBlob, diffId, -1, $"{subject} (uncompressed)", leaveOpen: false);
        }

        Stream uncompressed = Decompression.Open(checkedBlob, format, limits, leaveOpen: false, subject);
        Stream result = diffId.IsEmpty ? uncompressed : new VerifyingReadStream(uncompressed, diffId, -1, $"{subject} (uncompressed)", leaveOpen: false);
        return checkedBlob is VerifyingReadStream storedVerifier ? new DrainOnEndStream(result, storedVerifier) : result;
    }

    /// <summary>Checks bytes held in memory against a digest and size, throwing as a verifying stream does.</summary>
    public static void VerifyBytes(ReadOnlyMemory<byte> bytes, Digest digest, long size, string subject)
    {
        using var verifier = new VerifyingReadStream(new ReadOnlyMemoryStream(bytes), digest, size, subject, leaveOpen: false);
        verifier.VerifyToEnd();
    }

    /// <summary>
    /// After the uncompressed stream ends, reads the rest of the stored blob (a decompressor may stop before
    /// its end) so that the stored digest and size are checked too.
    /// </summary>
    internal sealed class DrainOnEndStream(Stream inner, VerifyingReadStream stored) : IO.ForwardReadStream
    {
        public override int Read(Span<byte> buffer)
        {
            int n = inner.Read(buffer);
            if (n == 0 && !buffer.IsEmpty)
            {
                stored.VerifyToEnd();
            }

            return n;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }

    /// <summary>A read-only, seekable stream over memory the caller keeps.</summary>
    internal sealed class ReadOnlyMemoryStream(ReadOnlyMemory<byte> bytes) : Stream
    {
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => true;

        public override bool CanWrite => false;

        public override long Length => bytes.Length;

        public override long Position
        {
            get => _position;
            set
            {
                ArgumentOutOfRangeException.ThrowIfNegative(value);
                _position = value;
            }
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_position >= bytes.Length)
            {
                return 0;
            }

            int n = (int)Math.Min(buffer.Length, bytes.Length - _position);
            bytes.Span.Slice((int)_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            cancellationToken.IsCancellationRequested ? ValueTask.FromCanceled<int>(cancellationToken) : ValueTask.FromResult(Read(buffer.Span));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override long Seek(long offset, SeekOrigin origin)
        {
            Position = origin switch
            {
                SeekOrigin.Begin => offset,
                SeekOrigin.Current => _position + offset,
                SeekOrigin.End => bytes.Length + offset,
                _ => throw new ArgumentOutOfRangeException(nameof(origin)),
            };
            return _position;
        }

        public override void Flush()
        {
        }

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
