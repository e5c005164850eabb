using System;
using System.Threading;

namespace WebRtcNative;

/// <summary>
/// The backend behind a <see cref="WebRtcPeerConnection"/> (Godot's <c>WebRTCPeerConnectionExtension</c>):
/// one overridable member per method of the facade. The default backend is the native one; install
/// another with <see cref="WebRtcPeerConnection.SetDefaultExtension{T}"/> or pass an instance to
/// <see cref="WebRtcPeerConnection(WebRtcPeerConnectionExtension)"/>.
/// </summary>
/// <remarks>
/// The facade validates arguments before calling a backend (null or empty strings, channel option
/// combinations, candidate syntax), so overrides receive well-formed input. A backend raises the
/// facade's events with the <c>Raise…</c> methods, and only from inside <see cref="Poll"/>.
/// </remarks>
public abstract class WebRtcPeerConnectionExtension : IDisposable
{
    private WebRtcPeerConnection? _owner;

    /// <summary>Initializes the backend base.</summary>
    protected WebRtcPeerConnectionExtension()
    {
    }

    /// <summary>The facade this backend serves, once attached.</summary>
    protected WebRtcPeerConnection? Owner => Volatile.Read(ref _owner);

    internal bool TryAttach(WebRtcPeerConnection owner) => Interlocked.CompareExchange(ref _owner, owner, null) is null;

    /// <summary>Current connection state (see <see cref="WebRtcPeerConnection.ConnectionState"/>).</summary>
    protected internal abstract ConnectionState ConnectionState { get; }

    /// <summary>Current gathering state (see <see cref="WebRtcPeerConnection.GatheringState"/>).</summary>
    protected internal abstract GatheringState GatheringState { get; }

    /// <summary>Current signaling state (see <see cref="WebRtcPeerConnection.SignalingState"/>).</summary>
    protected internal abstract SignalingState SignalingState { get; }

    /// <summary>(Re)initializes the connection (see <see cref="WebRtcPeerConnection.Initialize(WebRtcConfiguration?)"/>).</summary>
    /// <param name="configuration">A validated configuration.</param>
    /// <returns>The result.</returns>
    protected internal abstract Error Initialize(WebRtcConfiguration configuration);

    /// <summary>Creates a data channel (see <see cref="WebRtcPeerConnection.TryCreateDataChannel"/>).</summary>
    /// <param name="label">The label (not null).</param>
    /// <param name="options">Validated options.</param>
    /// <param name="channel">The channel, or <see langword="null"/> on failure.</param>
    /// <returns>The result.</returns>
    protected internal abstract Error CreateDataChannel(string label, DataChannelOptions options, out WebRtcDataChannel? channel);

    /// <summary>Creates an offer (see <see cref="WebRtcPeerConnection.CreateOffer"/>).</summary>
    /// <returns>The result.</returns>
    protected internal abstract Error CreateOffer();

    /// <summary>Sets the local description (see <see cref="WebRtcPeerConnection.SetLocalDescription"/>).</summary>
    /// <param name="type"><c>"offer"</c> or <c>"answer"</c>.</param>
    /// <param name="sdp">A non-empty SDP.</param>
    /// <returns>The result.</returns>
    protected internal abstract Error SetLocalDescription(string type, string sdp);

    /// <summary>Sets the remote description (see <see cref="WebRtcPeerConnection.SetRemoteDescription"/>).</summary>
    /// <param name="type"><c>"offer"</c> or <c>"answer"</c>.</param>
    /// <param name="sdp">An SDP starting with <c>v=0</c>.</param>
    /// <returns>The result.</returns>
    protected internal abstract Error SetRemoteDescription(string type, string sdp);

    /// <summary>Adds a remote candidate (see <see cref="WebRtcPeerConnection.AddIceCandidate"/>).</summary>
    /// <param name="media">The media id (mid); may be empty.</param>
    /// <param name="index">The m-line index (non-negative).</param>
    /// <param name="name">The candidate line, normalized to start with <c>candidate:</c>.</param>
    /// <returns>The result.</returns>
    protected internal abstract Error AddIceCandidate(string media, int index, string name);

    /// <summary>Asks for an ICE restart (see <see cref="WebRtcPeerConnection.RestartIce"/>). A backend without
    /// ICE restart keeps this default, which refuses.</summary>
    /// <returns>The result; <see cref="Error.Unavailable"/> by default.</returns>
    protected internal virtual Error RestartIce() => Error.Unavailable;

    /// <summary>Raises pending events (see <see cref="WebRtcPeerConnection.Poll"/>).</summary>
    /// <returns>The result.</returns>
    protected internal abstract Error Poll();

    /// <summary>Closes the connection (see <see cref="WebRtcPeerConnection.Close"/>).</summary>
    protected internal abstract void Close();

    /// <summary>Fills <paramref name="stats"/> (see <see cref="WebRtcPeerConnection.GetStats(WebRtcStats)"/>). The default
    /// returns <see cref="Error.Unavailable"/>: a backend without statistics need not override it.</summary>
    /// <param name="stats">The object to fill.</param>
    /// <returns>The result.</returns>
    protected internal virtual Error GetStats(WebRtcStats stats) =>
        WebRtcLog.Fail(Error.Unavailable, "WebRtcPeerConnection.GetStats", $"the backend {GetType().Name} has no statistics");

    /// <summary>Raises <see cref="WebRtcPeerConnection.SessionDescriptionCreated"/> on the owner.</summary>
    /// <param name="type"><c>"offer"</c> or <c>"answer"</c>.</param>
    /// <param name="sdp">The description.</param>
    protected void RaiseSessionDescriptionCreated(string type, string sdp) => Owner?.OnSessionDescriptionCreated(type, sdp);

    /// <summary>Raises <see cref="WebRtcPeerConnection.IceCandidateCreated"/> on the owner.</summary>
    /// <param name="media">The mid.</param>
    /// <param name="index">The m-line index.</param>
    /// <param name="name">The candidate line.</param>
    protected void RaiseIceCandidateCreated(string media, int index, string name) => Owner?.OnIceCandidateCreated(media, index, name);

    /// <summary>Raises <see cref="WebRtcPeerConnection.DataChannelReceived"/> on the owner.</summary>
    /// <param name="channel">The in-band channel opened by the remote peer.</param>
    protected void RaiseDataChannelReceived(WebRtcDataChannel channel) => Owner?.OnDataChannelReceived(channel);

    /// <summary>Raises <see cref="WebRtcPeerConnection.ConnectionStateChanged"/> on the owner.</summary>
    /// <param name="state">The new state.</param>
    protected void RaiseConnectionStateChanged(ConnectionState state) => Owner?.OnConnectionStateChanged(state);

    /// <summary>Raises <see cref="WebRtcPeerConnection.GatheringStateChanged"/> on the owner.</summary>
    /// <param name="state">The new state.</param>
    protected void RaiseGatheringStateChanged(GatheringState state) => Owner?.OnGatheringStateChanged(state);

    /// <summary>Raises <see cref="WebRtcPeerConnection.SignalingStateChanged"/> on the owner.</summary>
    /// <param name="state">The new state.</param>
    protected void RaiseSignalingStateChanged(SignalingState state) => Owner?.OnSignalingStateChanged(state);

    /// <summary>Closes the connection and releases the backend's resources.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the backend's resources.</summary>
    /// <param name="disposing"><see langword="true"/> from <see cref="Dispose()"/>, <see langword="false"/> from a finalizer.</param>
    protected virtual void Dispose(bool disposing)
    {
    }
}
