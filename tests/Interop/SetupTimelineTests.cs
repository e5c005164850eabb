using System.Text.Json;
using Xunit.Abstractions;

namespace WebRtcNative.Interop.Tests;

/// <summary>
/// Connection setup against a foreign stack without avoidable delays from our side (issue 17), in
/// a clean, unimpaired cell (pion and Chromium, both roles, C driver and C# side):
/// - our side retransmitted no DTLS flight and no ICE connectivity check (counted from the
///   library's "timeline: " log lines, which must be there: the timeline shows the DTLS
///   handshake and the SCTP association);
/// - as answerer, the answer our side sent already carried its host candidates. Without them our
///   first check reached pion before our trickled candidate did, pion knew us only as a
///   peer-reflexive candidate and waited its 1 s before nominating (the 1 050 ms cell of the issue).
/// Against Chromium (its DTLS ClientHello can arrive before our side of ICE has selected a pair)
/// the server flight written in reply used to be dropped and resent on the DTLS timer: our side
/// now holds such early datagrams until ICE connects. The Chromium rows run as in the matrix:
/// Chromium's default mDNS host candidates on the C# rows, the plain address on the C driver rows.
/// Times are reported, never asserted.
/// </summary>
public sealed class SetupTimelineTests(ITestOutputHelper output)
{
    public static TheoryData<string, string> Rows() => new()
    {
        { "c", "offerer" }, { "c", "answerer" }, { "managed", "offerer" }, { "managed", "answerer" },
    };

    [PeerTheory("pion"), MemberData(nameof(Rows))]
    public void Pion_SetupHasNoRetransmissionFromOurSide(string side, string role) => Check("pion", side, role);

    [PeerTheory("chromium"), MemberData(nameof(Rows))]
    public void Chromium_SetupHasNoRetransmissionFromOurSide(string side, string role) => Check("chromium", side, role);

    /// <summary>
    /// Signaling slower than the direct path (our C driver holds Chromium's answer until the
    /// library has held an early datagram of Chromium's, at most 5 s):
    /// Chromium's ICE works before we know its answer (libnice answers its checks) and, as DTLS
    /// client, it sends its ClientHello at once. Our side has no DTLS transport until the answer is
    /// applied; it used to drop that datagram, and the handshake waited for Chromium's
    /// retransmission (timeline of the old core: our ICE connected +305 ms, DTLS start +475 ms).
    /// Now the datagram is held and handed to DTLS with the answer, so the handshake starts
    /// before our ICE has even connected. An order of steps, not a time, is asserted.
    /// </summary>
    [PeerFact("chromium")]
    public void Chromium_FirstDtlsFlightBeforeTheAnswerIsHeld()
    {
        if (Environment.UserName != "root" && Environment.GetEnvironmentVariable("USER") != "root")
            Assert.Fail("the interop tests create network namespaces and must run as root");
        var (setup, text) = RunCell("chromium", "c", "offerer", "--answer-delay-ms 5000", "early");
        Assert.True(setup.TryGetValue("connect", out var connect) && connect.Ok, text);
        var steps = Steps(setup["timeline"].Detail);
        Assert.True(steps.ContainsKey("ice receive held"), "no \"ice receive held\" step (Chromium's first DTLS flight came after the answer, or the core dropped it): " + setup["timeline"].Detail);
        Assert.True(steps.ContainsKey("ice receive released"), setup["timeline"].Detail);
        Assert.True(steps["dtls handshake start"] <= steps["ice state connected"],
            "the DTLS handshake waited for a retransmission: " + setup["timeline"].Detail);
        Assert.Contains("0 DTLS flight(s) and 0 ICE check(s)", setup["retransmissions"].Detail);
    }

