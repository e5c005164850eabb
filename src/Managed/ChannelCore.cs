using System;
using System.Threading;
using WebRtcNative.Bindings;

namespace WebRtcNative;

/// <summary>One received message in a channel's queue; the payload lives in a pooled buffer.</summary>
internal readonly struct Packet
{
    public Packet(byte[] buffer, int length, bool isString)
    {
        Buffer = buffer;
        Length = length;
        IsString = isString;
    }

    public byte[] Buffer { get; }
    public int Length { get; }
    public bool IsString { get; }
}

/// <summary>
/// The part of a native data channel that native callbacks may reach (through <see cref="HandleTable"/>):
/// cached state and metadata, and the receive queue. It holds no reference to the public objects.
/// </summary>
internal sealed unsafe partial class ChannelCore
{
    private int _nativeId;
    private int _state = (int)ChannelState.Connecting;
    private int _streamId = -1;
    private int _released;
    private int _detached;

    // Receive queue: a ring of packets (power-of-two length) and a pool of payload buffers, both under
    // _queueLock. Producer: the native message callback. Consumer: GetPacket/TryGetPacket under _readLock.
    private const int MinRing = 16;
    private const int SmallCopy = 2048; // payloads up to this size are copied under _queueLock
    private readonly object _queueLock = new();
    private readonly object _readLock = new();
    private readonly PacketBufferPool _pool;
    private Packet[] _ring = new Packet[MinRing];
    private int _head;          // index of the oldest packet (under _queueLock)
    private int _count;         // packets in the ring (under _queueLock)
    private int _inFlight;      // packets accepted by Receive and being copied (under _queueLock)
    private long _queuedBytes;  // payload bytes in the ring or being copied (under _queueLock)
    private byte[]? _readDone;  // buffer of the last packet read, returned to the pool at the next dequeue (under _readLock)
    private readonly int _maxPackets;
    private readonly long _maxBytes;
    private long _arrived;     // packets enqueued (written under _queueLock, read lock-free)
    private long _visibleUpTo; // packets made visible by Poll
    private long _taken;       // packets dequeued (written under _readLock, read lock-free)
    private long _dropped;
    private bool _lastWasString;
    private int _lastError = (int)Error.Unavailable;
    private int _writeMode = (int)WriteMode.Binary;
    private bool _reliable = true; // reliable channels pull (ChannelCore.Pull.cs): they never drop

    internal ChannelCore(int nativeId, int maxPackets, long maxBytes)
    {
        _nativeId = nativeId;
        _maxPackets = maxPackets;
        _maxBytes = maxBytes;
        _pool = new PacketBufferPool(maxBytes);
        Key = HandleTable.Add(this);
    }

    internal int Key { get; }
    internal string Label { get; private set; } = string.Empty;
    internal string Protocol { get; private set; } = string.Empty;
    internal bool Negotiated { get; private set; }
    internal bool Ordered { get; private set; } = true;
    internal int MaxRetransmits { get; private set; } = Validation.Unset;
    internal int MaxPacketLifeTime { get; private set; } = Validation.Unset;
    internal int RequestedId { get; private set; } = -1;

    /// <summary>The native id, or 0 once the native object has been handed over for deletion.</summary>
    internal int NativeId => Volatile.Read(ref _nativeId);

    internal bool IsReleased => Volatile.Read(ref _released) != 0;

    internal bool IsDetached => Volatile.Read(ref _detached) != 0;

    internal ChannelState State => (ChannelState)Volatile.Read(ref _state);

    internal WriteMode WriteMode
    {
        get => (WriteMode)Volatile.Read(ref _writeMode);
        set => Volatile.Write(ref _writeMode, (int)value);
    }

    internal long Dropped => Interlocked.Read(ref _dropped);

    private readonly long[] _warnings = new long[2]; // repeated PutPacket warnings per kind (NativeDataChannel)

