using System;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;
using WebRtcNative.Bindings;

namespace WebRtcNative;

internal enum PeerEventKind : byte
{
    Description,
    Candidate,
    ConnectionState,
    GatheringState,
    SignalingState,
    DataChannel,
}

/// <summary>An event queued by a native thread for the next <c>Poll()</c>. Strings only for descriptions and candidates.</summary>
internal readonly struct PeerEvent
{
    public PeerEvent(PeerEventKind kind, int value, string? a = null, string? b = null, ChannelCore? channel = null)
    {
        Kind = kind;
        Value = value;
        A = a;
        B = b;
        Channel = channel;
    }

    public PeerEventKind Kind { get; }
    public int Value { get; }
    public string? A { get; }
    public string? B { get; }
    public ChannelCore? Channel { get; }
}

internal sealed class LocalDescription
{
    public LocalDescription(string type, string sdp)
    {
        Type = type;
        Sdp = sdp;
    }

    public string Type { get; }
    public string Sdp { get; }
}

/// <summary>
/// The part of a native peer connection that native callbacks may reach (through <see cref="HandleTable"/>):
/// cached states, the event queue, and the list of its channels. It holds no reference to the public objects.
/// </summary>
internal sealed unsafe class PeerCore
{
    private int _nativeId;
    private int _connectionState = (int)ConnectionState.New;
    private int _gatheringState = (int)GatheringState.New;
    private int _signalingState = (int)SignalingState.Stable;
    private int _detached;
    private ChannelCore[] _channels = Array.Empty<ChannelCore>();
    private readonly object _channelsLock = new();
    private LocalDescription? _local;

    internal PeerCore(int nativeId, int maxPackets, long maxBytes)
    {
        _nativeId = nativeId;
        MaxPackets = maxPackets;
        MaxBytes = maxBytes;
        Key = HandleTable.Add(this);
    }

    internal int Key { get; }
    internal int MaxPackets { get; }
    internal long MaxBytes { get; }
    internal ConcurrentQueue<PeerEvent> Events { get; } = new();

    internal int NativeId => Volatile.Read(ref _nativeId);
    internal int ClaimNativeId() => Interlocked.Exchange(ref _nativeId, 0);
    internal bool IsDetached => Volatile.Read(ref _detached) != 0;

    internal ConnectionState ConnectionState => (ConnectionState)Volatile.Read(ref _connectionState);
    internal GatheringState GatheringState => (GatheringState)Volatile.Read(ref _gatheringState);
    internal SignalingState SignalingState => (SignalingState)Volatile.Read(ref _signalingState);
    internal LocalDescription? Local => Volatile.Read(ref _local);

    /// <summary>Snapshot of the channels (copy-on-write array: reading it allocates nothing).</summary>
    internal ChannelCore[] Channels => Volatile.Read(ref _channels);

    internal int Attach()
    {
        int pc = NativeId;
        RtcNative.rtcSetUserPointer(pc, (void*)(nint)Key);
        int r;
        if ((r = RtcNative.rtcSetLocalDescriptionCallback(pc, &Callbacks.OnLocalDescription)) < 0) return r;
        if ((r = RtcNative.rtcSetLocalCandidateCallback(pc, &Callbacks.OnLocalCandidate)) < 0) return r;
        if ((r = RtcNative.rtcSetStateChangeCallback(pc, &Callbacks.OnStateChange)) < 0) return r;
        if ((r = RtcNative.rtcSetGatheringStateChangeCallback(pc, &Callbacks.OnGatheringStateChange)) < 0) return r;
        if ((r = RtcNative.rtcSetSignalingStateChangeCallback(pc, &Callbacks.OnSignalingStateChange)) < 0) return r;
        if ((r = RtcNative.rtcSetDataChannelCallback(pc, &Callbacks.OnDataChannel)) < 0) return r;
        return RtcNative.RTC_ERR_SUCCESS;
    }

    internal void SetConnectionState(ConnectionState s)
    {
        if (IsDetached)
            return;
        if (Interlocked.Exchange(ref _connectionState, (int)s) != (int)s)
            Events.Enqueue(new PeerEvent(PeerEventKind.ConnectionState, (int)s));
    }

    internal void SetGatheringState(GatheringState s)
    {
        if (IsDetached)
            return;
        if (Interlocked.Exchange(ref _gatheringState, (int)s) != (int)s)
            Events.Enqueue(new PeerEvent(PeerEventKind.GatheringState, (int)s));
    }

    internal void SetSignalingState(SignalingState s)
    {
        if (IsDetached)
            return;
        if (Interlocked.Exchange(ref _signalingState, (int)s) != (int)s)
            Events.Enqueue(new PeerEvent(PeerEventKind.SignalingState, (int)s));
    }

