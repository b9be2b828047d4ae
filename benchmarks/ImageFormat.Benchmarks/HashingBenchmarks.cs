using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using ImageFormat.Digests;

namespace ImageFormat.Benchmarks;

/// <summary>Hashing through ImageFormat's APIs against the BCL's one-shot SHA256.HashData over the same bytes.</summary>
[MemoryDiagnoser]
public class HashingBenchmarks
{
    private byte[] _data = [];

    [Params(64 * 1024 * 1024)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _data = new byte[Size];
        new Random(42).NextBytes(_data);
    }

    [Benchmark(Baseline = true)]
    public byte[] Sha256HashData() => SHA256.HashData(_data);

    [Benchmark]
    public Digest DigestCompute() => Digest.Compute(_data);
}
