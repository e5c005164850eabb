namespace WebRtcNative.Tests.Multiplayer;

public class MultiplayerStarTests
{
    [Fact]
    public void Star_ClientsSeeOnlyTheServer_AndStatusFollowsIt()
    {
        using var net = MultiplayerNet.Star(3);
        Assert.Equal(ConnectionStatus.Connected, net.Peers[1].ConnectionStatus);
        Assert.Equal(ConnectionStatus.Connecting, net.Peers[2].ConnectionStatus);
        net.WaitAllConnected();
        Assert.True(net.Peers[1].IsServer());
        Assert.Equal(new[] { 2, 3, 4 }, net.Events[1].Where(e => e.Connected).Select(e => e.Peer).OrderBy(p => p));
        for (int id = 2; id <= 4; id++)
        {
            Assert.False(net.Peers[id].IsServer());
            Assert.True(net.Peers[id].IsServerRelaySupported());
            Assert.Equal(new[] { (1, true) }, net.Events[id]);
            Assert.Equal(new[] { 1 }, net.Peers[id].GetPeers().Keys);
        }
        Assert.True(net.Peers[1].IsServerRelaySupported());

        // The server drops client 2: both see it, the client is Disconnected.
        net.Peers[1].DisconnectPeer(2);
        net.PollUntil(() => net.Events[1].Contains((2, false)) && net.Events[2].Contains((1, false)), "client 2 gone");
        Assert.Equal(ConnectionStatus.Disconnected, net.Peers[2].ConnectionStatus);
        Assert.Equal(Error.Unconfigured, net.Peers[2].PutPacket(new byte[1]));
        Assert.Equal(ConnectionStatus.Connected, net.Peers[3].ConnectionStatus);

        // Client 2 rejoins with the same id after Close + CreateClient.
        net.Peers[2].Close();
        Assert.Equal(Error.Ok, net.Peers[2].CreateClient(2));
        net.Link(1, 2);
        net.PollUntil(() => net.Events[2].Count(e => e == (1, true)) == 2 && net.Events[1].Count(e => e == (2, true)) == 2, "client 2 back");
        Assert.Equal(ConnectionStatus.Connected, net.Peers[2].ConnectionStatus);

        // A forced disconnect raises nothing on the server.
        net.Events[1].Clear();
        net.Peers[1].DisconnectPeer(4, force: true);
        Assert.False(net.Peers[1].HasPeer(4));
        net.PollUntil(() => net.Events[4].Contains((1, false)), "client 4 sees the server go");
        Assert.Empty(net.Events[1]);
    }

