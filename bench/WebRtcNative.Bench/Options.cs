using System.Globalization;

namespace WebRtcNative.Bench;

/// <summary>Run options, all from environment variables (so `dotnet cake --target=Bench` needs no arguments).</summary>
internal sealed class Options
{
    /// <summary>BENCH_DURATION: seconds per throughput scenario (default 5; 1 with BENCH_QUICK=1).</summary>
    public double Duration { get; init; } = 5;

    /// <summary>BENCH_QUICK=1: a ~1-minute smoke run (short windows, N up to 50, one run).</summary>
    public bool Quick { get; init; }

    /// <summary>BENCH_RUNS: interleaved repetitions of managed and raw scenarios (default 1); medians are reported.</summary>
    public int Runs { get; init; } = 1;

    /// <summary>BENCH_SWEEP_DURATION: seconds per size of the message-size sweep (default min(duration, 2)).</summary>
    public double SweepDuration { get; init; } = 2;

    /// <summary>BENCH_SCALE: pair counts for the scale test (default 1,10,100,500).</summary>
    public int[] ScaleN { get; init; } = { 1, 10, 100, 500 };

    /// <summary>BENCH_SCALE_DURATION: seconds of traffic per scale step (default min(duration, 3)).</summary>
    public double ScaleDuration { get; init; } = 3;

    /// <summary>BENCH_SCALE_WAVE: how many pairs connect at once in the scale test (default 25).</summary>
    public int ScaleWave { get; init; } = 25;

    /// <summary>BENCH_SWEEP_SIZES: message sizes of the sweep (default 16,64,256,1024,4096,16384,65536,262144).</summary>
    public int[] SweepSizes { get; init; } = { 16, 64, 256, 1024, 4096, 16384, 65536, 262144 };

    /// <summary>BENCH_MESH: peer counts of the mesh section (default 4,16).</summary>
    public int[] MeshSizes { get; init; } = { 4, 16 };

    /// <summary>BENCH_ONLY: comma-separated sections: scenarios,sweep,alloc,scale,mesh,plot (default: all).</summary>
    public HashSet<string> Sections { get; init; } = new(StringComparer.OrdinalIgnoreCase) { "scenarios", "sweep", "alloc", "scale", "mesh", "plot" };

    /// <summary>BENCH_NO_RAW=1: skip dc_bench (managed figures only).</summary>
    public bool NoRaw { get; init; }

    /// <summary>BENCH_IDLE: what the polling thread does when an iteration made no progress: yield (default), spin, sleep0.</summary>
    public string Idle { get; init; } = "yield";

    /// <summary>
    /// BENCH_FLOW_IDLE: what a sender does while it waits for BufferedAmount to drop to 256 KiB. Default event: it
    /// sets BufferedAmountLowThreshold and resumes on the BufferedAmountLow event, blocking in
    /// WaitForBufferedAmountLow between polls (as dc_bench blocks on its callback's condition variable). yield,
    /// spin, sleep0, sleep1: poll BufferedAmount and idle that way between polls (sleep1 was the default before
    /// the event existed; spinning takes a core from the native threads on a 2-core machine).
    /// </summary>
    public string FlowIdle { get; init; } = "event";

    /// <summary>BENCH_OUT: the JSON file (default bench/results/latest.json).</summary>
    public string? Out { get; init; }

    public static Options FromEnvironment()
    {
        bool quick = Env("BENCH_QUICK") is "1" or "true" or "yes";
        double duration = Double("BENCH_DURATION") ?? (quick ? 1.0 : 5.0);
        var sections = Env("BENCH_ONLY") is { Length: > 0 } only
            ? new HashSet<string>(only.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), StringComparer.OrdinalIgnoreCase)
            : new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "scenarios", "sweep", "alloc", "scale", "mesh", "plot" };
        return new Options
        {
            Quick = quick,
            Duration = duration,
            Runs = Math.Max(1, (int)(Double("BENCH_RUNS") ?? 1)),
            SweepDuration = Double("BENCH_SWEEP_DURATION") ?? (quick ? 0.4 : Math.Min(duration, 2.0)),
            ScaleN = Ints("BENCH_SCALE") ?? (quick ? new[] { 1, 10, 50 } : new[] { 1, 10, 100, 500 }),
            ScaleDuration = Double("BENCH_SCALE_DURATION") ?? (quick ? 0.5 : Math.Min(duration, 3.0)),
            ScaleWave = Math.Max(1, (int)(Double("BENCH_SCALE_WAVE") ?? 25)),
            SweepSizes = Ints("BENCH_SWEEP_SIZES") ?? new[] { 16, 64, 256, 1024, 4096, 16384, 65536, 262144 },
            Sections = sections,
            MeshSizes = Ints("BENCH_MESH") ?? new[] { 4, 16 },
            NoRaw = Env("BENCH_NO_RAW") is "1" or "true" or "yes",
            Idle = Env("BENCH_IDLE") is { Length: > 0 } idle ? idle : "yield",
            FlowIdle = Env("BENCH_FLOW_IDLE") is { Length: > 0 } fi ? fi : "event",
            Out = Env("BENCH_OUT"),
        };
    }

    public bool Has(string section) => Sections.Contains(section);

    private static string? Env(string name) => Environment.GetEnvironmentVariable(name)?.Trim();

    private static double? Double(string name) =>
        Env(name) is { Length: > 0 } s && double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && v > 0 ? v : null;

    private static int[]? Ints(string name)
    {
        if (Env(name) is not { Length: > 0 } s)
            return null;
        var list = new List<int>();
        foreach (var part in s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string p = part.ToUpperInvariant();
            int mult = 1;
            if (p.EndsWith('K')) { mult = 1024; p = p[..^1]; }
            if (int.TryParse(p, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v > 0)
                list.Add(v * mult);
        }
        return list.Count > 0 ? list.ToArray() : null;
    }
}