    /// <summary>Counts one more warning of a kind and returns the count (rate-limits repeated log lines).</summary>
    internal long CountWarning(int kind) => Interlocked.Increment(ref _warnings[kind]);

    internal bool LastWasString
    {
        get { lock (_readLock) return _lastWasString; }
    }

    internal Error LastError => (Error)Volatile.Read(ref _lastError);

    internal int Id
    {
        get
        {
            int s = Volatile.Read(ref _streamId);
            if (s >= 0)
                return s;
            int id = NativeId;
            if (id > 0)
            {
                int r = RtcNative.rtcGetDataChannelStream(id);
                if (r >= 0 && r <= Validation.MaxStreamId)
                {
                    Volatile.Write(ref _streamId, r);
                    return r;
                }
            }
            return Validation.Unset;
        }
    }

    /// <summary>Takes the native id for deletion; only the first caller gets it.</summary>
    internal int ClaimNativeId() => Interlocked.Exchange(ref _nativeId, 0);

    /// <summary>Whether the channel is reliable (no max retransmits / packet lifetime): it is then read by pulling.</summary>
    internal bool Reliable => _reliable;

    /// <summary>
    /// Sets the channel's own user pointer and callbacks. Must run before anything else touches the channel.
    /// Unreliable channels get every message pushed through the message callback (and drop when full);
    /// reliable ones get only the available callback and pull messages while their queue has room.
    /// </summary>
    internal int Attach()
    {
        int dc = NativeId;
        RtcNative.rtcSetUserPointer(dc, (void*)(nint)Key);
        int r;
        if ((r = RtcNative.rtcSetOpenCallback(dc, &Callbacks.OnOpen)) < 0) return r;
        if ((r = RtcNative.rtcSetClosedCallback(dc, &Callbacks.OnClosed)) < 0) return r;
        if ((r = RtcNative.rtcSetErrorCallback(dc, &Callbacks.OnError)) < 0) return r;
        if ((r = RtcNative.rtcSetBufferedAmountLowCallback(dc, &OnBufferedAmountLow)) < 0) return r; // ChannelCore.Events.cs
        if (_reliable)
        {
            if ((r = RtcNative.rtcSetAvailableCallback(dc, &Callbacks.OnAvailable)) < 0) return r;
        }
        else if ((r = RtcNative.rtcSetMessageCallback(dc, &Callbacks.OnMessage)) < 0)
        {
            return r;
        }
        if (RtcNative.rtcIsOpen(dc))
            MarkOpen();
        if (_reliable)
            Pump(); // messages that arrived before the available callback was set
        return RtcNative.RTC_ERR_SUCCESS;
    }

    internal void SetLocalMetadata(string label, DataChannelOptions o)
    {
        Label = label;
        Protocol = o.Protocol ?? string.Empty;
        Negotiated = o.Negotiated;
        Ordered = o.Ordered;
        _reliable = !o.MaxRetransmits.HasValue && !o.MaxPacketLifeTime.HasValue;
        MaxRetransmits = o.MaxRetransmits ?? Validation.Unset;
        MaxPacketLifeTime = o.MaxPacketLifeTime ?? Validation.Unset;
        if (o.MaxPacketLifeTime == 0)
        {
            // The C API (rtcReliability, as upstream) has no "lifetime 0": it sends such a channel as
            // "0 retransmits" (the same behaviour: every message is sent once), and that is what the peer
            // (browser or not) reports. Report the same here, so both ends agree.
            MaxRetransmits = 0;
            MaxPacketLifeTime = Validation.Unset;
        }
        if (o.Id.HasValue)
        {
            RequestedId = o.Id.Value;
            _streamId = o.Id.Value;
        }
    }

