using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;

namespace WebRtcNative.Interop.Tests;

/// <summary>Runs one row of the matrix (a peer and our role) once, through scripts/interop, and
/// keeps its per-kind results for the test cases of that row.</summary>
public static class InteropRunner
{
    public static readonly string RepoRoot = FindRoot();
    private static readonly ConcurrentDictionary<string, Lazy<RowResult>> Rows = new();

    public sealed record Cell(string Kind, bool Pass, string Reason, int Checks);

    public sealed record RowResult(int ExitCode, string Output, IReadOnlyDictionary<string, Cell> Cells)
    {
        public string Describe(string kind) =>
            Cells.TryGetValue(kind, out var c)
                ? $"{(c.Pass ? "PASS" : "FAIL")} {c.Kind}: {c.Reason}"
                : $"no result for {kind} (exit {ExitCode})";
    }

    /// <summary>Our side: "managed" (tests/Interop/ManagedPeer, the C# API) or "c" (the C driver
    /// over rtc.h).</summary>
    public static RowResult Row(string side, string peer, string role) =>
        Rows.GetOrAdd($"{side}/{peer}/{role}", _ => new Lazy<RowResult>(() => RunRow(side, peer, role))).Value;

    private static RowResult RunRow(string side, string peer, string role)
    {
        var json = Path.Combine(Path.GetTempPath(), $"wrn-interop-{side}-{peer}-{role}-{Environment.ProcessId}.json");
        File.Delete(json);
        var (script, args) = peer == "chromium"
            ? ("scripts/interop/run-chromium.sh", new[] { role, "--screenshot", Screenshot(side, role), "--json", json, "--log-dir", LogDir(side, peer, role) })
            : ("scripts/interop/run.sh", new[] { peer, role, "--json", json, "--log-dir", LogDir(side, peer, role) });
        // Chromium's mDNS host candidates: as shipped ("<uuid>.local", resolved by our side) on
        // the C# rows, the plain address on the C driver rows, so both paths stay covered.
        var (code, output) = Run(script, args, TimeSpan.FromMinutes(6), new()
        {
            ["WRN_OURS"] = side,
            ["WRN_CHROMIUM_MDNS"] = side == "managed" ? "default" : "off",
        });
        var cells = new Dictionary<string, Cell>();
        if (File.Exists(json))
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(json));
            foreach (var c in doc.RootElement.GetProperty("cells").EnumerateArray())
            {
                var kind = c.GetProperty("kind").GetString()!;
                cells[kind] = new Cell(kind, c.GetProperty("pass").GetBoolean(),
                    c.GetProperty("reason").GetString() ?? "", c.GetProperty("checks").GetInt32());
            }
        }
        return new RowResult(code, output, cells);
    }

    /// <summary>Where the Chromium rows save the page after the exchange (WRN_SCREENSHOT_DIR, or
    /// the test's output directory); docs/browser-demo.png is a copy of the offerer one.</summary>
    public static string Screenshot(string side, string role) => Path.Combine(
        Environment.GetEnvironmentVariable("WRN_SCREENSHOT_DIR") ?? AppContext.BaseDirectory,
        $"browser-demo-{side}-{role}.png");

    /// <summary>Transcript (SDP included) and both sides' stderr of a row.</summary>
    public static string LogDir(string side, string peer, string role) =>
        Path.Combine(Path.GetTempPath(), $"wrn-interop-{side}-{peer}-{role}");

    public static (int Code, string Output) Run(string script, string[] args, TimeSpan timeout,
        Dictionary<string, string>? env = null)
    {
        var psi = new ProcessStartInfo("bash") { WorkingDirectory = RepoRoot, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (k, v) in env ?? new())
            psi.Environment[k] = v;
        psi.ArgumentList.Add(Path.Combine(RepoRoot, script));
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
            return (-1, $"{script} timed out after {timeout}\n{stdout.Result}\n{stderr.Result}");
        }
        p.WaitForExit();
        return (p.ExitCode, stdout.Result + "\n--- stderr ---\n" + Tail(stderr.Result, 4000));
    }

    private static string Tail(string s, int n) => s.Length <= n ? s : s[^n..];

    private static string FindRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "scripts", "interop", "run.sh")))
                return d.FullName;
        throw new InvalidOperationException("repository root (scripts/interop/run.sh) not found");
    }
}

/// <summary>
/// Which peers are installed. A test whose peer is missing fails (CI must not stay green without its
/// interop coverage): the Test target installs every peer. Set WEBRTCNATIVE_INTEROP_ALLOW_MISSING=1 to
/// skip such tests instead on a developer machine.
/// </summary>
public static class Peers
{
    public const string AllowMissingVariable = "WEBRTCNATIVE_INTEROP_ALLOW_MISSING";

    public static string? MissingReason(string peer) => peer switch
    {
        "aiortc" => File.Exists("/usr/bin/python3") && Directory.Exists("/usr/lib/python3/dist-packages/aiortc")
            ? null : "aiortc not installed (apt-get install python3-aiortc)",
        "pion" => Directory.Exists("/usr/share/gocode/src/github.com/pion/webrtc") && OnPath("go")
            ? null : "pion not installed (apt-get install golang-go golang-github-pion-webrtc.v3-dev)",
        "chromium" => OnPath("chromium") ? null : "chromium not installed (apt-get install chromium)",
        "coturn" => OnPath("turnserver") ? null : "coturn not installed (apt-get install coturn)",
        _ => $"unknown peer {peer}",
    };

    /// <summary>The skip reason for a missing peer, only when skipping was explicitly allowed.</summary>
    public static string? SkipReason(string peer) =>
        Environment.GetEnvironmentVariable(AllowMissingVariable) == "1" && MissingReason(peer) is { } reason
            ? reason + $" ({AllowMissingVariable}=1)"
            : null;

    /// <summary>Fails the test when <paramref name="peer"/> is not installed.</summary>
    public static void Require(string peer)
    {
        if (MissingReason(peer) is { } reason)
            Assert.Fail($"{reason}: the interop peers are installed by scripts/bootstrap.sh --interop (run by `dotnet cake --target=Test`)");
    }

    public static bool OnPath(string exe) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':')
            .Any(d => File.Exists(Path.Combine(d, exe)));
}

/// <summary>A theory needing <paramref name="peer"/>; it fails when the peer is missing (see <see cref="Peers"/>).</summary>
public sealed class PeerTheoryAttribute : TheoryAttribute
{
    public PeerTheoryAttribute(string peer)
    {
        Skip = Peers.SkipReason(peer);
    }
}

/// <summary>A fact needing <paramref name="peer"/>; it fails when the peer is missing (see <see cref="Peers"/>).</summary>
public sealed class PeerFactAttribute : FactAttribute
{
    public PeerFactAttribute(string peer)
    {
        Skip = Peers.SkipReason(peer);
    }
}
