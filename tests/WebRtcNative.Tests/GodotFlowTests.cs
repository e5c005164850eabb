using System.Text;

namespace WebRtcNative.Tests;

public class GodotFlowTests
{
    [Fact]
    public void FullFlow_InBandChannel_ConnectsWithStatesInOrder_AndExchangesTextAndBinary()
    {
        using var pair = new Pair();
        var a = pair.A;

        // Fresh connection: Godot's initial states (upstream never reports RTC_NEW, so these are cached).
        Assert.Equal(ConnectionState.New, a.ConnectionState);
        Assert.Equal(GatheringState.New, a.GatheringState);
        Assert.Equal(SignalingState.Stable, a.SignalingState);

        var chA = a.CreateDataChannel("chat");
        Assert.NotNull(chA);
        Assert.Equal(ChannelState.Connecting, chA!.ReadyState);
        Assert.Equal("chat", chA.Label);
        Assert.False(chA.Negotiated);
        Assert.True(chA.Ordered);
        Assert.Equal(65535, chA.MaxRetransmits);
        Assert.Equal(65535, chA.MaxPacketLifeTime);

        Assert.Equal(Error.Ok, a.CreateOffer());
        // Events surface only at Poll: nothing has been delivered yet.
        Assert.Empty(pair.DescriptionsA);

        pair.PollUntil(() => a.ConnectionState == ConnectionState.Connected && pair.B.ConnectionState == ConnectionState.Connected, "Connected");
        pair.PollUntil(() => pair.ReceivedByB.Count == 1 && pair.GatheringA.Contains(GatheringState.Complete) && pair.GatheringB.Contains(GatheringState.Complete), "channel + gathering complete");
        Assert.Empty(pair.Problems);

        // Descriptions: A offered, B answered, each exactly once.
        Assert.Equal(new[] { "offer" }, pair.DescriptionsA.Select(d => d.Type));
        Assert.Equal(new[] { "answer" }, pair.DescriptionsB.Select(d => d.Type));
        Assert.StartsWith("v=0", pair.DescriptionsA[0].Sdp);

        // Candidates: (mid, 0, "candidate:...") on loopback.
        Assert.NotEmpty(pair.CandidatesA);
        Assert.NotEmpty(pair.CandidatesB);
        foreach (var (media, index, name) in pair.CandidatesA.Concat(pair.CandidatesB))
        {
            Assert.False(string.IsNullOrEmpty(media));
            Assert.Equal(0, index);
            Assert.StartsWith("candidate:", name);
            Assert.Contains("127.0.0.1", name);
        }

        // State order.
        Assert.Equal(new[] { ConnectionState.Connecting, ConnectionState.Connected }, pair.StatesA);
        Assert.Equal(new[] { ConnectionState.Connecting, ConnectionState.Connected }, pair.StatesB);
        Assert.Equal(new[] { GatheringState.Gathering, GatheringState.Complete }, pair.GatheringA);
        Assert.Equal(new[] { GatheringState.Gathering, GatheringState.Complete }, pair.GatheringB);
        Assert.Equal(new[] { SignalingState.HaveLocalOffer, SignalingState.Stable }, pair.SignalingA);
        Assert.Equal(new[] { SignalingState.HaveRemoteOffer, SignalingState.Stable }, pair.SignalingB);
        Assert.Equal(SignalingState.Stable, a.SignalingState);

        var chB = pair.ReceivedByB[0];
        pair.WaitOpen(chA, chB);
        Assert.Equal("chat", chB.Label);
        Assert.False(chB.Negotiated);
        Assert.True(chB.Ordered);
        Assert.Equal(65535, chB.MaxRetransmits);
        Assert.Equal(65535, chB.MaxPacketLifeTime);
        Assert.Equal(chA.Id, chB.Id);
        Assert.InRange(chA.Id, 0, 65534);
        Assert.True(chA.MaxPacketSize > 0);
        Assert.Empty(pair.ReceivedByA);

        // Text A -> B.
        chA.WriteMode = WriteMode.Text;
        Assert.Equal(Error.Ok, chA.PutPacket(Encoding.UTF8.GetBytes("héllo wörld ✓")));
        var text = pair.Receive(chB, 1);
        Assert.Equal("héllo wörld ✓", Encoding.UTF8.GetString(text[0].Data));
        Assert.True(text[0].IsString);

        // Binary B -> A.
        var bin = Payload.Make(42, 1000);
        Assert.Equal(WriteMode.Binary, chB.WriteMode);
        Assert.Equal(Error.Ok, chB.PutPacket(bin));
        var back = pair.Receive(chA, 1);
        Assert.Equal(bin, back[0].Data);
        Assert.False(back[0].IsString);
        Assert.False(chA.WasStringPacket);
    }

    [Fact]
    public void SetLocalDescription_WithDeliveredDescription_IsNoOpOk_AndMismatchIsRefused()
    {
        using var pair = new Pair();
        Assert.NotNull(pair.A.CreateDataChannel("x"));
        var seen = new List<(string, string)>();
        var solo = new WebRtcPeerConnection();
        Assert.Equal(Error.Ok, solo.Initialize(Pair.Loopback()));
        Assert.NotNull(solo.CreateDataChannel("x"));
        solo.SessionDescriptionCreated += (t, s) => seen.Add((t, s));
        Assert.Equal(Error.Ok, solo.CreateOffer());
        var sw = System.Diagnostics.Stopwatch.StartNew();
        while (seen.Count == 0 && sw.Elapsed < Pair.Timeout)
        {
            solo.Poll();
            Thread.Sleep(1);
        }
        Assert.Single(seen);
        var (type, sdp) = seen[0];
        Assert.Equal("offer", type);
        Assert.Equal(Error.Ok, solo.SetLocalDescription(type, sdp));
        Assert.Equal(Error.Ok, solo.SetLocalDescription(type, sdp.Replace("\r\n", "\n")));
        Assert.Equal(Error.InvalidParameter, solo.SetLocalDescription("answer", sdp));
        Assert.Equal(Error.InvalidParameter, solo.SetLocalDescription("offer", sdp.Replace("a=", "a=x-")));
        Assert.Equal(SignalingState.HaveLocalOffer, solo.SignalingState);
        solo.Dispose();
    }

    [Fact]
    public void Candidates_WithAEqualsPrefix_AreAccepted()
    {
        using var pair = new Pair { CandidatePrefix = "a=" };
        pair.ConnectWithChannel();
        Assert.Empty(pair.Problems);
    }

    [Fact]
    public void ConnectionStateAndSignaling_AreCurrentBetweenPolls()
    {
        // Getters read the states cached atomically by the native callbacks, without Poll.
        using var pair = new Pair();
        pair.ConnectWithChannel();
        Assert.Equal(ConnectionState.Connected, pair.A.ConnectionState);
        pair.B.Close();
        Assert.Equal(ConnectionState.Closed, pair.B.ConnectionState);
        Assert.Equal(SignalingState.Closed, pair.B.SignalingState);
        // A notices the remote close without Poll: the getter is updated by the callback.
        var sw = System.Diagnostics.Stopwatch.StartNew();
        while (pair.A.ConnectionState == ConnectionState.Connected && sw.Elapsed < TimeSpan.FromSeconds(15))
            Thread.Sleep(5);
        Assert.NotEqual(ConnectionState.Connected, pair.A.ConnectionState);
    }
}
