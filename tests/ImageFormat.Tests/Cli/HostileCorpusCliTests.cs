using System.Text.RegularExpressions;
using FluentAssertions;
using ImageFormat.Tests.Hostile;
using ImageFormat.Tests.Layers;
using ImageFormat.Tests.TestSupport;
using Xunit;

namespace ImageFormat.Tests.Cli;

/// <summary>
/// Every command of the CLI over a corpus of hostile inputs built here: no input may end in a stack trace or an
/// untyped failure; every failure is an <c>Error:</c> line carrying its IMGFMT code (or Docker's own text, for the
/// store's Docker-mirroring messages), with exit code 1 or 2.
/// </summary>
public partial class HostileCorpusCliTests
{
    private static readonly byte[] Hello = File.ReadAllBytes(RepoPaths.Sample("hello.tar"));

    private static Dictionary<string, byte[]> Corpus()
    {
        byte[] tampered = (byte[])Hello.Clone();
        tampered[tampered.AsSpan().IndexOf("second layer"u8)] = (byte)'S';
        byte[] gzip = Compression.CompressionCli.Gzip(Hello);
        byte[] brokenGzip = (byte[])gzip.Clone();
        for (int i = gzip.Length / 3; i < gzip.Length / 3 + 16; i++)
        {
            brokenGzip[i] ^= 0x5a;
        }

        var random = new Random(9);
        byte[] noise = new byte[4096];
        random.NextBytes(noise);
        return new Dictionary<string, byte[]>(StringComparer.Ordinal)
        {
            ["empty.tar"] = [],
            ["noise.bin"] = noise,
            ["truncated.tar"] = Hello[..((Hello.Length / 2) + 100)],
            ["truncated.tar.gz"] = gzip[..(gzip.Length / 2)],
            ["broken.tar.gz"] = brokenGzip,
            ["tampered.tar"] = tampered,
            ["bad-json.tar"] = new Archives.TarBuilder().File("manifest.json", "[{\"Config\":").Build(),
            ["nul-name.tar"] = HostileImages.Archive(HostileImages.NulNameLayer()),
            ["nul-name-layer.tar"] = HostileImages.NulNameLayer(),
            ["huge-claim.tar"] = HostileImages.HugeClaimLayer(1L << 40),
            ["huge-claim-layer.tar"] = HostileImages.Archive(HostileImages.HugeClaimLayer(8L << 30)),
            ["sparse-bomb.tar"] = HostileImages.Archive(HostileImages.SparseBombLayer(1L << 40)),
            ["sparse-ratio-bomb.tar"] = HostileImages.Archive(HostileImages.SparseBombLayer(1L << 30)),
            ["sparse-bomb-layer.tar"] = HostileImages.SparseBombLayer(1L << 30),
            ["zstd-bomb.tar.zst"] = HostileImages.ZstdZeroTar(160L << 20),
            ["zstd-layer-bomb.tar"] = HostileImages.Archive((HostileImages.ZstdZeroTar(160L << 20), new byte[1])),
            ["escaping-links.tar"] = HostileImages.Archive(HostileImages.EscapingLinksLayer()),
            ["escaping-links-layer.tar"] = HostileImages.EscapingLinksLayer(),
        };
    }

    private static IEnumerable<string[]> Commands(string file, TempDirectory work, string root, int n)
    {
        string Out(string name) => work.Combine($"{n}-{name}");
        yield return ["archive", "ls", file];
        yield return ["archive", "ls", "--format", "json", file];
        yield return ["archive", "inspect", file];
        yield return ["archive", "manifest", file];
        yield return ["archive", "config", file];
        yield return ["archive", "verify", file];
        yield return ["archive", "files", file];
        yield return ["archive", "cat", file, "h:1", "/etc/passwd"];
        yield return ["archive", "layers", file];
        yield return ["archive", "extract", file, Out("extract")];
        yield return ["archive", "extract", "--skip-invalid", file, Out("extract-skip")];
        yield return ["archive", "convert", file, Out("convert.tar")];
        yield return ["archive", "convert", "--archive-format", "oci", "--compress", "gzip", file, Out("convert-oci.tar")];
        yield return ["archive", "convert", file, "oci:" + Out("layout")];
        yield return ["archive", "ls", "oci:" + Out("layout")];
        yield return ["digest", file];
        yield return ["--root", root, "load", "-i", file];
        yield return ["--root", root, "import", file, $"imp:{n}"];
        yield return ["--root", root, "create", "--name", $"c{n}", $"imp:{n}", "sh"];
        yield return ["--root", root, "diff", $"c{n}"];
        yield return ["--root", root, "export", "-o", Out("export.tar"), $"c{n}"];
        yield return ["--root", root, "commit", $"c{n}", $"com:{n}"];
        yield return ["--root", root, "history", $"imp:{n}"];
        yield return ["--root", root, "inspect", $"imp:{n}"];
        yield return ["--root", root, "save", "-o", Out("save.tar"), $"imp:{n}"];
        yield return ["--root", root, "images", "-a"];
        yield return ["--root", root, "system", "check"];
        yield return ["--root", root, "rm", $"c{n}"];
        yield return ["--root", root, "rmi", "-f", $"imp:{n}"];
    }

