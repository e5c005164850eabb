using System;

namespace WebRtcNative;

/// <summary>Process-wide settings and lifetime of the library.</summary>
public static class WebRtcLibrary
{
    /// <summary>Default of <see cref="ReceiveBudgetBytes"/> (256 MiB).</summary>
    public const long DefaultReceiveBudgetBytes = ReceiveBudget.DefaultLimit;

    /// <summary>
    /// Process-wide cap on received payload bytes waiting in receive queues, across every connection and
    /// channel (each channel also has <see cref="WebRtcConfiguration.ReceiveQueueMaxBytes"/>). Default
    /// <see cref="DefaultReceiveBudgetBytes"/>, or the AppContext switch <c>WebRtcNative.ReceiveBudgetBytes</c>.
    /// </summary>
    /// <remarks>
    /// When the budget is used up, reliable channels stop taking messages from the native library (which
    /// then stops reading from the network, so SCTP flow control slows the sender) until packets are read;
    /// unreliable channels drop new packets and count them in <see cref="WebRtcDataChannel.DroppedPacketCount"/>.
    /// A channel whose queue is empty always takes one message, so the budget can be exceeded by at most one
    /// message per channel. Lowering it never discards queued packets.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException">The value is not positive.</exception>
    public static long ReceiveBudgetBytes
    {
        get => ReceiveBudget.Limit;
        set
        {
            if (value <= 0)
                throw new ArgumentOutOfRangeException(nameof(value), value, "the receive budget must be positive");
            ReceiveBudget.Limit = value;
        }
    }

    /// <summary>Payload bytes currently waiting in receive queues, process-wide (counted against <see cref="ReceiveBudgetBytes"/>).</summary>
    public static long ReceiveQueuedBytes => ReceiveBudget.Used;
}