    internal void ReadRemoteMetadata()
    {
        int dc = NativeId;
        Label = Native.GetString(dc, &RtcNative.rtcGetDataChannelLabel) ?? string.Empty;
        Protocol = Native.GetString(dc, &RtcNative.rtcGetDataChannelProtocol) ?? string.Empty;
        Negotiated = false;
        rtcReliability rel;
        if (RtcNative.rtcGetDataChannelReliability(dc, &rel) >= 0)
        {
            Ordered = !rel.unordered;
            _reliable = !rel.unreliable;
            if (rel.unreliable)
            {
                if (rel.maxPacketLifeTime > 0)
                    MaxPacketLifeTime = (int)Math.Min(rel.maxPacketLifeTime, (uint)Validation.Unset);
                else
                    MaxRetransmits = (int)Math.Min(rel.maxRetransmits, (uint)Validation.Unset);
            }
        }
        _ = Id; // caches the stream id when known
    }

    internal void MarkOpen()
    {
        if (Interlocked.CompareExchange(ref _state, (int)ChannelState.Open, (int)ChannelState.Connecting) == (int)ChannelState.Connecting)
            NoteOpened();
    }

    internal void MarkClosed()
    {
        Interlocked.Exchange(ref _state, (int)ChannelState.Closed); // a full fence before WakeLowWaiters reads the waiter count
        WakeLowWaiters();
    }

    /// <summary>Open/Connecting -> Closing; returns false when already closing or closed.</summary>
    internal bool BeginClose()
    {
        while (true)
        {
            int s = Volatile.Read(ref _state);
            if (s is (int)ChannelState.Closing or (int)ChannelState.Closed)
                return false;
            if (Interlocked.CompareExchange(ref _state, (int)ChannelState.Closing, s) == s)
                return true;
        }
    }

    // ---- receive path -----------------------------------------------------------------------
    //
    // Producer: the native message callback (one at a time per channel, on a native thread). Consumer:
    // TryGet/Get, serialized by _readLock, on whatever thread reads. Both touch the ring and the buffer pool
    // only under _queueLock, for a few instructions: payloads up to SmallCopy bytes are copied in, larger ones
    // and every copy out happen outside it. No ConcurrentQueue (TryPeek would stop its segments from being
    // reused) and no ArrayPool<byte>.Shared (its per-thread caches do not recycle buffers rented on one thread
    // and returned on another). Nothing here allocates per message once the ring and the pool have grown to
    // the peak number of packets in flight; when nothing is visible, TryGet takes no lock.

    /// <summary>
    /// Unreliable channels: called on a native thread for each received message; copy into a pooled buffer
    /// and queue it, or drop it (counted) when a cap or the process-wide budget is reached.
    /// </summary>
    internal void Receive(byte* data, int size)
    {
        if (IsDetached)
            return;
        bool isString = size < 0;
        int length = isString ? -size - 1 : size;
        if (length < 0)
            length = 0;

        byte[]? buffer = null;
        int queued;
        long queuedBytes;
        lock (_queueLock)
        {
            queued = _count + _inFlight;
            queuedBytes = _queuedBytes;
            if (queued < _maxPackets && queuedBytes + length <= _maxBytes && ReceiveBudget.TryTake(length, force: queued == 0))
            {
                _queuedBytes = queuedBytes + length;
                buffer = length == 0 ? Array.Empty<byte>() : _pool.Rent(length);
                if (length <= SmallCopy)
                {
                    // Small message: copy and queue in the same critical section (one lock per message).
                    new ReadOnlySpan<byte>(data, length).CopyTo(buffer);
                    Enqueue(new Packet(buffer, length, isString));
                    return;
                }
                // Reserve the room now; the copy happens outside the lock.
                _inFlight++;
            }
        }
        if (buffer is null)
        {
            Drop(queued, queuedBytes);
            return;
        }

        if (length > 0)
            new ReadOnlySpan<byte>(data, length).CopyTo(buffer);
        lock (_queueLock)
        {
            _inFlight--;
            EnqueueUnlessReleased(new Packet(buffer, length, isString));
        }
    }

