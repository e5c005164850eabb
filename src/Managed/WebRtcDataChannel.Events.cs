using System;
using System.Threading;

namespace WebRtcNative;

/// <summary>
/// Receives one packet of <see cref="WebRtcDataChannel.PacketReceived"/>. <paramref name="packet"/> is valid only
/// during the call (it points into a pooled buffer): copy what you keep.
/// </summary>
/// <param name="channel">The channel the packet came on.</param>
/// <param name="packet">The payload.</param>
/// <param name="isString">Whether it was sent as text.</param>
public delegate void DataChannelPacketHandler(WebRtcDataChannel channel, ReadOnlySpan<byte> packet, bool isString);

// Channel events next to polling (an extension to Godot's API, which only polls). They are raised only inside
// Poll() of the channel or of its connection, on the polling thread, as the connection's events are.
public abstract partial class WebRtcDataChannel
{
    private int _bufferedAmountLowThreshold;

    /// <summary>Raised once, inside <c>Poll()</c>, after the channel opened (browsers' <c>open</c>).</summary>
    public event Action<WebRtcDataChannel>? Opened;

    /// <summary>
    /// Raised once, inside <c>Poll()</c>, after the channel closed (browsers' <c>close</c>), whoever closed it.
    /// Packets received before the close are delivered (or readable) first. Not raised after <see cref="Dispose()"/>.
    /// </summary>
    public event Action<WebRtcDataChannel>? Closed;

    /// <summary>
    /// Raised inside <c>Poll()</c> once for each time <see cref="BufferedAmount"/> went from above
    /// <see cref="BufferedAmountLowThreshold"/> to at or below it (browsers' <c>bufferedamountlow</c>): the moment
    /// to send more without letting the send queue grow.
    /// </summary>
    public event Action<WebRtcDataChannel>? BufferedAmountLow;

    /// <summary>
    /// Optional push delivery: while it has subscribers, each <c>Poll()</c> hands every packet made visible to
    /// them, in order, and the packet leaves the queue (<see cref="TryGetPacket"/> does not see it). The span
    /// points into the pooled receive buffer, so nothing is copied or allocated; it is valid only during the call.
    /// Without subscribers polling is unchanged and costs nothing more.
    /// </summary>
    public event DataChannelPacketHandler? PacketReceived;

    /// <summary>
    /// The <see cref="BufferedAmount"/> at or below which <see cref="BufferedAmountLow"/> is raised (W3C
    /// <c>bufferedAmountLowThreshold</c>; default 0). Negative values are refused (logged, ignored).
    /// </summary>
    public virtual int BufferedAmountLowThreshold
    {
        get => Volatile.Read(ref _bufferedAmountLowThreshold);
        set
        {
            if (value < 0)
            {
                WebRtcLog.Fail(Error.InvalidParameter, "WebRtcDataChannel.BufferedAmountLowThreshold", $"{value} is negative; ignored");
                return;
            }
            Volatile.Write(ref _bufferedAmountLowThreshold, value);
        }
    }

    /// <summary>
    /// Blocks the calling thread until <see cref="BufferedAmountLow"/> is due (raised by the next <c>Poll()</c>)
    /// or <see cref="BufferedAmount"/> is already at or below <see cref="BufferedAmountLowThreshold"/>: for a
    /// sending thread with nothing else to do (a server, a benchmark) instead of sleeping between polls.
    /// </summary>
    /// <param name="millisecondsTimeout">How long to wait at most; -1 waits until it happens.</param>
    /// <returns><see langword="true"/> when due; <see langword="false"/> on timeout, when the channel is closed or disposed, or when the backend cannot wait.</returns>
    public virtual bool WaitForBufferedAmountLow(int millisecondsTimeout) => false;

    /// <summary>Whether <see cref="PacketReceived"/> has subscribers (backends deliver packets only then).</summary>
    protected bool HasPacketReceivedHandlers => PacketReceived is not null;

    /// <summary>Raises <see cref="Opened"/> (backends call it inside <c>Poll()</c>).</summary>
    protected void RaiseOpened() => Opened?.Invoke(this);

    /// <summary>Raises <see cref="Closed"/> (backends call it inside <c>Poll()</c>).</summary>
    protected void RaiseClosed() => Closed?.Invoke(this);

    /// <summary>Raises <see cref="BufferedAmountLow"/> (backends call it inside <c>Poll()</c>).</summary>
    protected void RaiseBufferedAmountLow() => BufferedAmountLow?.Invoke(this);

    /// <summary>Raises <see cref="PacketReceived"/> (backends call it inside <c>Poll()</c>).</summary>
    /// <param name="packet">The payload, valid during the call.</param>
    /// <param name="isString">Whether it was sent as text.</param>
    protected void RaisePacketReceived(ReadOnlySpan<byte> packet, bool isString) => PacketReceived?.Invoke(this, packet, isString);
}
