using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace WebRtcNative.Tests;

/// <summary>
/// Renegotiation mid-session (docs/renegotiation.md): later offers from either side, a later max-message-size,
/// a remote provisional answer, rollback, and glare resolved with the polite/impolite pattern.
/// </summary>
public sealed class RenegotiationTests
{
    /// <summary>Two peers whose descriptions the test delivers by hand; candidates go across by themselves.</summary>
    private sealed class ManualPair : IDisposable
    {
        public WebRtcPeerConnection A { get; } = new();
        public WebRtcPeerConnection B { get; } = new();
        public readonly List<(string Type, string Sdp)> FromA = new(), FromB = new();
        public readonly List<WebRtcDataChannel> ReceivedByB = new();

        /// <summary>Whether trickled candidates go across (only through descriptions when false).</summary>
        public volatile bool ForwardCandidates = true;

        public ManualPair()
        {
            Assert.Equal(Error.Ok, A.Initialize(Pair.Loopback()));
            Assert.Equal(Error.Ok, B.Initialize(Pair.Loopback()));
            Wire(A, B, FromA);
            Wire(B, A, FromB);
            B.DataChannelReceived += ch => ReceivedByB.Add(ch);
        }

        private void Wire(WebRtcPeerConnection self, WebRtcPeerConnection other, List<(string, string)> sent)
        {
            self.SessionDescriptionCreated += (type, sdp) =>
            {
                Assert.Equal(Error.Ok, self.SetLocalDescription(type, sdp));
                sent.Add((type, sdp));
            };
            self.IceCandidateCreated += (media, index, name) =>
            {
                if (ForwardCandidates)
                    other.AddIceCandidate(media, index, name);
            };
        }

        public void PollUntil(Func<bool> condition, string what)
        {
            var sw = Stopwatch.StartNew();
            while (!condition())
            {
                A.Poll();
                B.Poll();
                if (sw.Elapsed > Pair.Timeout)
                    throw new Xunit.Sdk.XunitException($"timed out waiting for {what}: A={A.ConnectionState}/{A.SignalingState} B={B.ConnectionState}/{B.SignalingState}");
                Thread.Sleep(1);
            }
        }

        private readonly Dictionary<List<(string Type, string Sdp)>, int> _read = new();

        /// <summary>The next description of <paramref name="from"/> not read yet, in the order they were created.</summary>
        public (string Type, string Sdp) Next(List<(string Type, string Sdp)> from)
        {
            int read = _read.GetValueOrDefault(from);
            PollUntil(() => from.Count > read, "a description");
            _read[from] = read + 1;
            return from[read];
        }

        public (WebRtcDataChannel OnA, WebRtcDataChannel OnB) Connect()
        {
            var a = A.CreateDataChannel("data")!;
            Assert.Equal(Error.Ok, A.CreateOffer());
            var offer = Next(FromA);
            Assert.Equal(Error.Ok, B.SetRemoteDescription("offer", offer.Sdp));
            var answer = Next(FromB);
            Assert.Equal(Error.Ok, A.SetRemoteDescription("answer", answer.Sdp));
            PollUntil(() => ReceivedByB.Count == 1 && a.ReadyState == ChannelState.Open && ReceivedByB[0].ReadyState == ChannelState.Open, "the channel open");
            return (a, ReceivedByB[0]);
        }

        public void Dispose()
        {
            A.Dispose();
            B.Dispose();
        }
    }

    private static void RoundTrip(Pair pair, WebRtcDataChannel from, WebRtcDataChannel to, string text)
    {
        Assert.Equal(Error.Ok, from.PutPacket(Encoding.UTF8.GetBytes(text)));
        Assert.Equal(text, Encoding.UTF8.GetString(pair.Receive(to, 1)[0].Data));
    }

    private static string Receive(ManualPair pair, WebRtcDataChannel channel)
    {
        byte[]? got = null;
        pair.PollUntil(() => (got = channel.AvailablePacketCount > 0 ? channel.GetPacket() : null) is not null, "a packet");
        return Encoding.UTF8.GetString(got!);
    }

    [Fact]
    public void SecondOffer_FromEitherSide_IsAccepted_ChannelsKeepWorking()
    {
        using var pair = new Pair();
        var (a, b) = pair.ConnectWithChannel();
        Assert.Equal(Error.Ok, pair.B.CreateOffer()); // the answerer offers
        Assert.Equal(Error.Failed, pair.B.CreateOffer()); // one exchange at a time
        pair.PollUntil(() => pair.DescriptionsA.Count == 2 && pair.A.SignalingState == SignalingState.Stable && pair.B.SignalingState == SignalingState.Stable, "B's offer answered");
        Assert.Equal(("offer", "answer"), (pair.DescriptionsB[^1].Type, pair.DescriptionsA[^1].Type));
        RoundTrip(pair, a, b, "after B's offer");
        RoundTrip(pair, b, a, "back after B's offer");
        Assert.Equal(Error.Ok, pair.A.CreateOffer()); // and the first offerer again
        pair.PollUntil(() => pair.DescriptionsB.Count == 3 && pair.A.SignalingState == SignalingState.Stable, "A's second offer answered");
        RoundTrip(pair, a, b, "after A's second offer");
        Assert.Equal(ConnectionState.Connected, pair.A.ConnectionState);
        Assert.Equal(ConnectionState.Connected, pair.B.ConnectionState);
        Assert.Empty(pair.Problems);
    }

