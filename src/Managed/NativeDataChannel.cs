using System;
using System.Buffers;
using System.Runtime.CompilerServices;
using System.Threading;
using WebRtcNative.Bindings;

namespace WebRtcNative;

/// <summary>The default data channel, over the native library.</summary>
internal sealed unsafe class NativeDataChannel : WebRtcDataChannel
{
    private const string Source = "WebRtcDataChannel";
    private const int StackTextLimit = 1024;

    private readonly ChannelCore _core;
    private readonly PeerCore _peer;
    // Keeps the connection (and its facade) alive while the user holds one of its channels.
    private readonly NativePeerConnection _owner;
    private int _disposed;

    internal NativeDataChannel(NativePeerConnection owner, PeerCore peer, ChannelCore core)
    {
        _owner = owner;
        _peer = peer;
        _core = core;
        core.SetFacade(this);
    }

    ~NativeDataChannel()
    {
        Dispose(false);
    }

    internal ChannelCore Core => _core;

    internal NativePeerConnection Owner => _owner;

    private bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    public override Error PutPacket(ReadOnlySpan<byte> packet)
    {
        if (IsDisposed)
            return Warn(Error.Unavailable, WarningKind.Disposed, "the channel is disposed");
        var state = _core.State;
        int id = _core.NativeId;
        if (state != ChannelState.Open || id <= 0)
            return NotOpen(state);

        int r;
        byte empty = 0;
        if (_core.WriteMode == WriteMode.Text)
        {
            if (NativeExtensions.HasSendText)
            {
                // Extension: the length travels with the text, so U+0000 is allowed and nothing is copied.
                fixed (byte* p = packet)
                    r = RtcNative.rtcSendText(id, p == null ? &empty : p, packet.Length);
            }
            else
            {
                // Upstream libdatachannel: text is NUL-terminated (rtcSendMessage with size -1).
                if (packet.IndexOf((byte)0) >= 0)
                    return WebRtcLog.Fail(Error.InvalidParameter, Source + ".PutPacket",
                        "a text packet cannot contain a NUL byte with this native library (it lacks the rtcSendText extension; switch WriteMode to Binary or use libwebrtcnative)");
                r = SendNulTerminated(id, packet);
            }
        }
        else
        {
            fixed (byte* p = packet)
                r = RtcNative.rtcSendMessage(id, p == null ? &empty : p, packet.Length);
        }
        if (r >= 0)
            return Error.Ok;
        // Disposed by another thread meanwhile: the deleter thread may already have deleted the native id
        // (RTC_ERR_INVALID, which otherwise means a bad parameter such as a too large message).
        if (IsDisposed || _core.NativeId != id || (r == RtcNative.RTC_ERR_INVALID && RtcNative.rtcGetDataChannelStream(id) == RtcNative.RTC_ERR_INVALID))
            return Warn(Error.Unavailable, WarningKind.Disposed, "the channel was disposed or deleted during the call");
        if (_core.State != ChannelState.Open || !RtcNative.rtcIsOpen(id))
            return NotOpen(_core.State);
        return WebRtcLog.FailNative(r, Source + ".PutPacket", "rtcSendMessage");
    }

