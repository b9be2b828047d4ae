namespace ImageFormat.Progress;

/// <summary>
/// Turns byte counts from one or several threads into throttled, ordered <see cref="ImageProgress"/> reports.
/// Created only when someone listens (<see cref="Create"/> returns <see langword="null"/> otherwise), so an
/// operation without a listener pays nothing but a null check.
/// </summary>
internal sealed class ProgressReporter
{
    /// <summary>The least time between two reports of bytes within one item.</summary>
    internal const long IntervalMilliseconds = 100;

    private readonly IProgress<ImageProgress> _progress;
    private readonly ImageProgressPhase _phase;
    private int _itemCount;
    private readonly Lock _lock = new();
    private long _total;
    private long _done;
    private long _lastReport;
    private string _item = string.Empty;
    private int _itemIndex;
    private int _started;

    private ProgressReporter(IProgress<ImageProgress> progress, ImageProgressPhase phase, int itemCount, long total)
    {
        _progress = progress;
        _phase = phase;
        _itemCount = itemCount;
        _total = total;
        _lastReport = Environment.TickCount64;
    }

    /// <summary>Bytes counted so far.</summary>
    public long Done
    {
        get
        {
            lock (_lock)
            {
                return _done;
            }
        }
    }

    /// <summary>A reporter, or <see langword="null"/> when <paramref name="progress"/> is (nobody listens).</summary>
    public static ProgressReporter? Create(IProgress<ImageProgress>? progress, ImageProgressPhase phase, int itemCount, long total) =>
        progress is null ? null : new ProgressReporter(progress, phase, itemCount, Math.Max(0, total));

    /// <summary>Adds items and bytes to the totals, for work discovered as the operation goes (the totals only grow).</summary>
    public void AddItems(int items, long bytes)
    {
        lock (_lock)
        {
            _itemCount += items;
            _total += Math.Max(0, bytes);
        }
    }

    /// <summary>Reports the start of the next item (always reported).</summary>
    /// <returns>The item's index, for <see cref="EndItem"/>.</returns>
    public int StartItem(string item)
    {
        lock (_lock)
        {
            _item = item;
            _itemIndex = _started++;
            ReportLocked();
            return _itemIndex;
        }
    }

    /// <summary>Reports the end of an item (always reported).</summary>
    public void EndItem(string item, int index)
    {
        lock (_lock)
        {
            _item = item;
            _itemIndex = index;
            ReportLocked();
        }
    }

    /// <summary>Counts bytes processed; reports when the last report is older than the interval.</summary>
    public void Add(long bytes)
    {
        if (bytes <= 0)
        {
            return;
        }

        lock (_lock)
        {
            _done += bytes;
            if (_done > _total)
            {
                // A total known only as it grows (a layer built from a directory): never report more done than total.
                _total = _done;
            }

            if (Environment.TickCount64 - _lastReport >= IntervalMilliseconds)
            {
                ReportLocked();
            }
        }
    }

    /// <summary>The final report: the total becomes what was done (equal when the sizes were right).</summary>
    public void Complete()
    {
        lock (_lock)
        {
            _total = _done;
            ReportLocked();
        }
    }

    private void ReportLocked()
    {
        _lastReport = Environment.TickCount64;
        _progress.Report(new ImageProgress(_phase, _item, _itemIndex, _itemCount, _done, _total));
    }
}
