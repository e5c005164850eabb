using System;
using System.Buffers;
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
            return WebRtcLog.Fail(Error.Unavailable, Source + ".PutPacket", "the channel is disposed");
        var state = _core.State;
        int id = _core.NativeId;
        if (state != ChannelState.Open || id <= 0)
            return NotOpen(state);

        int r;
        if (_core.WriteMode == WriteMode.Text)
        {
            // The C API sends text as a NUL-terminated string (size < 0): copy + NUL into a stack or pooled buffer.
            if (packet.IndexOf((byte)0) >= 0)
                return WebRtcLog.Fail(Error.InvalidParameter, Source + ".PutPacket", "a text packet cannot contain a NUL byte (switch WriteMode to Binary)");
            byte[]? rented = null;
            Span<byte> text = packet.Length < StackTextLimit
                ? stackalloc byte[StackTextLimit]
                : (rented = ArrayPool<byte>.Shared.Rent(packet.Length + 1));
            try
            {
                packet.CopyTo(text);
                text[packet.Length] = 0;
                fixed (byte* p = text)
                    r = RtcNative.rtcSendMessage(id, p, -1);
            }
            finally
            {
                if (rented is not null)
                    ArrayPool<byte>.Shared.Return(rented);
            }
        }
        else
        {
            byte empty = 0;
            fixed (byte* p = packet)
                r = RtcNative.rtcSendMessage(id, p == null ? &empty : p, packet.Length);
        }
        return r >= 0 ? Error.Ok : WebRtcLog.FailNative(r, Source + ".PutPacket", "rtcSendMessage");
    }

    private Error NotOpen(ChannelState state) =>
        WebRtcLog.IsEnabled(WebRtcLogLevel.Warning)
            ? WebRtcLog.Fail(Error.Failed, Source + ".PutPacket", $"channel '{_core.Label}' is not open (state {state})")
            : Error.Failed;

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
        return Error.Ok;
    }

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
