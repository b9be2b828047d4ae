using System.CommandLine;
using ImageFormat.Cli.Commands;

namespace ImageFormat.Cli;

/// <summary>
/// The <c>imagefmt</c> entry point: builds the command tree and runs it. Exit codes: 0 success; 1 failure (bad or
/// hostile input, a limit reached, a digest mismatch, a missing file, <c>archive verify</c> finding an error); 2 an
/// invalid command line; 70 an unexpected internal error. Every failure is one <c>Error: ...</c> line on standard
/// error carrying an <c>IMGFMTnnnn</c> code, except the store's Docker texts, kept exactly as Docker prints them.
/// </summary>
public static class Program
{
    /// <summary>Runs the tool.</summary>
    /// <param name="args">The command line.</param>
    /// <returns>The exit code.</returns>
    public static int Main(string[] args)
    {
        int exit = Run(args, Console.In, Console.Out, Console.Error);
        if (Environment.GetEnvironmentVariable("IMAGEFMT_STATS") is { Length: > 0 })
        {
            // For the benchmark scripts: how many bytes this process read and wrote, and its peak memory.
            Console.Error.WriteLine(ProcessStats.Describe());
        }

        return exit;
    }

    /// <summary>Runs the tool with explicit standard streams (used by tests).</summary>
    /// <param name="args">The command line.</param>
    /// <param name="stdin">Standard input as text (unused by binary commands, which open the process's stdin).</param>
    /// <param name="stdout">Standard output.</param>
    /// <param name="stderr">Standard error.</param>
    /// <returns>The exit code.</returns>
    public static int Run(string[] args, TextReader stdin, TextWriter stdout, TextWriter stderr) => Run(args, new CliConsole(stdin, stdout, stderr));

    /// <summary>Runs the tool on a console (tests pass one that captures binary output too).</summary>
    /// <param name="args">The command line.</param>
    /// <param name="console">The standard streams.</param>
    /// <returns>The exit code.</returns>
    public static int Run(string[] args, CliConsole console)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(console);
        TextWriter stdout = console.Out;
        TextWriter stderr = console.Error;
        try
        {
            RootCommand root = BuildRoot(console);
            ParseResult parse = root.Parse(args);
            if (parse.Errors.Count > 0)
            {
                foreach (System.CommandLine.Parsing.ParseError error in parse.Errors)
                {
                    console.Fail(Errors.ErrorCodes.InvalidArgument, error.Message, CliConsole.ExitUsage);
                }

                stderr.WriteLine("Run 'imagefmt --help' (or COMMAND --help) for usage.");
                return CliConsole.ExitUsage;
            }

            // Commands report their own failures; this catches what escapes them, so that no input ever ends in a
            // stack trace.
            return parse.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
        }
        catch (Exception e)
        {
            (string line, int exit) = CliConsole.Describe(e);
            stderr.WriteLine(line);
            return exit;
        }
    }

    private static RootCommand BuildRoot(CliConsole console)
    {
        var root = new RootCommand("imagefmt: read, verify, convert and write Docker and OCI container images without a daemon.");
        root.Subcommands.Add(DigestCommand.Create(console));
        root.Subcommands.Add(ArchiveCommands.Create(console));
        root.Options.Add(StoreCommands.RootOption);
        root.Options.Add(LimitOptions.Option);
        foreach (Command command in StoreCommands.Create(console))
        {
            root.Subcommands.Add(command);
        }

        foreach (Command command in RegistryCommands.Create(console))
        {
            root.Subcommands.Add(command);
        }
        return root;
    }
}
