using System;
using System.Collections.Generic;
using System.Threading;

namespace WebRtcNative;

/// <summary>
/// A WebRTC peer connection with data channels: Godot's <c>WebRTCPeerConnection</c> in C#.
/// </summary>
/// <remarks>
/// <para><b>Flow.</b> Peer A creates a channel and calls <see cref="CreateOffer"/>; at a later <see cref="Poll"/>,
/// <see cref="SessionDescriptionCreated"/> delivers the offer, which A passes to <see cref="SetLocalDescription"/>
/// and sends to B. B calls <see cref="SetRemoteDescription"/>(<c>"offer"</c>, …); its answer arrives the same way.
/// Both sides forward <see cref="IceCandidateCreated"/> to the other's <see cref="AddIceCandidate"/> and keep
/// polling until <see cref="ConnectionState"/> is <see cref="WebRtcNative.ConnectionState.Connected"/>.</para>
/// <para><b>Threading.</b> Native threads only enqueue. Events, state-change events and received packets are
/// delivered on the thread that calls <see cref="Poll"/>; state getters are updated immediately. Every member
/// may be called from any thread.</para>
/// <para><b>Errors.</b> Methods returning <see cref="Error"/> never throw for bad input or a wrong state; the
/// reason is reported through <see cref="WebRtcLog"/>. Before <see cref="Initialize(WebRtcConfiguration?)"/> the
/// connection initializes itself with the default configuration on first use (as Godot's does). After
/// <see cref="Close"/>, methods return <see cref="Error.Unconfigured"/> until <c>Initialize</c> is called again.
/// After <see cref="Dispose"/>, methods return <see cref="Error.Unavailable"/> (<see cref="CreateDataChannel(string, DataChannelOptions?)"/>
/// returns <see langword="null"/>), states read <c>Closed</c>, and nothing throws.</para>
/// <para><b>Lifetime.</b> <see cref="Dispose"/> closes the connection synchronously and deletes the native
/// objects on a background thread (native deletion waits for in-flight callbacks and may block). Packets already
/// sent when <see cref="Close"/> or <see cref="Dispose"/> is called still reach the peer: SCTP ends with a graceful
/// shutdown, bounded to 2 s, and the native objects are deleted after it. It is safe to
/// call from inside an event handler. A connection that is no longer referenced (by you or by one of its
/// channels) is closed when it is garbage-collected.</para>
/// </remarks>
public sealed class WebRtcPeerConnection : IDisposable
{
    private const string Source = "WebRtcPeerConnection";
    private static Func<WebRtcPeerConnectionExtension>? s_defaultFactory;

    private readonly WebRtcPeerConnectionExtension _backend;
    private int _disposed;

    /// <summary>Creates a connection with the default backend (the native one unless <see cref="SetDefaultExtension{T}"/> changed it).</summary>
    public WebRtcPeerConnection()
        : this(CreateDefaultBackend())
    {
    }

    /// <summary>Creates a connection over the given backend.</summary>
    /// <param name="extension">The backend; it can serve one connection only.</param>
    /// <exception cref="ArgumentNullException"><paramref name="extension"/> is null.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="extension"/> already serves another connection.</exception>
    public WebRtcPeerConnection(WebRtcPeerConnectionExtension extension)
    {
        ArgumentNullException.ThrowIfNull(extension);
        if (!extension.TryAttach(this))
            throw new InvalidOperationException("This extension already serves another WebRtcPeerConnection.");
        _backend = extension;
    }

    /// <summary>Makes <typeparamref name="T"/> the backend of connections created from now on (Godot's <c>set_default_extension</c>).</summary>
    /// <typeparam name="T">The backend type.</typeparam>
    public static void SetDefaultExtension<T>() where T : WebRtcPeerConnectionExtension, new() =>
        Volatile.Write(ref s_defaultFactory, static () => new T());

    /// <summary>Sets the factory of the backend of connections created from now on; <see langword="null"/> restores the native backend.</summary>
    /// <param name="factory">Creates one backend per connection.</param>
    public static void SetDefaultExtension(Func<WebRtcPeerConnectionExtension>? factory) =>
        Volatile.Write(ref s_defaultFactory, factory);

    private static WebRtcPeerConnectionExtension CreateDefaultBackend()
    {
        var factory = Volatile.Read(ref s_defaultFactory);
        if (factory is null)
            return new NativePeerConnection();
        return factory() ?? throw new InvalidOperationException("The default extension factory returned null.");
    }

