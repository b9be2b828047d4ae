using System.Diagnostics;

namespace ImageFormat.Progress;

/// <summary>
/// Runs the one core of an operation synchronously. Each I/O operation of the library is written once, as an
/// <c>async</c> method taking <c>bool async</c>: with <see langword="true"/> it awaits the asynchronous stream
/// methods, with <see langword="false"/> it calls the synchronous ones and so completes before it returns (the
/// adapter pattern of System.Formats.Tar and System.Net). The synchronous public form passes
/// <see langword="false"/> and takes the result here; nothing ever blocks on unfinished work.
/// </summary>
internal static class SyncCore
{
    /// <summary>The result of a core run with <c>async: false</c>.</summary>
    public static void Run(ValueTask task)
    {
        Debug.Assert(task.IsCompleted, "A core run with async: false must complete synchronously.");
        task.GetAwaiter().GetResult();
    }

    /// <summary>The result of a core run with <c>async: false</c>.</summary>
    public static T Run<T>(ValueTask<T> task)
    {
        Debug.Assert(task.IsCompleted, "A core run with async: false must complete synchronously.");
        return task.GetAwaiter().GetResult();
    }

    /// <summary>
    /// The asynchronous form of a core whose work is system calls with no asynchronous form (extraction and the
    /// layer builder work on file descriptors: <c>openat</c>, <c>mkdirat</c>, <c>fchown</c>...): the same core,
    /// run on a thread-pool thread so that the caller is not blocked; the token is observed inside the core.
    /// An already-cancelled token gives a cancelled task at once, without queuing anything.
    /// </summary>
    public static Task<T> Offload<T>(Func<T> core, CancellationToken cancellationToken) =>
        cancellationToken.IsCancellationRequested
            ? Task.FromCanceled<T>(cancellationToken)
            : Task.Factory.StartNew(core, cancellationToken, TaskCreationOptions.DenyChildAttach, TaskScheduler.Default);
}
