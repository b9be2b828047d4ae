using System.CommandLine;
using ImageFormat.Digests;

namespace ImageFormat.Cli.Commands;

/// <summary><c>imagefmt digest FILE...</c>: prints <c>sha256:&lt;hex&gt;  FILE</c> for each file, like <c>sha256sum</c>.</summary>
internal static class DigestCommand
{
    public static Command Create(CliConsole console)
    {
        var files = new Argument<string[]>("FILE") { Description = "Files to hash; '-' reads standard input.", Arity = ArgumentArity.OneOrMore };
        var command = new Command("digest", "Print the sha256 digest of each file (as sha256sum does, with the algorithm prefix).") { files };
        command.SetAction(parse => console.Guard(() =>
        {
            int exit = 0;
            foreach (string file in parse.GetValue(files)!)
            {
                try
                {
                    using Stream stream = CliConsole.OpenInput(file);
                    console.Out.WriteLine($"{Digest.Compute(stream)}  {file}");
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    console.Error.WriteLine($"Error: {Errors.ErrorCodes.IoFailure}: {file}: {e.Message}");
                    exit = 1;
                }
            }

            return exit;
        }));
        return command;
    }
}