    /// <summary>The backend serving this connection.</summary>
    public WebRtcPeerConnectionExtension Extension => _backend;

    /// <summary>
    /// A process-unique number (1, 2, ...) naming this connection in log lines: <see cref="WebRtcLog.ConnectionSink"/>
    /// receives it with every line written during a call on this connection (the logging scope of
    /// <c>WebRtcNative.Extensions.Logging</c>).
    /// </summary>
    public int LogId { get; } = WebRtcLog.NextConnectionId();

    private bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>Emitted (at <see cref="Poll"/>) with <c>(type, sdp)</c> after <see cref="CreateOffer"/>, or after <see cref="SetRemoteDescription"/> of an offer (the answer). Pass both to <see cref="SetLocalDescription"/> and send them to the remote peer.</summary>
    public event Action<string, string>? SessionDescriptionCreated;

    /// <summary>Emitted (at <see cref="Poll"/>) with <c>(media, index, name)</c> for each local ICE candidate: the mid, the m-line index (0) and the candidate line (<c>candidate:…</c>). Send them to the remote peer's <see cref="AddIceCandidate"/>.</summary>
    public event Action<string, int, string>? IceCandidateCreated;

    /// <summary>Emitted (at <see cref="Poll"/>) when the remote peer opens an in-band channel (<c>negotiated: false</c>). Keep a reference to it, or it is closed when collected.</summary>
    public event Action<WebRtcDataChannel>? DataChannelReceived;

    /// <summary>Emitted (at <see cref="Poll"/>) when <see cref="ConnectionState"/> changes as reported by the backend. A local <see cref="Close"/> does not raise it.</summary>
    public event Action<ConnectionState>? ConnectionStateChanged;

    /// <summary>Emitted (at <see cref="Poll"/>) when <see cref="GatheringState"/> changes.</summary>
    public event Action<GatheringState>? GatheringStateChanged;

    /// <summary>Emitted (at <see cref="Poll"/>) when <see cref="SignalingState"/> changes as reported by the backend.</summary>
    public event Action<SignalingState>? SignalingStateChanged;

    /// <summary>The connection state. Starts at <see cref="WebRtcNative.ConnectionState.New"/>; <see cref="WebRtcNative.ConnectionState.Closed"/> after <see cref="Close"/> or <see cref="Dispose"/>.</summary>
    public ConnectionState ConnectionState => IsDisposed ? ConnectionState.Closed : _backend.ConnectionState;

    /// <summary>The ICE gathering state.</summary>
    public GatheringState GatheringState => _backend.GatheringState;

    /// <summary>The signaling state. Starts at <see cref="WebRtcNative.SignalingState.Stable"/>; <see cref="WebRtcNative.SignalingState.Closed"/> after <see cref="Close"/> or <see cref="Dispose"/>.</summary>
    public SignalingState SignalingState => IsDisposed ? SignalingState.Closed : _backend.SignalingState;

    /// <summary>(Re)initializes the connection: closes any previous one and goes back to <see cref="WebRtcNative.ConnectionState.New"/>.</summary>
    /// <param name="configuration">The configuration; <see langword="null"/>: defaults.</param>
    /// <returns><see cref="Error.Ok"/>; <see cref="Error.InvalidParameter"/> for a bad configuration; a mapped native error when the connection cannot be created; <see cref="Error.Unavailable"/> after dispose.</returns>
#pragma warning disable RS0027 // Godot's API shape (spec): initialize(configuration = {}) next to the dictionary overload.
    public Error Initialize(WebRtcConfiguration? configuration = null)
#pragma warning restore RS0027
    {
        using var logScope = WebRtcLog.Enter(LogId);
        if (IsDisposed)
            return Disposed(nameof(Initialize));
        configuration ??= new WebRtcConfiguration();
        var e = Validation.CheckConfiguration(configuration, out string reason);
        if (e != Error.Ok)
            return WebRtcLog.Fail(e, Source + ".Initialize", reason);
        return _backend.Initialize(configuration);
    }