    /// <summary>Copies <paramref name="packet"/> + NUL into a stack (not zeroed first) or pooled buffer and sends it as text.</summary>
    [SkipLocalsInit]
    private static int SendNulTerminated(int id, ReadOnlySpan<byte> packet)
    {
        byte[]? rented = null;
        Span<byte> text = packet.Length < StackTextLimit
            ? stackalloc byte[StackTextLimit]
            : (rented = ArrayPool<byte>.Shared.Rent(packet.Length + 1));
        try
        {
            packet.CopyTo(text);
            text[packet.Length] = 0;
            fixed (byte* p = text)
                return RtcNative.rtcSendMessage(id, p, -1);
        }
        finally
        {
            if (rented is not null)
                ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private Error NotOpen(ChannelState state) =>
        WebRtcLog.IsEnabled(WebRtcLogLevel.Warning)
            ? Warn(Error.Failed, WarningKind.NotOpen, $"channel '{_core.Label}' is not open (state {state})")
            : Error.Failed;

    /// <summary>
    /// Logs a PutPacket warning that a game may trigger every frame (e.g. sending on a closed channel): the
    /// first time, then at the 2nd, 4th, 8th, ... repetition of the same kind on this channel, with the count.
    /// </summary>
    private Error Warn(Error error, WarningKind kind, string reason)
    {
        if (!WebRtcLog.IsEnabled(WebRtcLogLevel.Warning))
            return error;
        using var logScope = WebRtcLog.Enter(_owner.LogId);
        long n = _core.CountWarning((int)kind);
        if ((n & (n - 1)) != 0)
            return error;
        return WebRtcLog.Fail(error, Source + ".PutPacket", n == 1 ? reason : $"{reason} (repeated {n} times on this channel; further repeats are logged at powers of two)");
    }

    private enum WarningKind
    {
        NotOpen,
        Disposed,
    }

    public override byte[] GetPacket() => IsDisposed ? Array.Empty<byte>() : _core.Get();

    public override Error GetPacketError() => IsDisposed ? Error.Unavailable : _core.LastError;

    public override bool TryGetPacket(Span<byte> buffer, out int written, out bool isString)
    {
        if (IsDisposed)
        {
            written = 0;
            isString = false;
            return false;
        }
        return _core.TryGet(buffer, out written, out isString);
    }

    public override int AvailablePacketCount => IsDisposed ? 0 : _core.AvailablePacketCount;

    public override WriteMode WriteMode
    {
        get => _core.WriteMode;
        set
        {
            if (value is WriteMode.Text or WriteMode.Binary)
                _core.WriteMode = value;
            else
                WebRtcLog.Fail(Error.InvalidParameter, Source + ".WriteMode", $"{(int)value} is not Text or Binary; ignored");
        }
    }

    public override bool WasStringPacket => _core.LastWasString;

    public override ChannelState ReadyState => IsDisposed ? ChannelState.Closed : _core.State;

    public override string Label => _core.Label;

    public override string Protocol => _core.Protocol;

    public override int Id => _core.Id;

    public override bool Ordered => _core.Ordered;

    public override bool Negotiated => _core.Negotiated;

    public override int MaxPacketLifeTime => _core.MaxPacketLifeTime;

    public override int MaxRetransmits => _core.MaxRetransmits;

    public override int BufferedAmount
    {
        get
        {
            int id = _core.NativeId;
            if (IsDisposed || id <= 0)
                return 0;
            int r = RtcNative.rtcGetBufferedAmount(id);
            return r < 0 ? 0 : r;
        }
    }

    public override Error GetStats(WebRtcChannelStats stats)
    {
        if (stats is null)
            return WebRtcLog.Fail(Error.InvalidParameter, Source + ".GetStats", "stats is null");
        int id = _core.NativeId;
        if (IsDisposed || id <= 0)
            return WebRtcLog.Fail(Error.Unavailable, Source + ".GetStats", "the channel is disposed");
        return NativeStats.FillChannel(id, stats, Source + ".GetStats");
    }

    public override int MaxPacketSize
    {
        get
        {
            int id = _core.NativeId;
            if (IsDisposed || id <= 0)
                return 0;
            int r = RtcNative.rtcMaxMessageSize(id);
            return r < 0 ? 0 : r;
        }
    }

    public override long DroppedPacketCount => _core.Dropped;

    public override Error Poll()
    {
        if (IsDisposed)
            return WebRtcLog.Fail(Error.Unavailable, Source + ".Poll", "the channel is disposed");
        _core.Surface();
        _core.DispatchEvents(this);
        return Error.Ok;
    }

    // ---- channel events (ChannelCore.Events.cs raises them inside Poll) ----

    internal bool IsDisposedForEvents => IsDisposed;

    internal new bool HasPacketReceivedHandlers => base.HasPacketReceivedHandlers;

    internal void OnOpened() => RaiseOpened();

    internal void OnClosed() => RaiseClosed();

    internal void OnBufferedAmountLow() => RaiseBufferedAmountLow();

    internal void OnPacketReceived(ReadOnlySpan<byte> packet, bool isString) => RaisePacketReceived(packet, isString);

    public override int BufferedAmountLowThreshold
    {
        get => _core.BufferedAmountLowThreshold;
        set
        {
            const string src = Source + ".BufferedAmountLowThreshold";
            if (value < 0)
                WebRtcLog.Fail(Error.InvalidParameter, src, $"{value} is negative; ignored");
            else if (IsDisposed)
                WebRtcLog.Fail(Error.Unavailable, src, "the channel is disposed");
            else if (_core.SetBufferedAmountLowThreshold(value) is var r and < 0)
                WebRtcLog.FailNative(r, src, "rtcSetBufferedAmountLowThreshold");
        }
    }

    public override bool WaitForBufferedAmountLow(int millisecondsTimeout) =>
        !IsDisposed && _core.WaitForBufferedAmountLow(millisecondsTimeout);

    public override void Close()
    {
        if (IsDisposed || !_core.BeginClose())
            return;
        int id = _core.NativeId;
        if (id <= 0)
        {
            _core.MarkClosed();
            return;
        }
        int r = RtcNative.rtcClose(id);
        // Closing lasts until the closed callback; if the library already considers the channel
        // closed (or the close failed because it is gone), report Closed now.
        if (r < 0 || RtcNative.rtcIsClosed(id))
            _core.MarkClosed();
    }

    protected override void Dispose(bool disposing)
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        if (disposing)
        {
            // Close synchronously so that the remote side sees it now; delete on the deleter thread.
            int id = _core.NativeId;
            if (id > 0 && _core.State is ChannelState.Open or ChannelState.Connecting)
            {
                _core.BeginClose();
                RtcNative.rtcClose(id);
            }
        }
        _core.Release();
        _peer.RemoveChannel(_core);
        Reaper.DeleteChannel(_core.ClaimNativeId());
        base.Dispose(disposing);
    }
}