    // The store's Docker texts, printed exactly as Docker 20.10 prints them (no code, by design).
    [GeneratedRegex("^Error( response from daemon)?: (No such (image|container|object)|conflict: |Invalid container name|.* is not a valid change command)")]
    private static partial Regex DockerText();

    [Fact]
    public void Every_command_over_every_hostile_input_fails_with_one_coded_line_and_never_a_stack_trace()
    {
        using var work = new TempDirectory();
        string root = work.Combine("store");
        var failures = new List<string>();
        var codes = new HashSet<string>(StringComparer.Ordinal);
        int runs = 0;
        int n = 0;
        foreach ((string name, byte[] bytes) in Corpus())
        {
            string file = work.WriteFile(name, bytes);
            foreach (string[] args in Commands(file, work, root, n))
            {
                CliResult result = CliRunner.Run(args);
                runs++;
                codes.UnionWith(CodeInLine().Matches(result.StdErr).Select(m => m.Value));
                string what = $"imagefmt {string.Join(' ', args)} ({name}) exit {result.ExitCode}: {result.StdErr}";
                string[] errorLines = [.. result.StdErr.Split('\n').Where(l => l.StartsWith("Error", StringComparison.Ordinal))];
                if (result.StdErr.Contains("   at ", StringComparison.Ordinal) || result.StdErr.Contains("Unhandled exception", StringComparison.OrdinalIgnoreCase)
                    || result.StdErr.Contains("IMGFMT0142", StringComparison.Ordinal))
                {
                    failures.Add("stack trace or internal error: " + what);
                }
                else if (result.ExitCode is not (0 or 1 or 2 or 3 or 4 or 5))
                {
                    failures.Add("undocumented exit code: " + what);
                }
                else if (result.ExitCode != 0 && args[^2] != "verify" && errorLines.Length == 0 && !result.StdOut.StartsWith("invalid:", StringComparison.Ordinal))
                {
                    failures.Add("failed without an Error line: " + what);
                }
                else if (errorLines.FirstOrDefault(l => !CodedLine().IsMatch(l) && !DockerText().IsMatch(l)) is { } uncoded)
                {
                    failures.Add($"error line without a code [{uncoded}]: " + what);
                }
            }

            n++;
        }

        failures.Should().BeEmpty();
        runs.Should().Be(Corpus().Count * 29);
        codes.Should().Contain(["IMGFMT0002", "IMGFMT0005", "IMGFMT0006", "IMGFMT0007", "IMGFMT0008", "IMGFMT0009"], "the corpus reaches digest, document, limit, archive, tar and compression failures");
        Directory.Exists("/tmp/imagefmt-escape").Should().BeFalse();
    }

    [GeneratedRegex("IMGFMT[0-9]{4}")]
    private static partial Regex CodeInLine();

    [GeneratedRegex("^Error: IMGFMT[0-9]{4}: ")]
    private static partial Regex CodedLine();

    [Fact]
    public void Nul_in_a_layer_name_is_one_invalid_tar_line_with_exit_code_4()
    {
        using var work = new TempDirectory();
        string file = work.WriteFile("nul.tar", HostileImages.Archive(HostileImages.NulNameLayer()));

        CliResult result = CliRunner.Run("archive", "extract", file, work.Combine("out"));

        (result.ExitCode, result.StdErr).Should().Be((4, "Error: IMGFMT0008: etc/pass\\0...: the entry's name holds a NUL byte at position 8\n"));
    }

    [Fact]
    public void Limit_error_names_the_cli_option_and_raising_it_lets_the_command_pass()
    {
        using var work = new TempDirectory();
        string file = work.WriteFile("sparse.tar", HostileImages.Archive(HostileImages.SparseBombLayer(1L << 40)));

        CliResult refused = CliRunner.Run("archive", "files", file);
        CliResult allowed = CliRunner.Run("--limit", "MaxSparseEntryBytes=1T", "--limit", "maxsparselayerbytes=1T", "--limit", "MaxExpansionRatio=0", "archive", "files", file);

        refused.ExitCode.Should().Be(4);
        refused.StdErr.Should().StartWith("Error: IMGFMT0006: lastlog: MaxSparseEntryBytes exceeded: at most 68719476736 allowed, found 1099511627776;")
            .And.EndWith("(imagefmt --limit MaxSparseEntryBytes=VALUE)\n");
        allowed.ExitCode.Should().Be(0, allowed.StdErr);
        allowed.StdOut.Should().Contain("1099511627776").And.Contain("/lastlog");
    }

