using System.Diagnostics;

namespace WebRtcNative.Tests;

/// <summary>
/// The channel events next to polling (issue 15 item 4): Opened / Closed once each, BufferedAmountLow once per
/// crossing of the threshold (W3C bufferedamountlow), PacketReceived delivering what polling would; all of them
/// only inside Poll, on the polling thread.
/// </summary>
public class ChannelEventTests
{
    private const int Chunk = 16 * 1024;
    private const int Burst = 512; // 8 MiB: far more than usrsctp takes at once, so most of it waits in the send queue

    /// <summary>Records where events are raised: inside a Poll of this helper, on which thread.</summary>
    private sealed class PollProbe
    {
        private readonly Pair _pair;
        public bool InPoll;
        public int Thread = Environment.CurrentManagedThreadId;
        public List<string> Violations { get; } = new();

        public PollProbe(Pair pair) => _pair = pair;

        public void Poll()
        {
            InPoll = true;
            try
            {
                _pair.PollBoth();
            }
            finally
            {
                InPoll = false;
            }
        }

        public void Check(string what)
        {
            if (!InPoll)
                Violations.Add(what + " raised outside Poll");
            if (Environment.CurrentManagedThreadId != Thread)
                Violations.Add(what + " raised on another thread");
        }

        public void Until(Func<bool> condition, string what)
        {
            var sw = Stopwatch.StartNew();
            while (!condition())
            {
                if (sw.Elapsed > Pair.Timeout)
                    throw new Xunit.Sdk.XunitException("timed out waiting for " + what);
                Poll();
                System.Threading.Thread.Sleep(1);
            }
        }

        /// <summary>Polls for a while (a late or repeated event would come now).</summary>
        public void Settle(int ms = 200)
        {
            var sw = Stopwatch.StartNew();
            while (sw.ElapsedMilliseconds < ms)
            {
                Poll();
                System.Threading.Thread.Sleep(1);
            }
        }
    }

    /// <summary>Sends a burst from <paramref name="a"/> without polling; returns the largest BufferedAmount seen.</summary>
    private static int SendBurst(WebRtcDataChannel a)
    {
        var chunk = new byte[Chunk];
        int peak = 0;
        for (int i = 0; i < Burst; i++)
        {
            Assert.Equal(Error.Ok, a.PutPacket(chunk));
            peak = Math.Max(peak, a.BufferedAmount);
        }
        return peak;
    }

    private static void ReadAll(PollProbe probe, WebRtcDataChannel a, WebRtcDataChannel b, int count)
    {
        var buffer = new byte[Chunk];
        int got = 0;
        probe.Until(() =>
        {
            while (b.TryGetPacket(buffer, out _, out _))
                got++;
            return got >= count && a.BufferedAmount == 0;
        }, $"{count} packets read and an empty send queue (got {got})");
    }

    [Fact]
    public void BufferedAmountLow_IsRaisedOncePerCrossing_OnlyInsidePoll()
    {
        using var pair = new Pair();
        var (a, b) = pair.ConnectWithChannel();
        var probe = new PollProbe(pair);
        const int threshold = 256 * 1024;
        Assert.Equal(0, a.BufferedAmountLowThreshold);
        var amounts = new List<int>();
        a.BufferedAmountLow += ch =>
        {
            probe.Check("BufferedAmountLow");
            Assert.Same(a, ch);
            amounts.Add(ch.BufferedAmount);
        };

        for (int round = 1; round <= 2; round++)
        {
            // The threshold is set once the burst is queued: a sender descheduled mid-burst cannot make the amount
            // cross it twice.
            a.BufferedAmountLowThreshold = 1 << 30;
            SendBurst(a);
            a.BufferedAmountLowThreshold = threshold;
            int queued = a.BufferedAmount;
            Assert.True(queued > threshold, $"only {queued} bytes buffered after the burst");
            // The crossing happens on a native thread while nobody polls: the event waits for Poll.
            Assert.True(a.WaitForBufferedAmountLow(20000), "the buffered amount never fell to the threshold");
            Thread.Sleep(50);
            Assert.Equal(round - 1, amounts.Count);
            probe.Poll();
            Assert.Equal(round, amounts.Count);
            ReadAll(probe, a, b, Burst);
            probe.Settle();
            Assert.Equal(round, amounts.Count); // once per crossing, not per message sent after it
            Assert.True(amounts[^1] <= threshold, $"BufferedAmount {amounts[^1]} above the threshold when the event was raised");
        }

        // A burst that never goes above the threshold crosses nothing.
        a.BufferedAmountLowThreshold = 64 * 1024 * 1024;
        SendBurst(a);
        ReadAll(probe, a, b, Burst);
        probe.Settle();
        Assert.Equal(2, amounts.Count);

        // Negative thresholds are refused and change nothing.
        a.BufferedAmountLowThreshold = -1;
        Assert.Equal(64 * 1024 * 1024, a.BufferedAmountLowThreshold);
        Assert.Empty(probe.Violations);
        Assert.Empty(pair.Problems);
    }

