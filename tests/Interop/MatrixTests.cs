using Xunit.Abstractions;

namespace WebRtcNative.Interop.Tests;

/// <summary>
/// One test case per cell of the interop matrix: peer x our role x channel kind. A cell passes when
/// the channel opened, text and binary messages of 1 B, 16 KiB and 200 KiB were echoed byte for
/// byte (or, above the peer's SDP max-message-size, refused by our side as RFC 8841 requires), a
/// close from our side was seen by the peer and a close from the peer was seen by us.
/// Each (side, peer, role) row runs once; its three kinds are read from that run. Our side is the
/// C# API (tests/Interop/ManagedPeer, "managed") and, as a native baseline, the C driver over
/// rtc.h ("c"): a cell failing on both sides points at the native core, on "managed" only at the
/// managed layer.
/// </summary>
public sealed class MatrixTests(ITestOutputHelper output)
{
    public static TheoryData<string, string, string> Cells()
    {
        var d = new TheoryData<string, string, string>();
        foreach (var side in new[] { "managed", "c" })
            foreach (var role in new[] { "offerer", "answerer" })
                foreach (var kind in new[] { "reliable", "unreliable", "negotiated" })
                    d.Add(side, role, kind);
        return d;
    }

    private void Check(string side, string peer, string role, string kind)
    {
        if (Environment.UserName != "root" && Environment.GetEnvironmentVariable("USER") != "root")
            Assert.Fail("the interop tests create network namespaces and must run as root");
        Peers.Require(peer);
        var row = InteropRunner.Row(side, peer, role);
        output.WriteLine($"our side: {side}; {peer} with our side as {role}; script exit {row.ExitCode}; logs {InteropRunner.LogDir(side, peer, role)}");
        output.WriteLine(row.Describe(kind));
        output.WriteLine(row.Output);
        Assert.True(row.Cells.TryGetValue(kind, out var cell), $"no result for {kind}: {row.Output}");
        Assert.True(cell!.Pass, $"{peer} ours={side}/{role} {kind}: {cell.Reason}");
    }

    [PeerTheory("aiortc"), MemberData(nameof(Cells))]
    public void Aiortc(string side, string role, string kind) => Check(side, "aiortc", role, kind);

    [PeerTheory("pion"), MemberData(nameof(Cells))]
    public void Pion(string side, string role, string kind) => Check(side, "pion", role, kind);

    [PeerTheory("chromium"), MemberData(nameof(Cells))]
    public void Chromium(string side, string role, string kind) => Check(side, "chromium", role, kind);
}
