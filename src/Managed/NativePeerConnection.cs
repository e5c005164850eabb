using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using WebRtcNative.Bindings;

namespace WebRtcNative;

/// <summary>The default backend, over the native C API (libwebrtcnative, or an upstream libdatachannel).</summary>
internal sealed unsafe class NativePeerConnection : WebRtcPeerConnectionExtension
{
    private const string Source = "WebRtcPeerConnection";
    private const int MaxPendingCandidates = 256;

    private readonly object _sync = new();
    private readonly object _pollLock = new();
    private PeerCore? _core;
    private bool _initialized;     // Initialize ran at least once (or lazily)
    private bool _closed;          // Close() was called and Initialize not since
    private int _disposed;
    // This backend's view of JSEP signaling, changed synchronously by each call (the public SignalingState
    // follows the native callbacks, raised in Poll): what the next offer, answer or rollback may do.
    private SignalingState _signal = SignalingState.Stable;
    private bool _negotiated;      // an offer/answer exchange completed: a later offer renegotiates
    private bool _remoteSet;       // a remote description is applied
    private readonly List<(string Mid, int Index, string Candidate)> _pendingCandidates = new();
    private string? _remoteSdp;    // the applied remote description: maps a candidate's m-line index to its mid
    private GatheringState _lastGathering = GatheringState.New;
    private ChannelCore[]? _closedChannels; // channels of a core torn down by Close/Initialize: their Closed event is raised by the next Poll
    private LocalDescription? _raised; // the description SessionDescriptionCreated raised last

    ~NativePeerConnection()
    {
        // Finalizer: no native call here (it could block); detach and hand everything to the deleter.
        // Nothing reachable can read the channels any more (each channel object holds its connection).
        var core = _core;
        if (core is not null)
            Teardown(core, closeNow: false, discardUnread: true);
        foreach (var ch in _readableAfterClose)
            ch.Release();
    }

    private bool IsDisposed => Volatile.Read(ref _disposed) != 0;
    // The channels of a connection closed by Close(): their unread packets stay readable until Dispose.
    private ChannelCore[] _readableAfterClose = Array.Empty<ChannelCore>();

    /// <summary>The owner's <see cref="WebRtcPeerConnection.LogId"/> (the log scope of its channels' lines).</summary>
    internal int LogId => Owner?.LogId ?? 0;

    /// <summary>The native peer connection id, or 0 when there is none (diagnostics and tests).</summary>
    internal int NativeId => Volatile.Read(ref _core)?.NativeId ?? 0;

    protected internal override ConnectionState ConnectionState
    {
        get
        {
            var core = Volatile.Read(ref _core);
            if (core is not null)
                return core.ConnectionState;
            return _closed || IsDisposed ? ConnectionState.Closed : ConnectionState.New;
        }
    }

    protected internal override GatheringState GatheringState
    {
        get
        {
            var core = Volatile.Read(ref _core);
            return core is not null ? core.GatheringState : _lastGathering;
        }
    }

    protected internal override SignalingState SignalingState
    {
        get
        {
            var core = Volatile.Read(ref _core);
            if (core is not null)
                return core.SignalingState;
            return _closed || IsDisposed ? SignalingState.Closed : SignalingState.Stable;
        }
    }

    protected internal override Error Initialize(WebRtcConfiguration configuration)
    {
        lock (_sync)
        {
            if (IsDisposed)
                return WebRtcLog.Fail(Error.Unavailable, Source + ".Initialize", "the connection is disposed");
            var old = _core;
            if (old is not null)
            {
                Volatile.Write(ref _core, null);
                Volatile.Write(ref _closedChannels, old.Channels);
                _readableAfterClose = [.. _readableAfterClose, .. Teardown(old, closeNow: true)];
            }
            ResetNegotiation();
            _initialized = true;
            _closed = true; // until the native connection exists
            var e = CreateCore(configuration, out var core);
            if (e != Error.Ok)
                return e;
            _lastGathering = GatheringState.New;
            _closed = false;
            Volatile.Write(ref _core, core);
            return Error.Ok;
        }
    }