    internal void SetLocalDescription(string type, string sdp)
    {
        if (IsDetached)
            return;
        Volatile.Write(ref _local, new LocalDescription(type, sdp));
        Events.Enqueue(new PeerEvent(PeerEventKind.Description, 0, type, sdp));
    }

    internal bool TryAddChannel(ChannelCore channel)
    {
        lock (_channelsLock)
        {
            if (IsDetached)
                return false;
            var old = _channels;
            var next = new ChannelCore[old.Length + 1];
            Array.Copy(old, next, old.Length);
            next[old.Length] = channel;
            Volatile.Write(ref _channels, next);
            return true;
        }
    }

    internal void RemoveChannel(ChannelCore channel)
    {
        lock (_channelsLock)
        {
            var old = _channels;
            int i = Array.IndexOf(old, channel);
            if (i < 0)
                return;
            var next = new ChannelCore[old.Length - 1];
            Array.Copy(old, 0, next, 0, i);
            Array.Copy(old, i + 1, next, i, old.Length - i - 1);
            Volatile.Write(ref _channels, next);
        }
    }

    /// <summary>
    /// Detaches this connection and its channels from native callbacks and marks everything closed.
    /// Returns the channels whose native ids the caller must delete (before the connection's).
    /// </summary>
    internal ChannelCore[] Detach()
    {
        ChannelCore[] channels;
        lock (_channelsLock)
        {
            if (Interlocked.Exchange(ref _detached, 1) != 0)
                return Array.Empty<ChannelCore>();
            channels = _channels;
        }
        HandleTable.Remove(Key);
        Volatile.Write(ref _connectionState, (int)ConnectionState.Closed);
        Volatile.Write(ref _signalingState, (int)SignalingState.Closed);
        foreach (var ch in channels)
            ch.Detach();
        return channels;
    }
}

/// <summary>
/// The native callbacks. They run on native threads: they look the user pointer up in
/// <see cref="HandleTable"/> (a key, never a pointer to managed memory), copy what they need, enqueue,
/// and return. They never call <c>rtcDelete*</c> and never let an exception escape.
/// </summary>
internal static unsafe class Callbacks
{
    [UnmanagedCallersOnly(CallConvs = new[] { typeof(CallConvCdecl) })]
    internal static void OnLocalDescription(int pc, byte* sdp, byte* type, void* ptr)
    {
        try
        {
            var core = HandleTable.Get<PeerCore>((nint)ptr);
            if (core is null || core.NativeId != pc)
                return;
            core.SetLocalDescription(Native.Utf8(type), Native.Utf8(sdp));
        }
        catch (Exception e)
        {
            Report(nameof(OnLocalDescription), e);
        }
    }

    [UnmanagedCallersOnly(CallConvs = new[] { typeof(CallConvCdecl) })]
    internal static void OnLocalCandidate(int pc, byte* cand, byte* mid, void* ptr)
    {
        try
        {
            var core = HandleTable.Get<PeerCore>((nint)ptr);
            if (core is null || core.NativeId != pc || core.IsDetached)
                return;
            string candidate = Native.Utf8(cand);
            if (candidate.StartsWith("a=", StringComparison.Ordinal))
                candidate = candidate.Substring(2);
            core.Events.Enqueue(new PeerEvent(PeerEventKind.Candidate, 0, Native.Utf8(mid), candidate));
        }
        catch (Exception e)
        {
            Report(nameof(OnLocalCandidate), e);
        }
    }

    [UnmanagedCallersOnly(CallConvs = new[] { typeof(CallConvCdecl) })]
    internal static void OnStateChange(int pc, rtcState state, void* ptr)
    {
        try
        {
            var core = HandleTable.Get<PeerCore>((nint)ptr);
            if (core is null || core.NativeId != pc)
                return;
            if (state is >= rtcState.RTC_NEW and <= rtcState.RTC_CLOSED)
                core.SetConnectionState((ConnectionState)(int)state);
        }
        catch (Exception e)
        {
            Report(nameof(OnStateChange), e);
        }
    }

    [UnmanagedCallersOnly(CallConvs = new[] { typeof(CallConvCdecl) })]
    internal static void OnGatheringStateChange(int pc, rtcGatheringState state, void* ptr)
    {
        try
        {
            var core = HandleTable.Get<PeerCore>((nint)ptr);
            if (core is null || core.NativeId != pc)
                return;
            if (state is >= rtcGatheringState.RTC_GATHERING_NEW and <= rtcGatheringState.RTC_GATHERING_COMPLETE)
                core.SetGatheringState((GatheringState)(int)state);
        }
        catch (Exception e)
        {
            Report(nameof(OnGatheringStateChange), e);
        }
    }

