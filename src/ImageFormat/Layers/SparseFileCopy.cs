using ImageFormat.Tar;

namespace ImageFormat.Layers;

/// <summary>
/// Writes a tar entry's content to a new file, leaving the holes of a sparse entry as holes: blocks of zeros are
/// seeked over instead of written and the file is then extended to its size, so a sparse entry costs the disk only
/// its data, as <c>tar -x</c> of a GNU sparse member does. A non-sparse entry is copied as it is.
/// </summary>
/// <remarks>For the extraction code to call in place of <see cref="Stream.CopyTo(Stream, int)"/>.</remarks>
internal static class SparseFileCopy
{
    private const int BlockSize = 1 << 16;

    /// <summary>Copies <paramref name="entry"/>'s content from <paramref name="reader"/> to <paramref name="file"/>, a new empty file.</summary>
    /// <param name="reader">The reader positioned on <paramref name="entry"/>.</param>
    /// <param name="entry">The current entry.</param>
    /// <param name="file">The destination, opened for writing and seekable, at position 0.</param>
    public static void Copy(TarReader reader, TarEntryHeader entry, FileStream file)
    {
        if (entry.Size == 0)
        {
            return;
        }

        using Stream data = reader.OpenEntryData();
        if (!entry.IsSparse)
        {
            data.CopyTo(file, 1 << 20);
            return;
        }

        byte[] buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(BlockSize);
        try
        {
            long position = 0;
            int n;
            while ((n = data.ReadAtLeast(buffer.AsSpan(0, BlockSize), BlockSize, throwOnEndOfStream: false)) > 0)
            {
                ReadOnlySpan<byte> block = buffer.AsSpan(0, n);
                if (block.IndexOfAnyExcept((byte)0) < 0)
                {
                    file.Seek(n, SeekOrigin.Current);
                }
                else
                {
                    file.Write(block);
                }

                position += n;
            }

            // Seeking past the end writes nothing: the length makes the trailing hole part of the file.
            file.SetLength(position);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