    [Fact]
    public void WaitForBufferedAmountLow_ReturnsAtOnce_WhenAtOrBelowTheThreshold_AndFalse_WhenClosed()
    {
        using var pair = new Pair();
        var (a, _) = pair.ConnectWithChannel();
        Assert.True(a.WaitForBufferedAmountLow(0)); // nothing buffered, threshold 0
        a.Close();
        pair.PollUntil(() => a.ReadyState == ChannelState.Closed, "a closed");
        Assert.False(a.WaitForBufferedAmountLow(1000));
        a.Dispose();
        Assert.False(a.WaitForBufferedAmountLow(0));
    }

    [Fact]
    public void OpenedAndClosed_AreRaisedOnceEach_InsidePoll()
    {
        using var pair = new Pair();
        var probe = new PollProbe(pair);
        var opened = new Dictionary<string, int> { ["a"] = 0, ["b"] = 0 };
        var closed = new Dictionary<string, int> { ["a"] = 0, ["b"] = 0 };
        void Subscribe(WebRtcDataChannel ch, string name)
        {
            ch.Opened += c =>
            {
                probe.Check(name + ".Opened");
                Assert.Equal(ChannelState.Open, c.ReadyState);
                opened[name]++;
            };
            ch.Closed += c =>
            {
                probe.Check(name + ".Closed");
                Assert.Equal(ChannelState.Closed, c.ReadyState);
                closed[name]++;
            };
        }
        var a = pair.A.CreateDataChannel("events")!;
        Subscribe(a, "a");
        pair.B.DataChannelReceived += ch => Subscribe(ch, "b");
        Assert.Equal(Error.Ok, pair.A.CreateOffer());
        probe.Until(() => opened["a"] == 1 && opened["b"] == 1, "both Opened events");
        probe.Settle();
        Assert.Equal(1, opened["a"]);
        Assert.Equal(1, opened["b"]);
        Assert.Equal(0, closed["a"] + closed["b"]);

        a.Close();
        Assert.Equal(0, closed["a"]); // raised by the next Poll, not by Close
        probe.Until(() => closed["a"] == 1 && closed["b"] == 1, "both Closed events");
        probe.Settle();
        Assert.Equal(1, opened["a"]);
        Assert.Equal(1, opened["b"]);
        Assert.Equal(1, closed["a"]);
        Assert.Equal(1, closed["b"]);
        Assert.Empty(probe.Violations);
    }

    [Fact]
    public void Closed_IsRaised_ByThePollAfterTheConnectionClosed()
    {
        using var pair = new Pair();
        var (a, _) = pair.ConnectWithChannel();
        int closed = 0;
        a.Closed += _ => closed++;
        pair.A.Close();
        Assert.Equal(ChannelState.Closed, a.ReadyState);
        Assert.Equal(0, closed);
        Assert.Equal(Error.Unconfigured, pair.A.Poll());
        Assert.Equal(1, closed);
        pair.A.Poll();
        a.Poll();
        Assert.Equal(1, closed);
    }

