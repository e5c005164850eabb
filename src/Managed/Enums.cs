namespace WebRtcNative;

/// <summary>
/// Result codes. The numeric values are those of Godot's <c>@GlobalScope.Error</c>, so they can be
/// exchanged with Godot code unchanged. Methods that return <see cref="Error"/> never throw for bad
/// input or a wrong state: they return the fitting value and report the reason through <see cref="WebRtcLog"/>.
/// </summary>
public enum Error
{
    /// <summary>Success.</summary>
    Ok = 0,
    /// <summary>Generic failure, also used for a call made in the wrong state.</summary>
    Failed = 1,
    /// <summary>The object is not available: it was disposed, or there is nothing to read.</summary>
    Unavailable = 2,
    /// <summary>The object is not configured: the connection was closed and must be initialized again.</summary>
    Unconfigured = 3,
    /// <summary>Unauthorized.</summary>
    Unauthorized = 4,
    /// <summary>A parameter is out of range.</summary>
    ParameterRangeError = 5,
    /// <summary>Out of memory.</summary>
    OutOfMemory = 6,
    /// <summary>Cannot create the object.</summary>
    CantCreate = 20,
    /// <summary>Already in use (e.g. a negotiated channel id that this connection already uses).</summary>
    AlreadyInUse = 22,
    /// <summary>Timed out.</summary>
    Timeout = 24,
    /// <summary>Cannot connect.</summary>
    CantConnect = 25,
    /// <summary>Cannot resolve.</summary>
    CantResolve = 26,
    /// <summary>Connection error.</summary>
    ConnectionError = 27,
    /// <summary>Invalid data.</summary>
    InvalidData = 30,
    /// <summary>Invalid parameter: a bad argument (null or malformed string, contradictory options...).</summary>
    InvalidParameter = 31,
    /// <summary>Already exists.</summary>
    AlreadyExists = 32,
    /// <summary>Does not exist.</summary>
    DoesNotExist = 33,
    /// <summary>Busy.</summary>
    Busy = 44,
    /// <summary>An internal error that should not happen.</summary>
    Bug = 47,
}

/// <summary>State of a peer connection (Godot's <c>WebRTCPeerConnection.ConnectionState</c>).</summary>
public enum ConnectionState
{
    /// <summary>The connection is new: data channels and an offer can be created.</summary>
    New = 0,
    /// <summary>ICE is in progress and none of the transports has failed.</summary>
    Connecting = 1,
    /// <summary>All transports are connected.</summary>
    Connected = 2,
    /// <summary>At least one transport is disconnected.</summary>
    Disconnected = 3,
    /// <summary>One or more transports failed.</summary>
    Failed = 4,
    /// <summary>The connection is closed (e.g. after <see cref="WebRtcPeerConnection.Close"/>).</summary>
    Closed = 5,
}

/// <summary>ICE candidate gathering state (Godot's <c>WebRTCPeerConnection.GatheringState</c>).</summary>
public enum GatheringState
{
    /// <summary>Nothing gathered yet.</summary>
    New = 0,
    /// <summary>Candidates are being gathered.</summary>
    Gathering = 1,
    /// <summary>Gathering is complete.</summary>
    Complete = 2,
}

/// <summary>Signaling state of the local end (Godot's <c>WebRTCPeerConnection.SignalingState</c>).</summary>
public enum SignalingState
{
    /// <summary>No offer/answer exchange in progress.</summary>
    Stable = 0,
    /// <summary>A local offer has been applied.</summary>
    HaveLocalOffer = 1,
    /// <summary>A remote offer has been applied.</summary>
    HaveRemoteOffer = 2,
    /// <summary>A local provisional answer has been applied.</summary>
    HaveLocalPranswer = 3,
    /// <summary>A remote provisional answer has been applied.</summary>
    HaveRemotePranswer = 4,
    /// <summary>The connection is closed.</summary>
    Closed = 5,
}

/// <summary>State of a data channel (Godot's <c>WebRTCDataChannel.ChannelState</c>).</summary>
public enum ChannelState
{
    /// <summary>The channel is being opened.</summary>
    Connecting = 0,
    /// <summary>The channel is open: packets can be sent and received.</summary>
    Open = 1,
    /// <summary>
    /// <see cref="WebRtcDataChannel.Close"/> was called and the channel has not reported closed yet:
    /// queued outgoing messages are still flushed, new ones are refused.
    /// </summary>
    Closing = 2,
    /// <summary>The channel is closed. Packets received before closing can still be read.</summary>
    Closed = 3,
}

/// <summary>How <see cref="WebRtcDataChannel.PutPacket(System.ReadOnlySpan{byte})"/> sends (Godot's <c>WebRTCDataChannel.WriteMode</c>).</summary>
public enum WriteMode
{
    /// <summary>Packets are sent as text (UTF-8) messages; the receiver sees <see cref="WebRtcDataChannel.WasStringPacket"/> = true.</summary>
    Text = 0,
    /// <summary>Packets are sent as binary messages (the default).</summary>
    Binary = 1,
}

/// <summary>Which ICE candidates a connection may use.</summary>
public enum IceTransportPolicy
{
    /// <summary>Any candidate (host, server-reflexive, relayed).</summary>
    All = 0,
    /// <summary>Relayed (TURN) candidates only.</summary>
    Relay = 1,
}

/// <summary>Severity of a log line passed to <see cref="WebRtcLog.Sink"/>. Values match the native <c>rtcLogLevel</c>.</summary>
public enum WebRtcLogLevel
{
    /// <summary>Nothing is logged.</summary>
    None = 0,
    /// <summary>Fatal errors.</summary>
    Fatal = 1,
    /// <summary>Errors.</summary>
    Error = 2,
    /// <summary>Warnings, including the reasons for non-<see cref="WebRtcNative.Error.Ok"/> results.</summary>
    Warning = 3,
    /// <summary>Informational messages.</summary>
    Info = 4,
    /// <summary>Debug messages.</summary>
    Debug = 5,
    /// <summary>Everything.</summary>
    Verbose = 6,
}
