using System.CommandLine;
using ImageFormat.Cli.Commands;

namespace ImageFormat.Cli;

/// <summary>The <c>imagefmt</c> entry point: builds the command tree and runs it.</summary>
public static class Program
{
    /// <summary>Runs the tool.</summary>
    /// <param name="args">The command line.</param>
    /// <returns>The exit code.</returns>
    public static int Main(string[] args) => Run(args, Console.In, Console.Out, Console.Error);

    /// <summary>Runs the tool with explicit standard streams (used by tests).</summary>
    /// <param name="args">The command line.</param>
    /// <param name="stdin">Standard input as text (unused by binary commands, which open the process's stdin).</param>
    /// <param name="stdout">Standard output.</param>
    /// <param name="stderr">Standard error.</param>
    /// <returns>The exit code.</returns>
    public static int Run(string[] args, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(args);
        var console = new CliConsole(stdin, stdout, stderr);
        RootCommand root = BuildRoot(console);
        ParseResult parse = root.Parse(args);
        return parse.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr });
    }

    private static RootCommand BuildRoot(CliConsole console)
    {
        var root = new RootCommand("imagefmt: read, verify, convert and write Docker and OCI container images without a daemon.");
        root.Subcommands.Add(DigestCommand.Create(console));
        return root;
    }
}