    /// <summary>
    /// (Re)initializes the connection from a Godot-style dictionary: <c>"iceServers"</c> (a list of
    /// <c>{"urls", "username", "credential"}</c>), <c>"iceTransportPolicy"</c> (<c>"all"</c>/<c>"relay"</c>),
    /// <c>"bindAddress"</c>, <c>"portRangeBegin"</c>, <c>"portRangeEnd"</c>, <c>"enableIceTcp"</c>, <c>"mtu"</c>,
    /// <c>"maxMessageSize"</c>, <c>"receiveQueueMaxPackets"</c>, <c>"receiveQueueMaxBytes"</c>. Unknown keys are
    /// ignored with a warning.
    /// </summary>
    /// <remarks>
    /// Generic so that <c>Initialize(null)</c> is not ambiguous (CS0121): a <see langword="null"/> literal has
    /// no type to infer, so it binds to <see cref="Initialize(WebRtcConfiguration?)"/> (defaults).
    /// </remarks>
    /// <typeparam name="TDictionary">Any <c>IDictionary&lt;string, object?&gt;</c>, e.g. <c>Dictionary&lt;string, object?&gt;</c>.</typeparam>
    /// <param name="configuration">The dictionary.</param>
    /// <returns>As <see cref="Initialize(WebRtcConfiguration?)"/>; <see cref="Error.InvalidParameter"/> for a null dictionary or a value of the wrong type.</returns>
    public Error Initialize<TDictionary>(TDictionary configuration)
        where TDictionary : IDictionary<string, object?>
    {
        using var logScope = WebRtcLog.Enter(LogId);
        if (IsDisposed)
            return Disposed(nameof(Initialize));
        var e = Validation.ParseConfiguration(configuration, out var config, out string reason);
        if (e != Error.Ok)
            return WebRtcLog.Fail(e, Source + ".Initialize", reason);
        return Initialize(config);
    }

    /// <summary>
    /// Creates a data channel. Allowed while <see cref="ConnectionState"/> is <see cref="WebRtcNative.ConnectionState.New"/>
    /// (as in Godot), also after <see cref="CreateOffer"/> or <see cref="SetRemoteDescription"/>, e.g. for an answerer that
    /// adds negotiated channels once it got the offer. Returns <see langword="null"/> on failure (the reason is logged;
    /// <see cref="TryCreateDataChannel"/> returns it as an <see cref="Error"/>). Keep a reference to the channel,
    /// or it is closed when collected.
    /// </summary>
    /// <param name="label">The label (may be empty, not null).</param>
    /// <param name="options">Options; <see langword="null"/>: reliable, ordered, in-band.</param>
    /// <returns>The channel, or <see langword="null"/>.</returns>
#pragma warning disable RS0027 // Godot's API shape (spec): create_data_channel(label, options = {}) next to the dictionary overload.
    public WebRtcDataChannel? CreateDataChannel(string label, DataChannelOptions? options = null) =>
#pragma warning restore RS0027
        TryCreateDataChannel(label, options, out var channel) == Error.Ok ? channel : null;

    /// <summary>
    /// Creates a data channel from a Godot-style options dictionary: <c>"negotiated"</c>, <c>"id"</c>,
    /// <c>"maxRetransmits"</c>, <c>"maxPacketLifeTime"</c> (also spelled <c>"maxPacketLifetime"</c>), <c>"ordered"</c>,
    /// <c>"protocol"</c>. An integer value of -1 means "not set", as in Godot.
    /// </summary>
    /// <remarks>Generic so that <c>CreateDataChannel(label, null)</c> is not ambiguous (CS0121): it binds to the typed form.</remarks>
    /// <typeparam name="TDictionary">Any <c>IDictionary&lt;string, object?&gt;</c>, e.g. <c>Dictionary&lt;string, object?&gt;</c>.</typeparam>
    /// <param name="label">The label.</param>
    /// <param name="options">The dictionary.</param>
    /// <returns>The channel, or <see langword="null"/> on failure.</returns>
    public WebRtcDataChannel? CreateDataChannel<TDictionary>(string label, TDictionary options)
        where TDictionary : IDictionary<string, object?>
    {
        using var logScope = WebRtcLog.Enter(LogId);
        if (IsDisposed)
        {
            Disposed(nameof(CreateDataChannel));
            return null;
        }
        var e = Validation.ParseChannelOptions(options, out var parsed, out string reason);
        if (e != Error.Ok)
        {
            WebRtcLog.Fail(e, Source + ".CreateDataChannel", reason);
            return null;
        }
        return CreateDataChannel(label, parsed);
    }

