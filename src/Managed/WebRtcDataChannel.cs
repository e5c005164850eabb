using System;

namespace WebRtcNative;

/// <summary>
/// A WebRTC data channel (Godot's <c>WebRTCDataChannel</c>, a <c>PacketPeer</c>). Obtain one from
/// <see cref="WebRtcPeerConnection.CreateDataChannel(string, DataChannelOptions?)"/> or
/// <see cref="WebRtcPeerConnection.DataChannelReceived"/>; custom backends derive from it.
/// </summary>
/// <remarks>
/// <para>Received packets are queued per channel and become visible at the next <see cref="Poll"/> of the
/// channel or of its connection. A channel stays alive while you hold it (and keeps its connection
/// alive); a channel that is no longer referenced is closed when it is garbage-collected. Packets
/// received before the channel closed can still be read after <see cref="Close"/>.</para>
/// <para>After <see cref="IDisposable.Dispose"/> no member throws: methods returning <see cref="Error"/>
/// return <see cref="Error.Unavailable"/>, <see cref="ReadyState"/> is <see cref="ChannelState.Closed"/>,
/// there are no packets, and the descriptive properties keep their last values.</para>
/// <para>Every member may be called from any thread.</para>
/// </remarks>
public abstract partial class WebRtcDataChannel : IDisposable
{
    /// <summary>Initializes the base of a data channel.</summary>
    protected WebRtcDataChannel()
    {
    }

    /// <summary>
    /// Sends one packet as a binary message, or as a text message when <see cref="WriteMode"/> is
    /// <see cref="WebRtcNative.WriteMode.Text"/> (the bytes are sent as they are and should be UTF-8).
    /// Allocates nothing.
    /// </summary>
    /// <param name="packet">The payload; empty packets are allowed.</param>
    /// <returns>
    /// <see cref="Error.Ok"/>; <see cref="Error.Failed"/> when the channel is not open;
    /// <see cref="Error.InvalidParameter"/> when the packet is larger than <see cref="MaxPacketSize"/>, or a
    /// text packet contains a NUL byte (the C API sends text NUL-terminated); <see cref="Error.Unavailable"/> after dispose.
    /// </returns>
    public abstract Error PutPacket(ReadOnlySpan<byte> packet);

    /// <summary>Sends one packet (see <see cref="PutPacket(ReadOnlySpan{byte})"/>).</summary>
    /// <param name="packet">The payload; <see langword="null"/> returns <see cref="Error.InvalidParameter"/>.</param>
    /// <returns>As <see cref="PutPacket(ReadOnlySpan{byte})"/>.</returns>
    public Error PutPacket(byte[] packet) =>
        packet is null ? WebRtcLog.Fail(Error.InvalidParameter, "WebRtcDataChannel.PutPacket", "packet is null") : PutPacket(packet.AsSpan());

    /// <summary>
    /// Removes the next visible packet from the queue and returns a new array with it. When no packet is
    /// available it returns an empty array and <see cref="GetPacketError"/> returns <see cref="Error.Unavailable"/>.
    /// Use <see cref="TryGetPacket"/> to read without allocating.
    /// </summary>
    /// <returns>The packet's payload.</returns>
    public abstract byte[] GetPacket();

    /// <summary>
    /// The result of the last <see cref="GetPacket"/> or <see cref="TryGetPacket"/>: <see cref="Error.Ok"/>,
    /// <see cref="Error.Unavailable"/> (the queue was empty, or the channel is disposed) or
    /// <see cref="Error.ParameterRangeError"/> (the caller's buffer was too small).
    /// </summary>
    /// <returns>The last read's result.</returns>
    public abstract Error GetPacketError();

    /// <summary>
    /// Copies the next visible packet into <paramref name="buffer"/> and removes it from the queue,
    /// without allocating.
    /// </summary>
    /// <param name="buffer">Destination.</param>
    /// <param name="written">Bytes copied; when the buffer is too small, the size needed (the packet stays queued).</param>
    /// <param name="isString">Whether the packet was sent as text (also reflected by <see cref="WasStringPacket"/>).</param>
    /// <returns>
    /// <see langword="true"/> when a packet was copied; <see langword="false"/> when none is available
    /// (<paramref name="written"/> = 0) or the buffer is too small (<paramref name="written"/> = needed size).
    /// </returns>
    public abstract bool TryGetPacket(Span<byte> buffer, out int written, out bool isString);

