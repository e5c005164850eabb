using System;
using System.Buffers;
using System.Collections.Concurrent;
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
internal sealed unsafe class ChannelCore
{
    private int _nativeId;
    private int _state = (int)ChannelState.Connecting;
    private int _streamId = -1;
    private int _released;
    private int _detached;

    // Receive queue. Producer: the native message callback (one at a time per channel).
    // Consumer: GetPacket/TryGetPacket under _readLock.
    private readonly ConcurrentQueue<Packet> _queue = new();
    private readonly object _readLock = new();
    private readonly int _maxPackets;
    private readonly long _maxBytes;
    private long _arrived;     // packets enqueued
    private long _visibleUpTo; // packets made visible by Poll
    private long _taken;       // packets dequeued
    private long _queuedBytes;
    private long _dropped;
    private bool _lastWasString;
    private int _lastError = (int)Error.Unavailable;
    private int _writeMode = (int)WriteMode.Binary;

    internal ChannelCore(int nativeId, int maxPackets, long maxBytes)
    {
        _nativeId = nativeId;
        _maxPackets = maxPackets;
        _maxBytes = maxBytes;
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

    /// <summary>Sets the channel's own user pointer and callbacks. Must run before anything else touches the channel.</summary>
    internal int Attach()
    {
        int dc = NativeId;
        RtcNative.rtcSetUserPointer(dc, (void*)(nint)Key);
        int r;
        if ((r = RtcNative.rtcSetOpenCallback(dc, &Callbacks.OnOpen)) < 0) return r;
        if ((r = RtcNative.rtcSetClosedCallback(dc, &Callbacks.OnClosed)) < 0) return r;
        if ((r = RtcNative.rtcSetErrorCallback(dc, &Callbacks.OnError)) < 0) return r;
        if ((r = RtcNative.rtcSetMessageCallback(dc, &Callbacks.OnMessage)) < 0) return r;
        if (RtcNative.rtcIsOpen(dc))
            MarkOpen();
        return RtcNative.RTC_ERR_SUCCESS;
    }

    internal void SetLocalMetadata(string label, DataChannelOptions o)
    {
        Label = label;
        Protocol = o.Protocol ?? string.Empty;
        Negotiated = o.Negotiated;
        Ordered = o.Ordered;
        MaxRetransmits = o.MaxRetransmits ?? Validation.Unset;
        MaxPacketLifeTime = o.MaxPacketLifeTime ?? Validation.Unset;
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

    internal void MarkOpen() => Interlocked.CompareExchange(ref _state, (int)ChannelState.Open, (int)ChannelState.Connecting);

    internal void MarkClosed() => Volatile.Write(ref _state, (int)ChannelState.Closed);

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

    /// <summary>Called on a native thread for each received message: copy into a pooled buffer and queue it.</summary>
    internal void Receive(byte* data, int size)
    {
        if (IsDetached)
            return;
        bool isString = size < 0;
        int length = isString ? -size - 1 : size;
        if (length < 0)
            length = 0;

        long queued = Interlocked.Read(ref _arrived) - Interlocked.Read(ref _taken);
        if (queued >= _maxPackets || Interlocked.Read(ref _queuedBytes) + length > _maxBytes)
        {
            long dropped = Interlocked.Increment(ref _dropped);
            // Log the first drop and then every power of two, so a flood cannot flood the log.
            if ((dropped & (dropped - 1)) == 0 && WebRtcLog.IsEnabled(WebRtcLogLevel.Warning))
                WebRtcLog.Write(WebRtcLogLevel.Warning,
                    $"data channel '{Label}': receive queue full ({queued} packets, {Interlocked.Read(ref _queuedBytes)} bytes; caps {_maxPackets} packets / {_maxBytes} bytes): dropped {dropped} packet(s) so far. Poll and read faster, or raise ReceiveQueueMaxPackets/ReceiveQueueMaxBytes.");
            return;
        }

        byte[] buffer = length == 0 ? Array.Empty<byte>() : ArrayPool<byte>.Shared.Rent(length);
        if (length > 0)
            new ReadOnlySpan<byte>(data, length).CopyTo(buffer);
        Interlocked.Add(ref _queuedBytes, length);
        _queue.Enqueue(new Packet(buffer, length, isString));
        Interlocked.Increment(ref _arrived);
    }

    /// <summary>Makes every packet received so far visible to the reader (called by Poll).</summary>
    internal void Surface()
    {
        long arrived = Interlocked.Read(ref _arrived);
        long visible = Interlocked.Read(ref _visibleUpTo);
        if (arrived > visible)
            Interlocked.CompareExchange(ref _visibleUpTo, arrived, visible);
    }

    internal int AvailablePacketCount
    {
        get
        {
            if (IsReleased)
                return 0;
            long n = Interlocked.Read(ref _visibleUpTo) - Interlocked.Read(ref _taken);
            return n <= 0 ? 0 : n > int.MaxValue ? int.MaxValue : (int)n;
        }
    }

    internal bool TryGet(Span<byte> destination, out int written, out bool isString)
    {
        lock (_readLock)
        {
            if (IsReleased || Interlocked.Read(ref _taken) >= Interlocked.Read(ref _visibleUpTo) || !_queue.TryPeek(out var p))
            {
                written = 0;
                isString = false;
                Volatile.Write(ref _lastError, (int)Error.Unavailable);
                return false;
            }
            if (p.Length > destination.Length)
            {
                written = p.Length;
                isString = p.IsString;
                Volatile.Write(ref _lastError, (int)Error.ParameterRangeError);
                return false;
            }
            _queue.TryDequeue(out _);
            p.Buffer.AsSpan(0, p.Length).CopyTo(destination);
            Taken(p);
            written = p.Length;
            isString = p.IsString;
            return true;
        }
    }

    internal byte[] Get()
    {
        lock (_readLock)
        {
            if (IsReleased || Interlocked.Read(ref _taken) >= Interlocked.Read(ref _visibleUpTo) || !_queue.TryDequeue(out var p))
            {
                Volatile.Write(ref _lastError, (int)Error.Unavailable);
                return Array.Empty<byte>();
            }
            var result = p.Length == 0 ? Array.Empty<byte>() : p.Buffer.AsSpan(0, p.Length).ToArray();
            Taken(p);
            return result;
        }
    }

    private void Taken(in Packet p)
    {
        _lastWasString = p.IsString;
        Volatile.Write(ref _lastError, (int)Error.Ok);
        Interlocked.Add(ref _queuedBytes, -p.Length);
        Interlocked.Increment(ref _taken);
        if (p.Buffer.Length > 0)
            ArrayPool<byte>.Shared.Return(p.Buffer);
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

    /// <summary>Detaches and returns the pooled buffers of unread packets (they are discarded).</summary>
    internal void Release()
    {
        Detach();
        if (Interlocked.Exchange(ref _released, 1) != 0)
            return;
        lock (_readLock)
        {
            while (_queue.TryDequeue(out var p))
            {
                Interlocked.Add(ref _queuedBytes, -p.Length);
                Interlocked.Increment(ref _taken);
                if (p.Buffer.Length > 0)
                    ArrayPool<byte>.Shared.Return(p.Buffer);
            }
        }
    }
}
