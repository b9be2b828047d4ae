using ImageFormat.Fuzz;
using ImageFormat.Fuzz.Harnesses;
using SharpFuzz;

// The fuzzing program. Under afl-fuzz (eng/fuzz.sh) it runs one harness in SharpFuzz's out-of-process persistent
// mode; by hand it replays inputs through a harness in-process, or writes the seed corpora.
const string Usage = """
    usage: ImageFormat.Fuzz HARNESS                      run under afl-fuzz (input on standard input)
           ImageFormat.Fuzz --replay HARNESS PATH...     run each file (or every file of each folder) in-process
           ImageFormat.Fuzz --make-seeds CORPUS_DIR       write every harness's seeds to CORPUS_DIR/<harness>/ (finding-* files stay)
           ImageFormat.Fuzz --list                        the harnesses and what each checks
    """;

string work = Environment.GetEnvironmentVariable("IMAGEFORMAT_FUZZ_WORK") is { Length: > 0 } w
    ? Path.GetFullPath(w)
    : Path.Combine(Path.GetTempPath(), $"imageformat-fuzz-{Environment.ProcessId}");

switch (args)
{
    case ["--list"]:
        foreach (string name in HarnessCatalog.Names)
        {
            using Harness harness = HarnessCatalog.Create(name, work);
            Console.WriteLine($"{name,-12} {harness.Checks}");
        }

        return 0;

    case ["--make-seeds", string corpus]:
        var sources = SeedSources.FindFrom(AppContext.BaseDirectory);
        foreach (string name in HarnessCatalog.Names)
        {
            using Harness harness = HarnessCatalog.Create(name, work);
            string folder = Path.Combine(corpus, name);
            Directory.CreateDirectory(folder);

            // Generated seeds are written again; inputs kept from findings (finding-*) stay.
            foreach (string old in Directory.GetFiles(folder).Where(f => !Path.GetFileName(f).StartsWith("finding-", StringComparison.Ordinal)))
            {
                File.Delete(old);
            }

            int count = 0;
            foreach ((string file, byte[] data) in harness.Seeds(sources))
            {
                File.WriteAllBytes(Path.Combine(folder, file), data);
                count++;
            }

            Console.WriteLine($"{name}: {count} seeds in {folder}");
        }

        return 0;

    case ["--replay", string name, .. var paths] when paths.Length > 0:
        using (Harness harness = HarnessCatalog.Create(name, work))
        {
            int failures = 0;
            foreach (string file in paths.SelectMany(p => Directory.Exists(p) ? Directory.GetFiles(p).Order(StringComparer.Ordinal) : (IEnumerable<string>)[p]))
            {
                try
                {
                    harness.Run(File.ReadAllBytes(file));
                    Console.WriteLine($"ok     {file}");
                }
                catch (Exception e)
                {
                    failures++;
                    Console.WriteLine($"FAILED {file}\n{e}");
                }
            }

            return failures == 0 ? 0 : 1;
        }

    case [string name] when !name.StartsWith('-'):
        using (Harness harness = HarnessCatalog.Create(name, work))
        {
            Fuzzer.OutOfProcess.Run(stream =>
            {
                using var buffer = new MemoryStream();
                stream.CopyTo(buffer);
                harness.Run(buffer.ToArray());
            });
        }

        return 0;

    default:
        Console.Error.WriteLine(Usage);
        return 2;
}
