using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;
using WebRtcNative.Bindings;

namespace WebRtcNative;

// The channel events (Opened, Closed, BufferedAmountLow, PacketReceived): native threads only record that
// something happened (a state, a counter); DispatchEvents raises the events on the thread that polls,
// inside Poll. A channel without subscribers pays a few volatile reads per Poll and allocates nothing.
internal sealed unsafe partial class ChannelCore
{
    private const int RaisedOpened = 1;
    private const int RaisedClosed = 2;

    // Weak: the core is reachable from the static handle table, and the facade must stay collectable
    // (an unreferenced channel is closed by its finalizer). Set once, when the facade is created.
    private WeakReference<NativeDataChannel>? _facade;
    private int _everOpened;   // 1 once the channel reached Open (it may be Closed again by the next Poll)
    private int _raised;       // RaisedOpened | RaisedClosed: each event is raised once
    private int _lowPending;   // buffered-amount-low crossings reported by the library, not yet raised
    private int _lowThreshold; // what rtcSetBufferedAmountLowThreshold was given (0, the library's default)
    private readonly object _lowLock = new(); // WaitForBufferedAmountLow sleeps on it
    private int _lowWaiters;                   // threads in WaitForBufferedAmountLow

    internal int BufferedAmountLowThreshold => Volatile.Read(ref _lowThreshold);

    internal void SetFacade(NativeDataChannel facade) => Volatile.Write(ref _facade, new WeakReference<NativeDataChannel>(facade));

    /// <summary>Sets the native threshold of the buffered-amount-low callback.</summary>
    internal int SetBufferedAmountLowThreshold(int amount)
    {
        int id = NativeId;
        if (id <= 0)
            return RtcNative.RTC_ERR_INVALID;
        int r = RtcNative.rtcSetBufferedAmountLowThreshold(id, amount);
        if (r >= 0)
            Volatile.Write(ref _lowThreshold, amount);
        return r;
    }

    /// <summary>Records that the channel reached Open (for the Opened event of a channel that closes before the next Poll).</summary>
    private void NoteOpened() => Volatile.Write(ref _everOpened, 1);

    /// <summary>Wakes <see cref="WaitForBufferedAmountLow"/> (a crossing, or the channel closed).</summary>
    private void WakeLowWaiters()
    {
        if (Volatile.Read(ref _lowWaiters) == 0)
            return; // the usual case: no lock on the native thread
        lock (_lowLock)
            Monitor.PulseAll(_lowLock);
    }

    /// <summary>
    /// Blocks until a buffered-amount-low crossing is pending, the buffered amount is at or below the threshold,
    /// the channel is closed (false) or the timeout passes (false).
    /// </summary>
    internal bool WaitForBufferedAmountLow(int millisecondsTimeout)
    {
        long deadline = millisecondsTimeout < 0 ? long.MaxValue : Environment.TickCount64 + millisecondsTimeout;
        lock (_lowLock)
        {
            // Registered before the checks below: a crossing after them finds the waiter and pulses under the lock.
            Interlocked.Increment(ref _lowWaiters);
            try
            {
                return WaitLocked(deadline);
            }
            finally
            {
                Interlocked.Decrement(ref _lowWaiters);
            }
        }
    }

    private bool WaitLocked(long deadline)
    {
        while (true)
        {
            if (Volatile.Read(ref _lowPending) > 0)
                return true;
            int id = NativeId;
            if (id <= 0 || State == ChannelState.Closed)
                return false;
            int amount = RtcNative.rtcGetBufferedAmount(id);
            if (amount >= 0 && amount <= Volatile.Read(ref _lowThreshold))
                return true;
            long left = deadline - Environment.TickCount64;
            if (left <= 0)
                return false;
            Monitor.Wait(_lowLock, (int)Math.Min(left, int.MaxValue));
        }
    }

    /// <summary>
    /// Raises the events of this channel that are due (inside Poll, on the polling thread): Opened, the packets
    /// made visible (only when PacketReceived has subscribers), BufferedAmountLow, Closed. Nothing is raised
    /// until a facade exists (a channel the peer announced gets one in DataChannelReceived).
    /// </summary>
    internal void DispatchEvents(NativeDataChannel? facade = null)
    {
        if (facade is null && (Volatile.Read(ref _facade) is not { } weak || !weak.TryGetTarget(out facade)))
            return;
        if (facade.IsDisposedForEvents)
            return;
        int raised = Volatile.Read(ref _raised);
        if ((raised & RaisedOpened) == 0 && Volatile.Read(ref _everOpened) != 0 && Raise(RaisedOpened))
            facade.OnOpened();
        if (facade.HasPacketReceivedHandlers)
            DeliverPackets(facade);
        if (Volatile.Read(ref _lowPending) != 0)
        {
            for (int n = Interlocked.Exchange(ref _lowPending, 0); n > 0; n--)
                facade.OnBufferedAmountLow();
        }
        if ((raised & RaisedClosed) == 0 && State == ChannelState.Closed && Raise(RaisedClosed))
            facade.OnClosed();
    }

    /// <summary>Marks an event raised; false when another polling thread raised it first.</summary>
    private bool Raise(int flag)
    {
        while (true)
        {
            int seen = Volatile.Read(ref _raised);
            if ((seen & flag) != 0)
                return false;
            if (Interlocked.CompareExchange(ref _raised, seen | flag, seen) == seen)
                return true;
        }
    }

    /// <summary>
    /// Hands every visible packet to the PacketReceived handlers as a span over its pooled buffer (no copy, no
    /// allocation); the packet leaves the queue. The buffer goes back to the pool after the handlers return.
    /// </summary>
    private void DeliverPackets(NativeDataChannel facade)
    {
        while (TryTakeVisible(out var p))
        {
            try
            {
                facade.OnPacketReceived(new ReadOnlySpan<byte>(p.Buffer, 0, p.Length), p.IsString);
            }
            finally
            {
                Recycle(p);
            }
        }
    }

    /// <summary>Dequeues the oldest visible packet and keeps its buffer out of the pool until <see cref="Recycle"/>.</summary>
    private bool TryTakeVisible(out Packet packet)
    {
        packet = default;
        if (!HasVisible || IsReleased)
            return false;
        lock (_readLock)
        {
            if (!HasVisible || IsReleased || !TryDequeue(int.MaxValue, out packet))
                return false;
            _lastWasString = packet.IsString;
            if (Volatile.Read(ref _lastError) != (int)Error.Ok)
                Volatile.Write(ref _lastError, (int)Error.Ok);
            Volatile.Write(ref _taken, _taken + 1);
            return true;
        }
    }

    private void Recycle(in Packet packet)
    {
        if (packet.Buffer.Length > 0)
        {
            lock (_queueLock)
            {
                if (!IsReleased) // a released channel's pool is cleared: let the GC have it
                    _pool.Return(packet.Buffer);
            }
        }
        if (Volatile.Read(ref _blocked) != 0)
            Wake();
    }

    /// <summary>The library's buffered-amount-low callback (a native thread): count the crossing for the next Poll.</summary>
    [UnmanagedCallersOnly(CallConvs = new[] { typeof(CallConvCdecl) })]
    internal static void OnBufferedAmountLow(int id, void* ptr)
    {
        try
        {
            var ch = HandleTable.Get<ChannelCore>((nint)ptr);
            if (ch is null || ch.NativeId != id)
                return;
            Interlocked.Increment(ref ch._lowPending);
            ch.WakeLowWaiters();
        }
        catch
        {
            // never let an exception escape to native code
        }
    }
}
