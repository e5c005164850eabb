using System;
using System.Collections.Generic;

namespace WebRtcNative;

/// <summary>
/// A full mesh (or a star) of <see cref="WebRtcPeerConnection"/>s behind Godot's <c>MultiplayerPeer</c> interface:
/// Godot's <c>WebRTCMultiplayerPeer</c> in C#. Peer ids, transfer modes and channels, target peers,
/// connect/disconnect events and, in client/server mode, relay of packets between clients through the server.
/// </summary>
/// <remarks>
/// <para><b>Flow.</b> Call <see cref="CreateServer"/>, <see cref="CreateClient"/> or <see cref="CreateMesh"/>, then
/// <see cref="AddPeer"/> one connection per remote peer while it is in <see cref="ConnectionState.New"/> state (a
/// client adds only the server, id 1). This class creates the channels but no offers: signalling stays yours (e.g.
/// a lobby server). Call <see cref="Poll"/> every frame: it polls every connection, raises <see cref="PeerConnected"/>
/// / <see cref="PeerDisconnected"/>, and makes received packets readable.</para>
/// <para><b>Channels.</b> Each connection gets three negotiated channels with the same ids on both sides: 1
/// <c>"reliable"</c>, 2 <c>"ordered"</c> (unreliable ordered, <c>maxPacketLifeTime</c> = the <c>unreliableLifetime</c>
/// of <see cref="AddPeer"/>), 3 <c>"unreliable"</c> (unordered, same lifetime), then one per <c>channelsConfig</c> entry
/// with ids 4, 5, … (the unreliable ones with a 1 ms lifetime). <see cref="TransferChannel"/> 0 picks one of the
/// first three by <see cref="TransferMode"/>; channel <c>n</c> &gt; 0 is the <c>n</c>-th configured channel, with its
/// configured mode. Both sides must use the same <c>channelsConfig</c>.</para>
/// <para><b>Relay.</b> In client/server mode with <see cref="ServerRelay"/> on (the default), every packet between a
/// client and the server starts with a 4-byte little-endian peer id: toward the server, the target (as
/// <see cref="TargetPeer"/>); toward a client, the original sender. The server forwards packets meant for other clients
/// on the same channel, and the receiving client sees the original sender in <see cref="GetPacketPeer"/>. With
/// <see cref="ServerRelay"/> off, packets travel without a header exactly as Godot's <c>WebRTCMultiplayerPeer</c> sends
/// them (use that against Godot peers, whose <c>SceneMultiplayer</c> relays above the multiplayer peer). Mesh mode
/// never adds a header.</para>
/// <para><b>Threading.</b> Like Godot's, this class is not thread-safe: call it from one thread (the game loop).
/// Events are raised only inside <see cref="Poll"/>, on that thread.</para>
/// <para><b>Errors and bounds.</b> Methods returning <see cref="Error"/> never throw for bad input or a wrong state; the
/// reason goes to <see cref="WebRtcLog"/>. Received packets wait in a queue bounded by
/// <see cref="MaxQueuedPackets"/> and <see cref="MaxQueuedBytes"/>; when it is full, <see cref="Poll"/> leaves further
/// packets in the channels' own bounded queues.</para>
/// </remarks>
public sealed partial class WebRtcMultiplayerPeer : IDisposable
{
    /// <summary>Target id meaning "every peer" (Godot's <c>TARGET_PEER_BROADCAST</c>).</summary>
    public const int TargetPeerBroadcast = 0;

    /// <summary>The server's id (Godot's <c>TARGET_PEER_SERVER</c>).</summary>
    public const int TargetPeerServer = 1;

    /// <summary>Default of <see cref="MaxQueuedPackets"/>.</summary>
    public const int DefaultMaxQueuedPackets = 65536;

    /// <summary>Default of <see cref="MaxQueuedBytes"/> (64 MiB).</summary>
    public const long DefaultMaxQueuedBytes = 64L * 1024 * 1024;

    private const string Source = "WebRtcMultiplayerPeer";
    private const int ReservedChannels = 3;
    private const int ReliableSlot = 0;
    private const int OrderedSlot = 1;
    private const int UnreliableSlot = 2;