    [UnmanagedCallersOnly(CallConvs = new[] { typeof(CallConvCdecl) })]
    internal static void OnSignalingStateChange(int pc, rtcSignalingState state, void* ptr)
    {
        try
        {
            var core = HandleTable.Get<PeerCore>((nint)ptr);
            if (core is null || core.NativeId != pc)
                return;
            if (state is >= rtcSignalingState.RTC_SIGNALING_STABLE and <= rtcSignalingState.RTC_SIGNALING_HAVE_REMOTE_PRANSWER)
                core.SetSignalingState((SignalingState)(int)state);
        }
        catch (Exception e)
        {
            Report(nameof(OnSignalingStateChange), e);
        }
    }

    [UnmanagedCallersOnly(CallConvs = new[] { typeof(CallConvCdecl) })]
    internal static void OnDataChannel(int pc, int dc, void* ptr)
    {
        try
        {
            var core = HandleTable.Get<PeerCore>((nint)ptr);
            if (core is null || core.NativeId != pc || core.IsDetached)
            {
                // Nobody will ever own this channel: hand it to the deleter thread (never delete here).
                Reaper.DeleteChannel(dc);
                return;
            }
            // The channel inherited the connection's user pointer: give it its own first.
            var channel = new ChannelCore(dc, core.MaxPackets, core.MaxBytes);
            channel.ReadRemoteMetadata();
            int r = channel.Attach();
            if (r < 0 || !core.TryAddChannel(channel))
            {
                channel.Release();
                Reaper.DeleteChannel(channel.ClaimNativeId());
                return;
            }
            core.Events.Enqueue(new PeerEvent(PeerEventKind.DataChannel, 0, channel: channel));
        }
        catch (Exception e)
        {
            Report(nameof(OnDataChannel), e);
        }
    }

    [UnmanagedCallersOnly(CallConvs = new[] { typeof(CallConvCdecl) })]
    internal static void OnOpen(int id, void* ptr)
    {
        try
        {
            var ch = HandleTable.Get<ChannelCore>((nint)ptr);
            if (ch is not null && ch.NativeId == id)
                ch.MarkOpen();
        }
        catch (Exception e)
        {
            Report(nameof(OnOpen), e);
        }
    }

    [UnmanagedCallersOnly(CallConvs = new[] { typeof(CallConvCdecl) })]
    internal static void OnClosed(int id, void* ptr)
    {
        try
        {
            var ch = HandleTable.Get<ChannelCore>((nint)ptr);
            if (ch is not null && ch.NativeId == id)
                ch.MarkClosed();
        }
        catch (Exception e)
        {
            Report(nameof(OnClosed), e);
        }
    }

    [UnmanagedCallersOnly(CallConvs = new[] { typeof(CallConvCdecl) })]
    internal static void OnError(int id, byte* error, void* ptr)
    {
        try
        {
            if (!WebRtcLog.IsEnabled(WebRtcLogLevel.Error))
                return;
            var ch = HandleTable.Get<ChannelCore>((nint)ptr);
            WebRtcLog.Write(WebRtcLogLevel.Error, $"data channel '{ch?.Label}' ({id}): {Native.Utf8(error)}");
        }
        catch (Exception e)
        {
            Report(nameof(OnError), e);
        }
    }

    /// <summary>Reliable channels: messages wait in the native queue; pull those that fit.</summary>
    [UnmanagedCallersOnly(CallConvs = new[] { typeof(CallConvCdecl) })]
    internal static void OnAvailable(int id, void* ptr)
    {
        try
        {
            var ch = HandleTable.Get<ChannelCore>((nint)ptr);
            if (ch is not null && ch.NativeId == id)
                ch.Pump();
        }
        catch (Exception e)
        {
            Report(nameof(OnAvailable), e);
        }
    }

    [UnmanagedCallersOnly(CallConvs = new[] { typeof(CallConvCdecl) })]
    internal static void OnMessage(int id, byte* message, int size, void* ptr)
    {
        try
        {
            var ch = HandleTable.Get<ChannelCore>((nint)ptr);
            if (ch is not null && ch.NativeId == id)
                ch.Receive(message, size);
        }
        catch (Exception e)
        {
            Report(nameof(OnMessage), e);
        }
    }

    private static void Report(string where, Exception e)
    {
        try
        {
            WebRtcLog.Write(WebRtcLogLevel.Error, $"native callback {where} failed: {e}");
        }
        catch
        {
            // nothing more can be done on a native thread
        }
    }
}