    [Fact]
    public void PacketReceived_DeliversTheSameBytesAsPolling()
    {
        using var pair = new Pair();
        var (a, b) = pair.ConnectWithChannel();
        var probe = new PollProbe(pair);
        var sent = new List<(byte[] Data, bool IsString)>();
        var rng = new Random(15);
        for (int i = 0; i < 200; i++)
        {
            bool text = i % 4 == 1;
            int size = i % 7 == 0 ? 0 : rng.Next(1, i % 5 == 0 ? 100_000 : 3000);
            var data = new byte[size];
            if (text)
                data.AsSpan().Fill((byte)('a' + i % 26));
            else
                rng.NextBytes(data);
            sent.Add((data, text));
        }

        void SendAll()
        {
            foreach (var (data, text) in sent)
            {
                a.WriteMode = text ? WriteMode.Text : WriteMode.Binary;
                Assert.Equal(Error.Ok, a.PutPacket(data));
            }
        }

        // Pushed through the event.
        var pushed = new List<(byte[] Data, bool IsString)>();
        DataChannelPacketHandler handler = (ch, packet, isString) =>
        {
            probe.Check("PacketReceived");
            Assert.Same(b, ch);
            pushed.Add((packet.ToArray(), isString));
        };
        b.PacketReceived += handler;
        SendAll();
        probe.Until(() => pushed.Count >= sent.Count, $"{sent.Count} packets pushed (got {pushed.Count})");
        Assert.Equal(0, b.AvailablePacketCount); // delivered packets leave the queue
        Assert.False(b.TryGetPacket(new byte[200_000], out _, out _));

        // Polled, once nobody subscribes.
        b.PacketReceived -= handler;
        SendAll();
        var polled = pair.Receive(b, sent.Count);

        Assert.Equal(sent.Count, pushed.Count);
        Assert.Equal(sent.Count, polled.Count);
        for (int i = 0; i < sent.Count; i++)
        {
            Assert.True(sent[i].Data.AsSpan().SequenceEqual(pushed[i].Data), $"pushed packet {i} differs");
            Assert.True(sent[i].Data.AsSpan().SequenceEqual(polled[i].Data), $"polled packet {i} differs");
            Assert.Equal(sent[i].IsString, pushed[i].IsString);
            Assert.Equal(sent[i].IsString, polled[i].IsString);
        }
        Assert.Empty(probe.Violations);
    }
}

/// <summary>The polling path stays allocation-free with the channel events in place (Serial: a zero-allocation window).</summary>
[Collection("Serial")]
public class ChannelEventAllocationTests
{
    private static int s_pushed;

    [Fact]
    public void Poll_WithoutSubscribers_AndWithAPacketHandler_AllocatesNothingPerMessage()
    {
        using var pair = new Pair();
        var (a, b) = pair.ConnectWithChannel();
        var payload = new byte[256];
        var buffer = new byte[256];
        DataChannelPacketHandler handler = static (_, packet, _) => s_pushed += packet.Length > 0 ? 1 : 0;

        // Polling: every channel is visited by Poll's event dispatch, nobody subscribed.
        Pump(pair, a, b, payload, buffer, 3000, pushed: false); // warm-up
        long before = GC.GetAllocatedBytesForCurrentThread();
        Pump(pair, a, b, payload, buffer, 2000, pushed: false);
        long polling = GC.GetAllocatedBytesForCurrentThread() - before;

        // Pushed: the handler gets a span over the pooled buffer.
        b.PacketReceived += handler;
        Pump(pair, a, b, payload, buffer, 3000, pushed: true); // warm-up
        before = GC.GetAllocatedBytesForCurrentThread();
        Pump(pair, a, b, payload, buffer, 2000, pushed: true);
        long pushing = GC.GetAllocatedBytesForCurrentThread() - before;
        b.PacketReceived -= handler;

        Assert.Equal(0, polling);
        Assert.Equal(0, pushing);
    }

    /// <summary>Sends and receives <paramref name="count"/> packets on this thread; no closures, no strings on the success path.</summary>
    private static void Pump(Pair pair, WebRtcDataChannel a, WebRtcDataChannel b, byte[] payload, byte[] buffer, int count, bool pushed)
    {
        long deadline = Stopwatch.GetTimestamp() + (long)(Pair.Timeout.TotalSeconds * Stopwatch.Frequency);
        int sent = 0, received = 0;
        s_pushed = 0;
        while (received < count)
        {
            while (sent < count && a.BufferedAmount < 64 * 1024)
            {
                if (a.PutPacket(payload.AsSpan()) != Error.Ok)
                    Assert.Fail("PutPacket failed");
                sent++;
            }
            pair.PollBoth();
            if (pushed)
                received = s_pushed;
            else
                while (b.TryGetPacket(buffer, out _, out _))
                    received++;
            if (Stopwatch.GetTimestamp() > deadline)
                Assert.Fail("only " + received + " of " + count + " packets arrived");
            Thread.Yield();
        }
    }
}