    /// <summary>Creates a data channel and tells why it could not (the <see cref="Error"/>-returning form of <see cref="CreateDataChannel(string, DataChannelOptions?)"/>).</summary>
    /// <param name="label">The label (may be empty, not null).</param>
    /// <param name="options">Options; <see langword="null"/>: reliable, ordered, in-band.</param>
    /// <param name="channel">The channel, or <see langword="null"/>.</param>
    /// <returns>
    /// <see cref="Error.Ok"/>; <see cref="Error.InvalidParameter"/> for a null label or bad options (negotiated
    /// without id, id without negotiated, both <c>MaxRetransmits</c> and <c>MaxPacketLifeTime</c>, out-of-range
    /// values); <see cref="Error.AlreadyInUse"/> for a negotiated id this connection already uses;
    /// <see cref="Error.Failed"/> when the state is not <c>New</c>;
    /// <see cref="Error.Unconfigured"/> after <see cref="Close"/>; <see cref="Error.Unavailable"/> after dispose.
    /// </returns>
    public Error TryCreateDataChannel(string label, DataChannelOptions? options, out WebRtcDataChannel? channel)
    {
        using var logScope = WebRtcLog.Enter(LogId);
        channel = null;
        if (IsDisposed)
            return Disposed(nameof(CreateDataChannel));
        options ??= new DataChannelOptions();
        var e = Validation.CheckChannel(label, options, out string reason);
        if (e != Error.Ok)
            return WebRtcLog.Fail(e, Source + ".CreateDataChannel", reason);
        return _backend.CreateDataChannel(label, options, out channel);
    }

    /// <summary>
    /// Creates an offer; it is delivered by <see cref="SessionDescriptionCreated"/> at a later <see cref="Poll"/>.
    /// Needs at least one data channel. Once an offer/answer exchange completed, either side may offer again
    /// (renegotiation, e.g. after <see cref="RestartIce"/>; docs/renegotiation.md).
    /// </summary>
    /// <returns><see cref="Error.Ok"/>; <see cref="Error.Failed"/> before the first exchange when the state is not <c>New</c>, no channel exists or an exchange already started, and afterwards while an exchange is in progress or the connection failed; <see cref="Error.Unconfigured"/> after <see cref="Close"/>; <see cref="Error.Unavailable"/> after dispose.</returns>
    public Error CreateOffer()
    {
        using var logScope = WebRtcLog.Enter(LogId);
        if (IsDisposed)
            return Disposed(nameof(CreateOffer));
        return _backend.CreateOffer();
    }

    /// <summary>
    /// Sets the local description. The library applies the descriptions it creates itself, so passing the
    /// <c>(type, sdp)</c> that <see cref="SessionDescriptionCreated"/> delivered is a no-op that returns
    /// <see cref="Error.Ok"/> (line endings may differ); any other description is refused.
    /// </summary>
    /// <param name="type"><c>"offer"</c> or <c>"answer"</c>; <c>"rollback"</c> (any SDP, may be empty) takes back
    /// this side's pending offer, as the polite peer does in glare (docs/renegotiation.md).</param>
    /// <param name="sdp">The description.</param>
    /// <returns><see cref="Error.Ok"/>; <see cref="Error.InvalidParameter"/> for a null/empty/unknown type, <c>"pranswer"</c> (the library answers with final answers only), an empty SDP or one that does not match the created description; <see cref="Error.Failed"/> when no local description was created yet, or for a rollback without a pending local offer; <see cref="Error.Unconfigured"/> after <see cref="Close"/>; <see cref="Error.Unavailable"/> after dispose.</returns>
    public Error SetLocalDescription(string type, string sdp)
    {
        using var logScope = WebRtcLog.Enter(LogId);
        if (IsDisposed)
            return Disposed(nameof(SetLocalDescription));
        var e = Validation.CheckDescriptionType(type, out string reason);
        if (e == Error.Ok && type == "pranswer")
            (e, reason) = (Error.InvalidParameter, "the library creates final answers only; a provisional answer (pranswer) can only come from the remote peer");
        if (type == "rollback" && e == Error.Ok)
            return _backend.SetLocalDescription(type, sdp ?? string.Empty);
        if (e == Error.Ok && string.IsNullOrWhiteSpace(sdp))
            (e, reason) = (Error.InvalidParameter, sdp is null ? "sdp is null" : "sdp is empty");
        if (e != Error.Ok)
            return WebRtcLog.Fail(e, Source + ".SetLocalDescription", reason);
        return _backend.SetLocalDescription(type, sdp!);
    }