    [Fact]
    public void LaterMaxMessageSize_IsApplied()
    {
        using var pair = new ManualPair();
        var (a, b) = pair.Connect();
        Assert.Equal(262144, a.MaxPacketSize);
        Assert.Equal(Error.Ok, pair.B.CreateOffer());
        var offer = pair.Next(pair.FromB).Sdp;
        offer = Regex.Replace(offer, "a=max-message-size:\\d+", "a=max-message-size:100000");
        Assert.Equal(Error.Ok, pair.A.SetRemoteDescription("offer", offer));
        Assert.Equal(Error.Ok, pair.B.SetRemoteDescription("answer", pair.Next(pair.FromA).Sdp));
        Assert.Equal(100000, a.MaxPacketSize);
        Assert.NotEqual(Error.Ok, a.PutPacket(new byte[150000]));
        Assert.Equal(ChannelState.Open, a.ReadyState);
        Assert.Equal(Error.Ok, a.PutPacket(new byte[90000]));
        pair.PollUntil(() => b.AvailablePacketCount > 0, "the 90000-byte packet");
        Assert.Equal(90000, b.GetPacket().Length);
    }

    private static string WithoutCandidates(string sdp) =>
        string.Join("\r\n", sdp.Replace("\r\n", "\n").Split('\n').Where(l => !l.StartsWith("a=candidate:", StringComparison.Ordinal) && !l.StartsWith("a=end-of-candidates", StringComparison.Ordinal)));