    /// <summary>"step +N ms, ..." of a timeline result: the time of each step.</summary>
    private static Dictionary<string, double> Steps(string timeline) =>
        timeline.Split(", ")
            .Select(s => (Step: s, At: s.LastIndexOf(" +", StringComparison.Ordinal) is var i and > 0 ? i : s.LastIndexOf(" -", StringComparison.Ordinal)))
            .Where(x => x.At > 0 && x.Step.EndsWith(" ms", StringComparison.Ordinal))
            .GroupBy(x => x.Step[..x.At])
            .ToDictionary(g => g.Key, g => double.Parse(g.First().Step[(g.First().At + 1)..^3], System.Globalization.CultureInfo.InvariantCulture));

    private static string LogDir(string peer, string side, string role, string tag) =>
        Path.Combine(Path.GetTempPath(), $"wrn-interop-timeline-{tag}-{peer}-{side}-{role}");

    /// <summary>One cell (reliable channel, 1-byte messages, no retransmission allowed from our
    /// side); its setup results by check name.</summary>
    private (Dictionary<string, (bool Ok, string Detail)> Setup, string Text) RunCell(string peer, string side, string role, string extraArgs, string tag)
    {
        var logDir = LogDir(peer, side, role, tag);
        var json = logDir + $"-{Environment.ProcessId}.json";
        File.Delete(json);
        string args = "--kinds reliable --sizes 1 --no-retransmissions " + extraArgs;
        var (script, scriptArgs) = peer == "chromium"
            ? ("scripts/interop/run-chromium.sh", new[] { role })
            : ("scripts/interop/run.sh", new[] { peer, role });
        var (_, text) = InteropRunner.Run(script,
            [.. scriptArgs, "--kinds", "reliable", "--json", json, "--log-dir", logDir],
            TimeSpan.FromMinutes(6), new()
            {
                ["WRN_OURS"] = side,
                ["WRN_DRIVER_ARGS"] = args,
                ["WRN_MANAGED_ARGS"] = args,
                ["WRN_CHROMIUM_MDNS"] = side == "managed" ? "default" : "off",
            });
        output.WriteLine(text);
        Assert.True(File.Exists(json), text);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var setup = doc.RootElement.GetProperty("results").EnumerateArray()
            .Where(r => r.GetProperty("kind").GetString() == "setup")
            .ToDictionary(r => r.GetProperty("check").GetString()!, r => (Ok: r.GetProperty("ok").GetBoolean(), Detail: r.GetProperty("detail").GetString() ?? ""));
        foreach (var (check, r) in setup)
            output.WriteLine($"setup/{check}: {(r.Ok ? "PASS" : "FAIL")} {r.Detail}");
        return (setup, text);
    }

    private void Check(string peer, string side, string role)
    {
        if (Environment.UserName != "root" && Environment.GetEnvironmentVariable("USER") != "root")
            Assert.Fail("the interop tests create network namespaces and must run as root");
        var (setup, text) = RunCell(peer, side, role, "", "clean");
        var logDir = LogDir(peer, side, role, "clean");

        Assert.True(setup.TryGetValue("connect", out var connect) && connect.Ok, text);
        Assert.True(setup.TryGetValue("timeline", out var timeline), "no timeline reported");
        Assert.Contains("dtls handshake done", timeline.Detail);
        Assert.Contains("sctp association up", timeline.Detail);
        Assert.True(setup.TryGetValue("retransmissions", out var rtx), "no retransmission count reported");
        Assert.True(rtx.Ok, rtx.Detail);
        Assert.Contains("0 DTLS flight(s) and 0 ICE check(s)", rtx.Detail);

        // Our answer (signaling transcript, our side's lines) carried our candidates.
        if (role != "answerer")
            return;
        var ours = File.ReadLines(Path.Combine(logDir, "signaling.jsonl"))
            .Select(l => l.IndexOf("ours> ", StringComparison.Ordinal) is var i and >= 0 ? l[(i + 6)..] : null)
            .Where(l => l is not null)
            .Select(l => JsonDocument.Parse(l!).RootElement)
            .First(e => e.GetProperty("type").GetString() == "answer");
        Assert.Contains("a=candidate:", ours.GetProperty("sdp").GetString());
    }
}
