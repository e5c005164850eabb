namespace WebRtcNative.Tests;

// Serial: a zero-allocation window must not share the machine with other tests' bursts.
[Collection("Serial")]
public class AllocationTests
{
    [Fact]
    public void PutPacketSpan_And_TryGetPacket_AllocateNothing_AfterWarmUp()
    {
        using var pair = new Pair();
        var (a, b) = pair.ConnectWithChannel();
        byte[] payload = Payload.Make(1, 200);
        byte[] buffer = new byte[8192];

        byte[] text = new byte[200];
        byte[] bigText = new byte[5000];
        Array.Fill(text, (byte)'x');
        Array.Fill(bigText, (byte)'y');

        void SendAndDrain(int n)
        {
            for (int i = 0; i < n; i++)
            {
                a.WriteMode = (i % 3) == 0 ? WriteMode.Binary : WriteMode.Text;
                Assert.Equal(Error.Ok, a.PutPacket((i % 3) switch { 0 => payload, 1 => text, _ => bigText }));
            }
            a.WriteMode = WriteMode.Binary;
            int got = 0;
            pair.PollUntil(() =>
            {
                while (b.TryGetPacket(buffer, out _, out _))
                    got++;
                return got >= n;
            }, "warm-up packets");
        }

        // Warm-up: JIT tiers, the buffer pool's buckets for every size used below, queue segments.
        for (int round = 0; round < 4; round++)
            SendAndDrain(3000);

        const int count = 1000;
        // Binary PutPacket(span).
        int failedPuts = 0;   // a failed put logs (and allocates) a warning: counted, so the cause shows
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < count; i++)
            if (a.PutPacket(payload.AsSpan()) != Error.Ok)
                failedPuts++;
        long putBinary = GC.GetAllocatedBytesForCurrentThread() - before;

        // Text PutPacket(span): small (stack buffer) and large (pooled buffer).
        a.WriteMode = WriteMode.Text;
        before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < count; i++)
        {
            if (a.PutPacket(text.AsSpan()) != Error.Ok)
                failedPuts++;
            if (a.PutPacket(bigText.AsSpan()) != Error.Ok)
                failedPuts++;
        }
        long putText = GC.GetAllocatedBytesForCurrentThread() - before;
        a.WriteMode = WriteMode.Binary;

        int expected = count + count * 2;
        pair.PollUntil(() => b.AvailablePacketCount >= expected, $"{expected} packets visible");

        var big = new byte[8192];
        before = GC.GetAllocatedBytesForCurrentThread();
        int read = 0;
        while (b.TryGetPacket(big, out _, out _))
            read++;
        long get = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, failedPuts);
        Assert.Equal(expected, read);
        // No allocation per message: less than 1 byte per call in all (a per-message allocation is at least 24 B).
        // Not exactly 0: on .NET 8 the text loop was charged 48 B once in 2 clean-clone CI runs (a one-time
        // runtime allocation on the thread; never on .NET 10, never reproduced running the class alone).
        Assert.True(putBinary < count, $"binary PutPacket(span): {putBinary} B for {count} calls");
        Assert.True(putText < 2 * count, $"text PutPacket(span): {putText} B for {2 * count} calls");
        Assert.True(get < expected, $"TryGetPacket: {get} B for {expected} packets");
    }
}

/// <summary>
/// Process-wide allocations of the whole receive path: the native callback thread's copy into the queue,
/// <c>Poll()</c>, <c>TryGetPacket</c>, and the sender's <c>PutPacket</c>. Runs alone (Serial) because
/// <see cref="GC.GetTotalAllocatedBytes(bool)"/> counts every thread of the process.
/// </summary>
[Collection("Serial")]
public class ProcessWideAllocationTests
{
    /// <summary>
    /// Budget per measured run: at most <see cref="FixedAllowance"/> bytes in total (runtime/xunit noise that does
    /// not scale with the traffic, e.g. a timer firing) plus less than 1 byte per message. 96 KiB: 64 KiB was
    /// exceeded once in 6 runs on a loaded machine (95 KB for 20000 messages); 16 B per message still fails both
    /// cases (320 KB and 256 KB against budgets of 119 KB and 245 KB).
    /// </summary>
    private const long FixedAllowance = 96 * 1024;

    private readonly Xunit.Abstractions.ITestOutputHelper _output;

    public ProcessWideAllocationTests(Xunit.Abstractions.ITestOutputHelper output) => _output = output;

