using System.Buffers.Binary;
using System.Text.Json.Nodes;

namespace WebRtcNative.Bench;

/// <summary>Allocation probe and the scale test.</summary>
internal static class Probes
{
    // ---- allocations --------------------------------------------------------------------------

    /// <summary>
    /// After a warm-up stream on the same channel: <paramref name="count"/> PutPacket(span) calls (only those
    /// measured, with GC.GetAllocatedBytesForCurrentThread), then Poll + TryGetPacket into one caller buffer until
    /// all arrived (each measured separately). GC.GetTotalAllocatedBytes(true) over both phases adds the native
    /// callback threads (the receive path's copy into the queue happens there).
    /// </summary>
    public static JsonObject Allocations(int size, int count, double warmupS)
    {
        using var p = ManagedPair.Connect(null, "alloc");
        ManagedScenarios.Stream(p, size, true, warmupS, "alloc warm-up");
        var tx = p.ChA!;
        var rx = p.ChB!;
        var buf = new byte[size];
        var rbuf = new byte[size];
        // The measured phase queues up to `count` messages before reading; the first pass grows the receive
        // ring and buffer pools to that depth, the second one is the steady state that is reported.
        long sendBytes = 0, pollBytes = 0, recvBytes = 0, pollCalls = 0, total = 0, total0 = 0;
        int g0 = 0, g1 = 0, g2 = 0;
        for (int pass = 0; pass < 2; pass++)
        {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        g0 = GC.CollectionCount(0); g1 = GC.CollectionCount(1); g2 = GC.CollectionCount(2);
        total0 = GC.GetTotalAllocatedBytes(true);

        sendBytes = 0;
        for (int i = 0; i < count; i++)
        {
            while (tx.BufferedAmount + size > ManagedScenarios.HighWater)
            {
                p.A.Poll();
                Idle.Wait();
            }
            BinaryPrimitives.WriteUInt64LittleEndian(buf, (ulong)i);
            long b0 = GC.GetAllocatedBytesForCurrentThread();
            var e = tx.PutPacket(buf.AsSpan());
            sendBytes += GC.GetAllocatedBytesForCurrentThread() - b0;
            if (e != Error.Ok)
                throw new BenchFailure($"alloc: PutPacket returned {e}");
        }

        pollBytes = 0; recvBytes = 0; pollCalls = 0;
        int received = 0;
        long deadline = Clock.Now() + Clock.FromSeconds(20);
        while (received < count)
        {
            long b0 = GC.GetAllocatedBytesForCurrentThread();
            p.B.Poll();
            pollBytes += GC.GetAllocatedBytesForCurrentThread() - b0;
            pollCalls++;
            bool any = false;
            while (true)
            {
                b0 = GC.GetAllocatedBytesForCurrentThread();
                bool ok = rx.TryGetPacket(rbuf, out int n, out _);
                recvBytes += GC.GetAllocatedBytesForCurrentThread() - b0;
                if (!ok)
                    break;
                if (n != size || BinaryPrimitives.ReadUInt64LittleEndian(rbuf) != (ulong)received)
                    throw new BenchFailure($"alloc: wrong packet {received}");
                received++;
                any = true;
            }
            if (!any)
            {
                if (Clock.Now() > deadline)
                    throw new BenchFailure($"alloc: only {received} of {count} packets arrived");
                p.A.Poll();
                Idle.Wait();
            }
        }
        total = GC.GetTotalAllocatedBytes(true) - total0;
        }
        return new JsonObject
        {
            ["msg_size"] = size,
            ["messages"] = count,
            ["send_put_packet_bytes_per_msg"] = Json.R((double)sendBytes / count, 4),
            ["recv_try_get_packet_bytes_per_msg"] = Json.R((double)recvBytes / count, 4),
            ["poll_bytes_per_call"] = Json.R((double)pollBytes / pollCalls, 4),
            ["poll_calls"] = pollCalls,
            ["process_bytes_per_msg"] = Json.R((double)total / count, 4),
            ["gc_gen0"] = GC.CollectionCount(0) - g0,
            ["gc_gen1"] = GC.CollectionCount(1) - g1,
            ["gc_gen2"] = GC.CollectionCount(2) - g2,
        };
    }

    // ---- scale --------------------------------------------------------------------------------

    private const int ScaleMsgSize = 64;
    private const int BurstPerPair = 8;

