using System.CommandLine;
using ImageFormat.Progress;
using Spectre.Console;

namespace ImageFormat.Cli;

/// <summary>
/// Renders the library's <see cref="ImageProgress"/> reports of a long command as a progress bar with the bytes
/// done, the transfer rate and the time left, on standard error, only when it is a terminal; redirected output,
/// a console given by a test, and <c>--quiet</c> get no bars at all, so what is printed stays exactly the same.
/// The library reports; this only draws.
/// </summary>
internal static class ProgressDisplay
{
    /// <summary>The <c>--quiet</c> option of a long command: no progress bar.</summary>
    public static Option<bool> QuietOption() =>
        new("--quiet", "-q") { Description = "Show no progress bar (one is drawn on standard error only when it is a terminal)." };

    /// <summary>Whether bars are drawn: not quiet, and standard error is this process's own terminal.</summary>
    public static bool Enabled(CliConsole console, bool quiet) =>
        !quiet
        && ReferenceEquals(console.Error, Console.Error)
        && !Console.IsErrorRedirected
        && Environment.GetEnvironmentVariable("TERM") is not "dumb";

    /// <summary>Runs an operation's asynchronous form, with a bar named <paramref name="title"/> when <see cref="Enabled"/>.</summary>
    public static T Run<T>(CliConsole console, bool quiet, string title, Func<IProgress<ImageProgress>?, Task<T>> operation)
    {
        return Enabled(console, quiet) ? RunWithBar(title, operation) : operation(null).GetAwaiter().GetResult();
    }

    /// <summary>The terminal path, apart so that a redirected or quiet run never loads Spectre.Console.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static T RunWithBar<T>(string title, Func<IProgress<ImageProgress>?, Task<T>> operation)
    {
        IAnsiConsole terminal = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        return terminal.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                ProgressTask task = context.AddTask(Markup.Escape(title), maxValue: 1);
                T result = await operation(new Bar(task, title)).ConfigureAwait(false);
                task.Value = task.MaxValue;
                task.StopTask();
                return result;
            })
            .GetAwaiter().GetResult();
    }

    /// <summary>Runs an operation without a result, as <see cref="Run{T}"/> does.</summary>
    public static void Run(CliConsole console, bool quiet, string title, Func<IProgress<ImageProgress>?, Task> operation) =>
        Run(console, quiet, title, async progress =>
        {
            await operation(progress).ConfigureAwait(false);
            return true;
        });

    /// <summary>One bar: the bytes of the whole operation, described by the item being processed.</summary>
    private sealed class Bar(ProgressTask task, string title) : IProgress<ImageProgress>
    {
        public void Report(ImageProgress value)
        {
            task.MaxValue = Math.Max(1, value.BytesTotal);
            task.Value = value.BytesDone;
            string item = value.Item.StartsWith("sha256:", StringComparison.Ordinal) ? value.Item[7..19] : value.Item;
            if (item.Length > 32)
            {
                item = "…" + item[^31..];
            }

            task.Description = Markup.Escape(value.ItemCount > 1 ? $"{title} {item} ({value.ItemIndex + 1}/{value.ItemCount})" : $"{title} {item}");
        }
    }
}
