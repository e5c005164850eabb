using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace WebRtcNative.Interop.Tests;

/// <summary>
/// Loss made by the kernel rather than by the in-process relay of the native tests: both test
/// namespaces drop 5 % of the UDP packets they receive from the veth (nftables numgen random,
/// scripts/interop/netns.sh WRN_LOSS_PCT; this kernel has no netem). Our C driver, against the
/// pion echo peer, moves 4 MiB through its reliable channel in 16 KiB messages; every echo must
/// come back in order and intact, and the kernel must really have dropped packets both ways.
/// </summary>
public sealed partial class KernelLossTests(ITestOutputHelper output)
{
    [PeerFact("pion")]
    public void ReliableChannel_DeliversEveryByte_Through5PercentKernelDrops()
    {
        Peers.Require("pion");
        if (Environment.UserName != "root" && Environment.GetEnvironmentVariable("USER") != "root")
            Assert.Fail("the interop tests create network namespaces and must run as root");
        var json = Path.Combine(Path.GetTempPath(), $"wrn-interop-kernel-loss-{Environment.ProcessId}.json");
        File.Delete(json);
        var (_, text) = InteropRunner.Run("scripts/interop/run.sh",
            ["pion", "offerer", "--json", json, "--log-dir", Path.Combine(Path.GetTempPath(), "wrn-interop-kernel-loss")],
            TimeSpan.FromMinutes(6), new()
            {
                ["WRN_OURS"] = "c",
                ["WRN_LOSS_PCT"] = "5",
                ["WRN_DRIVER_ARGS"] = "--kinds reliable --timeout 60 --bulk 4194304",
            });
        output.WriteLine(text);

        // Only the reliable kind runs here (the others report "missing checks", hence the exit code).
        Assert.True(File.Exists(json), text);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var cell = doc.RootElement.GetProperty("cells").EnumerateArray()
            .Single(c => c.GetProperty("kind").GetString() == "reliable");
        Assert.True(cell.GetProperty("pass").GetBoolean(), cell.GetProperty("reason").GetString());
        var bulk = doc.RootElement.GetProperty("results").EnumerateArray()
            .Single(r => r.GetProperty("kind").GetString() == "reliable" && r.GetProperty("check").GetString() == "bulk");
        Assert.True(bulk.GetProperty("ok").GetBoolean(), bulk.GetProperty("detail").GetString());

        var drops = DropLine().Matches(text).ToDictionary(m => m.Groups[1].Value, m => (Dropped: int.Parse(m.Groups[2].Value), Total: int.Parse(m.Groups[3].Value)));
        Assert.True(drops.ContainsKey("wrn-a") && drops.ContainsKey("wrn-b"), text);
        foreach (var (ns, (dropped, total)) in drops)
        {
            output.WriteLine($"{ns}: kernel dropped {dropped} of {total} UDP packets ({100.0 * dropped / Math.Max(1, total):0.0} %)");
            Assert.True(dropped > 0 && total > 1000, $"{ns}: dropped {dropped} of {total}");
        }
    }

    [GeneratedRegex(@"nft-loss: (wrn-[ab]) dropped (\d+) of (\d+) UDP packets")]
    private static partial Regex DropLine();
}
