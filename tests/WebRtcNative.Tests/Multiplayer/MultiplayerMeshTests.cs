namespace WebRtcNative.Tests.Multiplayer;

public class MultiplayerMeshTests
{
    private static readonly (TransferMode Mode, int Channel)[] AllChannels =
    {
        (TransferMode.Reliable, 0),
        (TransferMode.UnreliableOrdered, 0),
        (TransferMode.Unreliable, 0),
        (TransferMode.Reliable, 1),   // configured channel 1: Reliable
        (TransferMode.Reliable, 2),   // configured channel 2: Unreliable (its own mode wins over TransferMode)
        (TransferMode.Reliable, 3),   // configured channel 3: UnreliableOrdered
    };

    private static TransferMode ExpectedMode((TransferMode Mode, int Channel) c) =>
        c.Channel == 0 ? c.Mode : MultiplayerNet.ThreeExtraChannels[c.Channel - 1];

    [Fact]
    public void FourPeerMesh_Connects_WithSameChannelIdsOnBothSides()
    {
        using var net = MultiplayerNet.Mesh(4, MultiplayerNet.ThreeExtraChannels);
        net.WaitAllConnected();
        for (int id = 1; id <= 4; id++)
        {
            var peer = net.Peers[id];
            Assert.Equal(id, peer.GetUniqueId());
            Assert.False(peer.IsServerRelaySupported());
            var others = Enumerable.Range(1, 4).Where(o => o != id).ToArray();
            Assert.Equal(others, peer.GetPeers().Keys.OrderBy(k => k));
            Assert.Equal(others, net.Events[id].Where(e => e.Connected).Select(e => e.Peer).OrderBy(p => p));
            Assert.DoesNotContain(net.Events[id], e => !e.Connected);
            foreach (int other in others)
            {
                Assert.True(peer.HasPeer(other));
                var info = peer.GetPeer(other)!;
                var mirror = net.Peers[other].GetPeer(id)!;
                Assert.True(info.Connected);
                Assert.Equal(6, info.Channels.Count);
                Assert.Equal(new[] { 1, 2, 3, 4, 5, 6 }, info.Channels.Select(c => c.Id));
                Assert.Equal(info.Channels.Select(c => c.Id), mirror.Channels.Select(c => c.Id));
                Assert.Equal(new[] { "reliable", "ordered", "unreliable" }, info.Channels.Take(3).Select(c => c.Label));
                Assert.All(info.Channels, c => Assert.True(c.Negotiated));
                // reliable / unreliable ordered / unreliable / configured Reliable, Unreliable, UnreliableOrdered
                Assert.Equal(new[] { true, true, false, true, false, true }, info.Channels.Select(c => c.Ordered));
                Assert.Equal(new[] { 65535, 1, 1, 65535, 1, 1 }, info.Channels.Select(c => c.MaxPacketLifeTime));
                Assert.All(info.Channels, c => Assert.Equal(ChannelState.Open, c.ReadyState));
            }
        }
    }

