namespace ImageFormat.Tests.TestSupport;

/// <summary>What a stream holds, read to its end, for tests that compare bytes.</summary>
internal static class StreamBytes
{
    /// <summary>Reads <paramref name="stream"/> to its end; the stream stays the caller's.</summary>
    public static byte[] ReadAll(Stream stream)
    {
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>Reads <paramref name="stream"/> to its end and disposes of it.</summary>
    public static byte[] ReadAllAndDispose(Stream stream)
    {
        using (stream)
        {
            return ReadAll(stream);
        }
    }
}
