using System;
using System.Threading;

namespace WebRtcNative;

/// <summary>
/// The process-wide cap on received payload bytes waiting in managed receive queues, across every
/// connection and channel (<see cref="WebRtcLibrary.ReceiveBudgetBytes"/>). Each channel also has its own
/// caps; this one stops a server with many peers from holding peers × per-channel cap.
/// </summary>
internal static class ReceiveBudget
{
    /// <summary>Default of <see cref="WebRtcLibrary.ReceiveBudgetBytes"/>: 256 MiB.</summary>
    internal const long DefaultLimit = 256L * 1024 * 1024;

    private static long s_limit = ReadDefault();
    private static long s_used;

    internal static long Limit
    {
        get => Interlocked.Read(ref s_limit);
        set => Interlocked.Exchange(ref s_limit, value);
    }

    /// <summary>Bytes currently queued in managed receive queues (diagnostics and tests).</summary>
    internal static long Used => Interlocked.Read(ref s_used);

    /// <summary>
    /// Takes <paramref name="length"/> bytes from the budget. <paramref name="force"/> takes them even over
    /// the limit (a channel whose queue is empty always gets one message, so that one message larger than
    /// what is left cannot stall it).
    /// </summary>
    internal static bool TryTake(int length, bool force)
    {
        if (length == 0)
            return true;
        long after = Interlocked.Add(ref s_used, length);
        if (force || after <= Interlocked.Read(ref s_limit))
            return true;
        Interlocked.Add(ref s_used, -length);
        return false;
    }

    internal static void Give(long length)
    {
        if (length != 0)
            Interlocked.Add(ref s_used, -length);
    }

    private static long ReadDefault()
    {
        try
        {
            return AppContext.GetData("WebRtcNative.ReceiveBudgetBytes") switch
            {
                long l when l > 0 => l,
                int i when i > 0 => i,
                string s when long.TryParse(s, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out long v) && v > 0 => v,
                _ => DefaultLimit,
            };
        }
        catch (Exception)
        {
            return DefaultLimit;
        }
    }
}
