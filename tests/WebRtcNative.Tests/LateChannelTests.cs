using System.Text;

namespace WebRtcNative.Tests;

/// <summary>Godot only requires STATE_NEW to create a channel, also after the offer/answer exchange started.</summary>
public class LateChannelTests
{
    [Fact]
    public void Answerer_AddsNegotiatedAndInBandChannels_AfterSetRemoteDescription_WhileNew()
    {
        using var a = new WebRtcPeerConnection();
        using var b = new WebRtcPeerConnection();
        Assert.Equal(Error.Ok, a.Initialize(Pair.Loopback()));
        Assert.Equal(Error.Ok, b.Initialize(Pair.Loopback()));
        var errors = new List<string>();
        WebRtcDataChannel? lateB = null, inBandB = null;
        var receivedByA = new List<WebRtcDataChannel>();
        a.DataChannelReceived += receivedByA.Add;
        a.SessionDescriptionCreated += (t, s) =>
        {
            Note(a.SetLocalDescription(t, s), "A.SetLocal");
            Note(b.SetRemoteDescription(t, s), "B.SetRemote");
            // The answerer learns the channel ids from its signalling and adds them now, still New.
            Assert.Equal(ConnectionState.New, b.ConnectionState);
            lateB = b.CreateDataChannel("late", new DataChannelOptions { Negotiated = true, Id = 7 });
            inBandB = b.CreateDataChannel("from-b");
        };
        b.SessionDescriptionCreated += (t, s) =>
        {
            Note(b.SetLocalDescription(t, s), "B.SetLocal");
            Note(a.SetRemoteDescription(t, s), "A.SetRemote");
        };
        a.IceCandidateCreated += (m, i, n) => Note(b.AddIceCandidate(m, i, n), "B.AddIceCandidate");
        b.IceCandidateCreated += (m, i, n) => Note(a.AddIceCandidate(m, i, n), "A.AddIceCandidate");
        var lateA = a.CreateDataChannel("late", new DataChannelOptions { Negotiated = true, Id = 7 })!;
        Assert.Equal(Error.Ok, a.CreateOffer());

        var sw = System.Diagnostics.Stopwatch.StartNew();
        while (!(lateB?.ReadyState == ChannelState.Open && lateA.ReadyState == ChannelState.Open && receivedByA.Count == 1) && sw.Elapsed < Pair.Timeout)
        {
            a.Poll();
            b.Poll();
            Thread.Sleep(1);
        }
        Assert.Empty(errors);
        Assert.NotNull(lateB);
        Assert.NotNull(inBandB);
        Assert.Equal(ChannelState.Open, lateB!.ReadyState);
        Assert.Equal("from-b", Assert.Single(receivedByA).Label);

        Assert.Equal(Error.Ok, lateB.PutPacket(Encoding.UTF8.GetBytes("late hello")));
        Assert.Equal(Error.Ok, inBandB!.PutPacket(Encoding.UTF8.GetBytes("in-band hello")));
        sw.Restart();
        while ((lateA.AvailablePacketCount == 0 || receivedByA[0].AvailablePacketCount == 0) && sw.Elapsed < Pair.Timeout)
        {
            a.Poll();
            b.Poll();
            Thread.Sleep(1);
        }
        Assert.Equal("late hello", Encoding.UTF8.GetString(lateA.GetPacket()));
        Assert.Equal("in-band hello", Encoding.UTF8.GetString(receivedByA[0].GetPacket()));

        // Once connected, it is too late (Godot: STATE_NEW only).
        Assert.Null(b.CreateDataChannel("too-late", new DataChannelOptions { Negotiated = true, Id = 9 }));

        void Note(Error e, string what)
        {
            if (e != Error.Ok)
                errors.Add($"{what}: {e}");
        }
    }
}