    /// <summary>Queues a packet whose copy finished outside the lock, unless the channel was released meanwhile (under <c>_queueLock</c>).</summary>
    private void EnqueueUnlessReleased(in Packet packet)
    {
        if (IsReleased)
        {
            _queuedBytes -= packet.Length;
            ReceiveBudget.Give(packet.Length);
            _pool.Return(packet.Buffer);
            return;
        }
        Enqueue(packet);
    }

    /// <summary>Appends to the ring and publishes the packet's arrival (under <c>_queueLock</c>).</summary>
    private void Enqueue(in Packet packet)
    {
        if (_count == _ring.Length)
            GrowRing();
        _ring[(_head + _count) & (_ring.Length - 1)] = packet;
        _count++;
        Volatile.Write(ref _arrived, _arrived + 1);
    }

    private void Drop(int queued, long queuedBytes)
    {
        long dropped = Interlocked.Increment(ref _dropped);
        // Log the first drop and then every power of two, so a flood cannot flood the log.
        if ((dropped & (dropped - 1)) == 0 && WebRtcLog.IsEnabled(WebRtcLogLevel.Warning))
            WebRtcLog.Write(WebRtcLogLevel.Warning,
                $"unreliable data channel '{Label}': receive queue full ({queued} packets, {queuedBytes} bytes; caps {_maxPackets} packets / {_maxBytes} bytes, process-wide {ReceiveBudget.Used} of {ReceiveBudget.Limit} bytes): dropped {dropped} packet(s) so far. Poll and read faster, or raise ReceiveQueueMaxPackets/ReceiveQueueMaxBytes/WebRtcLibrary.ReceiveBudgetBytes.");
    }

    /// <summary>Doubles the ring (under <c>_queueLock</c>); it keeps its peak size, so this happens only while warming up.</summary>
    private void GrowRing()
    {
        var next = new Packet[_ring.Length * 2];
        for (int i = 0; i < _count; i++)
            next[i] = _ring[(_head + i) & (_ring.Length - 1)];
        _ring = next;
        _head = 0;
    }

    /// <summary>Makes every packet received so far visible to the reader (called by Poll).</summary>
    internal void Surface()
    {
        if (Volatile.Read(ref _blocked) != 0)
            Wake(); // room may have freed elsewhere (the process-wide budget)
        long arrived = Volatile.Read(ref _arrived);
        long visible = Volatile.Read(ref _visibleUpTo);
        while (arrived > visible)
        {
            long seen = Interlocked.CompareExchange(ref _visibleUpTo, arrived, visible);
            if (seen == visible)
                break;
            visible = seen; // another Poll moved it: retry unless it is already far enough
        }
    }

    internal int AvailablePacketCount
    {
        get
        {
            if (IsReleased)
                return 0;
            long n = Volatile.Read(ref _visibleUpTo) - Volatile.Read(ref _taken);
            return n <= 0 ? 0 : n > int.MaxValue ? int.MaxValue : (int)n;
        }
    }

    /// <summary>Receive-queue internals (diagnostics and tests): ring slots, pooled buffers owned, bytes of free buffers.</summary>
    internal (int RingSlots, int PoolBuffers, long PoolFreeBytes) QueueStats
    {
        get
        {
            lock (_queueLock)
                return (_ring.Length, _pool.OwnedBuffers, _pool.RetainedBytes);
        }
    }

    /// <summary>Whether a visible packet may be waiting (lock-free; rechecked under the locks).</summary>
    private bool HasVisible => Volatile.Read(ref _taken) < Volatile.Read(ref _visibleUpTo);

    /// <summary>
    /// Removes the oldest packet when it fits in <paramref name="capacity"/> bytes (under <c>_readLock</c>).
    /// Returns the buffer of the previously read packet to the pool in the same critical section.
    /// </summary>
    private bool TryDequeue(int capacity, out Packet packet)
    {
        lock (_queueLock)
        {
            var done = _readDone;
            if (done is not null)
            {
                _readDone = null;
                _pool.Return(done);
            }
            if (_count == 0)
            {
                packet = default;
                return false;
            }
            packet = _ring[_head];
            if (packet.Length > capacity)
                return false;
            _ring[_head] = default;
            _head = (_head + 1) & (_ring.Length - 1);
            _count--;
            _queuedBytes -= packet.Length;
            ReceiveBudget.Give(packet.Length);
            return true;
        }
    }

