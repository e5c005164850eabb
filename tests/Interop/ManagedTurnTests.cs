using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using WebRtcNative;
using Xunit.Abstractions;

namespace WebRtcNative.Interop.Tests;

/// <summary>
/// The managed TURN path end to end: IceServer { Urls, Username, Credential } and IceTransportPolicy.Relay
/// through the C# API, against coturn on 127.0.0.1 (started here, as scripts/interop/turn.sh does).
/// </summary>
public sealed class ManagedTurnTests(ITestOutputHelper output)
{
    private static WebRtcConfiguration Relay(int port, string user, string password) => new()
    {
        BindAddress = "127.0.0.1",
        IceTransportPolicy = IceTransportPolicy.Relay,
        IceServers = { new IceServer($"turn:127.0.0.1:{port}") { Username = user, Credential = password } },
    };

    /// <summary>Connects two managed peers with the given configurations; returns the candidates each emitted and both channels.</summary>
    private static (bool Connected, List<string> Candidates, WebRtcDataChannel A, WebRtcDataChannel B, WebRtcPeerConnection Pa, WebRtcPeerConnection Pb) Connect(
        WebRtcConfiguration ca, WebRtcConfiguration cb, TimeSpan timeout)
    {
        var a = new WebRtcPeerConnection();
        var b = new WebRtcPeerConnection();
        Assert.Equal(Error.Ok, a.Initialize(ca));
        Assert.Equal(Error.Ok, b.Initialize(cb));
        var candidates = new List<string>();
        a.SessionDescriptionCreated += (t, s) => { a.SetLocalDescription(t, s); b.SetRemoteDescription(t, s); };
        b.SessionDescriptionCreated += (t, s) => { b.SetLocalDescription(t, s); a.SetRemoteDescription(t, s); };
        a.IceCandidateCreated += (m, i, n) => { candidates.Add(n); b.AddIceCandidate(m, i, n); };
        b.IceCandidateCreated += (m, i, n) => { candidates.Add(n); a.AddIceCandidate(m, i, n); };
        var chA = a.CreateDataChannel("turn", new DataChannelOptions { Negotiated = true, Id = 0 })!;
        var chB = b.CreateDataChannel("turn", new DataChannelOptions { Negotiated = true, Id = 0 })!;
        Assert.Equal(Error.Ok, a.CreateOffer());
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < timeout && !(chA.ReadyState == ChannelState.Open && chB.ReadyState == ChannelState.Open)
               && a.ConnectionState != ConnectionState.Failed && b.ConnectionState != ConnectionState.Failed)
        {
            a.Poll();
            b.Poll();
            Thread.Sleep(2);
        }
        return (chA.ReadyState == ChannelState.Open && chB.ReadyState == ChannelState.Open, candidates, chA, chB, a, b);
    }

    [PeerFact("coturn")]
    public void ManagedPeers_RelayOnly_WithUsernameAndCredential_ConnectThroughCoturn()
    {
        Peers.Require("coturn");
        using var turn = new CoturnInstance("gamer", "s3cret", 50200, 50299, 34900);
        var (connected, candidates, chA, chB, pa, pb) = Connect(Relay(turn.Port, "gamer", "s3cret"), Relay(turn.Port, "gamer", "s3cret"), TimeSpan.FromSeconds(30));
        using (pa)
        using (pb)
        {
            output.WriteLine(string.Join("\n", candidates));
            Assert.True(connected, "relay-only peers did not connect through coturn; coturn log:\n" + turn.LogText);
            Assert.NotEmpty(candidates);
            Assert.All(candidates, c => Assert.Contains(" typ relay", c)); // the policy: nothing but relayed candidates
            var payload = new byte[1000];
            new Random(5).NextBytes(payload);
            Assert.Equal(Error.Ok, chA.PutPacket(payload));
            var sw = Stopwatch.StartNew();
            while (chB.AvailablePacketCount == 0 && sw.Elapsed < TimeSpan.FromSeconds(10))
            {
                pa.Poll();
                pb.Poll();
                Thread.Sleep(2);
            }
            Assert.Equal(payload, chB.GetPacket());
            // (The credential really matters: the next test, with a wrong one, gets no relayed candidate.)
        }
    }

    [PeerFact("coturn")]
    public void ManagedPeers_RelayOnly_WithAWrongCredential_DoNotConnect()
    {
        Peers.Require("coturn");
        using var turn = new CoturnInstance("gamer", "s3cret", 50200, 50299, 34900);
        var (connected, candidates, _, _, pa, pb) = Connect(Relay(turn.Port, "gamer", "wrong"), Relay(turn.Port, "gamer", "wrong"), TimeSpan.FromSeconds(8));
        using (pa)
        using (pb)
        {
            Assert.False(connected);
            Assert.DoesNotContain(candidates, c => c.Contains(" typ relay"));
            Assert.DoesNotContain(candidates, c => c.Contains(" typ host")); // relay policy: no fallback to host
        }
    }
}
