using System.Buffers.Binary;
using System.Text.Json.Nodes;

namespace WebRtcNative.Bench;

/// <summary>
/// dc_bench's scenarios through the managed API, everything on one thread: the sender, Poll() of both
/// connections and the reader (TryGetPacket into one caller buffer). Same sizes, same flow control (send while
/// BufferedAmount + size &lt;= 1 MiB, else poll until it is below 256 KiB), same 8-byte sequence numbers.
/// </summary>
internal static class ManagedScenarios
{
    public const int HighWater = 1024 * 1024;
    public const int LowWater = 256 * 1024;
    public const int SetupPairs = 20;
    public const int RttSize = 32;
    public const int RttWarmup = 100;
    public const int RttRounds = 2000;
    private const double DrainTimeoutS = 10;
    private const double WanDrainTimeoutS = 60; // dc_bench's DC_BENCH_WAN_DRAIN default

    // ---- setup --------------------------------------------------------------------------------

    public static JsonObject Setup(int pairs = SetupPairs)
    {
        var setup = new double[pairs];
        var teardown = new double[pairs];
        for (int i = 0; i < pairs; i++)
        {
            var p = ManagedPair.Start();
            p.WaitOpen(10, "setup");
            setup[i] = p.SetupMs;
            long t0 = Clock.Now();
            p.Dispose();
            teardown[i] = Clock.Ms(Clock.Now() - t0);
        }
        var sorted = (double[])setup.Clone();
        Array.Sort(sorted);
        Array.Sort(teardown);
        return new JsonObject
        {
            ["pairs"] = pairs,
            ["median_ms"] = Json.R(Stats.Median(sorted)),
            ["min_ms"] = Json.R(sorted[0]),
            ["p90_ms"] = Json.R(Stats.Pct(sorted, 90)),
            ["max_ms"] = Json.R(sorted[^1]),
            ["teardown_median_ms"] = Json.R(Stats.Median(teardown)),
            ["teardown_max_ms"] = Json.R(teardown[^1]),
            ["all_ms"] = new JsonArray(setup.Select(v => Json.R(v, 2)).ToArray()),
        };
    }

    // ---- streams ------------------------------------------------------------------------------

    public sealed class StreamResult
    {
        public int MsgSize;
        public double ElapsedS;
        public long SentMsgs, RxMsgsWindow, RxBytesWindow, RxMsgsTotal;
        public long Waits, MaxBuffered, Reordered, Dropped;
        public int Gen0, Gen1, Gen2;
        public long AllocatedBytes; // process-wide during the sending window, minus a bench relay's own
        public long PollCalls;
        public double DrainS; // from the end of the sending window until everything arrived

        public double RecvMBps => RxBytesWindow / ElapsedS / 1e6;
        public double RecvMsgsPerS => RxMsgsWindow / ElapsedS;
        public double SentMsgsPerS => SentMsgs / ElapsedS;
        public double LossPct => SentMsgs == 0 ? 0 : 100.0 * (SentMsgs - Math.Min(RxMsgsTotal, SentMsgs)) / SentMsgs;

        public JsonObject ToJson(bool unreliable)
        {
            var o = new JsonObject
            {
                ["msg_size"] = MsgSize,
                ["elapsed_s"] = Json.R(ElapsedS),
                ["sent_msgs"] = SentMsgs,
                ["recv_msgs"] = RxMsgsWindow,
            };
            if (unreliable)
            {
                o["recv_msgs_total"] = RxMsgsTotal;
                o["sent_msgs_per_s"] = Json.R(SentMsgsPerS, 0);
                o["recv_msgs_per_s"] = Json.R(RecvMsgsPerS, 0);
                o["loss_pct"] = Json.R(LossPct);
                o["reordered"] = Reordered;
            }
            else
            {
                o["recv_MBps"] = Json.R(RecvMBps, 2);
                o["recv_msgs_per_s"] = Json.R(RecvMsgsPerS, 0);
                o["sent_MBps"] = Json.R(SentMsgs * (double)MsgSize / ElapsedS / 1e6, 2);
                o["sent_msgs_per_s"] = Json.R(SentMsgsPerS, 0);
            }
            o["flow_waits"] = Waits;
            o["max_buffered"] = MaxBuffered;
            o["dropped_by_receive_queue"] = Dropped;
            o["poll_calls"] = PollCalls;
            o["gc_gen0"] = Gen0;
            o["gc_gen1"] = Gen1;
            o["gc_gen2"] = Gen2;
            o["allocated_bytes_per_msg"] = Json.R(SentMsgs == 0 ? 0 : (double)AllocatedBytes / SentMsgs, 4);
            return o;
        }
    }