    private enum NetworkMode
    {
        None,
        Server,
        Client,
        Mesh,
    }

    private readonly Dictionary<int, MeshPeer> _peers = new();
    private readonly List<MeshPeer> _order = new(); // iteration order for Poll and broadcasts (no enumerator, no allocation)
    private readonly List<MeshPeer> _toRemove = new();
    private List<(int Id, bool Connected)> _pendingEvents = new();
    private List<(int Id, bool Connected)> _raisingEvents = new();
    private readonly MultiplayerPacketQueue _queue;

    private NetworkMode _mode;
    private int _uniqueId;
    private ConnectionStatus _status;
    private TransferMode[] _channelModes = Array.Empty<TransferMode>();
    private int _transferChannel;
    private bool _relayHeader;
    private bool _disposed;

    /// <summary>Creates an inactive multiplayer peer; call <see cref="CreateServer"/>, <see cref="CreateClient"/> or <see cref="CreateMesh"/>.</summary>
    public WebRtcMultiplayerPeer()
        : this(DefaultMaxQueuedPackets, DefaultMaxQueuedBytes)
    {
    }

    /// <summary>Creates an inactive multiplayer peer with custom receive-queue bounds.</summary>
    /// <param name="maxQueuedPackets">Most packets waiting to be read (at least 1).</param>
    /// <param name="maxQueuedBytes">Most payload bytes waiting to be read (at least 1).</param>
    /// <exception cref="ArgumentOutOfRangeException">A bound is below 1.</exception>
    public WebRtcMultiplayerPeer(int maxQueuedPackets, long maxQueuedBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxQueuedPackets, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxQueuedBytes, 1);
        _queue = new MultiplayerPacketQueue(maxQueuedPackets, maxQueuedBytes);
    }

    /// <summary>Raised inside <see cref="Poll"/> with the id of a peer whose connection and channels are all open. A client only sees the server (1).</summary>
    public event Action<int>? PeerConnected;

    /// <summary>Raised inside <see cref="Poll"/> with the id of a connected peer that left: its connection failed or closed, a channel closed, or it was removed with <see cref="RemovePeer"/> / <see cref="DisconnectPeer"/>.</summary>
    public event Action<int>? PeerDisconnected;

    /// <summary>Most received packets waiting to be read.</summary>
    public int MaxQueuedPackets => _queue.MaxPackets;

    /// <summary>Most received payload bytes waiting to be read.</summary>
    public long MaxQueuedBytes => _queue.MaxBytes;

    /// <summary>The state: <see cref="ConnectionStatus.Connected"/> for a created server or mesh; a client is <see cref="ConnectionStatus.Connecting"/> until the server is connected and <see cref="ConnectionStatus.Disconnected"/> after it leaves.</summary>
    public ConnectionStatus ConnectionStatus => _status;

    /// <summary>When <see langword="true"/>, <see cref="AddPeer"/> returns <see cref="Error.Unauthorized"/>.</summary>
    public bool RefuseNewConnections { get; set; }

    /// <summary>
    /// Where <see cref="PutPacket(ReadOnlySpan{byte})"/> sends: a peer id, <see cref="TargetPeerBroadcast"/> (0, every
    /// peer), or a negative id (every peer but that one). Default 0.
    /// </summary>
    public int TargetPeer { get; set; }

    /// <summary>The mode used on channel 0 (default <see cref="WebRtcNative.TransferMode.Reliable"/>, as Godot's). Ignored for configured channels, which have their own mode.</summary>
    public TransferMode TransferMode { get; set; } = TransferMode.Reliable;

    /// <summary>The channel <see cref="PutPacket(ReadOnlySpan{byte})"/> uses: 0 = the default channel of <see cref="TransferMode"/>, <c>n</c> = the <c>n</c>-th entry of <c>channelsConfig</c>. 0 to 32767.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is outside 0 to 32767.</exception>
    public int TransferChannel
    {
        get => _transferChannel;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 32767);
            _transferChannel = value;
        }
    }

    /// <summary>
    /// Whether, in client/server mode, packets carry the 4-byte peer-id header that lets the server relay packets
    /// between clients (default <see langword="true"/>). Set it before <see cref="CreateServer"/> /
    /// <see cref="CreateClient"/>, the same on both sides; <see langword="false"/> gives Godot's header-less format.
    /// </summary>
    public bool ServerRelay { get; set; } = true;

    /// <summary>Packets the server forwarded from one client to another (one per destination).</summary>
    public long RelayedPacketCount { get; private set; }

    /// <summary>Received packets discarded as malformed (shorter than the relay header, bad sender id) or undeliverable (relay target unknown).</summary>
    public long DiscardedPacketCount { get; private set; }

    /// <summary>Starts as the server of a star (id 1). Peers added must have ids above 1.</summary>
    /// <param name="channelsConfig">Extra channels, one per entry, after the three default ones; <see langword="null"/>: none.</param>
    /// <returns><see cref="Error.Ok"/>; <see cref="Error.InvalidParameter"/> for an unknown mode in <paramref name="channelsConfig"/>; <see cref="Error.AlreadyInUse"/> when already created (call <see cref="Close"/> first); <see cref="Error.Unavailable"/> after dispose.</returns>
    public Error CreateServer(IReadOnlyList<TransferMode>? channelsConfig = null) =>
        Initialize(TargetPeerServer, NetworkMode.Server, channelsConfig, nameof(CreateServer));

    /// <summary>Starts as a client of a star with id <paramref name="peerId"/>. Add the server with <see cref="AddPeer"/>(connection, 1).</summary>
    /// <param name="peerId">This peer's id, 2 to 2147483647.</param>
    /// <param name="channelsConfig">Extra channels; must match the server's.</param>
    /// <returns>As <see cref="CreateServer"/>; <see cref="Error.InvalidParameter"/> for an id outside 2 to 2147483647.</returns>
    public Error CreateClient(int peerId, IReadOnlyList<TransferMode>? channelsConfig = null)
    {
        if (peerId == TargetPeerServer)
            return WebRtcLog.Fail(Error.InvalidParameter, Source + ".CreateClient", "clients cannot have id 1");
        return Initialize(peerId, NetworkMode.Client, channelsConfig, nameof(CreateClient));
    }

    /// <summary>Starts as a member of a full mesh with id <paramref name="peerId"/>; add one connection per other member.</summary>
    /// <param name="peerId">This peer's id, 1 to 2147483647.</param>
    /// <param name="channelsConfig">Extra channels; must match the other members'.</param>
    /// <returns>As <see cref="CreateServer"/>; <see cref="Error.InvalidParameter"/> for an id outside 1 to 2147483647.</returns>
    public Error CreateMesh(int peerId, IReadOnlyList<TransferMode>? channelsConfig = null) =>
        Initialize(peerId, NetworkMode.Mesh, channelsConfig, nameof(CreateMesh));

    private Error Initialize(int selfId, NetworkMode mode, IReadOnlyList<TransferMode>? config, string member)
    {
        string src = Source + "." + member;
        if (_disposed)
            return WebRtcLog.Fail(Error.Unavailable, src, "the multiplayer peer is disposed");
        if (_mode != NetworkMode.None)
            return WebRtcLog.Fail(Error.AlreadyInUse, src, "already created; call Close() first");
        if (selfId < 1)
            return WebRtcLog.Fail(Error.InvalidParameter, src, $"peer id {selfId} is outside 1 to 2147483647");
        int extra = config?.Count ?? 0;
        if (extra > 65534 - ReservedChannels)
            return WebRtcLog.Fail(Error.InvalidParameter, src, $"{extra} channels configured; at most {65534 - ReservedChannels}");
        var modes = new TransferMode[ReservedChannels + extra];
        modes[ReliableSlot] = TransferMode.Reliable;
        modes[OrderedSlot] = TransferMode.UnreliableOrdered;
        modes[UnreliableSlot] = TransferMode.Unreliable;
        for (int i = 0; i < extra; i++)
        {
            var m = config![i];
            if (m is not (TransferMode.Reliable or TransferMode.Unreliable or TransferMode.UnreliableOrdered))
                return WebRtcLog.Fail(Error.InvalidParameter, src, $"channelsConfig[{i}] = {(int)m} is not a TransferMode");
            modes[ReservedChannels + i] = m;
        }
        _channelModes = modes;
        _uniqueId = selfId;
        _mode = mode;
        _relayHeader = ServerRelay && mode != NetworkMode.Mesh;
        _status = mode == NetworkMode.Client ? ConnectionStatus.Connecting : ConnectionStatus.Connected;
        return Error.Ok;
    }

    /// <summary>
    /// Adds the connection to peer <paramref name="peerId"/> and creates its negotiated channels (see the class
    /// remarks). The connection must be initialized and in <see cref="ConnectionState.New"/> state; offers,
    /// answers and candidates are still exchanged by the caller. The peer becomes connected, and
    /// <see cref="PeerConnected"/> is raised, at the first <see cref="Poll"/> that finds the connection and all
    /// channels open.
    /// </summary>
    /// <param name="peer">The connection.</param>
    /// <param name="peerId">The remote peer's id, 1 to 2147483647 (a client adds only 1; a server never adds 1).</param>
    /// <param name="unreliableLifetime">The <c>maxPacketLifeTime</c> in ms of the two default unreliable channels (0 to 65535; default 1).</param>
    /// <returns>
    /// <see cref="Error.Ok"/>; <see cref="Error.Unconfigured"/> before a <c>Create*</c> call;
    /// <see cref="Error.InvalidParameter"/> for a null connection, one not in <c>New</c> state, a bad id for the mode
    /// or this peer's own id, or a lifetime out of range; <see cref="Error.AlreadyExists"/> for an id already added;
    /// <see cref="Error.Unauthorized"/> when <see cref="RefuseNewConnections"/> is set; <see cref="Error.Failed"/>
    /// (or the connection's error) when a channel cannot be created.
    /// </returns>
    public Error AddPeer(WebRtcPeerConnection peer, int peerId, int unreliableLifetime = 1)
    {
        const string src = Source + ".AddPeer";
        if (_mode == NetworkMode.None)
            return WebRtcLog.Fail(Error.Unconfigured, src, "call CreateServer, CreateClient or CreateMesh first");
        if (peer is null)
            return WebRtcLog.Fail(Error.InvalidParameter, src, "peer is null");
        if (_mode == NetworkMode.Client && peerId != TargetPeerServer)
            return WebRtcLog.Fail(Error.InvalidParameter, src, $"a client can only add the server (id 1), not {peerId}");
        if (_mode == NetworkMode.Server && peerId == TargetPeerServer)
            return WebRtcLog.Fail(Error.InvalidParameter, src, "a server cannot add id 1 (its own)");
        if (peerId < 1)
            return WebRtcLog.Fail(Error.InvalidParameter, src, $"peer id {peerId} is outside 1 to 2147483647");
        if (peerId == _uniqueId)
            return WebRtcLog.Fail(Error.InvalidParameter, src, $"peer id {peerId} is this peer's own id");
        if (unreliableLifetime is < 0 or > 65535)
            return WebRtcLog.Fail(Error.InvalidParameter, src, $"unreliableLifetime {unreliableLifetime} is outside 0 to 65535");
        if (RefuseNewConnections)
            return WebRtcLog.Fail(Error.Unauthorized, src, "RefuseNewConnections is set");
        if (_peers.ContainsKey(peerId))
            return WebRtcLog.Fail(Error.AlreadyExists, src, $"peer {peerId} was already added");
        if (peer.ConnectionState != ConnectionState.New)
            return WebRtcLog.Fail(Error.InvalidParameter, src, $"the connection is {peer.ConnectionState}; it must be New");

        var channels = new WebRtcDataChannel[_channelModes.Length];
        for (int i = 0; i < channels.Length; i++)
        {
            string label = i switch
            {
                ReliableSlot => "reliable",
                OrderedSlot => "ordered",
                UnreliableSlot => "unreliable",
                _ => (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture),
            };
            int lifetime = i < ReservedChannels ? unreliableLifetime : 1;
            var options = new DataChannelOptions
            {
                Negotiated = true,
                Id = i + 1,
                Ordered = _channelModes[i] != TransferMode.Unreliable,
                MaxPacketLifeTime = _channelModes[i] == TransferMode.Reliable ? null : lifetime,
            };
            var e = peer.TryCreateDataChannel(label, options, out var channel);
            if (e != Error.Ok || channel is null)
            {
                for (int j = 0; j < i; j++)
                    channels[j].Dispose();
                return WebRtcLog.Fail(e == Error.Ok ? Error.Failed : e, src, $"creating channel {i + 1} ('{label}') for peer {peerId} failed");
            }
            channel.WriteMode = WriteMode.Binary;
            channels[i] = channel;
        }
        var entry = new MeshPeer(peerId, peer, channels);
        _peers.Add(peerId, entry);
        _order.Add(entry);
        return Error.Ok;
    }

    /// <summary>
    /// Removes peer <paramref name="peerId"/>: disposes its channels and closes its connection (disposing the
    /// connection stays the caller's job). If it was connected, <see cref="PeerDisconnected"/> is raised at the next
    /// <see cref="Poll"/>. The id can be added again with a new connection.
    /// </summary>
    /// <param name="peerId">The peer's id; an unknown id is logged and ignored.</param>
    public void RemovePeer(int peerId)
    {
        if (!_peers.TryGetValue(peerId, out var entry))
        {
            WebRtcLog.Fail(Error.DoesNotExist, Source + ".RemovePeer", $"no peer {peerId}");
            return;
        }
        Remove(entry, notify: true);
    }

    /// <summary>
    /// Disconnects peer <paramref name="peerId"/> (Godot's <c>disconnect_peer</c>). Without <paramref name="force"/>,
    /// the connection is closed and the peer is removed, with <see cref="PeerDisconnected"/>, at the next
    /// <see cref="Poll"/>. With <paramref name="force"/>, it is removed now and no event is raised for it.
    /// </summary>
    /// <param name="peerId">The peer's id; an unknown id is logged and ignored.</param>
    /// <param name="force">Remove silently and immediately.</param>
    public void DisconnectPeer(int peerId, bool force = false)
    {
        if (!_peers.TryGetValue(peerId, out var entry))
        {
            WebRtcLog.Fail(Error.DoesNotExist, Source + ".DisconnectPeer", $"no peer {peerId}");
            return;
        }
        if (force)
            Remove(entry, notify: false);
        else
            entry.Connection.Close();
    }

    private void Remove(MeshPeer entry, bool notify)
    {
        _peers.Remove(entry.Id);
        _order.Remove(entry);
        entry.Shutdown();
        bool wasConnected = entry.Connected;
        entry.Connected = false;
        if (notify && wasConnected)
            _pendingEvents.Add((entry.Id, false));
        if (_mode == NetworkMode.Client && entry.Id == TargetPeerServer)
            _status = ConnectionStatus.Disconnected;
    }

    /// <summary>Whether peer <paramref name="peerId"/> was added (connected or not yet).</summary>
    /// <param name="peerId">The peer's id.</param>
    /// <returns><see langword="true"/> when the peer is in the map.</returns>
    public bool HasPeer(int peerId) => _peers.ContainsKey(peerId);

    /// <summary>The connection, channels and connected flag of peer <paramref name="peerId"/>.</summary>
    /// <param name="peerId">The peer's id.</param>
    /// <returns>A snapshot, or <see langword="null"/> (logged) for an unknown id.</returns>
    public MultiplayerPeerInfo? GetPeer(int peerId)
    {
        if (!_peers.TryGetValue(peerId, out var entry))
        {
            WebRtcLog.Fail(Error.DoesNotExist, Source + ".GetPeer", $"no peer {peerId}");
            return null;
        }
        return Snapshot(entry);
    }

    /// <summary>Every added peer, by id.</summary>
    /// <returns>A new dictionary of snapshots.</returns>
    public IReadOnlyDictionary<int, MultiplayerPeerInfo> GetPeers()
    {
        var all = new Dictionary<int, MultiplayerPeerInfo>(_order.Count);
        foreach (var entry in _order)
            all[entry.Id] = Snapshot(entry);
        return all;
    }

    private static MultiplayerPeerInfo Snapshot(MeshPeer entry) =>
        new(entry.Connection, Array.AsReadOnly(entry.Channels), entry.Connected);

    /// <summary>This peer's id: 1 for a server, the given id for a client or mesh member; 0 before a <c>Create*</c> call and after <see cref="Close"/>.</summary>
    /// <returns>The id.</returns>
    public int GetUniqueId() => _uniqueId;

    /// <summary>Whether this peer is the server (its id is 1).</summary>
    /// <returns><see langword="true"/> for id 1.</returns>
    public bool IsServer() => _uniqueId == TargetPeerServer;

    /// <summary>Whether packets can reach peers without a direct connection through the server: <see langword="true"/> in client/server mode (as Godot's), <see langword="false"/> in mesh mode.</summary>
    /// <returns>Whether relay is supported.</returns>
    public bool IsServerRelaySupported() => _mode is NetworkMode.Server or NetworkMode.Client;

    /// <summary>
    /// Polls every connection, updates peer states, raises <see cref="PeerConnected"/> / <see cref="PeerDisconnected"/>,
    /// relays (server) and queues received packets for <see cref="GetPacket"/> / <see cref="TryGetPacket"/>. Costs
    /// O(peers × channels) plus the packets received, and allocates nothing in steady state.
    /// </summary>
    public void Poll()
    {
        if (_mode == NetworkMode.None)
            return;
        for (int i = 0; i < _order.Count; i++)
            UpdatePeer(_order[i]);
        for (int i = 0; i < _toRemove.Count; i++)
        {
            var entry = _toRemove[i];
            if (_peers.TryGetValue(entry.Id, out var current) && ReferenceEquals(current, entry))
                Remove(entry, notify: true);
        }
        _toRemove.Clear();
        DrainChannels();
        RaiseEvents();
    }

    private void UpdatePeer(MeshPeer entry)
    {
        entry.Connection.Poll();
        switch (entry.Connection.ConnectionState)
        {
            case ConnectionState.New:
            case ConnectionState.Connecting:
                return;
            case ConnectionState.Connected:
                break;
            default:
                _toRemove.Add(entry);
                return;
        }
        int open = 0;
        foreach (var channel in entry.Channels)
        {
            var state = channel.ReadyState;
            if (state == ChannelState.Open)
                open++;
            else if (state != ChannelState.Connecting)
            {
                _toRemove.Add(entry); // a closed channel means the peer left
                return;
            }
        }
        if (open == entry.Channels.Length && !entry.Connected)
        {
            entry.Connected = true;
            if (_mode == NetworkMode.Client)
                _status = ConnectionStatus.Connected;
            _pendingEvents.Add((entry.Id, true));
        }
    }

    private void RaiseEvents()
    {
        if (_pendingEvents.Count == 0)
            return;
        // Swap, so handlers may add/remove peers (their events go to the next Poll) without disturbing this loop.
        (_pendingEvents, _raisingEvents) = (_raisingEvents, _pendingEvents);
        foreach (var (id, connected) in _raisingEvents)
        {
            if (connected)
                PeerConnected?.Invoke(id);
            else
                PeerDisconnected?.Invoke(id);
        }
        _raisingEvents.Clear();
    }

    /// <summary>Removes every peer (closing their connections, without events), drops unread packets and goes back to the state before a <c>Create*</c> call.</summary>
    public void Close()
    {
        foreach (var entry in _order)
            entry.Shutdown();
        _peers.Clear();
        _order.Clear();
        _toRemove.Clear();
        _pendingEvents.Clear();
        _queue.Clear();
        _channelModes = Array.Empty<TransferMode>();
        _uniqueId = 0;
        TargetPeer = 0;
        _mode = NetworkMode.None;
        _relayHeader = false;
        _status = ConnectionStatus.Disconnected;
    }

    /// <summary>Closes (see <see cref="Close"/>); afterwards the <c>Create*</c> methods return <see cref="Error.Unavailable"/>.</summary>
    public void Dispose()
    {
        Close();
        _disposed = true;
    }
}