    /// <summary>
    /// Sets the remote description. For an <c>"offer"</c>, the answer is created and delivered through
    /// <see cref="SessionDescriptionCreated"/> at a later <see cref="Poll"/>. Candidates added before this call are
    /// kept and applied now.
    /// </summary>
    /// <param name="type"><c>"offer"</c>, <c>"answer"</c>, <c>"pranswer"</c> (a provisional answer: the transports
    /// start, the final answer follows) or <c>"rollback"</c> (any SDP, may be empty: takes back a remote offer not yet answered).
    /// A later offer may restart ICE (new credentials); this side then restarts too.</param>
    /// <param name="sdp">The remote peer's description.</param>
    /// <returns><see cref="Error.Ok"/>; <see cref="Error.InvalidParameter"/> for a null/empty/unknown type or a null, empty or malformed SDP; <see cref="Error.Failed"/> for an answer without a local offer, an offer while a local offer is pending (glare: docs/renegotiation.md), a rollback with nothing to roll back, or a description the library rejects; <see cref="Error.Unconfigured"/> after <see cref="Close"/>; <see cref="Error.Unavailable"/> after dispose.</returns>
    public Error SetRemoteDescription(string type, string sdp)
    {
        using var logScope = WebRtcLog.Enter(LogId);
        if (IsDisposed)
            return Disposed(nameof(SetRemoteDescription));
        var e = Validation.CheckDescriptionType(type, out string reason);
        if (type == "rollback" && e == Error.Ok)
            return _backend.SetRemoteDescription(type, sdp ?? string.Empty);
        if (e == Error.Ok)
            e = Validation.CheckSdp(sdp, out reason);
        if (e != Error.Ok)
            return WebRtcLog.Fail(e, Source + ".SetRemoteDescription", reason);
        return _backend.SetRemoteDescription(type, sdp);
    }

    /// <summary>
    /// Extension to Godot's API: ICE restart (RFC 8445 section 9, the W3C <c>restartIce()</c>). The next
    /// <see cref="CreateOffer"/> carries new ICE credentials; the other side restarts its ICE when it sets that
    /// offer and answers with new ones. Local candidates are gathered again (the addresses the host has now, e.g.
    /// after a Wi-Fi to cellular handover), carried by the offer and answer and raised again through
    /// <see cref="IceCandidateCreated"/>. The data channels, DTLS and SCTP stay as they are: no message is lost or
    /// duplicated. Use it when the connection is <see cref="WebRtcNative.ConnectionState.Disconnected"/> (a path
    /// died, e.g. a network change) or to move to a new path; a disconnected connection then has 30 s to
    /// reconnect before it fails. docs/ice-restart.md.
    /// </summary>
    /// <returns><see cref="Error.Ok"/>; <see cref="Error.Failed"/> before the first offer/answer exchange completed;
    /// <see cref="Error.Unavailable"/> when the native library lacks the <c>rtcRestartIce</c> extension (an upstream
    /// libdatachannel) or after dispose; <see cref="Error.Unconfigured"/> after <see cref="Close"/>.</returns>
    public Error RestartIce()
    {
        if (IsDisposed)
            return Disposed(nameof(RestartIce));
        return _backend.RestartIce();
    }

    /// <summary>
    /// Adds a remote ICE candidate received through signaling (the remote peer's <see cref="IceCandidateCreated"/>).
    /// The line may start with <c>a=</c> or not; an empty line means end-of-candidates and returns <see cref="Error.Ok"/>.
    /// Candidates that arrive before the remote description are kept until it is set.
    /// </summary>
    /// <param name="media">The mid (may be empty: the first media section).</param>
    /// <param name="index">The m-line index (not negative).</param>
    /// <param name="name">The candidate line.</param>
    /// <returns><see cref="Error.Ok"/>; <see cref="Error.InvalidParameter"/> for a null media or name, a negative index, or a malformed candidate line; <see cref="Error.Unconfigured"/> after <see cref="Close"/>; <see cref="Error.Unavailable"/> after dispose; otherwise the mapped native error.</returns>
    public Error AddIceCandidate(string media, int index, string name)
    {
        using var logScope = WebRtcLog.Enter(LogId);
        if (IsDisposed)
            return Disposed(nameof(AddIceCandidate));
        const string src = Source + ".AddIceCandidate";
        if (media is null)
            return WebRtcLog.Fail(Error.InvalidParameter, src, "media is null");
        if (name is null)
            return WebRtcLog.Fail(Error.InvalidParameter, src, "name is null");
        if (index < 0)
            return WebRtcLog.Fail(Error.InvalidParameter, src, $"index {index} is negative");
        string line = name.Trim();
        if (line.StartsWith("a=", StringComparison.Ordinal))
            line = line.Substring(2);
        if (line.Length == 0 || line == "end-of-candidates")
            return Error.Ok; // end of candidates
        if (!IsCandidateLine(line))
            return WebRtcLog.Fail(Error.InvalidParameter, src, $"'{name}' is not an ICE candidate line (candidate:<foundation> <component> <transport> <priority> <address> <port> typ <type> ...)");
        return _backend.AddIceCandidate(media, index, line);
    }

