using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(ImageFormat.Benchmarks.HashingBenchmarks).Assembly).Run(args);
