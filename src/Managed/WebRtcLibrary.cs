using System;
using System.Runtime.Loader;
using System.Threading;
using WebRtcNative.Bindings;

namespace WebRtcNative;

/// <summary>Process-wide settings and lifetime of the library.</summary>
public static partial class WebRtcLibrary
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

    private static readonly object s_shutdownLock = new();
    private static int s_unloadHooked;

    /// <summary>
    /// Releases everything the library holds, so that the assembly can be unloaded (Godot's editor reloads game
    /// assemblies in a collectible <see cref="AssemblyLoadContext"/> on every rebuild): closes and deletes every
    /// connection and channel, removes the native logger callback, ends the deleter thread and calls the native
    /// <c>rtcCleanup</c>. Runs by itself when the assembly's collectible load context unloads.
    /// </summary>
    /// <remarks>
    /// Connections and channels still referenced afterwards behave as closed: their states read
    /// <see cref="ConnectionState.Closed"/> / <see cref="ChannelState.Closed"/>, calls return errors, unread
    /// packets stay readable. New connections may be created afterwards (the library starts again). Call it from
    /// the thread that polls, never from an event handler running inside <c>Poll()</c> of another thread at the
    /// same time. Packets still waiting in the native library are discarded.
    /// </remarks>
    public static void Shutdown()
    {
        lock (s_shutdownLock)
        {
            if (!RtcNativeLibrary.IsLoaded)
                return; // nothing native was ever touched
            foreach (var peer in HandleTable.Snapshot<PeerCore>())
            {
                var channels = peer.Detach();
                int pc = peer.ClaimNativeId();
                if (pc > 0)
                    RtcNative.rtcClosePeerConnection(pc);
                foreach (var ch in channels)
                    DeleteChannel(ch);
                if (pc > 0)
                    RtcNative.rtcDeletePeerConnection(pc);
                while (peer.Events.TryDequeue(out _))
                {
                }
            }
            foreach (var ch in HandleTable.Snapshot<ChannelCore>())
            {
                ch.Detach();
                DeleteChannel(ch);
            }
            if (!Reaper.Stop(TimeSpan.FromSeconds(10)))
                WebRtcLog.Write(WebRtcLogLevel.Warning, "WebRtcLibrary.Shutdown: the deleter thread did not finish within 10 s");
            WebRtcLog.DetachNative();
            RtcNative.rtcCleanup();
        }
    }

    private static void DeleteChannel(ChannelCore ch)
    {
        int id = ch.ClaimNativeId();
        if (id > 0)
            RtcNative.rtcDelete(id);
    }

    /// <summary>Runs <see cref="Shutdown"/> when this assembly's load context unloads (collectible contexts only).</summary>
    internal static void HookUnload()
    {
        if (Interlocked.Exchange(ref s_unloadHooked, 1) != 0)
            return;
        var context = AssemblyLoadContext.GetLoadContext(typeof(WebRtcLibrary).Assembly);
        if (context is { IsCollectible: true })
            context.Unloading += OnUnloading;
    }

    private static void OnUnloading(AssemblyLoadContext context)
    {
        try
        {
            Shutdown();
        }
        catch (Exception e)
        {
            WebRtcLog.Write(WebRtcLogLevel.Error, "WebRtcLibrary.Shutdown on unload failed: " + e.Message);
        }
    }
}
