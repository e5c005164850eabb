namespace WebRtcNative;

/// <summary>How a packet is delivered (Godot's <c>MultiplayerPeer.TransferMode</c>; same values).</summary>
public enum TransferMode
{
    /// <summary>Not ordered and not retransmitted beyond the channel's packet lifetime: packets may be lost or arrive out of order.</summary>
    Unreliable = 0,
    /// <summary>Ordered, but lost packets are not waited for beyond the channel's packet lifetime (late packets are dropped).</summary>
    UnreliableOrdered = 1,
    /// <summary>Ordered and retransmitted until delivered.</summary>
    Reliable = 2,
}

/// <summary>The state of a <see cref="WebRtcMultiplayerPeer"/> (Godot's <c>MultiplayerPeer.ConnectionStatus</c>; same values).</summary>
public enum ConnectionStatus
{
    /// <summary>Not created, closed, or (client) the server went away.</summary>
    Disconnected = 0,
    /// <summary>A client whose connection to the server (id 1) is not established yet.</summary>
    Connecting = 1,
    /// <summary>A server or mesh peer after creation; a client once the server is connected.</summary>
    Connected = 2,
}
