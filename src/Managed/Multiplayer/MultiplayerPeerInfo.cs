using System.Collections.Generic;

namespace WebRtcNative;

/// <summary>
/// One peer of a <see cref="WebRtcMultiplayerPeer"/>, as returned by <see cref="WebRtcMultiplayerPeer.GetPeer"/> and
/// <see cref="WebRtcMultiplayerPeer.GetPeers"/> (the <c>{"connection", "channels", "connected"}</c> dictionary of Godot).
/// A snapshot: <see cref="Connected"/> does not change afterwards.
/// </summary>
public sealed class MultiplayerPeerInfo
{
    internal MultiplayerPeerInfo(WebRtcPeerConnection connection, IReadOnlyList<WebRtcDataChannel> channels, bool connected)
    {
        Connection = connection;
        Channels = channels;
        Connected = connected;
    }

    /// <summary>The peer connection given to <see cref="WebRtcMultiplayerPeer.AddPeer"/>.</summary>
    public WebRtcPeerConnection Connection { get; }

    /// <summary>The negotiated channels: reliable (id 1), unreliable ordered (id 2), unreliable (id 3), then one per <c>channelsConfig</c> entry (ids 4, 5, …).</summary>
    public IReadOnlyList<WebRtcDataChannel> Channels { get; }

    /// <summary>Whether the connection and all channels were open (<see cref="WebRtcMultiplayerPeer.PeerConnected"/> was raised) when the snapshot was taken.</summary>
    public bool Connected { get; }
}
