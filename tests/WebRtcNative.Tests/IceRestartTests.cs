using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;

namespace WebRtcNative.Tests;

/// <summary>
/// ICE restart (<see cref="WebRtcPeerConnection.RestartIce"/>, an extension to Godot's API): the path through a
/// relay dies, both peers report Disconnected, a restart moves them to a new relay, and the reliable sequence
/// sent before, during and after arrives once, in order, hash-checked, over the same channel.
/// </summary>
public sealed class IceRestartTests
{
    /// <summary>Two peers signalled through a relay that can be swapped: candidates always point at <see cref="Path"/>.</summary>
    private sealed class RelayedPair : IDisposable
    {
        public WebRtcPeerConnection A { get; } = new();
        public WebRtcPeerConnection B { get; } = new();
        public UdpRelay Path;
        public readonly List<string> Problems = new();
        public readonly List<WebRtcDataChannel> ReceivedByB = new();
        public readonly List<(string Type, string Sdp)> DescriptionsA = new(), DescriptionsB = new();

        public RelayedPair(UdpRelay path)
        {
            Path = path;
            Check("A.Initialize", A.Initialize(Pair.Loopback()));
            Check("B.Initialize", B.Initialize(Pair.Loopback()));
            Wire(A, B, 0, DescriptionsA);
            Wire(B, A, 1, DescriptionsB);
            B.DataChannelReceived += ch => ReceivedByB.Add(ch);
        }

        private void Wire(WebRtcPeerConnection self, WebRtcPeerConnection other, int side, List<(string, string)> descriptions)
        {
            self.SessionDescriptionCreated += (type, sdp) =>
            {
                descriptions.Add((type, sdp));
                Check("SetLocalDescription", self.SetLocalDescription(type, sdp));
                Check("SetRemoteDescription", other.SetRemoteDescription(type, Path.RewriteSdp(side, sdp)));
            };
            self.IceCandidateCreated += (media, index, name) =>
                Check("AddIceCandidate", other.AddIceCandidate(media, index, Path.Rewrite(side, name)));
        }

        private void Check(string what, Error e)
        {
            if (e != Error.Ok)
                Problems.Add($"{what}: {e}");
        }

        public void PollUntil(Func<bool> condition, string what, double seconds = 30)
        {
            var sw = Stopwatch.StartNew();
            while (!condition())
            {
                A.Poll();
                B.Poll();
                if (sw.Elapsed.TotalSeconds > seconds)
                    throw new Xunit.Sdk.XunitException($"timed out waiting for {what}: A={A.ConnectionState} B={B.ConnectionState}; {string.Join("; ", Problems)}");
                Thread.Sleep(2);
            }
        }

        public void Dispose()
        {
            A.Dispose();
            B.Dispose();
        }
    }

    private static string Attr(string sdp, string name) =>
        Regex.Match(sdp, "^a=" + name + ":(.*?)\r?$", RegexOptions.Multiline).Groups[1].Value;

    private const int PerPhase = 200, Size = 1100;