    private void ResetNegotiation()
    {
        _signal = SignalingState.Stable;
        _negotiated = false;
        _remoteSet = false;
        _remoteSdp = null;
        _raised = null;
        _pendingCandidates.Clear();
    }

    private static Error CreateCore(WebRtcConfiguration c, out PeerCore? core)
    {
        core = null;
        try
        {
            WebRtcLog.EnsureNative();
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            return WebRtcLog.Fail(Error.CantCreate, Source + ".Initialize", "the native library could not be loaded: " + ex.Message);
        }

        // Everything the C struct points to lives in one native block, freed right after the call (the library copies it).
        var urls = new List<byte[]>();
        if (c.IceServers is not null)
            foreach (var server in c.IceServers)
                foreach (var url in server.Urls)
                    urls.Add(Native.Utf8Z(Validation.NativeIceUrl(url, server.Username, server.Credential))!);
        byte[]? bind = string.IsNullOrEmpty(c.BindAddress) ? null : Native.Utf8Z(c.BindAddress);

        nuint size = (nuint)(urls.Count * sizeof(byte*));
        foreach (var u in urls)
            size += (nuint)u.Length;
        if (bind is not null)
            size += (nuint)bind.Length;
        byte* block = (byte*)NativeMemory.Alloc(size == 0 ? 1 : size);
        int pc;
        try
        {
            byte** table = (byte**)block;
            byte* cursor = block + urls.Count * sizeof(byte*);
            for (int i = 0; i < urls.Count; i++)
            {
                table[i] = cursor;
                urls[i].CopyTo(new Span<byte>(cursor, urls[i].Length));
                cursor += urls[i].Length;
            }
            byte* bindPtr = null;
            if (bind is not null)
            {
                bindPtr = cursor;
                bind.CopyTo(new Span<byte>(cursor, bind.Length));
            }

            var config = new rtcConfiguration
            {
                iceServers = urls.Count > 0 ? table : null,
                iceServersCount = urls.Count,
                proxyServer = null,
                bindAddress = bindPtr,
                certificateType = rtcCertificateType.RTC_CERTIFICATE_DEFAULT,
                iceTransportPolicy = c.IceTransportPolicy == IceTransportPolicy.Relay
                    ? rtcTransportPolicy.RTC_TRANSPORT_POLICY_RELAY
                    : rtcTransportPolicy.RTC_TRANSPORT_POLICY_ALL,
                enableIceTcp = c.EnableIceTcp,
                enableIceUdpMux = false,
                // Godot's flow creates the offer explicitly (CreateOffer) and the answer after
                // SetRemoteDescription: negotiation is driven here, the same way on upstream libdatachannel.
                disableAutoNegotiation = true,
                forceMediaTransport = false,
                portRangeBegin = c.PortRangeBegin,
                portRangeEnd = c.PortRangeEnd,
                mtu = c.Mtu,
                maxMessageSize = c.MaxMessageSize,
            };
            pc = RtcNative.rtcCreatePeerConnection(&config);
        }
        finally
        {
            NativeMemory.Free(block);
        }
        if (pc <= 0)
            return WebRtcLog.FailNative(pc == 0 ? RtcNative.RTC_ERR_FAILURE : pc, Source + ".Initialize", "rtcCreatePeerConnection");

        core = new PeerCore(pc, c.ReceiveQueueMaxPackets, c.ReceiveQueueMaxBytes);
        int r = core.Attach();
        if (r < 0)
        {
            core.Detach();
            Reaper.DeletePeerConnection(core.ClaimNativeId());
            core = null;
            return WebRtcLog.FailNative(r, Source + ".Initialize", "setting the native callbacks");
        }
        return Error.Ok;
    }