    /// <summary>Reader state of one receiving channel: sequence checks as dc_bench's MODE_COUNT.</summary>
    public sealed class Reader
    {
        private readonly WebRtcDataChannel _ch;
        private readonly byte[] _buffer;
        private readonly int _size;
        private readonly bool _ordered;
        public long Msgs, Bytes, Bad, OrderErrors, Reordered;
        private ulong _next;

        public Reader(WebRtcDataChannel ch, int size, bool ordered, byte[]? buffer = null)
        {
            _ch = ch;
            _size = size;
            _ordered = ordered;
            _buffer = buffer ?? new byte[Math.Max(size, 16)];
        }

        /// <summary>Reads every visible packet; returns whether anything was read.</summary>
        public bool Drain()
        {
            bool any = false;
            while (_ch.TryGetPacket(_buffer, out int n, out bool isString))
            {
                any = true;
                if (isString || n != _size || n < 8)
                {
                    Bad++;
                    continue;
                }
                ulong seq = BinaryPrimitives.ReadUInt64LittleEndian(_buffer);
                if (seq != _next)
                {
                    if (_ordered)
                        OrderErrors++;
                    else if (seq < _next)
                        Reordered++;
                }
                if (seq + 1 > _next || _ordered)
                    _next = seq + 1;
                Bytes += n;
                Msgs++;
            }
            return any;
        }
    }

    /// <summary>A streams msgSize messages to B for durationS under flow control; the same thread polls and reads.</summary>
    public static StreamResult Stream(ManagedPair p, int msgSize, bool reliable, double durationS, string what,
        double drainTimeoutS = DrainTimeoutS, UdpRelay? relay = null)
    {
        var tx = p.ChA!;
        var rx = p.ChB!;
        var r = new StreamResult { MsgSize = msgSize };
        var buf = new byte[msgSize];
        buf.AsSpan().Fill(0x5A);
        var reader = new Reader(rx, msgSize, reliable);
        // Read often enough that the receive queue (65536 packets by default) never fills: about every 16 KiB sent.
        int drainEvery = Math.Max(1, 16384 / msgSize);
        int sinceDrain = 0;
        ulong seq = 0;

        // Flow control on the BufferedAmountLow event (W3C bufferedamountlow): raised by A's Poll once the send
        // queue fell from above LowWater to at or below it; in between the thread blocks in
        // WaitForBufferedAmountLow instead of sleeping (dc_bench blocks on its callback's condition variable).
        bool useEvent = Idle.FlowMode == "event";
        bool low = false;
        Action<WebRtcDataChannel> onLow = _ => low = true;
        int lowThreshold0 = tx.BufferedAmountLowThreshold;
        if (useEvent)
        {
            tx.BufferedAmountLowThreshold = LowWater;
            tx.BufferedAmountLow += onLow;
        }

        int g0 = GC.CollectionCount(0), g1 = GC.CollectionCount(1), g2 = GC.CollectionCount(2);
        long alloc0 = GC.GetTotalAllocatedBytes(true);
        long relayAlloc0 = relay?.AllocatedBytes ?? 0;
        long tStart = Clock.Now();
        long tEnd = tStart + Clock.FromSeconds(durationS);
        while (Clock.Now() < tEnd)
        {
            int ba = tx.BufferedAmount;
            if (ba > r.MaxBuffered)
                r.MaxBuffered = ba;
            if (ba + msgSize <= HighWater)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(buf, seq);
                var e = tx.PutPacket(buf);
                if (e != Error.Ok)
                    throw new BenchFailure($"{what}: PutPacket returned {e} after {seq} messages (channel {tx.ReadyState})");
                seq++;
                if (++sinceDrain >= drainEvery)
                {
                    sinceDrain = 0;
                    p.B.Poll();
                    r.PollCalls++;
                    reader.Drain();
                }
                continue;
            }
            // Above the high-water mark: poll (and read) until the buffered amount is below the low-water mark.
            r.Waits++;
            low = false;
            while (true)
            {
                p.A.Poll();
                p.B.Poll();
                r.PollCalls += 2;
                bool got = reader.Drain();
                if (Clock.Now() >= tEnd)
                    break;
                if (useEvent)
                {
                    if (low)
                        break;
                    // The receiver's queue fills on native threads meanwhile (its caps are far above HighWater).
                    tx.WaitForBufferedAmountLow((int)Math.Clamp(Clock.Ms(tEnd - Clock.Now()), 1, 1000));
                    continue;
                }
                if (tx.BufferedAmount < LowWater)
                    break;
                if (!got)
                    Idle.WaitFlow();
            }
        }
        if (useEvent)
        {
            tx.BufferedAmountLow -= onLow;
            tx.BufferedAmountLowThreshold = lowThreshold0;
        }
        long tWindow = Clock.Now();
        r.RxMsgsWindow = reader.Msgs;
        r.RxBytesWindow = reader.Bytes;
        r.ElapsedS = Clock.S(tWindow - tStart);
        r.SentMsgs = (long)seq;
        r.AllocatedBytes = GC.GetTotalAllocatedBytes(true) - alloc0 - ((relay?.AllocatedBytes ?? 0) - relayAlloc0);
        r.Gen0 = GC.CollectionCount(0) - g0;
        r.Gen1 = GC.CollectionCount(1) - g1;
        r.Gen2 = GC.CollectionCount(2) - g2;