    [Theory]
    [InlineData(64, 20000, 20000)]
    [InlineData(16 * 1024, 1000, 16000)] // a 16 MiB burst to warm up, then 256 MiB streamed
    public void ReceivePath_AllocatesNothingPerMessage_ProcessWide(int size, int burst, int count)
    {
        using var pair = new Pair();
        var (a, b) = pair.ConnectWithChannel();
        byte[] payload = new byte[size];
        byte[] buffer = new byte[size];

        // Warm-up: JIT tiers, and the receive queue's peak: `burst` messages queued before the first read, so that
        // the ring and the buffer pools grow to hold them. The measured run reads as messages arrive, so its queue
        // stays far shallower (flow control keeps at most ~256 KiB plus the SCTP window in flight).
        Stream(pair, a, b, payload, buffer, burst, burst: true);
        Stream(pair, a, b, payload, buffer, burst);

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        int gen2 = GC.CollectionCount(2);
        long before = GC.GetTotalAllocatedBytes(precise: true);
        Stream(pair, a, b, payload, buffer, count);
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        int gen2Collections = GC.CollectionCount(2) - gen2;

        // The receive queue's depth while streaming depends on thread timing (up to the SCTP receive window),
        // so a run may reach a new high-water mark and create a few pooled buffers once: allow 8 of them.
        // A per-message allocation of even 16 B would still exceed the budget (16000 messages).
        long budget = FixedAllowance + 8L * size + count;
        double perMessage = (double)allocated / count;
        _output.WriteLine($"{size}-byte messages: {allocated} B process-wide for {count} messages ({perMessage:0.###} B/msg), " +
            $"gen2 {gen2Collections}; receive queue {((NativeDataChannel)b).Core.QueueStats}");
        Assert.True(allocated < budget,
            $"{size}-byte messages: {allocated} bytes allocated process-wide for {count} messages ({perMessage:0.##} B/msg); " +
            $"budget {budget} B (96 KiB fixed + 8 pooled buffers + 1 B/msg); gen2 collections {gen2Collections}; " +
            $"receive queue (ring slots, pooled buffers, free bytes) {((NativeDataChannel)b).Core.QueueStats}");
        Assert.Equal(0, gen2Collections);
    }

    /// <summary>
    /// Sends <paramref name="count"/> packets from <paramref name="a"/> (flow-controlled on BufferedAmount) and
    /// reads them all from <paramref name="b"/> with TryGetPacket while polling both peers (with
    /// <paramref name="burst"/>, only once all are queued). No closures, no strings on the success path: the
    /// loop itself allocates nothing.
    /// </summary>
    private static void Stream(Pair pair, WebRtcDataChannel a, WebRtcDataChannel b, byte[] payload, byte[] buffer, int count, bool burst = false)
    {
        const int HighWater = 256 * 1024;
        // A stall fails (no packet for Pair.Timeout); a slow machine does not: 256 MiB through a loaded 2-core
        // machine may take longer than one Pair.Timeout in all, so the deadline moves on with every packet.
        long stallTicks = (long)(Pair.Timeout.TotalSeconds * System.Diagnostics.Stopwatch.Frequency);
        long deadline = System.Diagnostics.Stopwatch.GetTimestamp() + stallTicks;
        int queued = 0;
        int sent = 0, received = 0;
        while (received < count)
        {
            while (sent < count && a.BufferedAmount + payload.Length <= HighWater)
            {
                System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(payload, sent);
                var e = a.PutPacket(payload.AsSpan());
                if (e != Error.Ok)
                    Assert.Fail("PutPacket returned " + e);
                sent++;
            }
            pair.PollBoth();
            bool any = false;
            if (burst && b.AvailablePacketCount < count)
            {
                if (b.AvailablePacketCount > queued)
                {
                    queued = b.AvailablePacketCount;
                    deadline = System.Diagnostics.Stopwatch.GetTimestamp() + stallTicks;
                }
                // Burst: read nothing until every message is queued on the receiver.
                if (System.Diagnostics.Stopwatch.GetTimestamp() > deadline)
                    Assert.Fail("burst: only " + b.AvailablePacketCount + " of " + count + " packets queued (" + sent + " sent)");
                Thread.Yield();
                continue;
            }
            while (b.TryGetPacket(buffer, out int n, out bool isString))
            {
                if (n != payload.Length || isString || System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(buffer) != received)
                    Assert.Fail("packet " + received + " is wrong (" + n + " bytes)");
                received++;
                any = true;
            }
            if (any)
                deadline = System.Diagnostics.Stopwatch.GetTimestamp() + stallTicks;
            else
            {
                if (System.Diagnostics.Stopwatch.GetTimestamp() > deadline)
                    Assert.Fail("stalled: no packet for " + Pair.Timeout.TotalSeconds + " s; only " + received + " of " + count + " packets arrived (" + sent + " sent)");
                Thread.Yield();
            }
        }
        Assert.Equal(0, b.DroppedPacketCount);
    }
}
