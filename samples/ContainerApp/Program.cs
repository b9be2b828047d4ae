// Prints what the image gave the app: its arguments, one variable, its working directory and its user.
Console.WriteLine($"args: {string.Join(' ', args)}");
Console.WriteLine($"GREETING: {Environment.GetEnvironmentVariable("GREETING")}");
Console.WriteLine($"cwd: {Environment.CurrentDirectory}");
Console.WriteLine($"uid: {(OperatingSystem.IsWindows() ? "n/a" : Environment.GetEnvironmentVariable("IMAGEFMT_UID") ?? File.ReadLines("/proc/self/status").First(l => l.StartsWith("Uid:", StringComparison.Ordinal)).Split('\t', StringSplitOptions.RemoveEmptyEntries)[1])}");