        // Drain: until everything arrived (reliable) or nothing arrived for 300 ms.
        long drainEnd = Clock.Now() + Clock.FromSeconds(drainTimeoutS);
        long tDrain = Clock.Now();
        long last = reader.Msgs;
        long lastChange = Clock.Now();
        while (Clock.Now() < drainEnd)
        {
            if (reader.Msgs >= r.SentMsgs)
                break;
            p.A.Poll();
            p.B.Poll();
            if (reader.Drain())
            {
                last = reader.Msgs;
                lastChange = Clock.Now();
            }
            else
            {
                if (!reliable && Clock.S(Clock.Now() - lastChange) > 0.3)
                    break;
                Idle.Wait();
            }
        }
        _ = last;
        r.DrainS = Clock.S(Clock.Now() - tDrain);
        r.RxMsgsTotal = reader.Msgs;
        r.Reordered = reader.Reordered;
        r.Dropped = rx.DroppedPacketCount;

        if (reader.Bad > 0)
            throw new BenchFailure($"{what}: {reader.Bad} malformed messages received");
        if (reliable && reader.OrderErrors > 0)
            throw new BenchFailure($"{what}: {reader.OrderErrors} out-of-order messages on an ordered reliable channel (receive queue dropped {r.Dropped})");
        if (reliable && r.RxMsgsTotal != r.SentMsgs)
            throw new BenchFailure($"{what}: reliable channel delivered {r.RxMsgsTotal} of {r.SentMsgs} messages (receive queue dropped {r.Dropped})");
        if (r.RxMsgsWindow == 0)
            throw new BenchFailure($"{what}: nothing received");
        return r;
    }

    /// <summary>
    /// dc_bench's `wan` scenario through the managed API: 64 KiB reliable messages under the same
    /// flow control, through a <see cref="UdpRelay"/> with the same delay, loss and seed.
    /// </summary>
    public static JsonObject Wan(double delayMs, double lossPct, ulong seed, double durationS)
    {
        using var relay = new UdpRelay(delayMs, lossPct, seed);
        var p = ManagedPair.Start(null, null, relay);
        try
        {
            p.WaitOpen(10, "wan");
            var r = Stream(p, 65536, true, durationS, "wan", WanDrainTimeoutS, relay);
            if (relay.Bytes < r.RxBytesWindow)
                throw new BenchFailure("wan: the relay forwarded fewer bytes than were delivered: traffic bypassed it");
            var o = r.ToJson(false);
            o["delay_ms"] = delayMs;
            o["rtt_ms"] = 2 * delayMs;
            o["loss_pct"] = lossPct;
            o["drain_s"] = Math.Round(r.DrainS, 2);
            o["relay_forwarded"] = relay.Forwarded;
            o["relay_dropped"] = relay.Dropped;
            o["relay_allocated_bytes"] = relay.AllocatedBytes; // whole run, not counted in allocated_bytes_per_msg
            return o;
        }
        finally
        {
            p.Dispose();
        }
    }

    public static StreamResult Reliable(string name, int msgSize, double durationS)
    {
        using var p = ManagedPair.Connect(null, name);
        return Stream(p, msgSize, true, durationS, name);
    }

    public static StreamResult Unreliable(int msgSize, double durationS)
    {
        using var p = ManagedPair.Connect(new DataChannelOptions { Ordered = false, MaxRetransmits = 0 }, "unreliable");
        return Stream(p, msgSize, false, durationS, "unreliable");
    }

    // ---- rtt ----------------------------------------------------------------------------------

    /// <summary>32-byte ping-pong; B echoes in the polling loop, A sends the next ping when the echo is read.</summary>
    public static JsonObject Rtt()
    {
        using var p = ManagedPair.Connect(null, "rtt");
        var a = p.ChA!;
        var b = p.ChB!;
        var ping = new byte[RttSize];
        ping.AsSpan().Fill(0xAB);
        var echoBuf = new byte[256];
        var pongBuf = new byte[256];
        int total = RttWarmup + RttRounds;
        var rtt = new double[RttRounds];
        int count = 0;
        long orderErrors = 0;

        long t0 = Clock.Now();
        long deadline = t0 + Clock.FromSeconds(60);
        BinaryPrimitives.WriteUInt64LittleEndian(ping, 0);
        long sent = Clock.Now();
        if (a.PutPacket(ping) != Error.Ok)
            throw new BenchFailure("rtt: PutPacket failed");
        while (count < total)
        {
            bool progress = false;
            p.B.Poll();
            while (b.TryGetPacket(echoBuf, out int n, out _))
            {
                progress = true;
                if (b.PutPacket(echoBuf.AsSpan(0, n)) != Error.Ok)
                    throw new BenchFailure("rtt: echo PutPacket failed");
            }
            p.A.Poll();
            while (a.TryGetPacket(pongBuf, out int n, out _))
            {
                long t = Clock.Now();
                progress = true;
                if (n != RttSize || BinaryPrimitives.ReadUInt64LittleEndian(pongBuf) != (ulong)count)
                    orderErrors++;
                if (count >= RttWarmup)
                    rtt[count - RttWarmup] = Clock.Us(t - sent);
                count++;
                if (count < total)
                {
                    BinaryPrimitives.WriteUInt64LittleEndian(ping, (ulong)count);
                    sent = Clock.Now();
                    if (a.PutPacket(ping) != Error.Ok)
                        throw new BenchFailure("rtt: PutPacket failed");
                }
            }
            if (!progress)
            {
                if (Clock.Now() > deadline)
                    throw new BenchFailure($"rtt: ping-pong did not complete within 60 s ({count} of {total})");
                Idle.Wait();
            }
        }
        double totalS = Clock.S(Clock.Now() - t0);
        if (orderErrors > 0)
            throw new BenchFailure($"rtt: {orderErrors} pongs out of sequence");
        Array.Sort(rtt);
        return new JsonObject
        {
            ["msg_size"] = RttSize,
            ["round_trips"] = RttRounds,
            ["warmup"] = RttWarmup,
            ["median_us"] = Json.R(Stats.Median(rtt), 1),
            ["p99_us"] = Json.R(Stats.Pct(rtt, 99), 1),
            ["min_us"] = Json.R(rtt[0], 1),
            ["max_us"] = Json.R(rtt[^1], 1),
            ["total_s"] = Json.R(totalS),
        };
    }
}
