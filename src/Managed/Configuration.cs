using System;
using System.Collections.Generic;

namespace WebRtcNative;

/// <summary>A STUN or TURN server (one entry of Godot's <c>"iceServers"</c> list).</summary>
public sealed class IceServer
{
    /// <summary>Creates an empty entry.</summary>
    public IceServer()
    {
    }

    /// <summary>Creates an entry with the given URLs.</summary>
    /// <param name="urls">URLs such as <c>stun:host:3478</c> or <c>turn:host:3478?transport=udp</c>.</param>
    public IceServer(params string[] urls)
    {
        Urls = urls;
    }

    /// <summary>One or more URLs: <c>stun:</c>, <c>stuns:</c>, <c>turn:</c> or <c>turns:</c>, <c>host[:port]</c>, optionally <c>?transport=udp|tcp</c>.</summary>
    public string[] Urls { get; set; } = Array.Empty<string>();

    /// <summary>TURN user name (optional).</summary>
    public string? Username { get; set; }

    /// <summary>TURN password (optional).</summary>
    public string? Credential { get; set; }
}

/// <summary>
/// Configuration of a peer connection (Godot's <c>initialize()</c> dictionary, plus the native knobs
/// a server or game needs). Validation happens in <see cref="WebRtcPeerConnection.Initialize(WebRtcConfiguration?)"/>,
/// which returns <see cref="Error.InvalidParameter"/> with a logged reason for bad values.
/// </summary>
public sealed class WebRtcConfiguration
{
    /// <summary>Default of <see cref="ReceiveQueueMaxPackets"/>.</summary>
    public const int DefaultReceiveQueueMaxPackets = 65536;

    /// <summary>Default of <see cref="ReceiveQueueMaxBytes"/> (64 MiB).</summary>
    public const long DefaultReceiveQueueMaxBytes = 64L * 1024 * 1024;

    /// <summary>STUN/TURN servers (<c>"iceServers"</c>). Empty: host candidates only.</summary>
    public IList<IceServer> IceServers { get; set; } = new List<IceServer>();

    /// <summary>Which candidates may be used (<c>"iceTransportPolicy": "all" | "relay"</c>).</summary>
    public IceTransportPolicy IceTransportPolicy { get; set; } = IceTransportPolicy.All;

    /// <summary>Bind ICE to this local address only, e.g. <c>"127.0.0.1"</c> (<c>"bindAddress"</c>); <see langword="null"/>: any.</summary>
    public string? BindAddress { get; set; }

    /// <summary>First local port ICE may use (<c>"portRangeBegin"</c>); 0: automatic.</summary>
    public ushort PortRangeBegin { get; set; }

    /// <summary>Last local port ICE may use (<c>"portRangeEnd"</c>); 0: automatic.</summary>
    public ushort PortRangeEnd { get; set; }

    /// <summary>Enable ICE-TCP candidates where the native backend supports them (<c>"enableIceTcp"</c>).</summary>
    public bool EnableIceTcp { get; set; }

    /// <summary>Path MTU in bytes (<c>"mtu"</c>); 0: automatic (1280). Otherwise 576 to 65535.</summary>
    public int Mtu { get; set; }

    /// <summary>Largest message this side accepts, announced in the SDP (<c>"maxMessageSize"</c>); 0: the library default (256 KiB).</summary>
    public int MaxMessageSize { get; set; }

    /// <summary>
    /// Receive-queue cap of each data channel, in packets (<c>"receiveQueueMaxPackets"</c>). When a channel holds
    /// this many unread packets, a <b>reliable</b> channel stops taking messages from the native library (which
    /// then stops reading from the network, so SCTP flow control slows the sender: nothing is lost), and an
    /// <b>unreliable</b> one (<c>MaxRetransmits</c> or <c>MaxPacketLifeTime</c> set) drops new packets and counts
    /// them in <see cref="WebRtcDataChannel.DroppedPacketCount"/>. Default <see cref="DefaultReceiveQueueMaxPackets"/>.
    /// See also the process-wide <see cref="WebRtcLibrary.ReceiveBudgetBytes"/>.
    /// </summary>
    public int ReceiveQueueMaxPackets { get; set; } = DefaultReceiveQueueMaxPackets;

    /// <summary>
    /// Receive-queue cap of each data channel, in bytes of unread payload (<c>"receiveQueueMaxBytes"</c>);
    /// same policy as <see cref="ReceiveQueueMaxPackets"/> (reliable: push back; unreliable: drop). A channel whose
    /// queue is empty always takes one message, however large. Default <see cref="DefaultReceiveQueueMaxBytes"/>.
    /// </summary>
    public long ReceiveQueueMaxBytes { get; set; } = DefaultReceiveQueueMaxBytes;
}

/// <summary>
/// Options of <see cref="WebRtcPeerConnection.CreateDataChannel(string, DataChannelOptions?)"/>
/// (Godot's <c>create_data_channel</c> dictionary).
/// </summary>
public sealed class DataChannelOptions
{
    /// <summary>
    /// Negotiated out of band (<c>"negotiated"</c>, default false): both peers create the channel with the
    /// same <see cref="Id"/>, and <see cref="WebRtcPeerConnection.DataChannelReceived"/> is not raised for it.
    /// </summary>
    public bool Negotiated { get; set; }

    /// <summary>SCTP stream id, 0 to 65534 (<c>"id"</c>). Required when <see cref="Negotiated"/>; not allowed otherwise.</summary>
    public int? Id { get; set; }

    /// <summary>Retransmit at most this many times (<c>"maxRetransmits"</c>, 0 to 65535); makes the channel unreliable. Exclusive with <see cref="MaxPacketLifeTime"/>.</summary>
    public int? MaxRetransmits { get; set; }

    /// <summary>
    /// Give up retransmitting after this many milliseconds (<c>"maxPacketLifeTime"</c>, also <c>"maxPacketLifetime"</c>;
    /// 0 to 65535); makes the channel unreliable. Exclusive with <see cref="MaxRetransmits"/>. The C API treats a
    /// lifetime of 0 as "no retransmission", so 0 behaves like <see cref="MaxRetransmits"/> = 0 on the wire.
    /// </summary>
    public int? MaxPacketLifeTime { get; set; }

    /// <summary>Deliver in order (<c>"ordered"</c>, default true); false makes the channel unordered.</summary>
    public bool Ordered { get; set; } = true;

    /// <summary>Sub-protocol name (<c>"protocol"</c>, default empty).</summary>
    public string? Protocol { get; set; }
}