    [Fact]
    public void CandidatesOfALaterDescription_AreApplied()
    {
        using var pair = new ManualPair { ForwardCandidates = false };
        var a = pair.A.CreateDataChannel("late")!;
        Assert.Equal(Error.Ok, pair.A.CreateOffer());
        Assert.Equal(Error.Ok, pair.B.SetRemoteDescription("offer", WithoutCandidates(pair.Next(pair.FromA).Sdp)));
        Assert.Equal(Error.Ok, pair.A.SetRemoteDescription("answer", WithoutCandidates(pair.Next(pair.FromB).Sdp)));
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < TimeSpan.FromSeconds(2))
        {
            pair.A.Poll();
            pair.B.Poll();
            Thread.Sleep(5);
        }
        Assert.NotEqual(ConnectionState.Connected, pair.A.ConnectionState); // no candidate anywhere: no path
        // A second exchange whose descriptions carry the candidates gathered meanwhile.
        Assert.Equal(Error.Ok, pair.A.CreateOffer());
        var offer = pair.Next(pair.FromA).Sdp;
        Assert.Contains("a=candidate:", offer);
        Assert.Equal(Error.Ok, pair.B.SetRemoteDescription("offer", offer));
        var answer = pair.Next(pair.FromB).Sdp;
        Assert.Contains("a=candidate:", answer);
        Assert.Equal(Error.Ok, pair.A.SetRemoteDescription("answer", answer));
        pair.PollUntil(() => pair.A.ConnectionState == ConnectionState.Connected && a.ReadyState == ChannelState.Open, "connected through the later candidates");
    }

    [Fact]
    public void RemotePranswer_StartsTheTransports_ThenTheAnswerMakesItStable()
    {
        using var pair = new ManualPair();
        var a = pair.A.CreateDataChannel("data")!;
        Assert.Equal(Error.Ok, pair.A.CreateOffer());
        Assert.Equal(Error.Ok, pair.B.SetRemoteDescription("offer", pair.Next(pair.FromA).Sdp));
        var answer = pair.Next(pair.FromB).Sdp;
        Assert.Equal(Error.Ok, pair.A.SetRemoteDescription("pranswer", answer));
        pair.PollUntil(() => pair.A.SignalingState == SignalingState.HaveRemotePranswer, "HaveRemotePranswer");
        pair.PollUntil(() => pair.A.ConnectionState == ConnectionState.Connected, "connected on the provisional answer");
        Assert.Equal(Error.Ok, pair.A.SetRemoteDescription("answer", answer));
        pair.PollUntil(() => pair.A.SignalingState == SignalingState.Stable && a.ReadyState == ChannelState.Open, "stable, channel open");
        Assert.Equal(Error.Failed, pair.A.SetRemoteDescription("answer", answer)); // once stable, no further answer
    }

    [Fact]
    public void Rollback_OfALocalOffer_ReturnsToStable_AndOnlyThen()
    {
        using var pair = new ManualPair();
        Assert.Equal(Error.Failed, pair.A.SetLocalDescription("rollback", "")); // no offer yet
        Assert.Equal(Error.Failed, pair.A.SetRemoteDescription("rollback", ""));
        Assert.NotNull(pair.A.CreateDataChannel("data"));
        Assert.Equal(Error.Ok, pair.A.CreateOffer());
        pair.Next(pair.FromA);
        Assert.Equal(Error.Failed, pair.A.SetRemoteDescription("rollback", "")); // the pending offer is ours
        Assert.Equal(Error.Ok, pair.A.SetLocalDescription("rollback", ""));
        pair.PollUntil(() => pair.A.SignalingState == SignalingState.Stable, "Stable after rollback");
        Assert.Equal(Error.Failed, pair.A.SetLocalDescription("rollback", ""));
        // After the rollback the offer can be made again, and the connection comes up.
        Assert.Equal(Error.Ok, pair.A.CreateOffer());
        Assert.Equal(Error.Ok, pair.B.SetRemoteDescription("offer", pair.Next(pair.FromA).Sdp));
        Assert.Equal(Error.Ok, pair.A.SetRemoteDescription("answer", pair.Next(pair.FromB).Sdp));
        pair.PollUntil(() => pair.A.ConnectionState == ConnectionState.Connected && pair.B.ConnectionState == ConnectionState.Connected, "connected");
    }

    [Fact]
    public void Glare_PoliteRollsBack_ImpoliteIgnores_BothChangesGoThrough()
    {
        using var pair = new ManualPair();
        var (a, b) = pair.Connect();
        // Both sides want a change at once: two offers cross.
        var impolite = new PoliteNegotiator(pair.A, polite: false);
        var polite = new PoliteNegotiator(pair.B, polite: true);
        Assert.Equal(Error.Ok, impolite.Offer());
        Assert.Equal(Error.Ok, polite.Offer());
        var offerA = pair.Next(pair.FromA);
        var offerB = pair.Next(pair.FromB);
        Assert.Equal(Error.Failed, pair.A.SetRemoteDescription("offer", offerB.Sdp)); // what a naive peer meets
        Assert.Equal(Error.Ok, impolite.Receive(offerB.Type, offerB.Sdp)); // ignored: its own offer wins
        Assert.Equal(Error.Ok, polite.Receive(offerA.Type, offerA.Sdp));   // rolls back, answers
        var answerB = pair.Next(pair.FromB);
        Assert.Equal("answer", answerB.Type);
        Assert.Equal(Error.Ok, impolite.Receive(answerB.Type, answerB.Sdp));
        // The polite peer's own change goes out again once stable.
        var again = pair.Next(pair.FromB);
        Assert.Equal("offer", again.Type);
        Assert.Equal(Error.Ok, impolite.Receive(again.Type, again.Sdp));
        var answerA = pair.Next(pair.FromA);
        Assert.Equal(Error.Ok, polite.Receive(answerA.Type, answerA.Sdp));
        pair.PollUntil(() => pair.A.SignalingState == SignalingState.Stable && pair.B.SignalingState == SignalingState.Stable, "both stable");
        Assert.Equal(Error.Ok, a.PutPacket("after glare"u8));
        Assert.Equal("after glare", Receive(pair, b));
        Assert.Equal(Error.Ok, b.PutPacket("back after glare"u8));
        Assert.Equal("back after glare", Receive(pair, a));
    }
}

/// <summary>
/// The polite/impolite pattern of docs/renegotiation.md, as written there: on crossing offers the impolite peer
/// ignores the remote offer, the polite one rolls its own back, answers, and offers its change again afterwards.
/// </summary>
public sealed class PoliteNegotiator
{
    private readonly WebRtcPeerConnection _pc;
    private readonly bool _polite;
    private bool _offerPending; // our offer is out, its answer not in yet
    private bool _offerAgain;   // our offer was rolled back: make it again once stable

    public PoliteNegotiator(WebRtcPeerConnection pc, bool polite)
    {
        _pc = pc;
        _polite = polite;
    }

    /// <summary>Starts a negotiation (instead of calling CreateOffer directly).</summary>
    public Error Offer()
    {
        var e = _pc.CreateOffer();
        _offerPending = e == Error.Ok;
        return e;
    }

    /// <summary>A description from the other peer.</summary>
    public Error Receive(string type, string sdp)
    {
        if (type == "offer" && _offerPending)
        {
            if (!_polite)
                return Error.Ok; // glare: ours wins, the polite peer yields
            var r = _pc.SetLocalDescription("rollback", "");
            if (r != Error.Ok)
                return r;
            _offerPending = false;
            _offerAgain = true;
        }
        var e = _pc.SetRemoteDescription(type, sdp); // an offer is answered at once
        if (e != Error.Ok)
            return e;
        if (type == "answer")
            _offerPending = false;
        if (_offerAgain && !_offerPending)
        {
            _offerAgain = false;
            return Offer();
        }
        return Error.Ok;
    }
}
