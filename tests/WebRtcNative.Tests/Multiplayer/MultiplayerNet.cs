using System.Diagnostics;
using System.Text;

namespace WebRtcNative.Tests.Multiplayer;

/// <summary>One received packet with what the multiplayer peer said about it.</summary>
public readonly record struct Received(int From, int Channel, TransferMode Mode, byte[] Data)
{
    public string Text => Encoding.UTF8.GetString(Data);
}

/// <summary>
/// Several <see cref="WebRtcMultiplayerPeer"/>s in this process, linked by connections signalled directly through
/// their events (ICE on 127.0.0.1), optionally each link through a <see cref="LossyUdpRelay"/>.
/// </summary>
public sealed class MultiplayerNet : IDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(40);

    private readonly double _loss;
    private int _seed = 1234;

    public Dictionary<int, WebRtcMultiplayerPeer> Peers { get; } = new();
    public Dictionary<int, List<(int Peer, bool Connected)>> Events { get; } = new();
    public Dictionary<int, List<Received>> Inbox { get; } = new();
    public List<WebRtcPeerConnection> Connections { get; } = new();
    public List<LossyUdpRelay> Relays { get; } = new();
    public List<string> Problems { get; } = new();

    public MultiplayerNet(double loss = 0)
    {
        _loss = loss;
    }

    public static IReadOnlyList<TransferMode> ThreeExtraChannels { get; } =
        new[] { TransferMode.Reliable, TransferMode.Unreliable, TransferMode.UnreliableOrdered };

    /// <summary>A full mesh of ids 1..n.</summary>
    public static MultiplayerNet Mesh(int n, IReadOnlyList<TransferMode>? config = null, double loss = 0)
    {
        var net = new MultiplayerNet(loss);
        for (int id = 1; id <= n; id++)
            net.Add(id, p => p.CreateMesh(id, config));
        for (int a = 1; a <= n; a++)
            for (int b = a + 1; b <= n; b++)
                net.Link(a, b);
        return net;
    }

    /// <summary>A server (1) and clients 2..clients+1.</summary>
    public static MultiplayerNet Star(int clients, IReadOnlyList<TransferMode>? config = null, double loss = 0)
    {
        var net = new MultiplayerNet(loss);
        net.Add(1, p => p.CreateServer(config));
        for (int id = 2; id <= clients + 1; id++)
        {
            net.Add(id, p => p.CreateClient(id, config));
            net.Link(1, id);
        }
        return net;
    }

    public WebRtcMultiplayerPeer Add(int id, Func<WebRtcMultiplayerPeer, Error> create)
    {
        var peer = new WebRtcMultiplayerPeer();
        Assert.Equal(Error.Ok, create(peer));
        Peers[id] = peer;
        var events = Events[id] = new List<(int, bool)>();
        Inbox[id] = new List<Received>();
        peer.PeerConnected += p => events.Add((p, true));
        peer.PeerDisconnected += p => events.Add((p, false));
        return peer;
    }

    /// <summary>Connects peer <paramref name="a"/> (offerer) and <paramref name="b"/> with a new pair of connections.</summary>
    public void Link(int a, int b, int unreliableLifetime = 1)
    {
        var pcA = new WebRtcPeerConnection();
        var pcB = new WebRtcPeerConnection();
        Connections.Add(pcA);
        Connections.Add(pcB);
        Check($"{a}.Initialize", pcA.Initialize(Pair.Loopback()));
        Check($"{b}.Initialize", pcB.Initialize(Pair.Loopback()));
        Assert.Equal(Error.Ok, Peers[a].AddPeer(pcA, b, unreliableLifetime));
        Assert.Equal(Error.Ok, Peers[b].AddPeer(pcB, a, unreliableLifetime));
        LossyUdpRelay? relay = null;
        if (_loss > 0)
        {
            relay = new LossyUdpRelay(_loss, _seed++);
            Relays.Add(relay);
        }
        pcA.SessionDescriptionCreated += (type, sdp) =>
        {
            Check($"{a}.SetLocalDescription", pcA.SetLocalDescription(type, sdp));
            Check($"{b}.SetRemoteDescription", pcB.SetRemoteDescription(type, relay is null ? sdp : relay.RewriteSdpFromA(sdp)));
        };
        pcB.SessionDescriptionCreated += (type, sdp) =>
        {
            Check($"{b}.SetLocalDescription", pcB.SetLocalDescription(type, sdp));
            Check($"{a}.SetRemoteDescription", pcA.SetRemoteDescription(type, relay is null ? sdp : relay.RewriteSdpFromB(sdp)));
        };
        pcA.IceCandidateCreated += (media, index, cand) =>
        {
            string? line = relay is null ? cand : relay.RewriteFromA(cand);
            if (line is not null)
                Check($"{b}.AddIceCandidate", pcB.AddIceCandidate(media, index, line));
        };
        pcB.IceCandidateCreated += (media, index, cand) =>
        {
            string? line = relay is null ? cand : relay.RewriteFromB(cand);
            if (line is not null)
                Check($"{a}.AddIceCandidate", pcA.AddIceCandidate(media, index, line));
        };
        pcA.ConnectionStateChanged += st => StateLog.Add($"{a}->{b} {st} at {Environment.TickCount64 % 100000}");
        pcB.ConnectionStateChanged += st => StateLog.Add($"{b}->{a} {st} at {Environment.TickCount64 % 100000}");
        Assert.Equal(Error.Ok, pcA.CreateOffer());
    }

    /// <summary>Connection state changes of every link, for failure messages.</summary>
    public List<string> StateLog { get; } = new();

    private void Check(string what, Error e)
    {
        if (e != Error.Ok)
            Problems.Add($"{what} returned {e}");
    }

    /// <summary>Polls every peer and moves every readable packet to <see cref="Inbox"/>.</summary>
    public void PollAll()
    {
        foreach (var (id, peer) in Peers)
        {
            peer.Poll();
            while (peer.GetAvailablePacketCount() > 0)
            {
                int from = peer.GetPacketPeer();
                int channel = peer.GetPacketChannel();
                var mode = peer.GetPacketMode();
                var data = peer.GetPacket();
                Assert.Equal(Error.Ok, peer.GetPacketError());
                Inbox[id].Add(new Received(from, channel, mode, data));
            }
        }
    }

    public void PollUntil(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var sw = Stopwatch.StartNew();
        var limit = timeout ?? Timeout;
        while (true)
        {
            PollAll();
            if (condition())
                return;
            if (sw.Elapsed > limit)
                throw new Xunit.Sdk.XunitException($"Timed out after {limit.TotalSeconds:0.#} s waiting for {what}; events: {Describe()}; problems: {string.Join("; ", Problems)}");
            Thread.Sleep(1);
        }
    }

    /// <summary>Polls for <paramref name="duration"/> (to let packets that should not arrive have their chance).</summary>
    public void PollFor(TimeSpan duration)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < duration)
        {
            PollAll();
            Thread.Sleep(1);
        }
    }

    /// <summary>Whether peer <paramref name="id"/> reported exactly <paramref name="expected"/> as connected.</summary>
    public bool HasConnected(int id, params int[] expected) =>
        expected.All(p => Peers[id].GetPeer(p)?.Connected == true)
        && Events[id].Count(e => e.Connected) >= expected.Length;

    public void WaitAllConnected(TimeSpan? timeout = null)
    {
        PollUntil(() => Peers.All(kv => kv.Value.GetPeers().Values.All(p => p.Connected) && kv.Value.GetPeers().Count > 0
                                        && kv.Value.ConnectionStatus == ConnectionStatus.Connected),
            "every peer connected", timeout);
        Assert.Empty(Problems);
    }

    private string Describe() =>
        string.Join(" ", Peers.Select(kv => $"[{kv.Key}: {kv.Value.ConnectionStatus} {string.Join(",", Events[kv.Key].Select(e => (e.Connected ? "+" : "-") + e.Peer))}"
            + string.Concat(kv.Value.GetPeers().Where(p => !p.Value.Connected).Select(p =>
                $" (to {p.Key}: {p.Value.Connection.ConnectionState}/{p.Value.Connection.GatheringState}/{p.Value.Connection.SignalingState} channels {string.Join(",", p.Value.Channels.Select(c => c.ReadyState))})"))
            + "]"))
        + " states: " + string.Join("; ", StateLog) + " relays: " + string.Join(",", Relays.Select(r => $"{r.Forwarded}/{r.Dropped}"));

    public static byte[] Bytes(string s) => Encoding.UTF8.GetBytes(s);

    /// <summary>Sends <paramref name="text"/> from <paramref name="from"/> with the given target, mode and channel.</summary>
    public void Send(int from, int target, string text, TransferMode mode = TransferMode.Reliable, int channel = 0)
    {
        var p = Peers[from];
        p.TargetPeer = target;
        p.TransferMode = mode;
        p.TransferChannel = channel;
        Assert.Equal(Error.Ok, p.PutPacket(Bytes(text)));
    }

    public IEnumerable<Received> Got(int id, string text) => Inbox[id].Where(r => r.Text == text);

    public void Dispose()
    {
        foreach (var p in Peers.Values)
            p.Dispose();
        foreach (var c in Connections)
            c.Dispose();
        foreach (var r in Relays)
            r.Dispose();
    }
}
