namespace WebRtcNative.Tests;

/// <summary>Every method in every wrong state and with bad arguments returns the documented Error and never throws.</summary>
public class ErrorTests
{
    private static WebRtcPeerConnection Fresh()
    {
        var pc = new WebRtcPeerConnection();
        Assert.Equal(Error.Ok, pc.Initialize(Pair.Loopback()));
        return pc;
    }

    public static TheoryData<string, Func<WebRtcConfiguration>> BadConfigurations => new()
    {
        { "bindAddress not an IP", () => new WebRtcConfiguration { BindAddress = "localhost:99" } },
        { "url scheme", () => new WebRtcConfiguration { IceServers = { new IceServer("http://stun.example.org") } } },
        { "url empty", () => new WebRtcConfiguration { IceServers = { new IceServer("") } } },
        { "url null", () => new WebRtcConfiguration { IceServers = { new IceServer(new string[] { null! }) } } },
        { "no urls", () => new WebRtcConfiguration { IceServers = { new IceServer() } } },
        { "null server", () => new WebRtcConfiguration { IceServers = { null! } } },
        { "stun without host", () => new WebRtcConfiguration { IceServers = { new IceServer("stun:") } } },
        { "port range reversed", () => new WebRtcConfiguration { PortRangeBegin = 5000, PortRangeEnd = 4000 } },
        { "mtu too small", () => new WebRtcConfiguration { Mtu = 100 } },
        { "mtu negative", () => new WebRtcConfiguration { Mtu = -1 } },
        { "maxMessageSize negative", () => new WebRtcConfiguration { MaxMessageSize = -5 } },
        { "policy", () => new WebRtcConfiguration { IceTransportPolicy = (IceTransportPolicy)7 } },
        { "queue packets", () => new WebRtcConfiguration { ReceiveQueueMaxPackets = 0 } },
        { "queue bytes", () => new WebRtcConfiguration { ReceiveQueueMaxBytes = -1 } },
    };

    [Theory]
    [MemberData(nameof(BadConfigurations))]
    public void Initialize_BadConfiguration_IsInvalidParameter(string why, Func<WebRtcConfiguration> make)
    {
        using var pc = new WebRtcPeerConnection();
        Assert.True(Error.InvalidParameter == pc.Initialize(make()), why);
        Assert.Equal(ConnectionState.New, pc.ConnectionState);
    }

    public static TheoryData<string, Dictionary<string, object?>> BadDictionaries => new()
    {
        { "iceServers not a list", new() { ["iceServers"] = 5 } },
        { "iceServers a string", new() { ["iceServers"] = "stun:x" } },
        { "entry not a dictionary", new() { ["iceServers"] = new object[] { "stun:x" } } },
        { "urls not strings", new() { ["iceServers"] = new object[] { new Dictionary<string, object?> { ["urls"] = 12 } } } },
        { "username not a string", new() { ["iceServers"] = new object[] { new Dictionary<string, object?> { ["urls"] = "turn:x", ["username"] = 1 } } } },
        { "policy unknown", new() { ["iceTransportPolicy"] = "some" } },
        { "port out of range", new() { ["portRangeBegin"] = 70000 } },
        { "mtu not a number", new() { ["mtu"] = "big" } },
        { "enableIceTcp not bool", new() { ["enableIceTcp"] = "yes" } },
        { "bindAddress bad", new() { ["bindAddress"] = "not-an-ip" } },
    };

    [Theory]
    [MemberData(nameof(BadDictionaries))]
    public void Initialize_BadDictionary_IsInvalidParameter(string why, Dictionary<string, object?> d)
    {
        using var pc = new WebRtcPeerConnection();
        Assert.True(Error.InvalidParameter == pc.Initialize(d), why);
        Assert.Equal(Error.InvalidParameter, pc.Initialize((IDictionary<string, object?>)null!));
    }