    [Fact]
    public void Star_RelaysBetweenClients_WithTheOriginalSender()
    {
        using var net = MultiplayerNet.Star(3, MultiplayerNet.ThreeExtraChannels);
        net.WaitAllConnected();
        var server = net.Peers[1];

        // Client 2 -> client 3 through the server, on every default mode and configured channel.
        var sends = new (TransferMode Mode, int Channel, TransferMode Expected, int ExpectedChannel)[]
        {
            (TransferMode.Reliable, 0, TransferMode.Reliable, 0),
            (TransferMode.UnreliableOrdered, 0, TransferMode.UnreliableOrdered, 0),
            (TransferMode.Unreliable, 0, TransferMode.Unreliable, 0),
            (TransferMode.Reliable, 1, TransferMode.Reliable, 1),
            (TransferMode.Reliable, 2, TransferMode.Unreliable, 2),
            (TransferMode.Reliable, 3, TransferMode.UnreliableOrdered, 3),
        };
        foreach (var s in sends)
            net.Send(2, 3, $"r {s.Mode} {s.Channel}", s.Mode, s.Channel);
        net.PollUntil(() => sends.All(s => net.Got(3, $"r {s.Mode} {s.Channel}").Any()), "relayed packets on client 3");
        foreach (var s in sends)
        {
            var r = Assert.Single(net.Got(3, $"r {s.Mode} {s.Channel}"));
            Assert.Equal(2, r.From); // the original sender, not the server
            Assert.Equal(s.ExpectedChannel, r.Channel);
            Assert.Equal(s.Expected, r.Mode);
        }
        Assert.True(server.RelayedPacketCount >= sends.Length);

        // Broadcast from a client: the server and both other clients, all from 2.
        net.Send(2, 0, "all from 2");
        // All but the server, from 3.
        net.Send(3, -1, "clients only from 3");
        // All but client 2, from 4.
        net.Send(4, -2, "not 2 from 4");
        // The server to one client and to all.
        net.Send(1, 3, "server to 3");
        net.Send(1, 0, "server to all");
        net.PollUntil(() => new[] { 2, 3, 4 }.All(id => net.Got(id, "server to all").Any())
                            && net.Got(1, "all from 2").Any() && net.Got(3, "all from 2").Any() && net.Got(4, "all from 2").Any()
                            && net.Got(2, "clients only from 3").Any() && net.Got(4, "clients only from 3").Any()
                            && net.Got(1, "not 2 from 4").Any() && net.Got(3, "not 2 from 4").Any()
                            && net.Got(3, "server to 3").Any(), "every targeted packet");
        // Markers through every path so late strays would have arrived.
        foreach (int id in new[] { 2, 3, 4 })
            net.Send(id, 0, $"marker {id}");
        net.PollUntil(() => new[] { 1, 2, 3, 4 }.All(id => new[] { 2, 3, 4 }.Where(s => s != id).All(s => net.Got(id, $"marker {s}").Any())), "markers");

        Assert.All(new[] { 1, 3, 4 }, id => Assert.Equal(2, Assert.Single(net.Got(id, "all from 2")).From));
        Assert.Empty(net.Got(2, "all from 2"));
        Assert.All(new[] { 2, 4 }, id => Assert.Equal(3, Assert.Single(net.Got(id, "clients only from 3")).From));
        Assert.Empty(net.Got(1, "clients only from 3"));
        Assert.All(new[] { 1, 3 }, id => Assert.Equal(4, Assert.Single(net.Got(id, "not 2 from 4")).From));
        Assert.Empty(net.Got(2, "not 2 from 4"));
        Assert.Equal(1, Assert.Single(net.Got(3, "server to 3")).From);
        Assert.Empty(net.Got(2, "server to 3").Concat(net.Got(4, "server to 3")));
        Assert.All(new[] { 2, 3, 4 }, id => Assert.Equal(1, Assert.Single(net.Got(id, "server to all")).From));
        // Packets relayed for clients never show up in the server's own inbox.
        Assert.DoesNotContain(net.Inbox[1], r => r.Text.StartsWith("r ", StringComparison.Ordinal));
        Assert.DoesNotContain(net.Inbox[2].Concat(net.Inbox[4]), r => r.Text.StartsWith("r ", StringComparison.Ordinal));
        Assert.Equal(0, server.DiscardedPacketCount);

        // A client target that does not exist is dropped by the server and counted.
        net.Send(2, 99, "nobody");
        net.PollUntil(() => server.DiscardedPacketCount == 1, "server discards the packet for 99");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Star_WireFormat_AgainstABareConnection(bool serverRelay)
    {
        // The remote side is a bare connection with Godot's three negotiated channels, as a Godot client would have.
        using var server = new WebRtcMultiplayerPeer { ServerRelay = serverRelay };
        Assert.Equal(Error.Ok, server.CreateServer());
        using var pair = new Pair();
        var connected = new List<int>();
        server.PeerConnected += connected.Add;
        Assert.Equal(Error.Ok, server.AddPeer(pair.A, 2));
        var reliable = pair.B.CreateDataChannel("reliable", new DataChannelOptions { Negotiated = true, Id = 1 })!;
        var ordered = pair.B.CreateDataChannel("ordered", new DataChannelOptions { Negotiated = true, Id = 2, MaxPacketLifeTime = 1 })!;
        var unreliable = pair.B.CreateDataChannel("unreliable", new DataChannelOptions { Negotiated = true, Id = 3, MaxPacketLifeTime = 1, Ordered = false })!;
        Assert.Equal(Error.Ok, pair.A.CreateOffer());
        var sw = System.Diagnostics.Stopwatch.StartNew();
        while (connected.Count == 0 || reliable.ReadyState != ChannelState.Open)
        {
            server.Poll();
            pair.B.Poll();
            Assert.True(sw.Elapsed < MultiplayerNet.Timeout, "server never saw the bare peer connect");
            Thread.Sleep(1);
        }
        Assert.Equal(new[] { 2 }, connected);

        server.TargetPeer = 2;
        Assert.Equal(Error.Ok, server.PutPacket(MultiplayerNet.Bytes("raw")));
        var got = pair.Receive(reliable, 1)[0].Data;
        if (serverRelay)
            Assert.Equal(new byte[] { 1, 0, 0, 0, (byte)'r', (byte)'a', (byte)'w' }, got); // sender id 1, little-endian
        else
            Assert.Equal(MultiplayerNet.Bytes("raw"), got);

        byte[] toServer = serverRelay ? new byte[] { 1, 0, 0, 0, (byte)'h', (byte)'i' } : MultiplayerNet.Bytes("hi");
        Assert.Equal(Error.Ok, unreliable.PutPacket(toServer));
        sw.Restart();
        while (server.GetAvailablePacketCount() == 0)
        {
            server.Poll();
            pair.B.Poll();
            Assert.True(sw.Elapsed < MultiplayerNet.Timeout, "nothing from the bare peer");
            Thread.Sleep(1);
        }
        Assert.Equal(2, server.GetPacketPeer());
        Assert.Equal(TransferMode.Unreliable, server.GetPacketMode());
        Assert.Equal(0, server.GetPacketChannel());
        Assert.Equal(MultiplayerNet.Bytes("hi"), server.GetPacket());
        GC.KeepAlive(ordered);
    }
}
