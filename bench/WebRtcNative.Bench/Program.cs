// WebRtcNative scenario benchmarks (issue 7). One command:
//   dotnet run -c Release --project bench/WebRtcNative.Bench        (or: dotnet cake --target=Bench)
// Environment:
//   BENCH_DURATION=5        seconds per throughput scenario (managed and dc_bench alike)
//   BENCH_QUICK=1           ~1-minute smoke run (1 s windows, short sweep, scale N = 1,10,50)
//   BENCH_RUNS=1            interleaved managed/raw repetitions of the five scenarios (medians reported)
//   BENCH_WAN=25/0,25/1,100/0  wan cells, one-way delay ms / loss % (BENCH_WAN_DURATION, default 10 s)
//   BENCH_ONLY=scenarios,sweep,alloc,scale,mesh,plot   sections to run (default all); `wan` only when named
//   BENCH_MESH=4,16         mesh sizes of the mesh section (WebRtcMultiplayerPeer)
//   BENCH_SCENARIOS=setup,bulk,small,unreliable,rtt   scenarios of that section (default all)
//   BENCH_SCALE=1,10,100,500  BENCH_SCALE_WAVE=25  BENCH_SCALE_DURATION=3
//   BENCH_SWEEP_SIZES=16,64,...,256K  BENCH_SWEEP_DURATION=2
//   BENCH_IDLE=yield|spin|sleep0|sleep1   what the polling thread does when an iteration made no progress
//   BENCH_FLOW_IDLE=...     while a sender waits for BufferedAmount to drop: event (default: BufferedAmountLow), yield, spin, sleep0, sleep1
//   BENCH_NO_RAW=1          skip dc_bench;  DC_BENCH_SRC=path/to/dc_bench.c (default ../shared/bench/dc_bench.c)
//   BENCH_OUT=path          JSON output (default bench/results/latest.json)
//   dotnet run ... -- --plot [json] [png]   only redraw the plot from a JSON file
//   dotnet run ... -- --plot-wan json png   throughput vs RTT (docs/performance-wan.json)
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using WebRtcNative;
using WebRtcNative.Bench;
using WebRtcNative.Bindings;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

string repo = Repo.Root();
string jsonPath = Environment.GetEnvironmentVariable("BENCH_OUT") is { Length: > 0 } bo ? Path.GetFullPath(bo) : Path.Combine(repo, "bench", "results", "latest.json");
string pngPath = Path.Combine(repo, "docs", "performance-throughput.png");

if (args.Length > 2 && args[0] == "--plot-wan")
{
    PlotWan.FromJson(JsonNode.Parse(File.ReadAllText(args[1]))!, args[2]);
    Console.WriteLine($"plot: {args[2]}");
    return 0;
}

if (args.Length > 0 && args[0] == "--plot")
{
    string src = args.Length > 1 ? args[1] : jsonPath;
    string dst = args.Length > 2 ? args[2] : pngPath;
    Plot.FromJson(JsonNode.Parse(File.ReadAllText(src))!, dst);
    Console.WriteLine($"plot: {dst}");
    return 0;
}

var opt = Options.FromEnvironment();
Idle.Mode = opt.Idle;
Idle.FlowMode = opt.FlowIdle;
string libDir = Path.Combine(repo, "runtimes", Repo.Rid(), "native");
string libPath = Path.Combine(libDir, Repo.NativeLibName());
if (!File.Exists(libPath))
{
    Console.Error.WriteLine($"{libPath} does not exist: build and install the native library first " +
                            "(dotnet cake --target=Native, or cmake --install native/build --prefix runtimes/linux-x64/native).");
    return 2;
}
// The managed side loads exactly the library dc_bench is linked against.
RtcNativeLibrary.Path = libPath;
var fdLimit = Proc.RaiseFdLimit();

int warnings = 0;
int failures = 0;
var firstWarnings = new List<string>();
WebRtcLog.Level = WebRtcLogLevel.Warning;
WebRtcLog.Sink = (level, msg) =>
{
    lock (firstWarnings)
    {
        warnings++;
        if (firstWarnings.Count < 20)
            firstWarnings.Add($"{level}: {msg}");
    }
};

