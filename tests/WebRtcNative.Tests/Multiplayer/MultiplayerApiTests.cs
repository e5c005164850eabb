namespace WebRtcNative.Tests.Multiplayer;

/// <summary>Wrong states and bad input: a clear <see cref="Error"/>, no throw, nothing changed.</summary>
public class MultiplayerApiTests
{
    private static WebRtcPeerConnection NewConnection()
    {
        var pc = new WebRtcPeerConnection();
        Assert.Equal(Error.Ok, pc.Initialize(Pair.Loopback()));
        return pc;
    }

    [Fact]
    public void BeforeCreate_EverythingIsUnconfigured()
    {
        using var mp = new WebRtcMultiplayerPeer();
        using var pc = NewConnection();
        Assert.Equal(ConnectionStatus.Disconnected, mp.ConnectionStatus);
        Assert.Equal(0, mp.GetUniqueId());
        Assert.False(mp.IsServerRelaySupported());
        Assert.Equal(Error.Unconfigured, mp.AddPeer(pc, 2));
        Assert.Equal(Error.Unconfigured, mp.PutPacket(new byte[] { 1 }));
        Assert.Equal(Error.InvalidParameter, mp.PutPacket((byte[])null!));
        Assert.Equal(0, mp.GetAvailablePacketCount());
        Assert.Empty(mp.GetPacket());
        Assert.Equal(Error.Unavailable, mp.GetPacketError());
        Assert.False(mp.TryGetPacket(new byte[16], out int written));
        Assert.Equal(0, written);
        Assert.Equal(0, mp.GetPacketPeer());
        Assert.Null(mp.GetPeer(2));
        Assert.Empty(mp.GetPeers());
        mp.RemovePeer(2);
        mp.DisconnectPeer(2);
        mp.Poll();
    }

    [Fact]
    public void Create_ChecksIdsModesAndState()
    {
        using var mp = new WebRtcMultiplayerPeer();
        Assert.Equal(Error.InvalidParameter, mp.CreateClient(1));
        Assert.Equal(Error.InvalidParameter, mp.CreateClient(0));
        Assert.Equal(Error.InvalidParameter, mp.CreateMesh(-5));
        Assert.Equal(Error.InvalidParameter, mp.CreateServer(new[] { (TransferMode)7 }));
        Assert.Equal(ConnectionStatus.Disconnected, mp.ConnectionStatus);
        Assert.Equal(Error.Ok, mp.CreateClient(int.MaxValue));
        Assert.Equal(ConnectionStatus.Connecting, mp.ConnectionStatus);
        Assert.Equal(int.MaxValue, mp.GetUniqueId());
        Assert.Equal(Error.AlreadyInUse, mp.CreateServer());
        mp.Close();
        Assert.Equal(Error.Ok, mp.CreateServer());
        Assert.Equal(ConnectionStatus.Connected, mp.ConnectionStatus);
        Assert.Equal(1, mp.GetUniqueId());
        mp.Dispose();
        Assert.Equal(Error.Unavailable, mp.CreateMesh(3));
        Assert.Throws<ArgumentOutOfRangeException>(() => mp.TransferChannel = -1);
        Assert.Throws<ArgumentOutOfRangeException>(() => mp.TransferChannel = 32768);
        Assert.Throws<ArgumentOutOfRangeException>(() => new WebRtcMultiplayerPeer(0, 1));
    }

    [Fact]
    public void AddPeer_ChecksModeIdStateAndDuplicates()
    {
        using var server = new WebRtcMultiplayerPeer();
        using var client = new WebRtcMultiplayerPeer();
        using var mesh = new WebRtcMultiplayerPeer();
        Assert.Equal(Error.Ok, server.CreateServer());
        Assert.Equal(Error.Ok, client.CreateClient(5));
        Assert.Equal(Error.Ok, mesh.CreateMesh(3, new[] { TransferMode.Reliable }));
        using var pc = NewConnection();
        using var pc2 = NewConnection();

        Assert.Equal(Error.InvalidParameter, server.AddPeer(null!, 2));
        Assert.Equal(Error.InvalidParameter, server.AddPeer(pc, 1));          // the server's own id
        Assert.Equal(Error.InvalidParameter, client.AddPeer(pc, 2));          // a client adds only 1
        Assert.Equal(Error.InvalidParameter, mesh.AddPeer(pc, 3));            // own id
        Assert.Equal(Error.InvalidParameter, mesh.AddPeer(pc, 0));
        Assert.Equal(Error.InvalidParameter, mesh.AddPeer(pc, 4, -1));
        Assert.Equal(Error.InvalidParameter, mesh.AddPeer(pc, 4, 65536));
        mesh.RefuseNewConnections = true;
        Assert.Equal(Error.Unauthorized, mesh.AddPeer(pc, 4));
        mesh.RefuseNewConnections = false;
        Assert.False(mesh.HasPeer(4));

        Assert.Equal(Error.Ok, mesh.AddPeer(pc, 4, 0));
        Assert.Equal(Error.AlreadyExists, mesh.AddPeer(pc2, 4));
        var info = mesh.GetPeer(4)!;
        Assert.Same(pc, info.Connection);
        Assert.False(info.Connected);
        Assert.Equal(4, info.Channels.Count);
        // unreliableLifetime 0: a lifetime of 0 ms travels, and reads back, as 0 retransmissions (as browsers report it).
        Assert.Equal(new[] { 65535, 65535, 65535, 65535 }, info.Channels.Select(c => c.MaxPacketLifeTime));
        Assert.Equal(new[] { 65535, 0, 0, 65535 }, info.Channels.Select(c => c.MaxRetransmits));
        Assert.Equal(new[] { 1, 2, 3, 4 }, info.Channels.Select(c => c.Id));
        Assert.Equal("4", info.Channels[3].Label);

        // A connection that left New cannot be added.
        pc2.Close();
        Assert.NotEqual(ConnectionState.New, pc2.ConnectionState);
        Assert.Equal(Error.InvalidParameter, mesh.AddPeer(pc2, 6));

        // Send-side checks while nobody is connected.
        mesh.TargetPeer = 3;
        Assert.Equal(Error.InvalidParameter, mesh.PutPacket(new byte[1]));   // to self
        mesh.TargetPeer = 9;
        Assert.Equal(Error.InvalidParameter, mesh.PutPacket(new byte[1]));   // unknown
        mesh.TargetPeer = 0;
        mesh.TransferChannel = 2;
        Assert.Equal(Error.InvalidParameter, mesh.PutPacket(new byte[1]));   // only one channel configured
        mesh.TransferChannel = 1;
        Assert.Equal(Error.Ok, mesh.PutPacket(new byte[1]));                 // broadcast to nobody connected
        mesh.TargetPeer = 4;
        Assert.Equal(Error.Failed, mesh.PutPacket(new byte[1]));             // the channel is not open
        client.TargetPeer = 1;
        Assert.Equal(Error.Failed, client.PutPacket(new byte[1]));           // no server yet

        mesh.RemovePeer(4);
        Assert.False(mesh.HasPeer(4));
        Assert.Equal(ChannelState.Closed, info.Channels[0].ReadyState);
        mesh.Poll(); // never connected: no event
    }
}
