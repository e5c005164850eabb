using System.Diagnostics;
using System.Runtime.CompilerServices;
using WebRtcNative.Bindings;

namespace WebRtcNative.Tests;

[Collection("Serial")]
public class LifetimeTests
{
    private readonly Xunit.Abstractions.ITestOutputHelper _output;

    public LifetimeTests(Xunit.Abstractions.ITestOutputHelper output) => _output = output;

    // 500 by default; WEBRTCNATIVE_TEST_CYCLES overrides it for longer soak runs.
    private static readonly int Cycles = int.TryParse(Environment.GetEnvironmentVariable("WEBRTCNATIVE_TEST_CYCLES"), out int n) && n > 20 ? n : 500;

    // Open file descriptors, threads and resident memory: from /proc on Linux, through Process
    // elsewhere (Windows handles), so that the test also runs on Windows and macOS.
    private static int CountEntries(string dir) => Directory.GetFileSystemEntries(dir).Length;

    private static int OpenHandles()
    {
        if (OperatingSystem.IsLinux())
            return CountEntries("/proc/self/fd");
        using var p = Process.GetCurrentProcess();
        return p.HandleCount;
    }

    private static int ThreadCount()
    {
        if (OperatingSystem.IsLinux())
            return CountEntries("/proc/self/task");
        using var p = Process.GetCurrentProcess();
        return p.Threads.Count;
    }