var root = new JsonObject
{
    ["schema"] = "webrtcnative-bench/1",
    ["timestamp_utc"] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ"),
    ["machine"] = MachineInfo(fdLimit),
    ["options"] = new JsonObject
    {
        ["duration_s"] = opt.Duration,
        ["quick"] = opt.Quick,
        ["runs"] = opt.Runs,
        ["sweep_duration_s"] = opt.SweepDuration,
        ["scale_n"] = new JsonArray(opt.ScaleN.Select(v => (JsonNode)v).ToArray()),
        ["scale_duration_s"] = opt.ScaleDuration,
        ["scale_wave"] = opt.ScaleWave,
        ["idle"] = opt.Idle,
        ["flow_idle"] = opt.FlowIdle,
        ["bind_address"] = "127.0.0.1",
        ["sections"] = string.Join(",", opt.Sections),
    },
    ["native_library"] = new JsonObject
    {
        ["path"] = Path.GetRelativePath(repo, libPath),
        ["sha256"] = Sha256(libPath),
        ["bytes"] = new FileInfo(libPath).Length,
        ["mtime_utc"] = File.GetLastWriteTimeUtc(libPath).ToString("yyyy-MM-ddTHH:mm:ssZ"),
    },
};
Console.WriteLine($"WebRtcNative bench: duration {opt.Duration} s, runs {opt.Runs}, quick {opt.Quick}, idle {opt.Idle}/{opt.FlowIdle}; load average {LoadAverage()}");
Console.WriteLine($"native library {libPath} (sha256 {root["native_library"]!["sha256"]!.GetValue<string>()[..12]})");

RawBench? raw = null;
if (!opt.NoRaw && (opt.Has("scenarios") || opt.Has("sweep") || opt.Has("wan")))
{
    raw = new RawBench(repo, libDir);
    raw.Build();
    root["dc_bench"] = new JsonObject
    {
        ["source"] = raw.Source,
        ["binary"] = raw.Binary is null ? null : Path.GetRelativePath(repo, raw.Binary),
        ["sweep_binary"] = raw.SweepBinary is null ? null : Path.GetRelativePath(repo, raw.SweepBinary),
        ["build_error"] = raw.Error,
        ["sweep_build_error"] = raw.SweepError,
    };
    Console.WriteLine(raw.Binary is null ? $"dc_bench: not built: {raw.Error}" : $"dc_bench: {raw.Binary}");
}

// Warm-up: load the library, JIT the hot paths, fill the pools (C has none of that to do).
Section("warm-up", () =>
{
    using var p = ManagedPair.Connect(null, "warm-up");
    ManagedScenarios.Stream(p, 64, true, opt.Quick ? 0.2 : 0.5, "warm-up small");
    ManagedScenarios.Stream(p, 65536, true, opt.Quick ? 0.2 : 0.5, "warm-up bulk");
    return null;
});

if (opt.Has("scenarios"))
    RunScenarios();
if (opt.Has("sweep"))
    RunSweep();
if (opt.Has("alloc"))
    RunAlloc();
if (opt.Has("scale"))
    RunScale();
if (opt.Has("wan"))
    RunWan();
if (opt.Has("mesh"))
    RunMesh();