    [Fact]
    public void Initialize_GodotDictionary_WithServersAndUnknownKeys_IsOk()
    {
        using var pc = new WebRtcPeerConnection();
        var d = new Dictionary<string, object?>
        {
            ["iceServers"] = new List<object>
            {
                new Dictionary<string, object?> { ["urls"] = new[] { "stun:127.0.0.1:3478" } },
                new Dictionary<string, object?> { ["urls"] = new List<object> { "turn:127.0.0.1:3478" }, ["username"] = "user", ["credential"] = "p@ss:word" },
            },
            ["iceTransportPolicy"] = "all",
            ["bindAddress"] = "127.0.0.1",
            ["portRangeBegin"] = 0L,
            ["portRangeEnd"] = 0L,
            ["enableIceTcp"] = false,
            ["mtu"] = 1200,
            ["maxMessageSize"] = 65536,
            ["someFutureKey"] = 1,
        };
        Assert.Equal(Error.Ok, pc.Initialize(d));
        Assert.Equal(ConnectionState.New, pc.ConnectionState);
        Assert.NotNull(pc.CreateDataChannel("x"));
    }

    public static TheoryData<string, DataChannelOptions> BadOptions => new()
    {
        { "both reliability limits", new DataChannelOptions { MaxRetransmits = 1, MaxPacketLifeTime = 100 } },
        { "negotiated without id", new DataChannelOptions { Negotiated = true } },
        { "id without negotiated", new DataChannelOptions { Id = 3 } },
        { "id 65535", new DataChannelOptions { Negotiated = true, Id = 65535 } },
        { "id negative", new DataChannelOptions { Negotiated = true, Id = -2 } },
        { "maxRetransmits negative", new DataChannelOptions { MaxRetransmits = -3 } },
        { "maxRetransmits too big", new DataChannelOptions { MaxRetransmits = 70000 } },
        { "lifetime negative", new DataChannelOptions { MaxPacketLifeTime = -3 } },
        { "protocol with NUL", new DataChannelOptions { Protocol = "a\0b" } },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void CreateDataChannel_BadOptions_IsInvalidParameter_AndNull(string why, DataChannelOptions options)
    {
        using var pc = Fresh();
        Assert.True(Error.InvalidParameter == pc.TryCreateDataChannel("x", options, out var ch), why);
        Assert.Null(ch);
        Assert.Null(pc.CreateDataChannel("x", options));
    }

    [Fact]
    public void CreateDataChannel_BadLabelsAndDictionaries()
    {
        using var pc = Fresh();
        Assert.Equal(Error.InvalidParameter, pc.TryCreateDataChannel(null!, null, out _));
        Assert.Null(pc.CreateDataChannel(null!));
        Assert.Equal(Error.InvalidParameter, pc.TryCreateDataChannel("nul\0label", null, out _));
        Assert.Null(pc.CreateDataChannel("x", (IDictionary<string, object?>)null!));
        Assert.Null(pc.CreateDataChannel("x", new Dictionary<string, object?> { ["maxRetransmits"] = 1, ["maxPacketLifeTime"] = 10 }));
        Assert.Null(pc.CreateDataChannel("x", new Dictionary<string, object?> { ["maxRetransmits"] = 1, ["maxPacketLifetime"] = 10 }));
        Assert.Null(pc.CreateDataChannel("x", new Dictionary<string, object?> { ["negotiated"] = true }));
        Assert.Null(pc.CreateDataChannel("x", new Dictionary<string, object?> { ["negotiated"] = true, ["id"] = -1 }));
        Assert.Null(pc.CreateDataChannel("x", new Dictionary<string, object?> { ["id"] = 4 }));
        Assert.Null(pc.CreateDataChannel("x", new Dictionary<string, object?> { ["ordered"] = "no" }));
        Assert.Null(pc.CreateDataChannel("x", new Dictionary<string, object?> { ["maxRetransmits"] = "3" }));
        Assert.Null(pc.CreateDataChannel("x", new Dictionary<string, object?> { ["maxRetransmits"] = -7 }));

        // Empty label is fine; both lifetime spellings are accepted; -1 means unset (Godot).
        Assert.NotNull(pc.CreateDataChannel(""));
        var c1 = pc.CreateDataChannel("x", new Dictionary<string, object?> { ["maxPacketLifeTime"] = 120 });
        var c2 = pc.CreateDataChannel("y", new Dictionary<string, object?> { ["maxPacketLifetime"] = 130, ["maxRetransmits"] = -1 });
        Assert.Equal(120, c1!.MaxPacketLifeTime);
        Assert.Equal(65535, c1.MaxRetransmits);
        Assert.Equal(130, c2!.MaxPacketLifeTime);
    }

    [Fact]
    public void CreateDataChannel_DuplicateNegotiatedId_IsAlreadyInUse()
    {
        using var pc = Fresh();
        Assert.Equal(Error.Ok, pc.TryCreateDataChannel("a", new DataChannelOptions { Negotiated = true, Id = 4 }, out var first));
        Assert.Equal(Error.AlreadyInUse, pc.TryCreateDataChannel("b", new DataChannelOptions { Negotiated = true, Id = 4 }, out var second));
        Assert.Null(second);
        // Once the first is disposed (and deleted natively) the id is free again.
        first!.Dispose();
        Assert.True(Reaper.WaitIdle(TimeSpan.FromSeconds(5)));
        Assert.Equal(Error.Ok, pc.TryCreateDataChannel("c", new DataChannelOptions { Negotiated = true, Id = 4 }, out _));
    }

    [Fact]
    public void ChannelAfterOffer_IsOk_WhileNew_AndAfterConnect_IsFailed()
    {
        using var pair = new Pair();
        Assert.NotNull(pair.A.CreateDataChannel("first"));
        Assert.Equal(Error.Ok, pair.A.CreateOffer());
        // Godot only requires STATE_NEW: the offer already carries the data section.
        Assert.Equal(Error.Ok, pair.A.TryCreateDataChannel("late", null, out var late));
        Assert.NotNull(late);
        pair.PollUntil(() => pair.A.ConnectionState == ConnectionState.Connected, "connected");
        pair.PollUntil(() => pair.ReceivedByB.Count == 2 && late!.ReadyState == ChannelState.Open, "the late channel open on both sides");
        Assert.Equal(Error.Failed, pair.A.TryCreateDataChannel("later", null, out _));
        Assert.Equal(Error.Failed, pair.B.TryCreateDataChannel("later", new DataChannelOptions { Negotiated = true, Id = 3 }, out _));
    }

    [Fact]
    public void CreateOffer_WrongStates()
    {
        using var pc = Fresh();
        Assert.Equal(Error.Failed, pc.CreateOffer()); // no channel yet
        Assert.NotNull(pc.CreateDataChannel("x"));
        Assert.Equal(Error.Ok, pc.CreateOffer());
        Assert.Equal(Error.Failed, pc.CreateOffer()); // twice
        pc.Close();
        Assert.Equal(Error.Unconfigured, pc.CreateOffer());
        pc.Dispose();
        Assert.Equal(Error.Unavailable, pc.CreateOffer());
    }

    [Fact]
    public void CreateOffer_AfterConnect_Renegotiates_OneExchangeAtATime()
    {
        using var pair = new Pair();
        pair.ConnectWithChannel();
        Assert.Equal(Error.Ok, pair.B.CreateOffer()); // renegotiation (docs/renegotiation.md)
        Assert.Equal(Error.Failed, pair.B.CreateOffer()); // its exchange is in progress
        pair.PollUntil(() => pair.B.SignalingState == SignalingState.Stable && pair.DescriptionsA.Count == 2, "B's offer answered");
        Assert.Equal(Error.Ok, pair.A.CreateOffer());
        pair.A.Close();
        Assert.Equal(Error.Unconfigured, pair.A.CreateOffer());
    }

    [Fact]
    public void SetLocalDescription_BadArgumentsAndStates()
    {
        using var pc = Fresh();
        const string sdp = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n";
        Assert.Equal(Error.InvalidParameter, pc.SetLocalDescription(null!, sdp));
        Assert.Equal(Error.InvalidParameter, pc.SetLocalDescription("", sdp));
        Assert.Equal(Error.InvalidParameter, pc.SetLocalDescription("pranswer", sdp));
        Assert.Equal(Error.InvalidParameter, pc.SetLocalDescription("offer", null!));
        Assert.Equal(Error.InvalidParameter, pc.SetLocalDescription("offer", ""));
        Assert.Equal(Error.InvalidParameter, pc.SetLocalDescription("offer", "  "));
        Assert.Equal(Error.Failed, pc.SetLocalDescription("offer", sdp)); // nothing created yet
        pc.Close();
        Assert.Equal(Error.Unconfigured, pc.SetLocalDescription("offer", sdp));
        pc.Dispose();
        Assert.Equal(Error.Unavailable, pc.SetLocalDescription("offer", sdp));
    }

    [Fact]
    public void SetRemoteDescription_BadArgumentsAndStates()
    {
        using var pc = Fresh();
        Assert.Equal(Error.InvalidParameter, pc.SetRemoteDescription(null!, "v=0\r\n"));
        Assert.Equal(Error.InvalidParameter, pc.SetRemoteDescription("", "v=0\r\n"));
        Assert.Equal(Error.InvalidParameter, pc.SetRemoteDescription("nonsense", "v=0\r\n"));
        Assert.Equal(Error.Failed, pc.SetRemoteDescription("rollback", "v=0\r\n")); // nothing to roll back
        Assert.Equal(Error.InvalidParameter, pc.SetRemoteDescription("offer", null!));
        Assert.Equal(Error.InvalidParameter, pc.SetRemoteDescription("offer", ""));
        Assert.Equal(Error.InvalidParameter, pc.SetRemoteDescription("offer", "this is not an SDP"));
        // Syntactically an SDP start, but unusable: the native library refuses it (mapped error, not Ok).
        var e = pc.SetRemoteDescription("offer", "v=0\r\nm=garbage\r\n");
        Assert.Contains(e, new[] { Error.InvalidParameter, Error.Failed });
        Assert.Equal(Error.Failed, pc.SetRemoteDescription("answer", "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n")); // no local offer
        pc.Close();
        Assert.Equal(Error.Unconfigured, pc.SetRemoteDescription("offer", "v=0\r\n"));
        pc.Dispose();
        Assert.Equal(Error.Unavailable, pc.SetRemoteDescription("offer", "v=0\r\n"));
    }

    [Fact]
    public void SetRemoteDescription_OfferWhileLocalOfferPending_IsFailed()
    {
        using var pair = new Pair();
        Assert.NotNull(pair.A.CreateDataChannel("x"));
        Assert.NotNull(pair.B.CreateDataChannel("y"));
        string? offerB = null;
        var solo = pair.B;
        // Take B's offer by hand (not through Pair's wiring).
        var extra = new WebRtcPeerConnection();
        Assert.Equal(Error.Ok, extra.Initialize(Pair.Loopback()));
        Assert.NotNull(extra.CreateDataChannel("z"));
        extra.SessionDescriptionCreated += (t, s) => offerB = s;
        Assert.Equal(Error.Ok, extra.CreateOffer());
        var sw = System.Diagnostics.Stopwatch.StartNew();
        while (offerB is null && sw.Elapsed < Pair.Timeout)
        {
            extra.Poll();
            Thread.Sleep(1);
        }
        Assert.NotNull(offerB);
        Assert.Equal(Error.Ok, pair.A.CreateOffer());
        Assert.Equal(Error.Failed, pair.A.SetRemoteDescription("offer", offerB!)); // glare
        extra.Dispose();
        Assert.Equal(Error.Ok, solo.SetRemoteDescription("offer", offerB!)); // a peer without its own offer accepts it
    }

    [Fact]
    public void AddIceCandidate_BadArgumentsAndStates()
    {
        using var pc = Fresh();
        const string good = "candidate:1 1 UDP 2122317823 127.0.0.1 50000 typ host";
        Assert.Equal(Error.InvalidParameter, pc.AddIceCandidate(null!, 0, good));
        Assert.Equal(Error.InvalidParameter, pc.AddIceCandidate("0", 0, null!));
        Assert.Equal(Error.InvalidParameter, pc.AddIceCandidate("0", -1, good));
        Assert.Equal(Error.InvalidParameter, pc.AddIceCandidate("0", 0, "hello"));
        Assert.Equal(Error.InvalidParameter, pc.AddIceCandidate("0", 0, "candidate:"));
        Assert.Equal(Error.InvalidParameter, pc.AddIceCandidate("0", 0, "candidate:1 1 UDP notanumber 127.0.0.1 50000 typ host"));
        Assert.Equal(Error.InvalidParameter, pc.AddIceCandidate("0", 0, "candidate:1 1 UDP 1 127.0.0.1 99999 typ host"));
        // End of candidates.
        Assert.Equal(Error.Ok, pc.AddIceCandidate("0", 0, ""));
        Assert.Equal(Error.Ok, pc.AddIceCandidate("", 0, "a=end-of-candidates"));
        // Before the remote description: kept for later.
        Assert.Equal(Error.Ok, pc.AddIceCandidate("0", 0, good));
        Assert.Equal(Error.Ok, pc.AddIceCandidate("0", 0, "a=" + good));
        pc.Close();
        Assert.Equal(Error.Unconfigured, pc.AddIceCandidate("0", 0, good));
        pc.Dispose();
        Assert.Equal(Error.Unavailable, pc.AddIceCandidate("0", 0, good));
    }

    [Fact]
    public void AfterClose_EverythingIsUnconfigured_UntilInitializeStartsOver()
    {
        using var pair = new Pair();
        var (chA, _) = pair.ConnectWithChannel();
        pair.A.Close();
        var a = pair.A;
        Assert.Equal(ConnectionState.Closed, a.ConnectionState);
        Assert.Equal(SignalingState.Closed, a.SignalingState);
        Assert.Equal(ChannelState.Closed, chA.ReadyState);
        Assert.Equal(Error.Failed, chA.PutPacket(new byte[] { 1 }));
        Assert.Equal(Error.Unconfigured, a.TryCreateDataChannel("x", null, out _));
        Assert.Null(a.CreateDataChannel("x"));
        Assert.Equal(Error.Unconfigured, a.CreateOffer());
        Assert.Equal(Error.Unconfigured, a.SetRemoteDescription("offer", "v=0\r\n"));
        Assert.Equal(Error.Unconfigured, a.AddIceCandidate("0", 0, "candidate:1 1 UDP 1 127.0.0.1 5 typ host"));
        Assert.Equal(Error.Unconfigured, a.Poll());
        a.Close(); // twice is fine

        // Initialize starts over: a new connection between the same objects works.
        Assert.Equal(Error.Ok, pair.A.Initialize(Pair.Loopback()));
        Assert.Equal(Error.Ok, pair.B.Initialize(Pair.Loopback()));
        Assert.Equal(ConnectionState.New, pair.A.ConnectionState);
        Assert.Equal(SignalingState.Stable, pair.A.SignalingState);
        pair.ReceivedByB.Clear();
        pair.Problems.Clear();
        var (a2, b2) = pair.ConnectWithChannel("again");
        Assert.Equal(Error.Ok, a2.PutPacket(new byte[] { 3 }));
        Assert.Equal(new byte[] { 3 }, pair.Receive(b2, 1)[0].Data);
    }

    [Fact]
    public void AfterDispose_EverythingIsUnavailable_AndNothingThrows()
    {
        var pair = new Pair();
        var (chA, chB) = pair.ConnectWithChannel();
        pair.A.Dispose();
        pair.A.Dispose(); // twice
        var a = pair.A;
        Assert.Equal(ConnectionState.Closed, a.ConnectionState);
        Assert.Equal(SignalingState.Closed, a.SignalingState);
        Assert.Equal(Error.Unavailable, a.Initialize(Pair.Loopback()));
        Assert.Equal(Error.Unavailable, a.Initialize(new Dictionary<string, object?>()));
        Assert.Equal(Error.Unavailable, a.TryCreateDataChannel("x", null, out _));
        Assert.Null(a.CreateDataChannel("x"));
        Assert.Null(a.CreateDataChannel("x", new Dictionary<string, object?>()));
        Assert.Equal(Error.Unavailable, a.CreateOffer());
        Assert.Equal(Error.Unavailable, a.SetLocalDescription("offer", "v=0"));
        Assert.Equal(Error.Unavailable, a.SetRemoteDescription("offer", "v=0"));
        Assert.Equal(Error.Unavailable, a.AddIceCandidate("0", 0, ""));
        Assert.Equal(Error.Unavailable, a.Poll());
        a.Close();

        // The channel of a disposed connection is closed but still usable as an object.
        Assert.Equal(ChannelState.Closed, chA.ReadyState);
        Assert.Equal(Error.Failed, chA.PutPacket(new byte[] { 1 }));

        // Channel dispose.
        chB.Dispose();
        chB.Dispose();
        Assert.Equal(ChannelState.Closed, chB.ReadyState);
        Assert.Equal(Error.Unavailable, chB.PutPacket(new byte[] { 1 }));
        Assert.Equal(Error.Unavailable, chB.PutPacket(ReadOnlySpan<byte>.Empty));
        Assert.Equal(Error.Unavailable, chB.Poll());
        Assert.False(chB.TryGetPacket(new byte[4], out _, out _));
        Assert.Empty(chB.GetPacket());
        Assert.Equal(Error.Unavailable, chB.GetPacketError());
        Assert.Equal(0, chB.AvailablePacketCount);
        Assert.Equal(0, chB.BufferedAmount);
        Assert.Equal(0, chB.MaxPacketSize);
        Assert.Equal("data", chB.Label);
        chB.Close();
        pair.Dispose();
    }

    [Fact]
    public void Channel_PutPacket_BadArgumentsAndStates()
    {
        using var pair = new Pair();
        var ch = pair.A.CreateDataChannel("x")!;
        Assert.Equal(Error.Failed, ch.PutPacket(new byte[] { 1 })); // not open yet
        Assert.Equal(Error.Failed, ch.PutPacket(ReadOnlySpan<byte>.Empty));
        Assert.Empty(ch.GetPacket());
        Assert.Equal(Error.Unavailable, ch.GetPacketError());
        Assert.False(ch.TryGetPacket(new byte[4], out int w, out _));
        Assert.Equal(0, w);
        Assert.Equal(Error.Ok, ch.Poll());
        Assert.Equal(0, ch.AvailablePacketCount);
        Assert.Equal(0, ch.BufferedAmount);
        Assert.Equal(Error.InvalidParameter, ch.PutPacket((byte[])null!));
        pair.Connect();
        pair.PollUntil(() => pair.ReceivedByB.Count == 1, "received");
        pair.WaitOpen(ch, pair.ReceivedByB[0]);
        ch.WriteMode = WriteMode.Text;
        Assert.Equal(Error.Ok, ch.PutPacket(new byte[] { 65, 0, 66 })); // NUL in text: fine with rtcSendText
        var text = pair.Receive(pair.ReceivedByB[0], 1)[0];
        Assert.Equal(new byte[] { 65, 0, 66 }, text.Data);
        Assert.True(text.IsString);
        ch.WriteMode = (WriteMode)9; // ignored
        Assert.Equal(WriteMode.Text, ch.WriteMode);
        ch.WriteMode = WriteMode.Binary;
        Assert.Equal(Error.Ok, ch.PutPacket(new byte[] { 65, 0, 66 })); // fine as binary
        Assert.Equal(new byte[] { 65, 0, 66 }, pair.Receive(pair.ReceivedByB[0], 1)[0].Data);
    }

    [Fact]
    public void NewConnection_WithoutInitialize_InitializesItselfLikeGodot()
    {
        using var pc = new WebRtcPeerConnection();
        Assert.Equal(ConnectionState.New, pc.ConnectionState);
        Assert.Equal(Error.Ok, pc.Poll());
        var ch = pc.CreateDataChannel("lazy");
        Assert.NotNull(ch);
        Assert.Equal(ChannelState.Connecting, ch!.ReadyState);
    }
}
