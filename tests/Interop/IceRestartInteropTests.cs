using System.Text.Json;
using Xunit.Abstractions;

namespace WebRtcNative.Interop.Tests;

/// <summary>
/// ICE restart (RFC 8445 section 9) against pion, with our side (the C driver over rtc.h, and the C#
/// API in ManagedPeer) as offerer (our side restarts: rtcRestartIce / RestartIce, then an offer) and
/// as answerer (pion restarts: an offer with ICERestart). Both
/// sides must end with new ICE credentials, the connection stays connected with the reliable channel
/// open (one DTLS/SCTP association), and 16 KiB text and binary messages still echo byte for byte.
/// (aiortc 1.4 has no ICE restart.)
/// </summary>
public sealed class IceRestartInteropTests(ITestOutputHelper output)
{
    [PeerTheory("pion")]
    [InlineData("c", "offerer")]
    [InlineData("c", "answerer")]
    [InlineData("managed", "offerer")]
    [InlineData("managed", "answerer")]
    public void Pion_IceRestart_NewCredentials_ChannelKeepsEchoing(string side, string role)
    {
        Peers.Require("pion");
        if (Environment.UserName != "root" && Environment.GetEnvironmentVariable("USER") != "root")
            Assert.Fail("the interop tests create network namespaces and must run as root");
        var json = Path.Combine(Path.GetTempPath(), $"wrn-interop-ice-restart-{side}-{role}-{Environment.ProcessId}.json");
        File.Delete(json);
        var (_, text) = InteropRunner.Run("scripts/interop/run.sh",
            ["pion", role, "--json", json, "--log-dir", Path.Combine(Path.GetTempPath(), $"wrn-interop-ice-restart-{side}-{role}")],
            TimeSpan.FromMinutes(4), new()
            {
                ["WRN_OURS"] = side,
                ["WRN_DRIVER_ARGS"] = "--kinds reliable --no-close --sizes 1,16384 --ice-restart",
                ["WRN_MANAGED_ARGS"] = "--kinds reliable --sizes 1,16384 --ice-restart",
            });
        output.WriteLine(text);

        // Only the reliable kind runs, without the close checks (hence "missing checks" and the exit code).
        Assert.True(File.Exists(json), text);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var restart = doc.RootElement.GetProperty("results").EnumerateArray()
            .Where(r => r.GetProperty("kind").GetString() == "ice-restart")
            .ToDictionary(r => r.GetProperty("check").GetString()!, r => (Ok: r.GetProperty("ok").GetBoolean(), Detail: r.GetProperty("detail").GetString()));
        foreach (var check in new[] { "credentials", "still-connected", "text-16KiB", "binary-16KiB" })
        {
            Assert.True(restart.TryGetValue(check, out var r), $"no ice-restart/{check} result: {text}");
            Assert.True(r.Ok, $"ice-restart/{check}: {r.Detail}");
        }
    }
}
