using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace ImageFormat.IO;

/// <summary>
/// Copies a byte range from one open file to another without passing the bytes through this process: on Linux with
/// <c>copy_file_range(2)</c>, which copies within the kernel (or shares extents on file systems that can), and
/// elsewhere, or where the kernel refuses the pair of files, with positioned reads and writes
/// (<see cref="RandomAccess"/>). Neither file's position is used or moved.
/// </summary>
/// <remarks>
/// Every caller makes the destination durable afterwards (an archive file, a store blob), so each chunk copied in the
/// kernel is handed to writeback at once (<c>sync_file_range(SYNC_FILE_RANGE_WRITE)</c>, which starts the disk
/// writes without waiting for them): the disk writes one chunk while the next is copied and the blobs are hashed,
/// and the final <c>fsync</c> has little left to wait for.
/// </remarks>
internal static partial class KernelCopy
{
    /// <summary>How much one call copies at most, so that cancellation and progress are seen between calls.</summary>
    internal const int ChunkBytes = 32 << 20;

    private const int ENOSYS = 38;
    private const int EXDEV = 18;
    private const int EINVAL = 22;
    private const int EOPNOTSUPP = 95;
    private const int EINTR = 4;
    private const uint SYNC_FILE_RANGE_WRITE = 2;

    /// <summary>Whether <c>copy_file_range</c> failed once with "not supported here"; then only the fallback runs.</summary>
    private static volatile bool s_unsupported = !OperatingSystem.IsLinux();

    /// <summary>
    /// Copies <paramref name="count"/> bytes of <paramref name="source"/> from <paramref name="sourceOffset"/> to
    /// <paramref name="destination"/> at <paramref name="destinationOffset"/>.
    /// </summary>
    /// <param name="source">A file open for reading.</param>
    /// <param name="sourceOffset">Where the bytes start in the source.</param>
    /// <param name="destination">A file open for writing.</param>
    /// <param name="destinationOffset">Where they go in the destination.</param>
    /// <param name="count">How many bytes.</param>
    /// <param name="copied">Told the size of each chunk once it is copied; may be <see langword="null"/>.</param>
    /// <param name="cancellationToken">Checked between chunks.</param>
    /// <exception cref="EndOfStreamException">The source ends before <paramref name="count"/> bytes.</exception>
    /// <exception cref="IOException">A read or write fails.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static void Copy(SafeFileHandle source, long sourceOffset, SafeFileHandle destination, long destinationOffset, long count, Action<long>? copied, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sourceOffset);
        ArgumentOutOfRangeException.ThrowIfNegative(destinationOffset);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        long done = 0;
        if (!s_unsupported)
        {
            done = CopyInKernel(source, sourceOffset, destination, destinationOffset, count, copied, cancellationToken);
        }

        if (done < count)
        {
            CopyThroughBuffer(source, sourceOffset + done, destination, destinationOffset + done, count - done, copied, cancellationToken);
        }
    }

    /// <summary>Copies with <c>copy_file_range</c> until done, the source ends, or the kernel refuses.</summary>
    /// <returns>How many bytes were copied.</returns>
    private static long CopyInKernel(SafeFileHandle source, long sourceOffset, SafeFileHandle destination, long destinationOffset, long count, Action<long>? copied, CancellationToken cancellationToken)
    {
        bool sourceAdded = false, destinationAdded = false;
        try
        {
            source.DangerousAddRef(ref sourceAdded);
            destination.DangerousAddRef(ref destinationAdded);
            int fdIn = (int)source.DangerousGetHandle();
            int fdOut = (int)destination.DangerousGetHandle();
            long inOffset = sourceOffset, outOffset = destinationOffset, done = 0;
            while (done < count)
            {
                cancellationToken.ThrowIfCancellationRequested();
                nint n = copy_file_range(fdIn, ref inOffset, fdOut, ref outOffset, (nuint)Math.Min(count - done, ChunkBytes), 0);
                if (n < 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno == EINTR)
                    {
                        continue;
                    }

                    if (errno is ENOSYS or EXDEV or EINVAL or EOPNOTSUPP)
                    {
                        // Not for this pair of files (another file system, a kernel without it): the buffered copy
                        // takes over from here. ENOSYS means never on this kernel.
                        if (errno == ENOSYS)
                        {
                            s_unsupported = true;
                        }

                        return done;
                    }

                    throw new IOException($"copy_file_range failed: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
                }

                if (n == 0)
                {
                    throw new EndOfStreamException($"the source file ended {count - done} bytes early, at offset {sourceOffset + done}");
                }

                // Start writing this chunk to disk now; a failure here only means the final fsync does it all.
                _ = sync_file_range(fdOut, outOffset - n, n, SYNC_FILE_RANGE_WRITE);
                done += n;
                copied?.Invoke(n);
            }

            return done;
        }
        finally
        {
            if (destinationAdded)
            {
                destination.DangerousRelease();
            }

            if (sourceAdded)
            {
                source.DangerousRelease();
            }
        }
    }

    private static void CopyThroughBuffer(SafeFileHandle source, long sourceOffset, SafeFileHandle destination, long destinationOffset, long count, Action<long>? copied, CancellationToken cancellationToken)
    {
        byte[] buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            long done = 0;
            while (done < count)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int want = (int)Math.Min(buffer.Length, count - done);
                int n = RandomAccess.Read(source, buffer.AsSpan(0, want), sourceOffset + done);
                if (n == 0)
                {
                    throw new EndOfStreamException($"the source file ended {count - done} bytes early, at offset {sourceOffset + done}");
                }

                RandomAccess.Write(destination, buffer.AsSpan(0, n), destinationOffset + done);
                done += n;
                copied?.Invoke(n);
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint copy_file_range(int fdIn, ref long offIn, int fdOut, ref long offOut, nuint len, uint flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int sync_file_range(int fd, long offset, long nbytes, uint flags);
}