    /// <summary>The live core, creating it with the default configuration on first use (Godot initializes on construction).</summary>
    private Error TryGetCore(string member, out PeerCore core)
    {
        core = null!;
        if (IsDisposed)
            return WebRtcLog.Fail(Error.Unavailable, Source + "." + member, "the connection is disposed");
        var c = _core;
        if (c is null)
        {
            if (_closed)
                return WebRtcLog.Fail(Error.Unconfigured, Source + "." + member, "the connection is closed; call Initialize to start over");
            if (!_initialized)
            {
                var e = Initialize(new WebRtcConfiguration());
                if (e != Error.Ok)
                    return e;
                c = _core;
            }
            if (c is null)
                return WebRtcLog.Fail(Error.Unconfigured, Source + "." + member, "the connection is not initialized");
        }
        core = c;
        return Error.Ok;
    }

    protected internal override Error CreateDataChannel(string label, DataChannelOptions options, out WebRtcDataChannel? channel)
    {
        channel = null;
        const string src = Source + ".CreateDataChannel";
        lock (_sync)
        {
            var e = TryGetCore(nameof(CreateDataChannel), out var core);
            if (e != Error.Ok)
                return e;
            var state = core.ConnectionState;
            if (state != ConnectionState.New)
                return WebRtcLog.Fail(Error.Failed, src, $"channels can only be created while the connection state is New (it is {state})");
            // Godot only requires STATE_NEW: an answerer may add (e.g. negotiated) channels after
            // SetRemoteDescription, an offerer after CreateOffer; the data section is already negotiated.
            if (options.Negotiated)
            {
                foreach (var other in core.Channels)
                {
                    if (other.Negotiated && other.RequestedId == options.Id && other.State != ChannelState.Closed)
                        return WebRtcLog.Fail(Error.AlreadyInUse, src, $"negotiated id {options.Id} is already used by channel '{other.Label}'");
                }
            }

            var init = new rtcDataChannelInit();
            init.reliability.unordered = !options.Ordered;
            init.reliability.unreliable = options.MaxRetransmits.HasValue || options.MaxPacketLifeTime.HasValue;
            init.reliability.maxPacketLifeTime = (uint)(options.MaxPacketLifeTime ?? 0);
            init.reliability.maxRetransmits = (uint)(options.MaxRetransmits ?? 0);
            init.negotiated = options.Negotiated;
            init.manualStream = options.Id.HasValue;
            init.stream = (ushort)(options.Id ?? 0);
            byte[] labelZ = Native.Utf8Z(label)!;
            byte[]? protocolZ = string.IsNullOrEmpty(options.Protocol) ? null : Native.Utf8Z(options.Protocol);
            int dc;
            fixed (byte* pl = labelZ)
            fixed (byte* pp = protocolZ)
            {
                init.protocol = pp;
                dc = RtcNative.rtcCreateDataChannelEx(core.NativeId, pl, &init);
            }
            if (dc <= 0)
                return WebRtcLog.FailNative(dc == 0 ? RtcNative.RTC_ERR_FAILURE : dc, src, "rtcCreateDataChannelEx");

            var ch = new ChannelCore(dc, core.MaxPackets, core.MaxBytes);
            ch.SetLocalMetadata(label, options);
            int r = ch.Attach(); // own user pointer first, then callbacks
            if (r < 0 || !core.TryAddChannel(ch))
            {
                ch.Release();
                Reaper.DeleteChannel(ch.ClaimNativeId());
                return r < 0 ? WebRtcLog.FailNative(r, src, "setting the channel callbacks") : WebRtcLog.Fail(Error.Failed, src, "the connection was closed meanwhile");
            }
            channel = new NativeDataChannel(this, core, ch);
            return Error.Ok;
        }
    }

