namespace WebRtcNative;

/// <summary>One entry of a <see cref="WebRtcMultiplayerPeer"/>'s peer map: the connection, its negotiated channels, and whether it was reported connected.</summary>
internal sealed class MeshPeer
{
    public MeshPeer(int id, WebRtcPeerConnection connection, WebRtcDataChannel[] channels)
    {
        Id = id;
        Connection = connection;
        Channels = channels;
    }

    public int Id { get; }

    public WebRtcPeerConnection Connection { get; }

    /// <summary>Indexed by channel slot: 0 reliable, 1 unreliable ordered, 2 unreliable, 3+ the configured channels.</summary>
    public WebRtcDataChannel[] Channels { get; }

    /// <summary>The connection and every channel were open at a poll, and <see cref="WebRtcMultiplayerPeer.PeerConnected"/> was queued.</summary>
    public bool Connected { get; set; }

    /// <summary>Disposes the channels this layer created and closes the connection, so the remote side sees the peer leave.</summary>
    public void Shutdown()
    {
        foreach (var c in Channels)
            c.Dispose();
        Connection.Close();
    }
}