    /// <summary>
    /// N connected pairs in this process, all driven by this thread: setup in waves, resident memory per
    /// connection, Poll() cost idle and under traffic, aggregate 64-byte reliable message rate (each pair sends a
    /// burst of up to 8 under the same flow control, then its receiver is polled and read).
    /// </summary>
    public static JsonObject Scale(int n, int wave, double durationS)
    {
        var o = new JsonObject { ["pairs"] = n, ["peer_connections"] = 2 * n, ["wave"] = wave };
        Settle();
        long rss0 = Proc.Status("VmRSS");
        long malloc0 = Proc.MallocInUse();
        long heap0 = GC.GetTotalMemory(true);
        long threads0 = Proc.Status("Threads");
        int fds0 = Proc.OpenFds();
        var pairs = new List<ManagedPair>(n);
        var setupMs = new List<double>(n);
        long t0 = Clock.Now();
        string? failure = null;
        try
        {
            for (int start = 0; start < n && failure is null; start += wave)
            {
                var batch = new List<ManagedPair>();
                for (int i = start; i < Math.Min(n, start + wave); i++)
                {
                    var p = ManagedPair.Start();
                    pairs.Add(p);
                    batch.Add(p);
                    if (p.Problem is not null)
                    {
                        failure = $"pair {i}: {p.Problem}";
                        break;
                    }
                }
                long deadline = Clock.Now() + Clock.FromSeconds(30);
                while (failure is null)
                {
                    bool all = true;
                    foreach (var p in batch)
                    {
                        if (!p.IsOpen)
                        {
                            all &= p.Step();
                            if (p.Problem is not null)
                                failure = $"pair {pairs.IndexOf(p)}: {p.Problem}";
                        }
                    }
                    if (all)
                        break;
                    if (Clock.Now() > deadline)
                    {
                        int open = batch.Count(p => p.IsOpen);
                        failure = $"wave at pair {start}: only {open} of {batch.Count} pairs open within 30 s";
                        break;
                    }
                    Idle.Wait();
                }
                foreach (var p in batch)
                    if (p.IsOpen)
                        setupMs.Add(p.SetupMs);
            }
        }
        catch (Exception e)
        {
            failure = $"{e.GetType().Name} while creating pair {pairs.Count}: {e.Message}";
        }
        double totalSetupS = Clock.S(Clock.Now() - t0);
        var sorted = setupMs.ToArray();
        Array.Sort(sorted);
        long rss1 = Proc.Status("VmRSS");
        long malloc1 = Proc.MallocInUse();
        long heap1 = GC.GetTotalMemory(true);
        o["connected_pairs"] = setupMs.Count;
        o["setup_total_s"] = Json.R(totalSetupS);
        o["setup_median_ms"] = Json.R(Stats.Median(sorted));
        o["setup_p99_ms"] = Json.R(Stats.Pct(sorted, 99));
        o["setup_max_ms"] = Json.R(sorted.Length > 0 ? sorted[^1] : double.NaN);
        o["rss_before_kb"] = rss0;
        o["rss_after_kb"] = rss1;
        o["rss_per_pair_kb"] = Json.R(pairs.Count == 0 ? double.NaN : (double)(rss1 - rss0) / pairs.Count, 1);
        o["rss_per_peer_connection_kb"] = Json.R(pairs.Count == 0 ? double.NaN : (double)(rss1 - rss0) / (2 * pairs.Count), 1);
        o["native_malloc_per_pair_kb"] = Json.R(pairs.Count == 0 || malloc0 < 0 ? double.NaN : (malloc1 - malloc0) / 1024.0 / pairs.Count, 1);
        o["managed_heap_per_pair_kb"] = Json.R(pairs.Count == 0 ? double.NaN : (heap1 - heap0) / 1024.0 / pairs.Count, 1);
        o["threads_before"] = threads0;
        o["threads_after"] = Proc.Status("Threads");
        o["fds_before"] = fds0;
        o["fds_after"] = Proc.OpenFds();

        if (failure is null)
        {
            try
            {
                Traffic(pairs, durationS, o);
            }
            catch (BenchFailure e)
            {
                failure = e.Message;
            }
        }

        long td0 = Clock.Now();
        foreach (var p in pairs)
            p.Dispose();
        o["teardown_s"] = Json.R(Clock.S(Clock.Now() - td0));
        o["ok"] = failure is null;
        if (failure is not null)
            o["error"] = failure;
        return o;
    }