    protected internal override Error CreateOffer()
    {
        const string src = Source + ".CreateOffer";
        lock (_sync)
        {
            var e = TryGetCore(nameof(CreateOffer), out var core);
            if (e != Error.Ok)
                return e;
            var state = core.ConnectionState;
            if (_negotiated)
            {
                // Renegotiation (docs/renegotiation.md): a later offer from either side, e.g. after RestartIce.
                if (state is ConnectionState.Failed or ConnectionState.Closed)
                    return WebRtcLog.Fail(Error.Failed, src, $"cannot renegotiate: the connection state is {state}");
                if (_signal != SignalingState.Stable)
                    return WebRtcLog.Fail(Error.Failed, src, $"an offer/answer exchange is in progress (signaling state {_signal})");
            }
            else
            {
                if (state != ConnectionState.New)
                    return WebRtcLog.Fail(Error.Failed, src, $"an offer can only be created while the connection state is New (it is {state})");
                if (core.Channels.Length == 0)
                    return WebRtcLog.Fail(Error.Failed, src, "create at least one data channel before the offer");
                if (_signal != SignalingState.Stable || _remoteSet)
                    return WebRtcLog.Fail(Error.Failed, src, "an offer/answer exchange has already started");
            }
            int r;
            fixed (byte* t = "offer\0"u8)
                r = RtcNative.rtcSetLocalDescription(core.NativeId, t);
            if (r < 0)
                return WebRtcLog.FailNative(r, src, "rtcSetLocalDescription(offer)");
            _signal = SignalingState.HaveLocalOffer;
            return Error.Ok;
        }
    }

    protected internal override Error SetLocalDescription(string type, string sdp)
    {
        const string src = Source + ".SetLocalDescription";
        lock (_sync)
        {
            if (IsDisposed)
                return WebRtcLog.Fail(Error.Unavailable, src, "the connection is disposed");
            var core = _core;
            if (core is null)
                return _closed
                    ? WebRtcLog.Fail(Error.Unconfigured, src, "the connection is closed; call Initialize to start over")
                    : WebRtcLog.Fail(Error.Failed, src, "no local description has been created yet (call CreateOffer, or SetRemoteDescription with an offer)");
            if (type == "rollback")
                return RollbackLocal(core);
            var local = core.Local;
            if (local is null)
                return WebRtcLog.Fail(Error.Failed, src, "no local description has been created yet (call CreateOffer, or SetRemoteDescription with an offer)");
            var raised = Volatile.Read(ref _raised);
            if ((local.Type != type || !SameSdp(local.Sdp, sdp)) && (raised is null || raised.Type != type || !SameSdp(raised.Sdp, sdp)))
                return WebRtcLog.Fail(Error.InvalidParameter, src, $"the {type} does not match the {local.Type} delivered by SessionDescriptionCreated (the library applies its own descriptions; modified descriptions are not supported)");
            return Error.Ok; // already applied by the library when it was created
        }
    }

    /// <summary>Takes back this side's pending offer (JSEP rollback): the polite peer's move in glare.</summary>
    private Error RollbackLocal(PeerCore core)
    {
        const string src = Source + ".SetLocalDescription";
        if (_signal != SignalingState.HaveLocalOffer)
            return WebRtcLog.Fail(Error.Failed, src, $"no local offer to roll back (signaling state {_signal})");
        int r;
        fixed (byte* t = "rollback\0"u8)
            r = RtcNative.rtcSetLocalDescription(core.NativeId, t);
        if (r < 0)
            return WebRtcLog.FailNative(r, src, "rtcSetLocalDescription(rollback)");
        _signal = SignalingState.Stable;
        return Error.Ok;
    }

    private static bool SameSdp(string a, string b) =>
        string.Equals(NormalizeSdp(a), NormalizeSdp(b), StringComparison.Ordinal);

    private static string NormalizeSdp(string sdp) => sdp.Replace("\r", string.Empty).Trim();

