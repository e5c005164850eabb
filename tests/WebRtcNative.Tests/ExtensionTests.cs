namespace WebRtcNative.Tests;

/// <summary>A scripted backend: records calls and raises events from Poll. (Overrides are "protected internal" only
/// because this test assembly sees the library's internals; a user assembly writes "protected override".)</summary>
public sealed class FakeExtension : WebRtcPeerConnectionExtension
{
    public List<string> Calls { get; } = new();
    public bool Disposed { get; private set; }
    public FakeChannel? Channel { get; private set; }

    protected internal override ConnectionState ConnectionState => Calls.Contains("Poll") ? ConnectionState.Connected : ConnectionState.New;
    protected internal override GatheringState GatheringState => GatheringState.Complete;
    protected internal override SignalingState SignalingState => SignalingState.HaveLocalOffer;

    protected internal override Error Initialize(WebRtcConfiguration configuration)
    {
        Calls.Add($"Initialize:{configuration.BindAddress}");
        return Error.Ok;
    }

    protected internal override Error CreateDataChannel(string label, DataChannelOptions options, out WebRtcDataChannel? channel)
    {
        Calls.Add($"CreateDataChannel:{label}:{options.Negotiated}:{options.Id}");
        channel = Channel = new FakeChannel(label);
        return Error.Ok;
    }

    protected internal override Error CreateOffer()
    {
        Calls.Add("CreateOffer");
        return Error.Busy;
    }

    protected internal override Error SetLocalDescription(string type, string sdp)
    {
        Calls.Add($"SetLocalDescription:{type}");
        return Error.Ok;
    }

    protected internal override Error SetRemoteDescription(string type, string sdp)
    {
        Calls.Add($"SetRemoteDescription:{type}");
        return Error.Ok;
    }

    protected internal override Error AddIceCandidate(string media, int index, string name)
    {
        Calls.Add($"AddIceCandidate:{media}:{index}:{name}");
        return Error.Ok;
    }

    protected internal override Error Poll()
    {
        Calls.Add("Poll");
        RaiseSessionDescriptionCreated("offer", "v=0 fake");
        RaiseIceCandidateCreated("0", 0, "candidate:fake");
        RaiseDataChannelReceived(new FakeChannel("remote"));
        RaiseConnectionStateChanged(ConnectionState.Connected);
        RaiseGatheringStateChanged(GatheringState.Complete);
        RaiseSignalingStateChanged(SignalingState.Stable);
        return Error.Ok;
    }

    protected internal override void Close() => Calls.Add("Close");

    protected override void Dispose(bool disposing)
    {
        Disposed = true;
        base.Dispose(disposing);
    }
}

public sealed class FakeChannel : WebRtcDataChannel
{
    private readonly Queue<byte[]> _queue = new();

    public FakeChannel(string label) => Label = label;

    public override Error PutPacket(ReadOnlySpan<byte> packet)
    {
        _queue.Enqueue(packet.ToArray());
        return Error.Ok;
    }

    public override byte[] GetPacket() => _queue.Count > 0 ? _queue.Dequeue() : Array.Empty<byte>();
    public override Error GetPacketError() => Error.Ok;

    public override bool TryGetPacket(Span<byte> buffer, out int written, out bool isString)
    {
        isString = false;
        if (_queue.Count == 0)
        {
            written = 0;
            return false;
        }
        var p = _queue.Dequeue();
        p.CopyTo(buffer);
        written = p.Length;
        return true;
    }

    public override int AvailablePacketCount => _queue.Count;
    public override WriteMode WriteMode { get; set; } = WriteMode.Binary;
    public override bool WasStringPacket => false;
    public override ChannelState ReadyState => ChannelState.Open;
    public override string Label { get; }
    public override string Protocol => "";
    public override int Id => 1;
    public override bool Ordered => true;
    public override bool Negotiated => false;
    public override int MaxPacketLifeTime => 65535;
    public override int MaxRetransmits => 65535;
    public override int BufferedAmount => 0;
    public override int MaxPacketSize => 1000;
    public override Error Poll() => Error.Ok;
    public override void Close() { }
}

