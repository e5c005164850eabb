namespace WebRtcNative.Tests;

/// <summary>
/// The documented receive-queue policy for unreliable channels: bounded per channel; overflow is dropped and
/// counted (reliable channels push back instead: BackPressureTests).
/// </summary>
public class ReceiveQueueTests
{
    private static readonly DataChannelOptions Unreliable = new() { MaxRetransmits = 0 };

    [Fact]
    public void PacketCap_DropsNewestOverflow_CountsIt_AndKeepsTheOldest()
    {
        var capped = Pair.Loopback();
        capped.ReceiveQueueMaxPackets = 10;
        using var pair = new Pair(configB: capped);
        var (a, b) = pair.ConnectWithChannel(options: Unreliable);

        for (int i = 0; i < 50; i++)
            Assert.Equal(Error.Ok, a.PutPacket(Payload.Make(i, 32)));
        // Wait (polling only A) until the overflow has been counted.
        var sw = System.Diagnostics.Stopwatch.StartNew();
        while (b.DroppedPacketCount < 40 && sw.Elapsed < Pair.Timeout)
        {
            pair.A.Poll();
            Thread.Sleep(2);
        }
        Assert.Equal(40, b.DroppedPacketCount);
        Assert.Equal(0, b.AvailablePacketCount); // not polled yet: nothing visible
        pair.B.Poll();
        Assert.Equal(10, b.AvailablePacketCount);
        for (int i = 0; i < 10; i++)
        {
            var p = b.GetPacket();
            Assert.True(Payload.Check(p, i), $"packet {i} is not the {i}th sent");
        }
        Assert.Equal(0, b.AvailablePacketCount);

        // Reading made room again: new packets are accepted.
        for (int i = 100; i < 105; i++)
            Assert.Equal(Error.Ok, a.PutPacket(Payload.Make(i, 32)));
        var more = pair.Receive(b, 5);
        Assert.True(Payload.Check(more[0].Data, 100));
        Assert.True(Payload.Check(more[4].Data, 104));
        Assert.Equal(40, b.DroppedPacketCount);
    }

    [Fact]
    public void ByteCap_DropsOverflow()
    {
        var capped = Pair.Loopback();
        capped.ReceiveQueueMaxBytes = 1000;
        using var pair = new Pair(configB: capped);
        var (a, b) = pair.ConnectWithChannel(options: Unreliable);
        for (int i = 0; i < 10; i++)
            Assert.Equal(Error.Ok, a.PutPacket(Payload.Make(i, 300)));
        var sw = System.Diagnostics.Stopwatch.StartNew();
        while (b.DroppedPacketCount < 7 && sw.Elapsed < Pair.Timeout)
        {
            pair.A.Poll();
            Thread.Sleep(2);
        }
        Assert.Equal(7, b.DroppedPacketCount);
        pair.B.Poll();
        Assert.Equal(3, b.AvailablePacketCount);
    }

    [Fact]
    public void DictionaryKeys_ConfigureTheCaps()
    {
        using var a = new WebRtcPeerConnection();
        using var b = new WebRtcPeerConnection();
        Assert.Equal(Error.Ok, a.Initialize(new Dictionary<string, object?> { ["bindAddress"] = "127.0.0.1" }));
        Assert.Equal(Error.Ok, b.Initialize(new Dictionary<string, object?> { ["bindAddress"] = "127.0.0.1", ["receiveQueueMaxPackets"] = 3 }));
        var chA = a.CreateDataChannel("d", new DataChannelOptions { Negotiated = true, Id = 1, MaxRetransmits = 0 })!;
        var chB = b.CreateDataChannel("d", new DataChannelOptions { Negotiated = true, Id = 1, MaxRetransmits = 0 })!;
        a.SessionDescriptionCreated += (t, s) => { a.SetLocalDescription(t, s); b.SetRemoteDescription(t, s); };
        b.SessionDescriptionCreated += (t, s) => { b.SetLocalDescription(t, s); a.SetRemoteDescription(t, s); };
        a.IceCandidateCreated += (m, i, n) => b.AddIceCandidate(m, i, n);
        b.IceCandidateCreated += (m, i, n) => a.AddIceCandidate(m, i, n);
        Assert.Equal(Error.Ok, a.CreateOffer());
        var sw = System.Diagnostics.Stopwatch.StartNew();
        while ((chA.ReadyState != ChannelState.Open || chB.ReadyState != ChannelState.Open) && sw.Elapsed < Pair.Timeout)
        {
            a.Poll();
            b.Poll();
            Thread.Sleep(1);
        }
        for (int i = 0; i < 5; i++)
            Assert.Equal(Error.Ok, chA.PutPacket(new byte[] { (byte)i }));
        while (chB.DroppedPacketCount < 2 && sw.Elapsed < Pair.Timeout)
            Thread.Sleep(2);
        b.Poll();
        Assert.Equal(2, chB.DroppedPacketCount);
        Assert.Equal(3, chB.AvailablePacketCount);
    }
}