    protected internal override Error SetRemoteDescription(string type, string sdp)
    {
        const string src = Source + ".SetRemoteDescription";
        lock (_sync)
        {
            var e = TryGetCore(nameof(SetRemoteDescription), out var core);
            if (e != Error.Ok)
                return e;
            if (type == "rollback")
                return RollbackRemote(core);
            bool isOffer = type == "offer";
            if (isOffer && _signal == SignalingState.HaveLocalOffer)
                return WebRtcLog.Fail(Error.Failed, src, "glare: this side has an offer pending (both peers offered); the polite peer calls SetLocalDescription(\"rollback\", \"\") first, the impolite one ignores the remote offer (docs/renegotiation.md)");
            if (!isOffer && _signal is not (SignalingState.HaveLocalOffer or SignalingState.HaveRemotePranswer))
                return WebRtcLog.Fail(Error.Failed, src, _negotiated && _signal == SignalingState.Stable ? "an answer was already applied" : "an answer needs a local offer (call CreateOffer first)");
            int r;
            byte[] sdpZ = Native.Utf8Z(sdp)!;
            byte[] typeZ = Native.Utf8Z(type)!;
            fixed (byte* ps = sdpZ)
            fixed (byte* pt = typeZ)
                r = RtcNative.rtcSetRemoteDescription(core.NativeId, ps, pt);
            if (r < 0)
                return WebRtcLog.FailNative(r, src, $"rtcSetRemoteDescription({type})");
            _remoteSet = true;
            _remoteSdp = sdp;
            _signal = isOffer ? SignalingState.HaveRemoteOffer
                : type == "pranswer" ? SignalingState.HaveRemotePranswer
                : SignalingState.Stable;
            if (_signal == SignalingState.Stable)
                _negotiated = true;

            foreach (var (mid, index, candidate) in _pendingCandidates)
            {
                int rc = AddCandidateNative(core, mid, index, candidate);
                if (rc < 0)
                    WebRtcLog.FailNative(rc, Source + ".AddIceCandidate", $"rtcAddRemoteCandidate (deferred '{candidate}')");
            }
            _pendingCandidates.Clear();

            if (isOffer)
            {
                fixed (byte* t = "answer\0"u8)
                    r = RtcNative.rtcSetLocalDescription(core.NativeId, t);
                if (r < 0)
                    return WebRtcLog.FailNative(r, src, "rtcSetLocalDescription(answer)");
                _signal = SignalingState.Stable;
                _negotiated = true;
            }
            return Error.Ok;
        }
    }

    /// <summary>Takes back a remote offer not answered yet (JSEP rollback).</summary>
    private Error RollbackRemote(PeerCore core)
    {
        const string src = Source + ".SetRemoteDescription";
        if (_signal != SignalingState.HaveRemoteOffer)
            return WebRtcLog.Fail(Error.Failed, src, _signal == SignalingState.HaveLocalOffer
                ? "the pending offer is this side's: roll it back with SetLocalDescription(\"rollback\", \"\")"
                : $"no remote offer to roll back (signaling state {_signal})");
        int r;
        fixed (byte* t = "rollback\0"u8)
            r = RtcNative.rtcSetRemoteDescription(core.NativeId, t + 8, t); // an empty SDP: a rollback has none
        if (r < 0)
            return WebRtcLog.FailNative(r, src, "rtcSetRemoteDescription(rollback)");
        _signal = SignalingState.Stable;
        return Error.Ok;
    }

    protected internal override Error RestartIce()
    {
        const string src = Source + ".RestartIce";
        lock (_sync)
        {
            var e = TryGetCore(nameof(RestartIce), out var core);
            if (e != Error.Ok)
                return e;
            if (!NativeExtensions.HasRestartIce)
                return WebRtcLog.Fail(Error.Unavailable, src, "ICE restart needs the rtcRestartIce extension, which this native library lacks (upstream libdatachannel); use libwebrtcnative");
            if (!_negotiated)
                return WebRtcLog.Fail(Error.Failed, src, "nothing to restart: no offer/answer exchange has completed yet");
            int r = RtcNative.rtcRestartIce(core.NativeId);
            return r < 0 ? WebRtcLog.FailNative(r, src, "rtcRestartIce") : Error.Ok;
        }
    }