    [Fact]
    public void FourPeerMesh_EveryModeAndChannel_Broadcast_Exclusion_AndDirect()
    {
        using var net = MultiplayerNet.Mesh(4, MultiplayerNet.ThreeExtraChannels);
        net.WaitAllConnected();

        // Broadcast from 1 on every mode/channel.
        foreach (var c in AllChannels)
            net.Send(1, WebRtcMultiplayerPeer.TargetPeerBroadcast, $"b {c.Mode} {c.Channel}", c.Mode, c.Channel);
        net.PollUntil(() => Enumerable.Range(2, 3).All(id => net.Inbox[id].Count >= AllChannels.Length), "broadcast on every channel");
        for (int id = 2; id <= 4; id++)
        {
            foreach (var c in AllChannels)
            {
                var r = Assert.Single(net.Got(id, $"b {c.Mode} {c.Channel}"));
                Assert.Equal(1, r.From);
                Assert.Equal(c.Channel, r.Channel);
                Assert.Equal(ExpectedMode(c), r.Mode);
            }
        }
        Assert.Empty(net.Inbox[1]); // a broadcast does not come back to the sender

        // Exclusion: 2 sends to all but 3; then a broadcast marker proves 3 had its chance.
        net.Send(2, -3, "not for 3");
        net.Send(2, 0, "marker");
        net.PollUntil(() => new[] { 1, 3, 4 }.All(id => net.Got(id, "marker").Any()), "marker everywhere");
        Assert.Single(net.Got(1, "not for 3"));
        Assert.Single(net.Got(4, "not for 3"));
        Assert.Empty(net.Got(3, "not for 3"));
        Assert.All(net.Got(1, "not for 3").Concat(net.Got(4, "not for 3")), r => Assert.Equal(2, r.From));

        // Direct: 4 -> 2 only, on every channel.
        foreach (var c in AllChannels)
            net.Send(4, 2, $"d {c.Mode} {c.Channel}", c.Mode, c.Channel);
        net.Send(4, 0, "marker2");
        net.PollUntil(() => new[] { 1, 2, 3 }.All(id => net.Got(id, "marker2").Any())
                            && AllChannels.All(c => net.Got(2, $"d {c.Mode} {c.Channel}").Any()), "direct packets");
        foreach (var c in AllChannels)
        {
            var r = Assert.Single(net.Got(2, $"d {c.Mode} {c.Channel}"));
            Assert.Equal(4, r.From);
            Assert.Equal(c.Channel, r.Channel);
            Assert.Equal(ExpectedMode(c), r.Mode);
        }
        Assert.DoesNotContain(net.Inbox[1].Concat(net.Inbox[3]), r => r.Text.StartsWith("d ", StringComparison.Ordinal));
    }

    [Fact]
    public void Mesh_PeerLeaves_OthersSeeItGo_AndItRejoinsWithTheSameId()
    {
        using var net = MultiplayerNet.Mesh(3);
        net.WaitAllConnected();

        // 3 leaves: closing its multiplayer peer closes its connections; 1 and 2 see it go.
        net.Peers[3].Close();
        Assert.Equal(ConnectionStatus.Disconnected, net.Peers[3].ConnectionStatus);
        Assert.Equal(0, net.Peers[3].GetUniqueId());
        net.PollUntil(() => !net.Peers[1].HasPeer(3) && !net.Peers[2].HasPeer(3), "1 and 2 drop peer 3");
        Assert.Contains((3, false), net.Events[1]);
        Assert.Contains((3, false), net.Events[2]);
        Assert.DoesNotContain(net.Events[3], e => !e.Connected); // Close raises nothing

        // 3 rejoins with new connections.
        Assert.Equal(Error.Ok, net.Peers[3].CreateMesh(3));
        net.Events[1].Clear();
        net.Events[2].Clear();
        net.Events[3].Clear();
        net.Link(1, 3);
        net.Link(2, 3);
        net.PollUntil(() => net.Events[1].Contains((3, true)) && net.Events[2].Contains((3, true))
                            && net.Events[3].Contains((1, true)) && net.Events[3].Contains((2, true)), "3 connected again");
        net.Send(3, 0, "back");
        net.PollUntil(() => net.Got(1, "back").Any() && net.Got(2, "back").Any(), "data after rejoin");
        Assert.Equal(3, net.Got(1, "back").Single().From);

        // RemovePeer on one side: the event is raised at the next Poll, the other side sees the channels close.
        net.Peers[1].RemovePeer(2);
        Assert.False(net.Peers[1].HasPeer(2));
        Assert.DoesNotContain((2, false), net.Events[1]);
        net.PollUntil(() => net.Events[1].Contains((2, false)) && net.Events[2].Contains((1, false)), "both sides see 1-2 removed");
        Assert.Empty(net.Problems);
    }
}