    [Fact]
    public void PathDies_Disconnected_RestartOverNewPath_EveryMessageOnceInOrder()
    {
        using var path1 = new UdpRelay();
        using var path2 = new UdpRelay();
        using var path3 = new UdpRelay();
        using var pair = new RelayedPair(path1);
        var a = pair.A.CreateDataChannel("restart")!;
        Assert.Equal(Error.Ok, pair.A.CreateOffer());
        pair.PollUntil(() => pair.ReceivedByB.Count == 1 && a.ReadyState == ChannelState.Open && pair.ReceivedByB[0].ReadyState == ChannelState.Open, "channel open through path 1");
        var b = pair.ReceivedByB[0];
        var statesA = new ConcurrentQueue<ConnectionState>();
        pair.A.ConnectionStateChanged += s => statesA.Enqueue(s);

        long sent = 0, next = 0, duplicates = 0, outOfOrder = 0;
        ulong sentHash = 14695981039346656037UL, gotHash = 14695981039346656037UL;
        var buffer = new byte[Size];
        void Send()
        {
            for (int i = 0; i < PerPhase; i++, sent++)
            {
                var data = Payload.Make(sent, Size);
                sentHash = Fnv(sentHash, data);
                Assert.Equal(Error.Ok, a.PutPacket(data));
            }
        }
        void Drain()
        {
            while (b.TryGetPacket(buffer, out int n, out _))
            {
                long seq = BitConverter.ToInt64(buffer, 0);
                Assert.True(n == Size && Payload.Check(buffer.AsSpan(0, n), seq), "corrupt message");
                if (seq < next)
                    duplicates++;
                else if (seq > next)
                    outOfOrder++;
                else
                {
                    next++;
                    gotHash = Fnv(gotHash, buffer.AsSpan(0, n));
                }
            }
        }

        Send();
        pair.PollUntil(() => { Drain(); return next == sent; }, "phase 1 through path 1");

        // The path dies: what is sent now waits in SCTP.
        path1.BlackHole = true;
        Send();
        pair.PollUntil(() => { Drain(); return pair.A.ConnectionState == ConnectionState.Disconnected && pair.B.ConnectionState == ConnectionState.Disconnected; }, "both Disconnected", 30);
        Assert.True(next < sent);

        // A restarts over path 2.
        string ufragA = Attr(pair.DescriptionsA[^1].Sdp, "ice-ufrag"), ufragB = Attr(pair.DescriptionsB[^1].Sdp, "ice-ufrag");
        string fingerprintA = Attr(pair.DescriptionsA[^1].Sdp, "fingerprint");
        pair.Path = path2;
        Assert.Equal(Error.Ok, pair.A.RestartIce());
        Assert.Equal(Error.Ok, pair.A.CreateOffer());
        pair.PollUntil(() => { Drain(); return pair.A.ConnectionState == ConnectionState.Connected && pair.B.ConnectionState == ConnectionState.Connected && next == sent; }, "reconnected over path 2, everything delivered", 60);
        Assert.Empty(pair.Problems);
        var (offerType, offer) = pair.DescriptionsA[^1];
        Assert.Equal("offer", offerType);
        Assert.NotEqual(ufragA, Attr(offer, "ice-ufrag"));
        Assert.Equal(fingerprintA, Attr(offer, "fingerprint")); // same certificate: no new DTLS handshake
        Assert.Equal("answer", pair.DescriptionsB[^1].Type);
        Assert.NotEqual(ufragB, Attr(pair.DescriptionsB[^1].Sdp, "ice-ufrag"));
        Assert.Contains(ConnectionState.Disconnected, statesA);
        Assert.DoesNotContain(ConnectionState.Failed, statesA);
        Send();
        pair.PollUntil(() => { Drain(); return next == sent; }, "phase 3 over path 2");
        Assert.True(path2.Forwarded > 0);

        // B restarts on the live path towards path 3; then path 2 dies too.
        pair.Path = path3;
        Assert.Equal(Error.Ok, pair.B.RestartIce());
        Assert.Equal(Error.Ok, pair.B.CreateOffer());
        pair.PollUntil(() => pair.A.SignalingState == SignalingState.Stable && pair.B.SignalingState == SignalingState.Stable && path3.Forwarded > 0, "B's restart answered, path 3 in use");
        pair.PollUntil(() => { Drain(); return path3.Forwarded > 20; }, "path 3 carries the traffic");
        path2.BlackHole = true;
        Send();
        pair.PollUntil(() => { Drain(); return next == sent; }, "phase 4 over path 3", 60);

        Thread.Sleep(200);
        pair.A.Poll();
        pair.B.Poll();
        Drain();
        Assert.Equal(4 * PerPhase, next);
        Assert.Equal(0, duplicates);
        Assert.Equal(0, outOfOrder);
        Assert.Equal(sentHash, gotHash);
        Assert.Equal(ChannelState.Open, a.ReadyState);
        Assert.Equal(ChannelState.Open, b.ReadyState);
        Assert.Empty(pair.Problems);
    }

    private static ulong Fnv(ulong h, ReadOnlySpan<byte> data)
    {
        foreach (byte x in data)
        {
            h ^= x;
            h *= 1099511628211UL;
        }
        return h;
    }

    [Fact]
    public void RestartIce_BeforeAnyExchange_IsFailed_AfterDispose_IsUnavailable()
    {
        var pc = new WebRtcPeerConnection();
        Assert.Equal(Error.Ok, pc.Initialize(Pair.Loopback()));
        Assert.Equal(Error.Failed, pc.RestartIce());
        pc.Close();
        Assert.Equal(Error.Unconfigured, pc.RestartIce());
        pc.Dispose();
        Assert.Equal(Error.Unavailable, pc.RestartIce());
    }

