using System.Diagnostics;

namespace WebRtcNative.Tests;

/// <summary>
/// Reliable channels never drop: when the receive queue (or the process-wide budget) is full they stop
/// taking messages from the native library, and nothing is lost once the application reads again.
/// </summary>
// Serial: the end-to-end case moves 80 MiB, which would disturb the timing of tests beside it.
[Collection("Serial")]
public class BackPressureTests
{
    internal static ChannelCore CoreOf(WebRtcDataChannel channel) =>
        Assert.IsType<NativeDataChannel>(channel).Core;

    /// <summary>Polls only <paramref name="sender"/> (the receiver does not poll) for <paramref name="duration"/>, calling <paramref name="sample"/> each round.</summary>
    internal static void PollOnly(WebRtcPeerConnection sender, TimeSpan duration, Action sample)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < duration)
        {
            sender.Poll();
            sample();
            Thread.Sleep(2);
        }
    }

    [Fact]
    public void Reliable_ReceiverNotPolling_LosesNothing_AndTheQueueStaysUnderItsCaps()
    {
        const int Count = 400, Size = 100, MaxPackets = 10, MaxBytes = 4096;
        var capped = Pair.Loopback();
        capped.ReceiveQueueMaxPackets = MaxPackets;
        capped.ReceiveQueueMaxBytes = MaxBytes;
        using var pair = new Pair(configB: capped);
        var (a, b) = pair.ConnectWithChannel();
        var core = CoreOf(b);
        Assert.True(core.Reliable);

        for (int i = 0; i < Count; i++)
            Assert.Equal(Error.Ok, a.PutPacket(Payload.Make(i, Size)));

        int maxPackets = 0;
        long maxBytes = 0;
        PollOnly(pair.A, TimeSpan.FromSeconds(1), () =>
        {
            var (p, bytes) = core.Queued;
            maxPackets = Math.Max(maxPackets, p);
            maxBytes = Math.Max(maxBytes, bytes);
        });
        Assert.Equal(MaxPackets, maxPackets);       // filled up to the cap...
        Assert.True(maxBytes <= MaxBytes, $"{maxBytes} bytes queued, cap {MaxBytes}");
        Assert.True(core.IsBlocked, "pulling should have stopped at the cap");
        Assert.Equal(0, b.DroppedPacketCount);      // ...and dropped nothing

        var got = pair.Receive(b, Count);
        Assert.Equal(Count, got.Count);
        for (int i = 0; i < Count; i++)
            Assert.True(Payload.Check(got[i].Data, i), $"packet {i} lost, corrupted or out of order");
        Assert.Equal(0, b.DroppedPacketCount);
        Assert.Equal((0, 0L), core.Queued);
    }

    [Fact]
    public void Reliable_ReceiverNotPolling_ThrottlesTheSender_EndToEnd()
    {
        // The managed queue stops pulling at its cap; the native queue stops reading SCTP at its bound
        // (4 MiB by default); the receive window closes and the data stays buffered at the sender.
        // 80 MiB: more than everything that can take data in between, even with both SCTP windows
        // auto-tuned to their 32 MiB maximum (0.5 MiB managed + 4 MiB native + 32 + 32 MiB).
        const int Count = 1280, Size = 64 * 1024, MaxPackets = 8;
        var capped = Pair.Loopback();
        capped.ReceiveQueueMaxPackets = MaxPackets;
        using var pair = new Pair(configB: capped);
        var (a, b) = pair.ConnectWithChannel();
        var core = CoreOf(b);
        for (int i = 0; i < Count; i++)
            Assert.Equal(Error.Ok, a.PutPacket(Payload.Make(i, Size)));

        int maxQueued = 0;
        long buffered = 0;
        PollOnly(pair.A, TimeSpan.FromSeconds(2), () =>
        {
            maxQueued = Math.Max(maxQueued, core.Queued.Packets);
            buffered = a.BufferedAmount;
        });
        Assert.True(maxQueued <= MaxPackets, $"{maxQueued} packets queued, cap {MaxPackets}");
        // At least 11.5 MiB of the 80 MiB must still be at the sender; 4 MiB is asserted.
        Assert.True(buffered >= 4L * 1024 * 1024, $"the sender should be throttled: only {buffered} bytes buffered at the sender");

        var got = pair.Receive(b, Count, TimeSpan.FromSeconds(60));
        for (int i = 0; i < Count; i++)
            Assert.True(Payload.Check(got[i].Data, i), $"packet {i} lost, corrupted or out of order");
        Assert.Equal(0, b.DroppedPacketCount);
        pair.PollUntil(() => a.BufferedAmount == 0, "the sender's buffer drained");
    }

    [Fact]
    public void Reliable_TryGetPacket_ResumesPulling_InOrder()
    {
        var capped = Pair.Loopback();
        capped.ReceiveQueueMaxPackets = 3;
        using var pair = new Pair(configB: capped);
        var (a, b) = pair.ConnectWithChannel();
        for (int i = 0; i < 50; i++)
            Assert.Equal(Error.Ok, a.PutPacket(Payload.Make(i, 64 + i)));
        var core = CoreOf(b);
        PollOnly(pair.A, TimeSpan.FromMilliseconds(500), () => Assert.True(core.Queued.Packets <= 3));

        var buffer = new byte[1024];
        int next = 0;
        pair.PollUntil(() =>
        {
            while (b.TryGetPacket(buffer, out int n, out _))
            {
                Assert.Equal(64 + next, n);
                Assert.True(Payload.Check(buffer.AsSpan(0, n), next), $"packet {next}");
                next++;
                Assert.True(core.Queued.Packets <= 3);
            }
            return next == 50;
        }, "50 packets through a 3-packet queue");
        Assert.Equal(0, b.DroppedPacketCount);
    }

    [Fact]
    public void Unreliable_StillDropsAndCounts_WhenFull()
    {
        var capped = Pair.Loopback();
        capped.ReceiveQueueMaxPackets = 5;
        using var pair = new Pair(configB: capped);
        var (a, b) = pair.ConnectWithChannel(options: new DataChannelOptions { MaxRetransmits = 0 });
        Assert.False(CoreOf(b).Reliable);
        for (int i = 0; i < 20; i++)
            Assert.Equal(Error.Ok, a.PutPacket(Payload.Make(i, 16)));
        var sw = Stopwatch.StartNew();
        while (b.DroppedPacketCount < 15 && sw.Elapsed < Pair.Timeout)
        {
            pair.A.Poll();
            Thread.Sleep(2);
        }
        Assert.Equal(15, b.DroppedPacketCount);
    }
}

