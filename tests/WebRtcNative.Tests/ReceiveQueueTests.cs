namespace WebRtcNative.Tests;

/// <summary>The documented receive-queue policy: bounded per channel; overflow is dropped and counted.</summary>
public class ReceiveQueueTests
{
    [Fact]
    public void PacketCap_DropsNewestOverflow_CountsIt_AndKeepsTheOldest()
    {
        var capped = Pair.Loopback();
        capped.ReceiveQueueMaxPackets = 10;
        using var pair = new Pair(configB: capped);
        var (a, b) = pair.ConnectWithChannel();

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
        var (a, b) = pair.ConnectWithChannel();
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
        var chA = a.CreateDataChannel("d", new DataChannelOptions { Negotiated = true, Id = 1 })!;
        var chB = b.CreateDataChannel("d", new DataChannelOptions { Negotiated = true, Id = 1 })!;
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