    [Fact]
    public void RestartIce_OnLoopback_NewCredentials_ChannelKeepsWorking()
    {
        using var pair = new Pair();
        var (a, b) = pair.ConnectWithChannel();
        string ufrag = Attr(pair.DescriptionsA[^1].Sdp, "ice-ufrag");
        Assert.Equal(Error.Ok, pair.A.RestartIce());
        Assert.Equal(Error.Ok, pair.A.CreateOffer());
        pair.PollUntil(() => pair.DescriptionsB.Count == 2 && pair.A.SignalingState == SignalingState.Stable, "restart answered");
        Assert.NotEqual(ufrag, Attr(pair.DescriptionsA[^1].Sdp, "ice-ufrag"));
        Assert.Equal(Error.Ok, a.PutPacket("after restart"u8));
        Assert.Equal("after restart", System.Text.Encoding.UTF8.GetString(pair.Receive(b, 1)[0].Data));
        Assert.Equal(ConnectionState.Connected, pair.A.ConnectionState);
        Assert.Empty(pair.Problems);
    }

    private static readonly Regex HostCandidate = new(@"candidate:\S+ 1 UDP \d+ \S+ (\d+) typ host", RegexOptions.IgnoreCase);

    private static HashSet<int> HostPorts(IEnumerable<string> text) =>
        text.SelectMany(t => HostCandidate.Matches(t)).Select(m => int.Parse(m.Groups[1].Value)).ToHashSet();

    /// <summary>
    /// A restart gathers local candidates again (a new libnice stream: new sockets), so an address that
    /// appeared since the first gathering can be used (native/tests/capi_ice_restart_address_change.c
    /// changes the address itself, in a network namespace). Here, on loopback: the restart offer carries
    /// host candidates on new ports, IceCandidateCreated announces them, and the selected pair moves to one.
    /// </summary>
    [Fact]
    public void RestartIce_GathersAgain_NewHostCandidatesOfferedAnnouncedAndUsed()
    {
        using var pair = new Pair();
        var (a, b) = pair.ConnectWithChannel();
        var stats = new WebRtcStats();
        pair.PollUntil(() => pair.A.GetStats(stats) == Error.Ok && stats.HasSelectedPair, "first pair selected");
        var first = HostPorts(pair.CandidatesA.Select(c => c.Name));
        Assert.Contains(stats.LocalPort, first);
        int announcedBefore = pair.CandidatesA.Count;

        Assert.Equal(Error.Ok, pair.A.RestartIce());
        Assert.Equal(Error.Ok, pair.A.CreateOffer());
        pair.PollUntil(() => pair.DescriptionsB.Count == 2 && pair.A.SignalingState == SignalingState.Stable, "restart answered");
        var offered = HostPorts([pair.DescriptionsA[^1].Sdp]);
        Assert.NotEmpty(offered);
        Assert.Empty(offered.Intersect(first)); // new sockets, not the first gathering's
        Assert.NotEmpty(HostPorts([pair.DescriptionsB[^1].Sdp])); // the answerer gathered again too
        pair.PollUntil(() => HostPorts(pair.CandidatesA.Skip(announcedBefore).Select(c => c.Name)).Overlaps(offered), "the new candidates announced");
        pair.PollUntil(() => pair.A.GetStats(stats) == Error.Ok && stats.HasSelectedPair && offered.Contains(stats.LocalPort), "a new pair selected");

        Assert.Equal(Error.Ok, a.PutPacket("after restart"u8));
        Assert.Equal("after restart", System.Text.Encoding.UTF8.GetString(pair.Receive(b, 1)[0].Data));
        Assert.Equal(ConnectionState.Connected, pair.A.ConnectionState);
        Assert.Empty(pair.Problems);
    }
}

/// <summary>The extension missing (an upstream libdatachannel): a clear Error and log line. Touches the log sink: runs alone.</summary>
[Collection("Serial")]
public sealed class IceRestartFallbackTests
{
    [Fact]
    public void RestartIce_OnUpstreamLibrary_IsUnavailable_WithALogLine()
    {
        var lines = new ConcurrentQueue<string>();
        var oldSink = WebRtcLog.Sink;
        var oldLevel = WebRtcLog.Level;
        NativeExtensions.SimulateMissingRestartIce(true);
        try
        {
            WebRtcLog.Sink = (_, m) => lines.Enqueue(m);
            WebRtcLog.Level = WebRtcLogLevel.Warning;
            using var pair = new Pair();
            pair.ConnectWithChannel();
            Assert.Equal(Error.Unavailable, pair.A.RestartIce());
            Assert.Contains(lines, l => l.Contains("rtcRestartIce"));
        }
        finally
        {
            NativeExtensions.SimulateMissingRestartIce(false);
            WebRtcLog.Sink = oldSink;
            WebRtcLog.Level = oldLevel;
        }
        Assert.True(NativeExtensions.HasRestartIce, "libwebrtcnative exports rtcRestartIce");
    }
}
