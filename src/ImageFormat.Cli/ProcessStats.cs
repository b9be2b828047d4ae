namespace ImageFormat.Cli;

/// <summary>Reads this process's I/O counters and peak resident memory from /proc (Linux), for benchmarks.</summary>
internal static class ProcessStats
{
    public static string Describe()
    {
        long rchar = Read("/proc/self/io", "rchar:");
        long wchar = Read("/proc/self/io", "wchar:");
        long peakKb = Read("/proc/self/status", "VmHWM:");
        return $"imagefmt-stats: rchar={rchar} wchar={wchar} peak_rss_kb={peakKb}";
    }

    private static long Read(string file, string key)
    {
        try
        {
            foreach (string line in File.ReadLines(file))
            {
                if (line.StartsWith(key, StringComparison.Ordinal))
                {
                    string value = line[key.Length..].Trim();
                    int space = value.IndexOf(' ', StringComparison.Ordinal);
                    return long.Parse(space < 0 ? value : value[..space], System.Globalization.CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return -1;
    }
}