    private static void Traffic(List<ManagedPair> pairs, double durationS, JsonObject o)
    {
        int n = pairs.Count;
        // Poll() cost with no traffic: every connection polled in turn.
        int rounds = Math.Max(10, 200_000 / (2 * n));
        long tp = Clock.Now();
        for (int r = 0; r < rounds; r++)
        {
            foreach (var p in pairs)
            {
                p.A.Poll();
                p.B.Poll();
            }
            if (Clock.S(Clock.Now() - tp) > 2)
            {
                rounds = r + 1;
                break;
            }
        }
        o["poll_idle_ns_per_connection"] = Json.R(Clock.Ns(Clock.Now() - tp) / ((double)rounds * 2 * n), 1);

        var readers = new ManagedScenarios.Reader[n];
        var rbuf = new byte[256];
        for (int i = 0; i < n; i++)
            readers[i] = new ManagedScenarios.Reader(pairs[i].ChB!, ScaleMsgSize, true, rbuf);
        var seqs = new ulong[n];
        var buf = new byte[ScaleMsgSize];
        buf.AsSpan().Fill(0x5A);
        long pollTicks = 0, pollCalls = 0, sent = 0;
        int g0 = GC.CollectionCount(0), g1 = GC.CollectionCount(1), g2 = GC.CollectionCount(2);
        long tStart = Clock.Now();
        long tEnd = tStart + Clock.FromSeconds(durationS);
        while (Clock.Now() < tEnd)
        {
            bool progress = false;
            for (int i = 0; i < n; i++)
            {
                var p = pairs[i];
                var tx = p.ChA!;
                for (int k = 0; k < BurstPerPair; k++)
                {
                    if (tx.BufferedAmount + ScaleMsgSize > ManagedScenarios.HighWater)
                        break;
                    BinaryPrimitives.WriteUInt64LittleEndian(buf, seqs[i]);
                    var e = tx.PutPacket(buf);
                    if (e != Error.Ok)
                        throw new BenchFailure($"scale: pair {i} PutPacket returned {e}");
                    seqs[i]++;
                    sent++;
                    progress = true;
                }
                long pt = Clock.Now();
                p.A.Poll();
                p.B.Poll();
                pollTicks += Clock.Now() - pt;
                pollCalls += 2;
                progress |= readers[i].Drain();
            }
            if (!progress)
                Idle.Wait();
        }
        double elapsed = Clock.S(Clock.Now() - tStart);
        long received = readers.Sum(r => r.Msgs);
        o["traffic_s"] = Json.R(elapsed);
        o["sent_msgs"] = sent;
        o["recv_msgs"] = received;
        o["aggregate_recv_msgs_per_s"] = Json.R(received / elapsed, 0);
        o["per_pair_recv_msgs_per_s"] = Json.R(received / elapsed / n, 0);
        o["poll_busy_ns_per_connection"] = Json.R(Clock.Ns(pollTicks) / pollCalls, 1);
        o["poll_share_of_loop_pct"] = Json.R(100.0 * Clock.S(pollTicks) / elapsed, 1);
        o["gc_gen0"] = GC.CollectionCount(0) - g0;
        o["gc_gen1"] = GC.CollectionCount(1) - g1;
        o["gc_gen2"] = GC.CollectionCount(2) - g2;

        // Everything sent must arrive, in order.
        long deadline = Clock.Now() + Clock.FromSeconds(20);
        while (readers.Sum(r => r.Msgs) < sent && Clock.Now() < deadline)
        {
            bool any = false;
            for (int i = 0; i < n; i++)
            {
                pairs[i].B.Poll();
                any |= readers[i].Drain();
            }
            if (!any)
                Idle.Wait();
        }
        long total = readers.Sum(r => r.Msgs);
        long orderErrors = readers.Sum(r => r.OrderErrors + r.Bad);
        long dropped = pairs.Sum(p => p.ChB!.DroppedPacketCount);
        if (orderErrors > 0 || total != sent)
            throw new BenchFailure($"scale: {total} of {sent} messages delivered, {orderErrors} out of order/malformed, {dropped} dropped by receive queues");
    }

    /// <summary>Lets deletions of earlier connections finish and collects, so memory deltas start from a quiet state.</summary>
    public static void Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        int fds = Proc.OpenFds();
        for (int i = 0; i < 50; i++)
        {
            Thread.Sleep(100);
            int now = Proc.OpenFds();
            if (now == fds && i >= 2)
                break;
            fds = now;
        }
    }
}