    protected internal override Error AddIceCandidate(string media, int index, string name)
    {
        const string src = Source + ".AddIceCandidate";
        lock (_sync)
        {
            var e = TryGetCore(nameof(AddIceCandidate), out var core);
            if (e != Error.Ok)
                return e;
            if (!_remoteSet)
            {
                if (_pendingCandidates.Count >= MaxPendingCandidates)
                    return WebRtcLog.Fail(Error.Failed, src, $"more than {MaxPendingCandidates} candidates before the remote description");
                _pendingCandidates.Add((media, index, name));
                return Error.Ok;
            }
            int r = AddCandidateNative(core, media, index, name);
            return r < 0 ? WebRtcLog.FailNative(r, src, "rtcAddRemoteCandidate") : Error.Ok;
        }
    }

    /// <summary>Adds a remote candidate; without a mid, the m-line <paramref name="index"/> of the remote description names it.</summary>
    private int AddCandidateNative(PeerCore core, string mid, int index, string candidate)
    {
        if (string.IsNullOrEmpty(mid))
            mid = SdpLines.MidAt(_remoteSdp, index) ?? string.Empty;
        byte[] candZ = Native.Utf8Z(candidate)!;
        byte[]? midZ = string.IsNullOrEmpty(mid) ? null : Native.Utf8Z(mid);
        fixed (byte* pc = candZ)
        fixed (byte* pm = midZ)
            return RtcNative.rtcAddRemoteCandidate(core.NativeId, pc, pm);
    }

    protected internal override Error Poll()
    {
        if (IsDisposed)
            return Error.Unavailable;
        if (Volatile.Read(ref _closedChannels) is not null && Interlocked.Exchange(ref _closedChannels, null) is { } closedChannels)
        {
            foreach (var ch in closedChannels)
                ch.DispatchEvents();
        }
        var core = Volatile.Read(ref _core);
        if (core is null)
            return _closed ? Error.Unconfigured : Error.Ok;

        lock (_pollLock)
        {
            // Only the events queued before this call: a handler that keeps causing events cannot livelock Poll.
            // (IsEmpty first: it is cheaper than Count, which the usual event-less Poll does not need.)
            int budget = core.Events.IsEmpty ? 0 : core.Events.Count;
            while (budget-- > 0 && core.Events.TryDequeue(out var ev))
            {
                if (IsDisposed || !ReferenceEquals(Volatile.Read(ref _core), core))
                    return Error.Ok; // disposed, closed or re-initialized by a handler
                Dispatch(core, ev);
            }
            if (IsDisposed || !ReferenceEquals(Volatile.Read(ref _core), core))
                return Error.Ok;
            foreach (var ch in core.Channels)
            {
                ch.Surface();
                ch.DispatchEvents(); // channel events (ChannelCore.Events.cs)
            }
        }
        return Error.Ok;
    }

