using System.Collections.Concurrent;
using System.Text;

namespace WebRtcNative.Tests;

/// <summary>GetStats on connections and channels (rtcGetStats / rtcGetDataChannelStats extensions, docs/stats.md).</summary>
// Serial: the zero-allocation window and the simulated upstream library are process-wide.
[Collection("Serial")]
public class StatsTests
{
    [Fact]
    public void Counters_MatchWhatWasSent_AndTheTransportFiguresArePlausible()
    {
        using var pair = new Pair();
        var a = pair.A.CreateDataChannel("stats")!;
        var other = pair.A.CreateDataChannel("other")!;
        pair.Connect();
        pair.PollUntil(() => pair.ReceivedByB.Count == 2, "both channels on B");
        var b = pair.ReceivedByB.Single(c => c.Label == "stats");
        var otherB = pair.ReceivedByB.Single(c => c.Label == "other");
        pair.WaitOpen(a, other, b, otherB);

        for (int i = 0; i < 40; i++)
            Assert.Equal(Error.Ok, a.PutPacket(Payload.Make(i, 1200)));
        a.WriteMode = WriteMode.Text;
        Assert.Equal(Error.Ok, a.PutPacket("héllo"u8)); // 6 bytes of UTF-8
        Assert.Equal(Error.Ok, a.PutPacket(ReadOnlySpan<byte>.Empty));
        for (int i = 0; i < 5; i++)
            Assert.Equal(Error.Ok, otherB.PutPacket(Payload.Make(i, 333)));
        pair.Receive(b, 42);
        pair.Receive(other, 5);
        const long aBytes = 40 * 1200 + 6, bBytes = 5 * 333;

        var sa = new WebRtcStats();
        var sb = new WebRtcStats();
        Assert.Equal(Error.Ok, pair.A.GetStats(sa));
        Assert.Equal(Error.Ok, pair.B.GetStats(sb));
        Assert.Equal(42, sa.MessagesSent);
        Assert.Equal(aBytes, sa.BytesSent);
        Assert.Equal(5, sa.MessagesReceived);
        Assert.Equal(bBytes, sa.BytesReceived);
        Assert.Equal(42, sb.MessagesReceived);
        Assert.Equal(aBytes, sb.BytesReceived);
        Assert.Equal(5, sb.MessagesSent);
        Assert.Equal(bBytes, sb.BytesSent);
        Assert.Equal(2, sa.ChannelCount);
        Assert.Equal(0, sa.BufferedAmount);

        // Loopback: RTT of at most a few ms, a positive window and timeout; the DTLS cipher by its IANA name.
        Assert.InRange(sa.SctpSmoothedRttMs, 0, 1000);
        Assert.True(sa.SctpCongestionWindow > 0, $"cwnd {sa.SctpCongestionWindow}");
        Assert.True(sa.SctpRetransmissionTimeoutMs > 0, $"rto {sa.SctpRetransmissionTimeoutMs}");
        Assert.True(sa.SctpPeerReceiveWindow > 0, $"rwnd {sa.SctpPeerReceiveWindow}");
        Assert.InRange(sa.SctpRetransmissions, 0, 1000);
        Assert.StartsWith("TLS_", sa.DtlsCipher);
        Assert.Equal(sa.DtlsCipher, sb.DtlsCipher);
        Assert.NotEqual(0, sa.DtlsCipherSuite);

        // The selected pair: loopback UDP, and each side's local end is the other's remote end.
        Assert.True(sa.HasSelectedPair);
        Assert.Equal("127.0.0.1", sa.LocalAddress);
        Assert.Equal("127.0.0.1", sa.RemoteAddress);
        Assert.Equal("udp", sa.LocalProtocol);
        Assert.Equal("udp", sa.RemoteProtocol);
        Assert.Contains(sa.LocalCandidateType, new[] { CandidateType.Host, CandidateType.PeerReflexive });
        Assert.Contains(sa.RemoteCandidateType, new[] { CandidateType.Host, CandidateType.PeerReflexive });
        Assert.Equal(sa.LocalPort, sb.RemotePort);
        Assert.Equal(sa.RemotePort, sb.LocalPort);

        // Per channel: each its own share.
        var cs = new WebRtcChannelStats();
        Assert.Equal(Error.Ok, a.GetStats(cs));
        Assert.Equal((42L, aBytes, 0L, 0L), (cs.MessagesSent, cs.BytesSent, cs.MessagesReceived, cs.BytesReceived));
        Assert.Equal(a.Id, cs.Id);
        Assert.Equal(Error.Ok, b.GetStats(cs));
        Assert.Equal((0L, 42L, aBytes), (cs.MessagesSent, cs.MessagesReceived, cs.BytesReceived));
        Assert.Equal(Error.Ok, other.GetStats(cs));
        Assert.Equal((0L, 5L, bBytes), (cs.MessagesSent, cs.MessagesReceived, cs.BytesReceived));
        Assert.Equal(Error.Ok, otherB.GetStats(cs));
        Assert.Equal((5L, bBytes), (cs.MessagesSent, cs.BytesSent));

        // The parameterless overload refills one object the connection owns.
        var owned = pair.A.GetStats();
        Assert.NotNull(owned);
        Assert.Same(owned, pair.A.GetStats());
        Assert.Equal(aBytes, owned!.BytesSent);
    }

