using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;

namespace WebRtcNative.Bench;

internal static class Clock
{
    private static readonly double s_tickNs = 1e9 / Stopwatch.Frequency;

    public static long Now() => Stopwatch.GetTimestamp();

    public static double Ns(long ticks) => ticks * s_tickNs;

    public static double Ms(long ticks) => ticks * s_tickNs / 1e6;

    public static double Us(long ticks) => ticks * s_tickNs / 1e3;

    public static double S(long ticks) => ticks * s_tickNs / 1e9;

    public static long FromSeconds(double s) => (long)(s * Stopwatch.Frequency);
}

internal static class Stats
{
    /// <summary>Median (even counts average the two middle values), as dc_bench.</summary>
    public static double Median(double[] sorted) =>
        sorted.Length == 0 ? double.NaN :
        sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;

    /// <summary>Nearest-rank percentile, as dc_bench.</summary>
    public static double Pct(double[] sorted, double p)
    {
        if (sorted.Length == 0)
            return double.NaN;
        int k = (int)(p / 100.0 * sorted.Length + 0.999999);
        k = Math.Clamp(k, 1, sorted.Length);
        return sorted[k - 1];
    }

    public static double Median(IEnumerable<double> values)
    {
        var a = values.Where(v => !double.IsNaN(v)).ToArray();
        Array.Sort(a);
        return Median(a);
    }
}

/// <summary>What the single polling thread does when an iteration of its loop made no progress.</summary>
internal static class Idle
{
    public static string Mode = "yield";

    /// <summary>Strategy while the sender waits for the buffered amount to drop (flow control).</summary>
    public static string FlowMode = "yield";

    public static void Wait() => Wait(Mode);

    public static void WaitFlow() => Wait(FlowMode);

    private static void Wait(string mode)
    {
        switch (mode)
        {
            case "sleep1":
                Thread.Sleep(1);
                break;
            case "spin":
                Thread.SpinWait(20);
                break;
            case "sleep0":
                Thread.Sleep(0);
                break;
            default:
                Thread.Yield();
                break;
        }
    }
}

internal static class Proc
{
    /// <summary>A field of /proc/self/status in kB (VmRSS, VmHWM, Threads...); -1 when unavailable.</summary>
    public static long Status(string field)
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (!line.StartsWith(field + ":", StringComparison.Ordinal))
                    continue;
                var parts = line[(field.Length + 1)..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return long.Parse(parts[0], CultureInfo.InvariantCulture);
            }
        }
        catch (IOException)
        {
        }
        return -1;
    }

    public static int OpenFds()
    {
        try
        {
            return Directory.GetFileSystemEntries("/proc/self/fd").Length;
        }
        catch (IOException)
        {
            return -1;
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Cur;
        public ulong Max;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int getrlimit(int resource, out RLimit rlim);

    [DllImport("libc", SetLastError = true)]
    private static extern int setrlimit(int resource, in RLimit rlim);

    private const int RlimitNofile = 7;

    [StructLayout(LayoutKind.Sequential)]
    private struct MallInfo2
    {
        public nuint Arena, Ordblks, Smblks, Hblks, Hblkhd, Usmblks, Fsmblks, Uordblks, Fordblks, Keepcost;
    }

    [DllImport("libc")]
    private static extern MallInfo2 mallinfo2();

    /// <summary>Bytes in use in glibc's malloc (all arenas, plus mmapped blocks); -1 when unavailable.</summary>
    public static long MallocInUse()
    {
        if (!OperatingSystem.IsLinux())
            return -1;
        try
        {
            var m = mallinfo2();
            return (long)m.Uordblks + (long)m.Hblkhd;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return -1;
        }
    }

    /// <summary>Raises the soft open-file limit to the hard one (as servers do); returns (before, after).</summary>
    public static (long Before, long After) RaiseFdLimit()
    {
        if (!OperatingSystem.IsLinux())
            return (-1, -1);
        try
        {
            if (getrlimit(RlimitNofile, out var r) != 0)
                return (-1, -1);
            long before = (long)r.Cur;
            if (r.Cur < r.Max)
            {
                var n = new RLimit { Cur = r.Max, Max = r.Max };
                if (setrlimit(RlimitNofile, n) == 0)
                    return (before, (long)r.Max);
            }
            return (before, before);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return (-1, -1);
        }
    }
}

internal static class Repo
{
    /// <summary>The repository root: the first ancestor of the working directory or of the app holding WebRtcNative.sln.</summary>
    public static string Root()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
            {
                if (File.Exists(Path.Combine(d.FullName, "WebRtcNative.sln")))
                    return d.FullName;
            }
        }
        throw new InvalidOperationException("cannot find the repository root (WebRtcNative.sln) above " + Environment.CurrentDirectory);
    }

    public static string Rid() =>
        (OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux") + "-" +
        (RuntimeInformation.OSArchitecture == Architecture.Arm64 ? "arm64" : "x64");

    public static string NativeLibName() =>
        OperatingSystem.IsWindows() ? "libwebrtcnative.dll" : OperatingSystem.IsMacOS() ? "libwebrtcnative.dylib" : "libwebrtcnative.so";
}

internal static class Json
{
    public static JsonNode? R(double v, int digits = 3) =>
        double.IsNaN(v) || double.IsInfinity(v) ? null : JsonValue.Create(Math.Round(v, digits));

    public static double D(JsonNode? n, string key)
    {
        var v = n?[key];
        if (v is null)
            return double.NaN;
        try
        {
            return v.GetValue<double>();
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            return double.NaN;
        }
    }
}

/// <summary>Thrown by a scenario that cannot complete (the message says why); the runner records it and continues.</summary>
internal sealed class BenchFailure : Exception
{
    public BenchFailure(string message) : base(message)
    {
    }
}
