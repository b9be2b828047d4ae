using System.Text;
using ImageFormat.Cli;

namespace ImageFormat.Tests.Cli;

/// <summary>Runs imagefmt in-process and captures its text and binary output.</summary>
internal static class CliRunner
{
    public static CliResult Run(params string[] args)
    {
        var stdout = new StringWriter { NewLine = "\n" };
        var stderr = new StringWriter { NewLine = "\n" };
        using var binary = new MemoryStream();
        int exit = Program.Run(args, new CliConsole(TextReader.Null, stdout, stderr, binary));
        return new CliResult(exit, stdout.ToString(), stderr.ToString(), binary.ToArray());
    }
}

internal sealed record CliResult(int ExitCode, string StdOut, string StdErr, byte[] Binary)
{
    public string BinaryText => Encoding.UTF8.GetString(Binary);
}