    private static long RssKiB()
    {
        if (OperatingSystem.IsLinux())
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
            return 0;
        }
        using var p = Process.GetCurrentProcess();
        return p.WorkingSet64 / 1024;
    }

    private static void FullGc()
    {
        for (int i = 0; i < 3; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void LeakUndisposedObjects()
    {
        // Dropped without Dispose: finalizers must close and delete them without touching freed memory.
        var pc = new WebRtcPeerConnection();
        pc.Initialize(Pair.Loopback());
        pc.CreateDataChannel("leak");
        pc.CreateDataChannel("leak2", new DataChannelOptions { Negotiated = true, Id = 2 });
        pc.CreateOffer();
    }

    [Fact]
    public void GcAndFinalizers_WhileTrafficFlows_LoseNothing()
    {
        using var pair = new Pair();
        var (a, b) = pair.ConnectWithChannel();
        const int total = 20000;
        const int MinGcs = 20;
        long sent = 0;
        int gcs = 0;
        var sender = new Thread(() =>
        {
            var buf = new byte[100];
            for (int i = 0; i < total; i++)
            {
                // Paced by the collections below, so that they really happen while traffic flows
                // however fast the machine moves 20 000 packets.
                while (a.BufferedAmount > 256 * 1024 || Volatile.Read(ref gcs) < (long)i * MinGcs / total)
                    Thread.Sleep(0);
                Payload.Fill(buf, i);
                if (a.PutPacket(buf) != Error.Ok)
                    return;
                Interlocked.Increment(ref sent);
            }
        }) { IsBackground = true };
        sender.Start();

        long next = 0;
        var buffer = new byte[200];
        var sw = Stopwatch.StartNew();
        while (next < total && sw.Elapsed < TimeSpan.FromSeconds(60))
        {
            LeakUndisposedObjects();
            GC.Collect();
            GC.WaitForPendingFinalizers();
            Interlocked.Increment(ref gcs);
            pair.PollBoth();
            while (b.TryGetPacket(buffer, out int n, out _))
            {
                Assert.Equal(100, n);
                Assert.True(Payload.Check(buffer.AsSpan(0, n), next), $"packet {next} wrong");
                next++;
            }
        }
        Assert.True(sender.Join(TimeSpan.FromSeconds(10)));
        Assert.Equal(total, Interlocked.Read(ref sent));
        Assert.Equal(total, next);
        Assert.True(gcs >= MinGcs, $"{gcs} collections during the traffic");
        Assert.Equal(ConnectionState.Connected, pair.A.ConnectionState);
    }

    [Fact]
    public void CreateConnectDispose_Cycles_NoGrowthInNativeObjectsOrMemory()
    {
        var deadIds = new List<(int Id, bool IsPc)>();
        int baselineFds = 0, baselineThreads = 0;
        long baselineRss = 0, baselineManaged = 0, baselineCommitted = 0;
        int baselineTable = 0;
        var sw = Stopwatch.StartNew();
        for (int cycle = 0; cycle < Cycles; cycle++)
        {
            if (cycle == 20)
            {
                // Baseline after warm-up (thread pools, JIT, native one-time init).
                Assert.True(Reaper.WaitIdle(TimeSpan.FromSeconds(10)));
                FullGc();
                baselineFds = OpenHandles();
                baselineThreads = ThreadCount();
                baselineRss = RssKiB();
                baselineTable = HandleTable.Count;
                baselineManaged = GC.GetTotalMemory(true);
                baselineCommitted = GC.GetGCMemoryInfo().TotalCommittedBytes;
            }
            var pair = new Pair();
            var (a, b) = pair.ConnectWithChannel("cycle");
            Assert.Equal(Error.Ok, a.PutPacket(new byte[] { (byte)cycle }));
            Assert.Equal((byte)cycle, pair.Receive(b, 1)[0].Data[0]);
            if (cycle % 50 == 0)
            {
                deadIds.Add((((NativePeerConnection)pair.A.Extension).NativeId, true));
                deadIds.Add((((NativePeerConnection)pair.B.Extension).NativeId, true));
                deadIds.Add((((NativeDataChannel)a).Core.NativeId, false));
                deadIds.Add((((NativeDataChannel)b).Core.NativeId, false));
            }
            // Alternate the disposal order: channels first, connections only, one side first.
            if (cycle % 3 == 0)
            {
                a.Dispose();
                b.Dispose();
            }
            if (cycle % 2 == 0)
                pair.Dispose();
            else
            {
                pair.B.Dispose();
                pair.A.Dispose();
            }
        }
        var elapsed = sw.Elapsed;
        Assert.True(Reaper.WaitIdle(TimeSpan.FromSeconds(30)), "native deletions did not finish");
        FullGc();
        Thread.Sleep(200); // let native transports finish closing their sockets

        // Every sampled native object is gone from the library's registry.
        foreach (var (id, isPc) in deadIds)
        {
            Assert.True(id > 0);
            int r = isPc ? RtcNative.rtcGetRemoteMaxMessageSize(id) : RtcNative.rtcGetDataChannelStream(id);
            Assert.True(r == RtcNative.RTC_ERR_INVALID, $"native {(isPc ? "pc" : "dc")} {id} still exists (returned {r})");
        }

        int fds = OpenHandles();
        int threads = ThreadCount();
        long rss = RssKiB();
        int table = HandleTable.Count;
        long managed = GC.GetTotalMemory(true);
        long committed = GC.GetGCMemoryInfo().TotalCommittedBytes;
        // An aggressive collection also decommits the memory the GC keeps for reuse: what stays is really used.
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        long committedAfterAggressive = GC.GetGCMemoryInfo().TotalCommittedBytes;
        long rssAfterAggressive = RssKiB();
        string summary = $"{Cycles} cycles in {elapsed.TotalSeconds:0.0} s; fds {baselineFds}->{fds}, threads {baselineThreads}->{threads}, RSS {baselineRss / 1024} MiB->{rss / 1024} MiB, handle table {baselineTable}->{table}, managed heap {baselineManaged / 1024} KiB->{managed / 1024} KiB (committed {baselineCommitted / 1024} KiB->{committed / 1024} KiB, {committedAfterAggressive / 1024} KiB after an aggressive GC, RSS then {rssAfterAggressive / 1024} MiB)";
        _output.WriteLine(summary);
        // Stated bounds (500 cycles measured here: fds +0, threads +1, live managed heap +11 KiB, RSS after an
        // aggressive GC about -3 MiB; without that GC the RSS grows ~25 KiB/cycle, which is only memory the GC
        // keeps committed for reuse): no leaked user-pointer keys; fds and threads within 8 of the warmed-up
        // baseline (sockets close asynchronously, pool threads); live managed heap within 4 MiB; process RSS,
        // once the GC has released what it keeps for reuse, within 32 MiB.
        Assert.True(table <= baselineTable, summary);
        Assert.True(fds <= baselineFds + 8, summary);
        Assert.True(threads <= baselineThreads + 8, summary);
        Assert.True(managed - baselineManaged <= 4 * 1024 * 1024, summary);
        Assert.True(rssAfterAggressive - baselineRss <= 32 * 1024, summary);
    }

    public static TheoryData<string> Handlers => new()
    {
        "SessionDescriptionCreated", "IceCandidateCreated", "DataChannelReceived",
        "ConnectionStateChanged", "GatheringStateChanged", "SignalingStateChanged",
    };

    /// <summary>Disposing a connection (and the received channel) from inside each event handler is safe.</summary>
    [Theory]
    [MemberData(nameof(Handlers))]
    public void DisposeFromInsideEventHandler_IsSafe(string handler)
    {
        var pair = new Pair();
        var victim = handler is "DataChannelReceived" ? pair.B : pair.A;
        int calls = 0, afterDispose = 0;
        bool disposed = false;
        void Hit()
        {
            if (disposed)
            {
                afterDispose++;
                return;
            }
            calls++;
            victim.Dispose();
            disposed = true;
            // Everything on the disposed object is still callable from here.
            Assert.Equal(Error.Unavailable, victim.Poll());
            Assert.Equal(ConnectionState.Closed, victim.ConnectionState);
        }
        switch (handler)
        {
            case "SessionDescriptionCreated": victim.SessionDescriptionCreated += (_, _) => Hit(); break;
            case "IceCandidateCreated": victim.IceCandidateCreated += (_, _, _) => Hit(); break;
            case "DataChannelReceived": victim.DataChannelReceived += ch => { ch.Dispose(); Hit(); Assert.Equal(ChannelState.Closed, ch.ReadyState); }; break;
            case "ConnectionStateChanged": victim.ConnectionStateChanged += s => { if (s == ConnectionState.Connected) Hit(); }; break;
            case "GatheringStateChanged": victim.GatheringStateChanged += _ => Hit(); break;
            case "SignalingStateChanged": victim.SignalingStateChanged += _ => Hit(); break;
        }
        var ch = pair.A.CreateDataChannel("x");
        Assert.NotNull(ch);
        Assert.Equal(Error.Ok, pair.A.CreateOffer());
        var sw = Stopwatch.StartNew();
        while (!disposed && sw.Elapsed < Pair.Timeout)
        {
            pair.PollBoth();
            Thread.Sleep(1);
        }
        Assert.True(disposed, $"{handler} never fired");
        // Keep polling both for a while: the survivor sees the loss, nothing crashes or throws.
        for (int i = 0; i < 50; i++)
        {
            pair.PollBoth();
            Thread.Sleep(2);
        }
        Assert.Equal(1, calls);
        Assert.Equal(0, afterDispose);
        Assert.Equal(Error.Unavailable, victim.Poll());
        pair.Dispose();
        Assert.True(Reaper.WaitIdle(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void UnreferencedChannel_IsClosedWhenCollected_WhileItsConnectionLives()
    {
        using var pair = new Pair();
        var holder = new List<WebRtcDataChannel>();
        var kept = pair.A.CreateDataChannel("kept")!;
        AddChannel(pair.A, holder);
        pair.Connect();
        pair.PollUntil(() => pair.ReceivedByB.Count == 2, "both channels received");
        var keptB = pair.ReceivedByB.Single(c => c.Label == "kept");
        var droppedB = pair.ReceivedByB.Single(c => c.Label == "dropped");
        pair.WaitOpen(kept, keptB, droppedB);
        WaitOpenAndDrop(pair, holder); // A's "dropped" channel is now unreachable
        long deletedBefore = Reaper.Deleted;
        FullGc();
        pair.PollUntil(() => droppedB.ReadyState == ChannelState.Closed, "the remote side sees the collected channel close", TimeSpan.FromSeconds(10));
        Assert.True(Reaper.WaitIdle(TimeSpan.FromSeconds(5)));
        Assert.True(Reaper.Deleted > deletedBefore);
        // The kept channel is unaffected.
        Assert.Equal(Error.Ok, kept.PutPacket(new byte[] { 1 }));
        Assert.Single(pair.Receive(keptB, 1));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void WaitOpenAndDrop(Pair pair, List<WebRtcDataChannel> holder)
    {
        pair.WaitOpen(holder[0]);
        holder.Clear();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void AddChannel(WebRtcPeerConnection pc, List<WebRtcDataChannel> holder) =>
        holder.Add(pc.CreateDataChannel("dropped")!);
}
