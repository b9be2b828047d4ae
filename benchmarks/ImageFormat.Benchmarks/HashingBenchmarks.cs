using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using ImageFormat.Digests;

namespace ImageFormat.Benchmarks;

/// <summary>
/// Hashing through ImageFormat's APIs against the BCL's one-shot SHA256.HashData over the same bytes. The
/// stream wrappers move the content in 1 MiB pieces; the read-side ones read from a MemoryStream, so they also
/// pay one copy of every byte (MemoryStreamCopyOnly measures that copy alone, and
/// MemoryStreamReadPlusIncrementalHash the same read-and-hash done by hand, without the wrapper).
/// </summary>
[MemoryDiagnoser]
public class HashingBenchmarks
{
    private const int Chunk = 1024 * 1024;

    private byte[] _data = [];
    private byte[] _buffer = [];
    private Digest _expected;

    [Params(64 * 1024 * 1024)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _data = new byte[Size];
        new Random(42).NextBytes(_data);
        _buffer = new byte[Chunk];
        _expected = Digest.Compute(_data);
    }

    [Benchmark(Baseline = true)]
    public byte[] Sha256HashData() => SHA256.HashData(_data);

    [Benchmark]
    public Digest DigestCompute() => Digest.Compute(_data);

    [Benchmark]
    public Digest HashingReadStream1MiB()
    {
        using var stream = new HashingReadStream(new MemoryStream(_data, writable: false));
        while (stream.Read(_buffer, 0, Chunk) > 0)
        {
        }

        return stream.Digest;
    }

    [Benchmark]
    public Digest HashingWriteStream1MiB()
    {
        using var stream = new HashingWriteStream(Stream.Null);
        for (int offset = 0; offset < _data.Length; offset += Chunk)
        {
            stream.Write(_data, offset, Math.Min(Chunk, _data.Length - offset));
        }

        return stream.GetDigest();
    }

    [Benchmark]
    public bool VerifyingReadStream1MiB()
    {
        using var stream = new VerifyingReadStream(new MemoryStream(_data, writable: false), _expected, _data.Length, "benchmark");
        while (stream.Read(_buffer, 0, Chunk) > 0)
        {
        }

        return stream.IsVerified;
    }

    [Benchmark]
    public byte[] MemoryStreamReadPlusIncrementalHash()
    {
        // The same work as HashingReadStream without the wrapper: what reading and hashing costs by hand.
        using var stream = new MemoryStream(_data, writable: false);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        int n;
        while ((n = stream.Read(_buffer, 0, Chunk)) > 0)
        {
            hash.AppendData(_buffer, 0, n);
        }

        return hash.GetHashAndReset();
    }

    [Benchmark]
    public long MemoryStreamCopyOnly()
    {
        using var stream = new MemoryStream(_data, writable: false);
        long total = 0;
        int n;
        while ((n = stream.Read(_buffer, 0, Chunk)) > 0)
        {
            total += n;
        }

        return total;
    }
}