/// <summary>The process-wide receive budget (global state: runs alone).</summary>
[Collection("Serial")]
public class ReceiveBudgetTests
{
    [Fact]
    public void Budget_BoundsAllConnections_AndReliableChannelsLoseNothing()
    {
        const int Count = 300, Size = 1000;
        const long Budget = 40_000;
        var old = WebRtcLibrary.ReceiveBudgetBytes;
        Assert.Equal(0, WebRtcLibrary.ReceiveQueuedBytes);
        WebRtcLibrary.ReceiveBudgetBytes = Budget;
        try
        {
            using var p1 = new Pair();
            using var p2 = new Pair();
            var (a1, b1) = p1.ConnectWithChannel();
            var (a2, b2) = p2.ConnectWithChannel();
            for (int i = 0; i < Count; i++)
            {
                Assert.Equal(Error.Ok, a1.PutPacket(Payload.Make(i, Size)));
                Assert.Equal(Error.Ok, a2.PutPacket(Payload.Make(i, Size)));
            }
            long peak = 0;
            var sw = Stopwatch.StartNew();
            while (sw.Elapsed < TimeSpan.FromSeconds(1))
            {
                p1.A.Poll();
                p2.A.Poll();
                peak = Math.Max(peak, WebRtcLibrary.ReceiveQueuedBytes);
                Thread.Sleep(2);
            }
            // Each channel's per-channel cap (64 MiB) is far away: only the budget holds them back.
            Assert.True(peak <= Budget, $"{peak} bytes queued process-wide, budget {Budget}");
            Assert.True(peak >= Budget - 2 * Size, $"the queues should have filled the budget (peak {peak})");

            var got1 = p1.Receive(b1, Count);
            var got2 = p2.Receive(b2, Count);
            for (int i = 0; i < Count; i++)
            {
                Assert.True(Payload.Check(got1[i].Data, i), $"connection 1, packet {i}");
                Assert.True(Payload.Check(got2[i].Data, i), $"connection 2, packet {i}");
            }
            Assert.Equal(0, b1.DroppedPacketCount + b2.DroppedPacketCount);
        }
        finally
        {
            WebRtcLibrary.ReceiveBudgetBytes = old;
        }
        Assert.Equal(0, WebRtcLibrary.ReceiveQueuedBytes);
        Assert.Throws<ArgumentOutOfRangeException>(() => WebRtcLibrary.ReceiveBudgetBytes = 0);
    }

    // Unread packets count toward the process-wide budget. A disposed connection's channel objects are often
    // never disposed themselves: their share must come back with the connection, or closed connections fill
    // the budget over time and every reliable channel in the process stops pulling.
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void DisposingAConnection_ReturnsItsChannelsUnreadBytesToTheBudget(bool closeFirst)
    {
        Assert.Equal(0, WebRtcLibrary.ReceiveQueuedBytes);
        var pair = new Pair();
        var (a, b) = pair.ConnectWithChannel();
        for (int i = 0; i < 10; i++)
            Assert.Equal(Error.Ok, a.PutPacket(Payload.Make(i, 100)));
        pair.PollUntil(() => b.AvailablePacketCount == 10, "10 packets queued, unread");
        Assert.Equal(1000, WebRtcLibrary.ReceiveQueuedBytes);
        if (closeFirst)
        {
            pair.B.Close();
            // Still readable after Close (Godot: what arrived stays in the queue).
            Assert.Equal(10, b.AvailablePacketCount);
            Assert.Equal(1000, WebRtcLibrary.ReceiveQueuedBytes);
        }
        pair.Dispose();   // the channel objects a and b are not disposed
        Assert.Equal(0, WebRtcLibrary.ReceiveQueuedBytes);
        Assert.Equal(0, b.AvailablePacketCount);
    }
}