    internal bool TryGet(Span<byte> destination, out int written, out bool isString)
    {
        if (HasVisible && !IsReleased)
        {
            lock (_readLock)
            {
                if (HasVisible && !IsReleased)
                {
                    if (TryDequeue(destination.Length, out var p))
                    {
                        p.Buffer.AsSpan(0, p.Length).CopyTo(destination);
                        Taken(p);
                        written = p.Length;
                        isString = p.IsString;
                        goto read;
                    }
                    if (p.Buffer is not null)
                    {
                        // The oldest packet does not fit: it stays first in the queue.
                        written = p.Length;
                        isString = p.IsString;
                        Volatile.Write(ref _lastError, (int)Error.ParameterRangeError);
                        return false;
                    }
                }
            }
        }
        written = 0;
        isString = false;
        if (Volatile.Read(ref _lastError) != (int)Error.Unavailable)
            Volatile.Write(ref _lastError, (int)Error.Unavailable);
        return false;

    read:
        // Outside _readLock: a reliable channel that stopped pulling because it was full takes more now.
        if (Volatile.Read(ref _blocked) != 0)
            Wake();
        return true;
    }

    internal byte[] Get()
    {
        byte[] result;
        lock (_readLock)
        {
            if (IsReleased || !HasVisible || !TryDequeue(int.MaxValue, out var p))
            {
                Volatile.Write(ref _lastError, (int)Error.Unavailable);
                return Array.Empty<byte>();
            }
            result = p.Length == 0 ? Array.Empty<byte>() : p.Buffer.AsSpan(0, p.Length).ToArray();
            Taken(p);
        }
        if (Volatile.Read(ref _blocked) != 0)
            Wake();
        return result;
    }

    /// <summary>Bookkeeping after a packet was copied out (under <c>_readLock</c>).</summary>
    private void Taken(in Packet p)
    {
        _lastWasString = p.IsString;
        if (Volatile.Read(ref _lastError) != (int)Error.Ok)
            Volatile.Write(ref _lastError, (int)Error.Ok);
        Volatile.Write(ref _taken, _taken + 1);
        // Back to the pool at the next dequeue (one lock per read instead of two).
        if (p.Buffer.Length > 0)
            _readDone = p.Buffer;
    }

    /// <summary>
    /// Detaches the core from native callbacks (its key leaves the table, so late callbacks do nothing)
    /// and marks it closed. Packets already received stay readable. The native id is not touched:
    /// the caller claims it and schedules deletion.
    /// </summary>
    internal void Detach()
    {
        if (Interlocked.Exchange(ref _detached, 1) != 0)
            return;
        HandleTable.Remove(Key);
        MarkClosed();
        Surface();
    }

    /// <summary>Detaches and drops the buffers of unread packets (they are discarded).</summary>
    internal void Release()
    {
        Detach();
        if (Interlocked.Exchange(ref _released, 1) != 0)
            return;
        lock (_readLock)
        {
            lock (_queueLock)
            {
                // The buffers go back to the pool, which hands its free ones to the process-wide tier.
                for (int i = 0; i < _count; i++)
                {
                    ref var p = ref _ring[(_head + i) & (_ring.Length - 1)];
                    _pool.Return(p.Buffer);
                    _queuedBytes -= p.Length;
                    ReceiveBudget.Give(p.Length);
                    p = default;
                }
                Volatile.Write(ref _taken, _taken + _count);
                _count = 0;
                _head = 0;
                _ring = new Packet[MinRing];
                if (_readDone is not null)
                    _pool.Return(_readDone);
                _readDone = null;
                _pool.Clear();
            }
        }
    }
}
