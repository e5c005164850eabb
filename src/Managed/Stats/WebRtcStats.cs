namespace WebRtcNative;

/// <summary>The type of an ICE candidate (RFC 8445 section 5.1.1).</summary>
public enum CandidateType
{
    /// <summary>Not known (no selected pair yet).</summary>
    Unknown = 0,
    /// <summary>An address of a local interface.</summary>
    Host = 1,
    /// <summary>The address a NAT maps to, learnt from a STUN server.</summary>
    ServerReflexive = 2,
    /// <summary>An address learnt from the peer's connectivity checks.</summary>
    PeerReflexive = 3,
    /// <summary>An address allocated on a TURN server.</summary>
    Relay = 4,
}

/// <summary>
/// Statistics of a <see cref="WebRtcPeerConnection"/>, filled by <see cref="WebRtcPeerConnection.GetStats(WebRtcStats)"/>
/// (an extension to Godot's API; C: the <c>rtcGetStats</c> extension, see docs/stats.md).
/// </summary>
/// <remarks>
/// Refilling the same object allocates nothing as long as the selected pair's addresses and the cipher stay the
/// same (the strings are kept and only replaced when they change), so it can be called every frame. SCTP figures
/// read <c>-1</c> before the association is up.
/// </remarks>
public sealed class WebRtcStats
{
    /// <summary>Whether ICE has selected a candidate pair (the <c>Local…</c>/<c>Remote…</c> members are valid).</summary>
    public bool HasSelectedPair { get; internal set; }

    /// <summary>IP address of the selected pair's local candidate (empty without a pair).</summary>
    public string LocalAddress { get; internal set; } = string.Empty;

    /// <summary>Port of the selected pair's local candidate (0 without a pair).</summary>
    public int LocalPort { get; internal set; }

    /// <summary>Type of the selected pair's local candidate.</summary>
    public CandidateType LocalCandidateType { get; internal set; }

    /// <summary>Transport of the selected pair's local candidate: <c>"udp"</c> or <c>"tcp"</c> (empty without a pair).</summary>
    public string LocalProtocol { get; internal set; } = string.Empty;

    /// <summary>IP address of the selected pair's remote candidate (empty without a pair).</summary>
    public string RemoteAddress { get; internal set; } = string.Empty;

    /// <summary>Port of the selected pair's remote candidate (0 without a pair).</summary>
    public int RemotePort { get; internal set; }

    /// <summary>Type of the selected pair's remote candidate.</summary>
    public CandidateType RemoteCandidateType { get; internal set; }

    /// <summary>Transport of the selected pair's remote candidate: <c>"udp"</c> or <c>"tcp"</c> (empty without a pair).</summary>
    public string RemoteProtocol { get; internal set; } = string.Empty;

    /// <summary>Payload bytes of the packets accepted for sending on every channel (control messages not counted).</summary>
    public long BytesSent { get; internal set; }

    /// <summary>Payload bytes of the packets received on every channel.</summary>
    public long BytesReceived { get; internal set; }

    /// <summary>Packets accepted for sending on every channel.</summary>
    public long MessagesSent { get; internal set; }

    /// <summary>Packets received on every channel.</summary>
    public long MessagesReceived { get; internal set; }

    /// <summary>Channels of the connection that are not closed.</summary>
    public int ChannelCount { get; internal set; }

    /// <summary>Bytes queued for sending over all channels (the sum of their <see cref="WebRtcDataChannel.BufferedAmount"/>).</summary>
    public int BufferedAmount { get; internal set; }

    /// <summary>Smoothed round-trip time of the SCTP association in milliseconds (-1 before it is up).</summary>
    public int SctpSmoothedRttMs { get; internal set; } = -1;

    /// <summary>SCTP congestion window in bytes (-1 before the association is up).</summary>
    public int SctpCongestionWindow { get; internal set; } = -1;

    /// <summary>SCTP retransmission timeout in milliseconds (-1 before the association is up).</summary>
    public int SctpRetransmissionTimeoutMs { get; internal set; } = -1;

    /// <summary>The peer's advertised SCTP receive window in bytes (-1 before the association is up).</summary>
    public int SctpPeerReceiveWindow { get; internal set; } = -1;

    /// <summary>SCTP DATA chunks sent and not yet acknowledged (-1 before the association is up).</summary>
    public int SctpUnackedChunks { get; internal set; } = -1;

    /// <summary>SCTP DATA chunks sent again (after a timeout or as a fast retransmit).</summary>
    public long SctpRetransmissions { get; internal set; }

    /// <summary>IANA name of the DTLS cipher suite, e.g. <c>TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256</c> (empty before the handshake).</summary>
    public string DtlsCipher { get; internal set; } = string.Empty;

    /// <summary>IANA number of the DTLS cipher suite (0 before the handshake).</summary>
    public int DtlsCipherSuite { get; internal set; }

    internal void Reset()
    {
        HasSelectedPair = false;
        LocalAddress = RemoteAddress = LocalProtocol = RemoteProtocol = DtlsCipher = string.Empty;
        LocalPort = RemotePort = ChannelCount = BufferedAmount = DtlsCipherSuite = 0;
        LocalCandidateType = RemoteCandidateType = CandidateType.Unknown;
        BytesSent = BytesReceived = MessagesSent = MessagesReceived = SctpRetransmissions = 0;
        SctpSmoothedRttMs = SctpCongestionWindow = SctpRetransmissionTimeoutMs = SctpPeerReceiveWindow = SctpUnackedChunks = -1;
    }
}

/// <summary>
/// Statistics of one <see cref="WebRtcDataChannel"/>, filled by <see cref="WebRtcDataChannel.GetStats(WebRtcChannelStats)"/>
/// (C: the <c>rtcGetDataChannelStats</c> extension). Refilling allocates nothing.
/// </summary>
public sealed class WebRtcChannelStats
{
    /// <summary>SCTP stream id of the channel (-1 while not assigned).</summary>
    public int Id { get; internal set; } = -1;

    /// <summary>Payload bytes of the packets accepted for sending on this channel.</summary>
    public long BytesSent { get; internal set; }

    /// <summary>Payload bytes of the packets received on this channel.</summary>
    public long BytesReceived { get; internal set; }

    /// <summary>Packets accepted for sending on this channel.</summary>
    public long MessagesSent { get; internal set; }

    /// <summary>Packets received on this channel.</summary>
    public long MessagesReceived { get; internal set; }

    /// <summary>Bytes queued for sending on this channel.</summary>
    public int BufferedAmount { get; internal set; }
}