root["failures"] = failures;
root["warnings"] = new JsonObject { ["count"] = warnings, ["first"] = new JsonArray(firstWarnings.Select(w => (JsonNode)w).ToArray()) };
root["load_average_end"] = LoadAverage();
Directory.CreateDirectory(Path.GetDirectoryName(jsonPath)!);
File.WriteAllText(jsonPath, root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
Console.WriteLine($"\nJSON: {jsonPath}");
if (opt.Has("plot"))
{
    try
    {
        Plot.FromJson(root, pngPath);
        Console.WriteLine($"plot: {pngPath}");
    }
    catch (Exception e)
    {
        Console.Error.WriteLine($"plot failed: {e.Message}");
    }
}
if (warnings > 0)
    Console.WriteLine($"library warnings: {warnings} (first: {firstWarnings.FirstOrDefault()})");
if (failures > 0)
{
    Console.WriteLine($"{failures} scenario(s) failed (see above and the JSON)");
    return 1;
}
return 0;

// ---------------------------------------------------------------------------------------------------

JsonNode? Section(string name, Func<JsonNode?> body)
{
    try
    {
        return body();
    }
    catch (BenchFailure e)
    {
        failures++;
        Console.WriteLine($"  {name}: FAILED: {e.Message}");
        return new JsonObject { ["ok"] = false, ["error"] = e.Message };
    }
    catch (Exception e)
    {
        failures++;
        Console.WriteLine($"  {name}: FAILED: {e}");
        return new JsonObject { ["ok"] = false, ["error"] = e.GetType().Name + ": " + e.Message };
    }
}

// dc_bench's `wan` scenario, raw and managed through the same kind of relay, interleaved per cell.
// BENCH_WAN: cells as delay/loss (one-way ms / % each way), default 25/0,25/1,100/0; 10 s windows
// (BENCH_WAN_DURATION), BENCH_RUNS repetitions, seed 1 as dc_bench's default.
void RunWan()
{
    Console.WriteLine("\n== wan (managed vs dc_bench through a delaying, dropping UDP relay; 64 KiB reliable) ==");
    string cells = Environment.GetEnvironmentVariable("BENCH_WAN") is { Length: > 0 } c ? c : "25/0,25/1,100/0";
    double dur = double.TryParse(Environment.GetEnvironmentVariable("BENCH_WAN_DURATION"), NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && d > 0 ? d : 10;
    var wan = new JsonArray();
    Console.WriteLine($"{"cell",-18}{"managed MB/s",14}{"raw MB/s",12}{"managed/raw",13}{"drain m/r (s)",16}");
    foreach (var cell in cells.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
    {
        var parts = cell.Split('/');
        double delay = double.Parse(parts[0], CultureInfo.InvariantCulture);
        double loss = parts.Length > 1 ? double.Parse(parts[1], CultureInfo.InvariantCulture) : 0;
        var mRuns = new JsonArray();
        var rRuns = new JsonArray();
        for (int run = 0; run < opt.Runs; run++)
        {
            if (raw is not null)
            {
                var env = new Dictionary<string, string>
                {
                    ["DC_BENCH_WAN_DELAY_MS"] = delay.ToString(CultureInfo.InvariantCulture),
                    ["DC_BENCH_WAN_LOSS_PCT"] = loss.ToString(CultureInfo.InvariantCulture),
                    ["DC_BENCH_WAN_DURATION"] = dur.ToString(CultureInfo.InvariantCulture),
                };
                var r = raw.RunScenario("wan", dur, null, env);
                rRuns.Add(r["wan"]?.DeepClone() ?? r);
            }
            mRuns.Add(Section($"wan {cell}", () => ManagedScenarios.Wan(delay, loss, 1, dur)));
        }
        double mMed = Median(mRuns, "recv_MBps"), rMed = Median(rRuns, "recv_MBps");
        double mDr = Median(mRuns, "drain_s"), rDr = Median(rRuns, "drain_s");
        Console.WriteLine($"{$"{2 * delay} ms RTT, {loss} %",-18}{mMed,14:0.00}{rMed,12:0.00}{mMed / rMed,13:0.00}{$"{mDr:0.0} / {rDr:0.0}",16}");
        wan.Add(new JsonObject
        {
            ["delay_ms"] = delay, ["rtt_ms"] = 2 * delay, ["loss_pct"] = loss,
            ["managed"] = mRuns, ["raw"] = rRuns,
            ["median"] = new JsonObject { ["managed_MBps"] = mMed, ["raw_MBps"] = rMed, ["managed_over_raw"] = mMed / rMed },
        });
    }
    root["wan"] = wan;
}

static double Median(JsonArray runs, string key)
{
    var v = runs.Select(n => n?[key] is JsonValue j && j.TryGetValue(out double x) ? x : double.NaN).Where(x => !double.IsNaN(x)).OrderBy(x => x).ToList();
    return v.Count == 0 ? double.NaN : v.Count % 2 == 1 ? v[v.Count / 2] : (v[v.Count / 2 - 1] + v[v.Count / 2]) / 2;
}

void RunScenarios()
{
    Console.WriteLine("\n== scenarios (managed Poll() on one thread vs dc_bench, interleaved) ==");
    string[] names = Environment.GetEnvironmentVariable("BENCH_SCENARIOS") is { Length: > 0 } only
        ? only.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        : new[] { "setup", "bulk", "small", "unreliable", "rtt" };
    var managedRuns = names.ToDictionary(n => n, _ => new JsonArray());
    var rawRuns = names.ToDictionary(n => n, _ => new JsonArray());
    for (int run = 0; run < opt.Runs; run++)
    {
        foreach (var name in names)
        {
            if (raw?.Binary is not null)
            {
                var r = raw.RunScenario(name, opt.Duration);
                var s = r[name]?.DeepClone() as JsonObject ?? new JsonObject();
                if (r["ok"]?.GetValue<bool>() == false)
                {
                    failures++;
                    s["ok"] = false;
                    s["error"] = r["error"]?.GetValue<string>();
                }
                rawRuns[name].Add(s);
                Console.WriteLine($"  raw     {name,-10} {Brief(name, s)}");
            }
            var m = Section(name, () => name switch
            {
                "setup" => ManagedScenarios.Setup(),
                "bulk" => ManagedScenarios.Reliable("bulk", 65536, opt.Duration).ToJson(false),
                "small" => ManagedScenarios.Reliable("small", 64, opt.Duration).ToJson(false),
                "unreliable" => ManagedScenarios.Unreliable(64, opt.Duration).ToJson(true),
                _ => ManagedScenarios.Rtt(),
            })!;
            managedRuns[name].Add(m);
            Console.WriteLine($"  managed {name,-10} {Brief(name, m)}");
        }
    }
    var scen = new JsonObject();
    var table = new List<(string Metric, double Managed, double Raw, string Note)>();
    foreach (var name in names)
    {
        var mRuns = managedRuns[name];
        var rRuns = rawRuns[name];
        var entry = new JsonObject { ["managed_runs"] = mRuns, ["raw_runs"] = rRuns };
        var metrics = new JsonObject();
        foreach (var (key, label) in Metrics(name))
        {
            double mv = Stats.Median(mRuns.Select(x => Json.D(x, key)));
            double rv = Stats.Median(rRuns.Select(x => Json.D(x, key)));
            metrics[key] = new JsonObject { ["managed"] = Json.R(mv), ["raw"] = Json.R(rv), ["ratio_managed_over_raw"] = Json.R(mv / rv, 3) };
            table.Add((label, mv, rv, ""));
        }
        entry["median"] = metrics;
        scen[name] = entry;
    }
    root["scenarios"] = scen;

    Console.WriteLine();
    Console.WriteLine($"{"metric",-32} {"managed",12} {"raw (dc_bench)",15} {"managed/raw",12}");
    foreach (var (metric, mv, rv, _) in table)
        Console.WriteLine($"{metric,-32} {Fmt(mv),12} {Fmt(rv),15} {(double.IsNaN(mv / rv) ? "-" : (mv / rv).ToString("0.00")),12}");
}

static IEnumerable<(string Key, string Label)> Metrics(string name) => name switch
{
    "setup" => new[] { ("median_ms", "setup median (ms)"), ("p90_ms", "setup p90 (ms)"), ("max_ms", "setup max (ms)") },
    "bulk" => new[] { ("recv_MBps", "bulk 64 KiB recv (MB/s)") },
    "small" => new[] { ("recv_msgs_per_s", "small 64 B recv (msg/s)") },
    "unreliable" => new[] { ("recv_msgs_per_s", "unreliable 64 B recv (msg/s)"), ("loss_pct", "unreliable loss (%)") },
    _ => new[] { ("median_us", "rtt median (us)"), ("p99_us", "rtt p99 (us)") },
};

static string Brief(string name, JsonNode? s)
{
    if (s is null)
        return "-";
    if (s["ok"]?.GetValue<bool>() == false)
        return "FAILED: " + s["error"];
    return string.Join(", ", Metrics(name).Select(m => $"{m.Key}={Fmt(Json.D(s, m.Key))}"));
}

static string Fmt(double v) =>
    double.IsNaN(v) ? "-" : Math.Abs(v) >= 10000 ? v.ToString("#,0") : Math.Abs(v) >= 100 ? v.ToString("0.0") : v.ToString("0.00");

void RunSweep()
{
    Console.WriteLine($"\n== message-size sweep ({opt.SweepDuration} s per size, reliable ordered) ==");
    Console.WriteLine($"{"size",8} {"managed MB/s",13} {"msg/s",11} {"raw MB/s",10} {"msg/s",11} {"ratio",6}");
    var arr = new JsonArray();
    foreach (int size in opt.SweepSizes)
    {
        var row = new JsonObject { ["msg_size"] = size };
        if (raw?.SweepBinary is not null)
        {
            var r = raw.RunScenario("bulk", opt.SweepDuration, size);
            var b = r["bulk"];
            row["raw"] = r["ok"]?.GetValue<bool>() == false
                ? new JsonObject { ["ok"] = false, ["error"] = r["error"]?.GetValue<string>() }
                : new JsonObject { ["recv_MBps"] = Json.R(Json.D(b, "recv_MBps"), 2), ["recv_msgs_per_s"] = Json.R(Json.D(b, "recv_msgs_per_s"), 0) };
        }
        row["managed"] = Section($"sweep {size}", () =>
        {
            var m = ManagedScenarios.Reliable($"sweep {size}", size, opt.SweepDuration);
            return new JsonObject { ["recv_MBps"] = Json.R(m.RecvMBps, 2), ["recv_msgs_per_s"] = Json.R(m.RecvMsgsPerS, 0) };
        });
        double mm = Json.D(row["managed"], "recv_MBps"), rm = Json.D(row["raw"], "recv_MBps");
        Console.WriteLine($"{size,8} {Fmt(mm),13} {Fmt(Json.D(row["managed"], "recv_msgs_per_s")),11} {Fmt(rm),10} {Fmt(Json.D(row["raw"], "recv_msgs_per_s")),11} {(double.IsNaN(mm / rm) ? "-" : (mm / rm).ToString("0.00")),6}");
        arr.Add(row);
    }
    root["sweep"] = arr;
}

void RunMesh()
{
    Console.WriteLine("\n== mesh (WebRtcMultiplayerPeer full mesh, one polling thread) ==");
    var arr = new JsonArray();
    foreach (int n in opt.MeshSizes)
        arr.Add(Section($"mesh {n}", () => MeshBench.Run(n, opt.Quick ? 1.0 : Math.Min(opt.Duration, 3.0))));
    root["mesh"] = arr;
}

void RunAlloc()
{
    Console.WriteLine("\n== allocations after warm-up (bytes per message) ==");
    var arr = new JsonArray();
    foreach (var (size, count) in new[] { (64, opt.Quick ? 5000 : 20000), (65536, opt.Quick ? 100 : 400) })
    {
        var a = Section($"alloc {size}", () => Probes.Allocations(size, count, opt.Quick ? 0.2 : 0.5))!;
        Console.WriteLine($"  {size,6} B: PutPacket {Fmt(Json.D(a, "send_put_packet_bytes_per_msg"))}, TryGetPacket {Fmt(Json.D(a, "recv_try_get_packet_bytes_per_msg"))}, " +
                          $"Poll {Fmt(Json.D(a, "poll_bytes_per_call"))}/call, process-wide {Fmt(Json.D(a, "process_bytes_per_msg"))} " +
                          $"(gen0/1/2 {a["gc_gen0"]}/{a["gc_gen1"]}/{a["gc_gen2"]})" + (a["error"] is { } err ? " " + err : ""));
        arr.Add(a);
    }
    root["allocations"] = arr;
}

void RunScale()
{
    Console.WriteLine($"\n== scale (pairs in one process, connected in waves of {opt.ScaleWave}, {opt.ScaleDuration} s of 64 B traffic) ==");
    var arr = new JsonArray();
    int largest = 0;
    foreach (int n in opt.ScaleN)
    {
        var s = Section($"scale {n}", () => Probes.Scale(n, opt.ScaleWave, opt.ScaleDuration))!;
        arr.Add(s);
        bool ok = s["ok"]?.GetValue<bool>() == true;
        Console.WriteLine($"  N={n,4}: {(ok ? "ok" : "FAILED")} connected {s["connected_pairs"]}, setup total {Fmt(Json.D(s, "setup_total_s"))} s " +
                          $"(median {Fmt(Json.D(s, "setup_median_ms"))} ms, max {Fmt(Json.D(s, "setup_max_ms"))} ms), RSS/pair {Fmt(Json.D(s, "rss_per_pair_kb"))} kB (malloc {Fmt(Json.D(s, "native_malloc_per_pair_kb"))}, GC heap {Fmt(Json.D(s, "managed_heap_per_pair_kb"))}), " +
                          $"threads {s["threads_after"]}, fds {s["fds_after"]}, aggregate {Fmt(Json.D(s, "aggregate_recv_msgs_per_s"))} msg/s, " +
                          $"Poll idle {Fmt(Json.D(s, "poll_idle_ns_per_connection"))} ns/conn, busy {Fmt(Json.D(s, "poll_busy_ns_per_connection"))} ns/conn" +
                          (ok ? "" : $"; {s["error"]}"));
        if (ok)
            largest = n;
    }
    root["scale"] = new JsonObject { ["largest_ok"] = largest, ["steps"] = arr };
}

static string LoadAverage()
{
    try
    {
        return File.ReadAllText("/proc/loadavg").Trim();
    }
    catch (IOException)
    {
        return "";
    }
}

static string Sha256(string path)
{
    using var f = File.OpenRead(path);
    return Convert.ToHexStringLower(SHA256.HashData(f));
}

static JsonObject MachineInfo((long Before, long After) fd)
{
    string cpu = "";
    try
    {
        cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "";
    }
    catch (IOException)
    {
    }
    string kernel = "";
    try
    {
        kernel = File.ReadAllText("/proc/sys/kernel/osrelease").Trim();
    }
    catch (IOException)
    {
    }
    string os = "";
    try
    {
        os = File.ReadLines("/etc/os-release").FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))?.Split('=', 2)[1].Trim('"') ?? "";
    }
    catch (IOException)
    {
    }
    long memKb = -1;
    try
    {
        var l = File.ReadLines("/proc/meminfo").First(x => x.StartsWith("MemTotal:", StringComparison.Ordinal));
        memKb = long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }
    catch (Exception e) when (e is IOException or InvalidOperationException or FormatException)
    {
    }
    string gcc = RawBench.Run("gcc", new[] { "-dumpfullversion" }, null, 10).Stdout.Trim();
    return new JsonObject
    {
        ["cores"] = Environment.ProcessorCount,
        ["cpu_model"] = cpu,
        ["kernel"] = kernel,
        ["os"] = os,
        ["mem_total_kb"] = memKb,
        ["dotnet"] = RuntimeInformation.FrameworkDescription,
        ["runtime_identifier"] = RuntimeInformation.RuntimeIdentifier,
        ["gc"] = System.Runtime.GCSettings.IsServerGC ? "server" : "workstation",
        ["gcc"] = gcc,
        ["load_average_start"] = LoadAverage(),
        ["fd_soft_limit_before"] = fd.Before,
        ["fd_soft_limit"] = fd.After,
    };
}