/// <summary>The receive queue's ring and buffer pool, driven directly (no native connection).</summary>
public class ReceiveQueueInternalsTests
{
    private static unsafe void Push(ChannelCore core, byte[] data, bool isString = false)
    {
        fixed (byte* p = data)
            core.Receive(p, isString ? -data.Length - 1 : data.Length);
    }

    [Fact]
    public void Ring_WrapsAndGrows_InOrder_WithMixedSizes_AndRecyclesBuffers()
    {
        var core = new ChannelCore(0, 100_000, 64L * 1024 * 1024);
        try
        {
            int[] sizes = { 8, 15, 16, 17, 64, 1000, 4096, 65536, 70000, 1024 * 1024 + 5 };
            var rng = new Random(7);
            var dest = new byte[2 * 1024 * 1024];
            long next = 0, expect = 0;
            // Bursts of growing then shrinking depth, so the ring wraps before and after it grows.
            for (int round = 0; round < 40; round++)
            {
                int burst = round < 20 ? round * 7 + 1 : (40 - round) * 3 + 1;
                for (int i = 0; i < burst; i++, next++)
                {
                    var data = Payload.Make(next, sizes[(int)(next % sizes.Length)]);
                    Push(core, data, isString: (next & 1) == 0);
                }
                core.Surface();
                int read = rng.Next(burst / 2, burst + 1);
                for (int i = 0; i < read; i++, expect++)
                {
                    Assert.True(core.TryGet(dest, out int n, out bool isString));
                    Assert.True(Payload.Check(dest.AsSpan(0, n), expect), $"packet {expect} corrupted or out of order");
                    Assert.Equal((expect & 1) == 0, isString);
                }
            }
            while (core.TryGet(dest, out int n, out _))
            {
                Assert.True(Payload.Check(dest.AsSpan(0, n), expect));
                expect++;
            }
            Assert.Equal(next, expect);
            Assert.Equal(0, core.AvailablePacketCount);

            // Empty packets take no buffer.
            Push(core, Array.Empty<byte>());
            core.Surface();
            Assert.True(core.TryGet(Span<byte>.Empty, out int empty, out _));
            Assert.Equal(0, empty);

            // Too small a buffer: the packet stays first, and the needed size is reported.
            Push(core, Payload.Make(1234, 300));
            core.Surface();
            Assert.False(core.TryGet(new byte[10], out int needed, out _));
            Assert.Equal(300, needed);
            Assert.Equal(Error.ParameterRangeError, core.LastError);
            Assert.Equal(1, core.AvailablePacketCount);
            Assert.True(Payload.Check(core.Get(), 1234));
            Assert.Equal(Error.Ok, core.LastError);

            // The pool keeps at most its retention cap in free buffers.
            Assert.InRange(core.QueueStats.PoolFreeBytes, 0, PacketBufferPool.ChannelRetainedBytes);
        }
        finally
        {
            core.Release();
        }
        Assert.Equal(0, core.AvailablePacketCount);
        Assert.Equal((16, 0, 0L), core.QueueStats);
    }

    [Fact]
    public void Caps_CountPacketsBeingCopied_AndReadingMakesRoom()
    {
        var core = new ChannelCore(0, 4, 1000);
        try
        {
            for (int i = 0; i < 6; i++)
                Push(core, Payload.Make(i, 100));
            Assert.Equal(2, core.Dropped);
            Push(core, Payload.Make(99, 100)); // packet cap
            Assert.Equal(3, core.Dropped);
            core.Surface();
            Assert.Equal(4, core.AvailablePacketCount);
            var buffer = new byte[1000];
            Assert.True(core.TryGet(buffer, out _, out _));
            Push(core, Payload.Make(4, 700)); // byte cap: 300 + 700 = 1000 fits exactly
            Assert.Equal(3, core.Dropped);
            Push(core, Payload.Make(5, 1));
            Assert.Equal(4, core.Dropped);
        }
        finally
        {
            core.Release();
        }
    }

    [Fact]
    public void Pool_RecyclesAcrossThreads_AndIsBounded()
    {
        var pool = new PacketBufferPool(64L * 1024 * 1024);
        var rented = new List<byte[]>();
        for (int i = 0; i < 1000; i++)
            rented.Add(pool.Rent(16 * 1024));
        Assert.All(rented, b => Assert.Equal(16 * 1024, b.Length));
        var t = new Thread(() => { foreach (var b in rented) pool.Return(b); });
        t.Start();
        t.Join();
        // 1000 x 16 KiB = 16 MiB returned: the channel keeps its cap; the rest overflows to the shared tier
        // (process-wide, capped; not asserted here because other tests use it concurrently).
        Assert.Equal(PacketBufferPool.ChannelRetainedBytes, pool.RetainedBytes);
        Assert.Equal((int)(PacketBufferPool.ChannelRetainedBytes / (16 * 1024)), pool.OwnedBuffers);
        var again = pool.Rent(10_000);
        Assert.Contains(rented, r => ReferenceEquals(r, again));
        Assert.Equal(64, pool.Rent(33).Length);
        Assert.Equal(16, pool.Rent(1).Length);
        Assert.True(pool.Rent(PacketBufferPool.MaxPooledLength + 1).Length > PacketBufferPool.MaxPooledLength);
    }
}
