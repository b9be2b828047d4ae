using BenchmarkDotNet.Running;

if (args.Length > 0 && args[0] == "async-vs-sync")
{
    return ImageFormat.Benchmarks.AsyncComparison.Run(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(ImageFormat.Benchmarks.HashingBenchmarks).Assembly).Run(args);
return 0;