    private void Dispatch(PeerCore core, in PeerEvent ev)
    {
        switch (ev.Kind)
        {
            case PeerEventKind.Description:
                // Renegotiation can create a newer description before this one is raised (an answer, then an
                // offer at once): SetLocalDescription from this handler matches the one raised.
                Volatile.Write(ref _raised, new LocalDescription(ev.A!, ev.B!));
                RaiseSessionDescriptionCreated(ev.A!, ev.B!);
                break;
            case PeerEventKind.Candidate:
                // Godot's index is the m-line of the mid in the local description (the data section may not be first).
                RaiseIceCandidateCreated(ev.A!, Math.Max(0, SdpLines.IndexOfMid(core.Local?.Sdp, ev.A!)), ev.B!);
                break;
            case PeerEventKind.ConnectionState:
                RaiseConnectionStateChanged((ConnectionState)ev.Value);
                break;
            case PeerEventKind.GatheringState:
                RaiseGatheringStateChanged((GatheringState)ev.Value);
                break;
            case PeerEventKind.SignalingState:
                RaiseSignalingStateChanged((SignalingState)ev.Value);
                break;
            case PeerEventKind.DataChannel:
                var ch = ev.Channel!;
                if (ch.IsReleased || ch.NativeId <= 0)
                    break;
                ch.Surface(); // packets that came with the channel are readable in the handler
                RaiseDataChannelReceived(new NativeDataChannel(this, core, ch));
                break;
        }
    }

    protected internal override Error GetStats(WebRtcStats stats)
    {
        if (IsDisposed)
            return Error.Unavailable;
        var core = Volatile.Read(ref _core);
        if (core is null)
        {
            if (_closed)
                return WebRtcLog.Fail(Error.Unconfigured, Source + ".GetStats", "the connection is closed");
            stats.Reset(); // not initialized yet: nothing has happened
            return Error.Ok;
        }
        return NativeStats.FillConnection(core.NativeId, stats, Source + ".GetStats");
    }

    protected internal override void Close()
    {
        lock (_sync)
        {
            if (IsDisposed)
                return;
            var core = _core;
            _closed = true;
            ResetNegotiation();
            if (core is null)
                return;
            _lastGathering = core.GatheringState;
            Volatile.Write(ref _core, null);
            Volatile.Write(ref _closedChannels, core.Channels);
            _readableAfterClose = Teardown(core, closeNow: true);
        }
    }

    /// <summary>
    /// Detaches the core (late callbacks find nothing), closes the native connection synchronously when
    /// <paramref name="closeNow"/>, and hands the channels, then the connection, to the deleter thread.
    /// With <paramref name="discardUnread"/> (Dispose) the channels' unread packets are dropped too: they
    /// count toward <see cref="WebRtcLibrary.ReceiveBudgetBytes"/>, and a disposed connection's channels are
    /// often never disposed themselves, which would hold that share of the budget forever. After
    /// <see cref="Close"/> they stay readable until the channel or the connection is disposed.
    /// </summary>
    private static ChannelCore[] Teardown(PeerCore core, bool closeNow, bool discardUnread = false)
    {
        var channels = core.Detach();
        int pc = core.NativeId;
        if (closeNow && pc > 0)
            RtcNative.rtcClosePeerConnection(pc);
        // Deleting aborts the graceful SCTP shutdown rtcClosePeerConnection started (what was sent would be
        // lost): after a close, the deleter waits for the shutdown's bound.
        bool graceful = closeNow && pc > 0;
        foreach (var ch in channels)
        {
            if (discardUnread)
                ch.Release();
            Reaper.DeleteChannel(ch.ClaimNativeId(), afterGracefulClose: graceful);
        }
        Reaper.DeletePeerConnection(core.ClaimNativeId(), afterGracefulClose: graceful);
        // Drop queued events (pending descriptions/candidates of a closed connection are meaningless).
        while (core.Events.TryDequeue(out _))
        {
        }
        return channels;
    }

    protected override void Dispose(bool disposing)
    {
        if (!disposing)
            return;
        lock (_sync)
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
                return;
            var core = _core;
            if (core is not null)
                _lastGathering = core.GatheringState;
            Volatile.Write(ref _core, null);
            _closed = true;
            ResetNegotiation();
            if (core is not null)
                Teardown(core, closeNow: true, discardUnread: true);
            // Closed before: its channels were kept readable until now.
            foreach (var ch in _readableAfterClose)
                ch.Release();
            _readableAfterClose = Array.Empty<ChannelCore>();
        }
        base.Dispose(disposing);
    }
}