[Collection("Serial")]
public class ExtensionTests
{
    [Fact]
    public void SetDefaultExtension_SwapsTheBackend_AndTheFacadeRoutesCallsAndEvents()
    {
        try
        {
            WebRtcPeerConnection.SetDefaultExtension<FakeExtension>();
            using var pc = new WebRtcPeerConnection();
            var fake = Assert.IsType<FakeExtension>(pc.Extension);

            Assert.Equal(Error.Ok, pc.Initialize(new Dictionary<string, object?> { ["bindAddress"] = "127.0.0.1" }));
            var ch = pc.CreateDataChannel("c", new Dictionary<string, object?> { ["negotiated"] = true, ["id"] = 3 });
            Assert.Same(fake.Channel, ch);
            Assert.Equal(Error.Busy, pc.CreateOffer()); // the backend's own result
            Assert.Equal(Error.Ok, pc.AddIceCandidate("0", 0, "a=candidate:1 1 UDP 1 127.0.0.1 5 typ host"));
            Assert.Equal(Error.Ok, pc.AddIceCandidate("0", 0, "")); // end-of-candidates: not passed on

            // The facade validates before the backend sees anything.
            Assert.Equal(Error.InvalidParameter, pc.SetRemoteDescription("offer", "garbage"));
            Assert.Equal(Error.InvalidParameter, pc.SetLocalDescription(null!, "v=0"));
            Assert.Equal(Error.InvalidParameter, pc.TryCreateDataChannel("x", new DataChannelOptions { Id = 1 }, out _));
            Assert.Equal(Error.InvalidParameter, pc.Initialize(new WebRtcConfiguration { Mtu = 3 }));
            Assert.Equal(Error.Ok, pc.SetRemoteDescription("answer", "v=0\r\n"));
            Assert.Equal(Error.Ok, pc.SetLocalDescription("offer", "v=0\r\n"));

            var events = new List<string>();
            pc.SessionDescriptionCreated += (t, s) => events.Add($"sdp:{t}:{s}");
            pc.IceCandidateCreated += (m, i, n) => events.Add($"cand:{m}:{i}:{n}");
            pc.DataChannelReceived += c => events.Add($"channel:{c.Label}");
            pc.ConnectionStateChanged += s => events.Add($"state:{s}");
            pc.GatheringStateChanged += s => events.Add($"gathering:{s}");
            pc.SignalingStateChanged += s => events.Add($"signaling:{s}");
            Assert.Equal(ConnectionState.New, pc.ConnectionState);
            Assert.Equal(Error.Ok, pc.Poll());
            Assert.Equal(new[]
            {
                "sdp:offer:v=0 fake", "cand:0:0:candidate:fake", "channel:remote",
                "state:Connected", "gathering:Complete", "signaling:Stable",
            }, events);
            Assert.Equal(ConnectionState.Connected, pc.ConnectionState);
            Assert.Equal(SignalingState.HaveLocalOffer, pc.SignalingState);
            pc.Close();

            Assert.Equal(new[]
            {
                "Initialize:127.0.0.1", "CreateDataChannel:c:True:3", "CreateOffer",
                "AddIceCandidate:0:0:candidate:1 1 UDP 1 127.0.0.1 5 typ host",
                "SetRemoteDescription:answer", "SetLocalDescription:offer", "Poll", "Close",
            }, fake.Calls);

            pc.Dispose();
            Assert.True(fake.Disposed);
            Assert.Equal(Error.Unavailable, pc.Poll());
            Assert.Equal(ConnectionState.Closed, pc.ConnectionState);
            Assert.Equal(8, fake.Calls.Count); // nothing reached the backend after dispose
        }
        finally
        {
            WebRtcPeerConnection.SetDefaultExtension(null);
        }
        using var native = new WebRtcPeerConnection();
        Assert.IsNotType<FakeExtension>(native.Extension);
    }

    [Fact]
    public void SetDefaultExtension_FactoryOverload_AndExplicitBackend()
    {
        int made = 0;
        try
        {
            WebRtcPeerConnection.SetDefaultExtension(() => { made++; return new FakeExtension(); });
            using var a = new WebRtcPeerConnection();
            using var b = new WebRtcPeerConnection();
            Assert.Equal(2, made);
            Assert.NotSame(a.Extension, b.Extension);
        }
        finally
        {
            WebRtcPeerConnection.SetDefaultExtension(null);
        }
        var backend = new FakeExtension();
        using var pc = new WebRtcPeerConnection(backend);
        Assert.Same(backend, pc.Extension);
        Assert.Throws<InvalidOperationException>(() => new WebRtcPeerConnection(backend));
        Assert.Throws<ArgumentNullException>(() => new WebRtcPeerConnection(null!));
    }
}
