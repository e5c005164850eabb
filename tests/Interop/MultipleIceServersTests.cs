using System.Diagnostics;
using WebRtcNative;
using Xunit.Abstractions;

namespace WebRtcNative.Interop.Tests;

/// <summary>
/// Several TURN servers in one configuration (docs/ice-servers.md), against coturn instances on 127.0.0.1, each
/// with its own user and relay port range (so a relayed candidate tells which server it came from). Every TURN
/// server gets an allocation request; libnice keeps one relayed candidate per local base, the first allocation
/// that succeeds, and releases the others. So a later server takes over when an earlier one is down or refuses.
/// </summary>
public sealed class MultipleIceServersTests(ITestOutputHelper output)
{
    private sealed record Outcome(bool Connected, List<string> FromA, List<string> FromB, WebRtcStats? StatsA);

    private Outcome ConnectRelayOnly(Func<WebRtcConfiguration> config, TimeSpan timeout)
    {
        using var a = new WebRtcPeerConnection();
        using var b = new WebRtcPeerConnection();
        Assert.Equal(Error.Ok, a.Initialize(config()));
        Assert.Equal(Error.Ok, b.Initialize(config()));
        var fromA = new List<string>();
        var fromB = new List<string>();
        a.SessionDescriptionCreated += (t, s) => { a.SetLocalDescription(t, s); b.SetRemoteDescription(t, s); };
        b.SessionDescriptionCreated += (t, s) => { b.SetLocalDescription(t, s); a.SetRemoteDescription(t, s); };
        a.IceCandidateCreated += (m, i, n) => { fromA.Add(n); b.AddIceCandidate(m, i, n); };
        b.IceCandidateCreated += (m, i, n) => { fromB.Add(n); a.AddIceCandidate(m, i, n); };
        var chA = a.CreateDataChannel("multi", new DataChannelOptions { Negotiated = true, Id = 0 })!;
        var chB = b.CreateDataChannel("multi", new DataChannelOptions { Negotiated = true, Id = 0 })!;
        Assert.Equal(Error.Ok, a.CreateOffer());
        bool Open() => chA.ReadyState == ChannelState.Open && chB.ReadyState == ChannelState.Open;
        bool Gathered() => a.GatheringState == GatheringState.Complete && b.GatheringState == GatheringState.Complete;
        var sw = Stopwatch.StartNew();
        while (!(Open() && Gathered()) && sw.Elapsed < timeout)
        {
            a.Poll();
            b.Poll();
            Thread.Sleep(2);
        }
        output.WriteLine("A: " + string.Join("\nA: ", fromA));
        output.WriteLine("B: " + string.Join("\nB: ", fromB));
        if (!Open())
            return new Outcome(false, fromA, fromB, null);
        var payload = new byte[1000];
        new Random(6).NextBytes(payload);
        Assert.Equal(Error.Ok, chA.PutPacket(payload));
        sw.Restart();
        while (chB.AvailablePacketCount == 0 && sw.Elapsed < TimeSpan.FromSeconds(10))
        {
            a.Poll();
            b.Poll();
            Thread.Sleep(2);
        }
        Assert.Equal(payload, chB.GetPacket());
        var stats = new WebRtcStats();
        Assert.Equal(Error.Ok, a.GetStats(stats));
        output.WriteLine($"A's selected pair: {stats.LocalAddress}:{stats.LocalPort} ({stats.LocalCandidateType}) -> {stats.RemoteAddress}:{stats.RemotePort} ({stats.RemoteCandidateType})");
        return new Outcome(true, fromA, fromB, stats);
    }

    [PeerFact("coturn")]
    public void TurnServers_ThatAreDownOrRefuse_AreSkipped_AndALaterOneRelays()
    {
        Peers.Require("coturn");
        using var refusing = new CoturnInstance("alice", "one", 50300, 50349, 35000);
        using var good = new CoturnInstance("bob", "two", 50350, 50399, refusing.Port + 10);
        int down = good.Port + 10; // nothing listens there
        WebRtcConfiguration Config() => new()
        {
            BindAddress = "127.0.0.1",
            IceTransportPolicy = IceTransportPolicy.Relay,
            IceServers =
            {
                new IceServer($"turn:127.0.0.1:{down}") { Username = "x", Credential = "y" },
                new IceServer($"turn:127.0.0.1:{refusing.Port}") { Username = "alice", Credential = "wrong" },
                new IceServer($"turn:127.0.0.1:{good.Port}") { Username = "bob", Credential = "two" },
            },
        };
        var o = ConnectRelayOnly(Config, TimeSpan.FromSeconds(30));
        string logs = $"refusing coturn:\n{refusing.LogText}\ngood coturn:\n{good.LogText}";
        Assert.True(o.Connected, "relay-only peers did not connect through the third TURN server\n" + logs);
        foreach (var candidates in new[] { o.FromA, o.FromB })
        {
            Assert.NotEmpty(candidates);
            Assert.All(candidates, c => Assert.True(good.Relayed(c), $"not a relayed address of the working server: {c}"));
        }
        Assert.Equal(CandidateType.Relay, o.StatsA!.LocalCandidateType);
        Assert.InRange(o.StatsA.LocalPort, good.MinRelayPort, good.MaxRelayPort);
    }

    [PeerFact("coturn")]
    public void TwoWorkingTurnServers_EachPeerRelaysThroughOne_TheFirstToAllocate()
    {
        Peers.Require("coturn");
        using var first = new CoturnInstance("alice", "one", 50300, 50349, 35000);
        using var second = new CoturnInstance("bob", "two", 50350, 50399, first.Port + 10);
        WebRtcConfiguration Config() => new()
        {
            BindAddress = "127.0.0.1",
            IceTransportPolicy = IceTransportPolicy.Relay,
            IceServers =
            {
                // Each server knows only its own user: an allocation on either proves its own credentials were sent.
                new IceServer($"turn:127.0.0.1:{first.Port}") { Username = "alice", Credential = "one" },
                new IceServer($"turn:127.0.0.1:{second.Port}") { Username = "bob", Credential = "two" },
            },
        };
        var o = ConnectRelayOnly(Config, TimeSpan.FromSeconds(30));
        Assert.True(o.Connected, $"relay-only peers with two TURN servers did not connect\ncoturn 1:\n{first.LogText}\ncoturn 2:\n{second.LogText}");
        foreach (var candidates in new[] { o.FromA, o.FromB })
        {
            // libnice 0.1.21 keeps one relayed candidate per local base (one base here: 127.0.0.1).
            var relayed = Assert.Single(candidates);
            Assert.True(first.Relayed(relayed) || second.Relayed(relayed), $"not from either server: {relayed}");
        }
    }
}