    [Fact]
    public void Help_lists_every_limit_with_its_default()
    {
        CliResult result = CliRunner.Run("--help");

        string help = Regex.Replace(result.StdOut, "\\s+", " ");
        foreach (string name in new[] { "MaxJsonBytes", "MaxDecompressedBytes=1099511627776", "MaxExpansionRatio=1100", "ExpansionAllowanceBytes=134217728", "MaxSparseEntryBytes", "MaxSparseLayerBytes", "MaxSpoolBytes", "MaxLoadLayerBytes", "MaxTarEntries" })
        {
            help.Should().Contain(name);
        }
    }

    [Theory]
    [InlineData("NoSuchLimit=1", "Error: IMGFMT0141: --limit NoSuchLimit=1: unknown limit \"NoSuchLimit\"")]
    [InlineData("MaxSpoolBytes=lots", "Error: IMGFMT0141: --limit MaxSpoolBytes=lots: expected MaxSpoolBytes=N, a non-negative whole number, optionally ending in K, M, G or T")]
    [InlineData("MaxJsonDepth=9G", "Error: IMGFMT0141: --limit MaxJsonDepth=9G: MaxJsonDepth must be at most 2147483647")]
    public void Bad_limit_is_a_usage_error_with_exit_code_2(string setting, string line)
    {
        CliResult result = CliRunner.Run("--limit", setting, "archive", "ls", RepoPaths.Sample("hello.tar"));

        result.ExitCode.Should().Be(2);
        result.StdErr.Should().StartWith(line);
    }

    [Fact]
    public void Limit_MaxWalkDepth_lets_diff_walk_a_tree_exactly_that_deep_and_refuses_one_level_less()
    {
        using var work = new TempDirectory();
        string root = work.Combine("store");
        string file = work.WriteFile("deep.tar", new LayerTar().Dir("1").Dir("1/2").Dir("1/2/3").ToBytes());
        CliRunner.Run("--root", root, "import", file, "deep:1").ExitCode.Should().Be(0);
        CliRunner.Run("--root", root, "create", "--name", "deep1", "deep:1", "sh").ExitCode.Should().Be(0);

        CliResult allowed = CliRunner.Run("--limit", "MaxWalkDepth=3", "--root", root, "diff", "deep1");
        CliResult refused = CliRunner.Run("--limit", "MaxWalkDepth=2", "--root", root, "diff", "deep1");

        allowed.ExitCode.Should().Be(0, allowed.StdErr);
        allowed.StdOut.Should().BeEmpty("nothing changed in the container");
        refused.ExitCode.Should().NotBe(0);
        refused.StdErr.Should().StartWith("Error: IMGFMT0006: ").And.Contain("MaxWalkDepth exceeded: at most 2 allowed, found 3");
    }

    [Fact]
    public void Tampered_layer_fails_extract_cat_files_and_layers_unless_no_verify_is_given()
    {
        using var work = new TempDirectory();
        byte[] tampered = (byte[])Hello.Clone();
        tampered[tampered.AsSpan().IndexOf("second layer"u8)] = (byte)'S';
        string file = work.WriteFile("tampered.tar", tampered);

        foreach (string[] args in new[]
        {
            new[] { "archive", "extract", file, "hello:latest", work.Combine("x") },
            ["archive", "cat", file, "hello:latest", "/greeting"],
            ["archive", "files", file, "hello:latest"],
            ["archive", "layers", file, "hello:latest"],
        })
        {
            CliResult verified = CliRunner.Run(args);
            CliResult trusted = CliRunner.Run([.. args, "--no-verify"]);

            verified.ExitCode.Should().Be(5, string.Join(' ', args));
            verified.StdErr.Should().StartWith("Error: IMGFMT0002: d5382533fef5dad712d809b085daf3f1748784d92f217510ced3888a2ab8d4f8/layer.tar (uncompressed): digest mismatch: expected sha256:5b367c4d1b91adac12ca4a1c63950e898cb6578734a946c54195aadc3a504e0e, found sha256:");
            trusted.ExitCode.Should().Be(0, trusted.StdErr);
        }
    }
}