    [Fact]
    public void GetStats_AllocatesNothing_AfterTheFirstCall()
    {
        using var pair = new Pair();
        var (a, b) = pair.ConnectWithChannel();
        Assert.Equal(Error.Ok, a.PutPacket(Payload.Make(1, 100)));
        pair.Receive(b, 1);
        var stats = new WebRtcStats();
        var channelStats = new WebRtcChannelStats();
        for (int i = 0; i < 200; i++) // warm-up: JIT tiers, and the strings of the pair and cipher
        {
            Assert.Equal(Error.Ok, pair.A.GetStats(stats));
            Assert.Equal(Error.Ok, a.GetStats(channelStats));
            Assert.NotNull(pair.A.GetStats());
        }
        string address = stats.LocalAddress, cipher = stats.DtlsCipher;

        const int count = 1000;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < count; i++)
        {
            pair.A.GetStats(stats);
            a.GetStats(channelStats);
            pair.A.GetStats();
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Same(address, stats.LocalAddress); // kept, not rebuilt
        Assert.Same(cipher, stats.DtlsCipher);
        Assert.Equal(1, stats.MessagesSent);
    }

    [Fact]
    public void OnALibraryWithoutTheExtension_GetStatsIsUnavailable_WithAClearReason()
    {
        var lines = new ConcurrentQueue<string>();
        var oldSink = WebRtcLog.Sink;
        var oldLevel = WebRtcLog.Level;
        NativeStats.SimulateMissing(true);
        try
        {
            WebRtcLog.Sink = (_, m) => lines.Enqueue(m);
            WebRtcLog.Level = WebRtcLogLevel.Warning;
            using var pair = new Pair();
            var (a, _) = pair.ConnectWithChannel();
            Assert.Equal(Error.Unavailable, pair.A.GetStats(new WebRtcStats()));
            Assert.Null(pair.A.GetStats());
            Assert.Equal(Error.Unavailable, a.GetStats(new WebRtcChannelStats()));
            Assert.Contains(lines, l => l.Contains("rtcGetStats") && l.Contains("Unavailable"));
            Assert.Equal(Error.Ok, a.PutPacket(new byte[] { 1 })); // everything else still works
        }
        finally
        {
            NativeStats.SimulateMissing(false);
            WebRtcLog.Sink = oldSink;
            WebRtcLog.Level = oldLevel;
        }
        Assert.True(NativeStats.Available, "libwebrtcnative exports the statistics extensions");
    }

    [Fact]
    public void GetStats_BeforeInitialize_AfterClose_AndAfterDispose()
    {
        var stats = new WebRtcStats();
        using (var fresh = new WebRtcPeerConnection())
        {
            Assert.Equal(Error.Ok, fresh.GetStats(stats)); // nothing happened yet
            Assert.False(stats.HasSelectedPair);
            Assert.Equal(0, stats.MessagesSent);
            Assert.Equal(-1, stats.SctpSmoothedRttMs);
            Assert.Equal(Error.InvalidParameter, fresh.GetStats(null!));
        }

        using var pc = new WebRtcPeerConnection();
        Assert.Equal(Error.Ok, pc.Initialize(Pair.Loopback()));
        Assert.Equal(Error.Ok, pc.GetStats(stats));
        Assert.Equal(string.Empty, stats.DtlsCipher);
        Assert.Equal(-1, stats.SctpCongestionWindow);
        var ch = pc.CreateDataChannel("x")!;
        var cs = new WebRtcChannelStats();
        Assert.Equal(Error.Ok, ch.GetStats(cs));
        Assert.Equal(0, cs.MessagesSent);
        pc.Close();
        Assert.Equal(Error.Unconfigured, pc.GetStats(stats));
        pc.Dispose();
        Assert.Equal(Error.Unavailable, pc.GetStats(stats));
        Assert.Null(pc.GetStats());
        ch.Dispose();
        Assert.Equal(Error.Unavailable, ch.GetStats(cs));
    }
}