    /// <summary>Number of packets ready to read (received and made visible by <see cref="Poll"/>).</summary>
    public abstract int AvailablePacketCount { get; }

    /// <summary>Whether <see cref="PutPacket(ReadOnlySpan{byte})"/> sends text or binary messages (default <see cref="WebRtcNative.WriteMode.Binary"/>).</summary>
    public abstract WriteMode WriteMode { get; set; }

    /// <summary>Whether the last packet read was sent as text (SCTP string PPID) by the remote peer.</summary>
    public abstract bool WasStringPacket { get; }

    /// <summary>The channel's state; <see cref="ChannelState.Closing"/> between a local <see cref="Close"/> and the channel reporting closed.</summary>
    public abstract ChannelState ReadyState { get; }

    /// <summary>The label given at creation.</summary>
    public abstract string Label { get; }

    /// <summary>The sub-protocol given at creation (empty when none).</summary>
    public abstract string Protocol { get; }

    /// <summary>The SCTP stream id; 65535 until it is known (in-band channels get theirs when the connection is established).</summary>
    public abstract int Id { get; }

    /// <summary>Whether packets are delivered in order.</summary>
    public abstract bool Ordered { get; }

    /// <summary>Whether the channel was negotiated out of band.</summary>
    public abstract bool Negotiated { get; }

    /// <summary>The maximum packet lifetime in milliseconds; 65535 when not set.</summary>
    public abstract int MaxPacketLifeTime { get; }

    /// <summary>The maximum number of retransmissions; 65535 when not set.</summary>
    public abstract int MaxRetransmits { get; }

    /// <summary>Bytes queued for sending and not yet handed to the network.</summary>
    public abstract int BufferedAmount { get; }

    /// <summary>
    /// The largest packet that can be sent: the remote peer's SDP <c>max-message-size</c> as reported by the
    /// native library (<c>rtcMaxMessageSize</c>; 256 KiB between two WebRtcNative peers by default, 65536
    /// before the remote description is known). 0 after dispose.
    /// </summary>
    public abstract int MaxPacketSize { get; }

    /// <summary>
    /// Packets of an <b>unreliable</b> channel dropped because its receive queue or the process-wide receive budget
    /// was full (see <see cref="WebRtcConfiguration.ReceiveQueueMaxPackets"/>, <see cref="WebRtcLibrary.ReceiveBudgetBytes"/>).
    /// Always 0 for reliable channels, which push back on the sender instead of dropping, and for backends without
    /// a bounded queue.
    /// </summary>
    public virtual long DroppedPacketCount => 0;

    /// <summary>Fills <paramref name="stats"/> with this channel's statistics (an extension to Godot's API; docs/stats.md).
    /// Refilling the same object allocates nothing.</summary>
    /// <param name="stats">The object to fill (reuse it).</param>
    /// <returns><see cref="Error.Ok"/>; <see cref="Error.Unavailable"/> when the channel is disposed or deleted, or the
    /// backend or native library has no statistics.</returns>
    public virtual Error GetStats(WebRtcChannelStats stats) =>
        WebRtcLog.Fail(Error.Unavailable, "WebRtcDataChannel.GetStats", $"the channel type {GetType().Name} has no statistics");

    /// <summary>Makes the packets received so far visible to the read methods. The connection's <see cref="WebRtcPeerConnection.Poll"/> does this for all its channels.</summary>
    /// <returns><see cref="Error.Ok"/>, or <see cref="Error.Unavailable"/> after dispose.</returns>
    public abstract Error Poll();

    /// <summary>
    /// Closes the channel: <see cref="ReadyState"/> becomes <see cref="ChannelState.Closing"/> until the
    /// native channel reports closed. Already queued outgoing messages are flushed; new ones are refused.
    /// Packets already received stay readable.
    /// </summary>
    public abstract void Close();

    /// <summary>Closes the channel and releases it; unread packets are discarded. Safe to call from an event handler and more than once.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the channel's resources.</summary>
    /// <param name="disposing"><see langword="true"/> from <see cref="Dispose()"/>, <see langword="false"/> from a finalizer.</param>
    protected virtual void Dispose(bool disposing)
    {
    }
}