    private static bool IsCandidateLine(string line)
    {
        if (!line.StartsWith("candidate:", StringComparison.Ordinal) || line.IndexOf('\0') >= 0)
            return false;
        var parts = line.Substring("candidate:".Length).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length >= 8
            && uint.TryParse(parts[1], out _)
            && ulong.TryParse(parts[3], out _)
            && ushort.TryParse(parts[5], out _)
            && parts[6] == "typ";
    }

    /// <summary>
    /// Raises the events queued since the last call (descriptions, candidates, received channels, state changes)
    /// on the calling thread, and makes the packets received by every channel of this connection readable.
    /// Call it often (e.g. every frame).
    /// </summary>
    /// <returns><see cref="Error.Ok"/>; <see cref="Error.Unconfigured"/> after <see cref="Close"/>; <see cref="Error.Unavailable"/> after dispose.</returns>
    public Error Poll()
    {
        using var logScope = WebRtcLog.Enter(LogId);
        if (IsDisposed)
            return Error.Unavailable;
        return _backend.Poll();
    }

    /// <summary>
    /// Fills <paramref name="stats"/> with the connection's statistics (an extension to Godot's API; docs/stats.md):
    /// the selected candidate pair, bytes and packets sent and received, SCTP RTT, congestion window and
    /// retransmissions, the DTLS cipher and the buffered amount. Refilling the same object allocates nothing, so it
    /// can run every frame. Per-channel figures: <see cref="WebRtcDataChannel.GetStats(WebRtcChannelStats)"/>.
    /// </summary>
    /// <param name="stats">The object to fill (reuse it).</param>
    /// <returns><see cref="Error.Ok"/>; <see cref="Error.InvalidParameter"/> for null; <see cref="Error.Unconfigured"/>
    /// after <see cref="Close"/>; <see cref="Error.Unavailable"/> after dispose or when the native library lacks the
    /// <c>rtcGetStats</c> extension (an upstream libdatachannel).</returns>
    public Error GetStats(WebRtcStats stats)
    {
        if (stats is null)
            return WebRtcLog.Fail(Error.InvalidParameter, Source + ".GetStats", "stats is null");
        if (IsDisposed)
            return Disposed("GetStats");
        return _backend.GetStats(stats);
    }

    /// <summary>
    /// The connection's statistics in an object it owns and refills at each call (no allocation after the first call;
    /// meant for one polling thread: use <see cref="GetStats(WebRtcStats)"/> for a copy of your own).
    /// </summary>
    /// <returns>The refreshed statistics, or <see langword="null"/> when they are unavailable (the reason is logged).</returns>
    public WebRtcStats? GetStats()
    {
        var stats = _stats ??= new WebRtcStats();
        return GetStats(stats) == Error.Ok ? stats : null;
    }

    private WebRtcStats? _stats;

    /// <summary>Closes the connection and all its channels. Events still queued are discarded. Call <see cref="Initialize(WebRtcConfiguration?)"/> to start over.</summary>
    public void Close()
    {
        using var logScope = WebRtcLog.Enter(LogId);
        if (IsDisposed)
            return;
        _backend.Close();
    }

    /// <summary>Closes the connection and frees its native resources (deleted on a background thread). Safe from an event handler and more than once.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        _backend.Dispose();
    }

    private static Error Disposed(string member) =>
        WebRtcLog.Fail(Error.Unavailable, Source + "." + member, "the connection is disposed");

    internal void OnSessionDescriptionCreated(string type, string sdp) => SessionDescriptionCreated?.Invoke(type, sdp);

    internal void OnIceCandidateCreated(string media, int index, string name) => IceCandidateCreated?.Invoke(media, index, name);

    internal void OnDataChannelReceived(WebRtcDataChannel channel) => DataChannelReceived?.Invoke(channel);

    internal void OnConnectionStateChanged(ConnectionState state) => ConnectionStateChanged?.Invoke(state);

    internal void OnGatheringStateChanged(GatheringState state) => GatheringStateChanged?.Invoke(state);

    internal void OnSignalingStateChanged(SignalingState state) => SignalingStateChanged?.Invoke(state);
}
