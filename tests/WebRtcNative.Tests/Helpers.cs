using System.Buffers.Binary;
using System.Diagnostics;

namespace WebRtcNative.Tests;

/// <summary>Tests that touch process-wide state (default extension, log sink, resource counts) run alone.</summary>
[CollectionDefinition("Serial", DisableParallelization = true)]
public sealed class SerialCollection
{
}

/// <summary>Two peer connections in this process, signalled directly through their events (Godot's flow).</summary>
public sealed class Pair : IDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    public WebRtcPeerConnection A { get; }
    public WebRtcPeerConnection B { get; }
    public List<string> Problems { get; } = new();
    public List<WebRtcDataChannel> ReceivedByA { get; } = new();
    public List<WebRtcDataChannel> ReceivedByB { get; } = new();
    public List<ConnectionState> StatesA { get; } = new();
    public List<ConnectionState> StatesB { get; } = new();
    public List<GatheringState> GatheringA { get; } = new();
    public List<GatheringState> GatheringB { get; } = new();
    public List<SignalingState> SignalingA { get; } = new();
    public List<SignalingState> SignalingB { get; } = new();
    public List<(string Type, string Sdp)> DescriptionsA { get; } = new();
    public List<(string Type, string Sdp)> DescriptionsB { get; } = new();
    public List<(string Media, int Index, string Name)> CandidatesA { get; } = new();
    public List<(string Media, int Index, string Name)> CandidatesB { get; } = new();

    /// <summary>Prefix added to forwarded candidate lines (e.g. "a=").</summary>
    public string CandidatePrefix { get; set; } = "";

    public Pair(WebRtcConfiguration? configA = null, WebRtcConfiguration? configB = null)
    {
        A = new WebRtcPeerConnection();
        B = new WebRtcPeerConnection();
        Check("A.Initialize", A.Initialize(configA ?? Loopback()));
        Check("B.Initialize", B.Initialize(configB ?? Loopback()));
        Wire(A, B, "A", DescriptionsA, CandidatesA, ReceivedByA, StatesA, GatheringA, SignalingA);
        Wire(B, A, "B", DescriptionsB, CandidatesB, ReceivedByB, StatesB, GatheringB, SignalingB);
    }

    public static WebRtcConfiguration Loopback() => new() { BindAddress = "127.0.0.1" };

    private void Wire(WebRtcPeerConnection self, WebRtcPeerConnection other, string name,
        List<(string, string)> descriptions, List<(string, int, string)> candidates, List<WebRtcDataChannel> received,
        List<ConnectionState> states, List<GatheringState> gathering, List<SignalingState> signaling)
    {
        self.SessionDescriptionCreated += (type, sdp) =>
        {
            descriptions.Add((type, sdp));
            Check(name + ".SetLocalDescription", self.SetLocalDescription(type, sdp));
            Check(name + "->other.SetRemoteDescription", other.SetRemoteDescription(type, sdp));
        };
        self.IceCandidateCreated += (media, index, cand) =>
        {
            candidates.Add((media, index, cand));
            Check(name + "->other.AddIceCandidate", other.AddIceCandidate(media, index, CandidatePrefix + cand));
        };
        self.DataChannelReceived += ch => received.Add(ch);
        self.ConnectionStateChanged += s => states.Add(s);
        self.GatheringStateChanged += s => gathering.Add(s);
        self.SignalingStateChanged += s => signaling.Add(s);
    }

    private void Check(string what, Error e)
    {
        if (e != Error.Ok)
            Problems.Add($"{what} returned {e}");
    }

    public void PollBoth()
    {
        A.Poll();
        B.Poll();
    }

    /// <summary>Polls both peers until <paramref name="condition"/> holds; fails the test on timeout.</summary>
    public void PollUntil(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var sw = Stopwatch.StartNew();
        var limit = timeout ?? Timeout;
        while (true)
        {
            PollBoth();
            if (condition())
                return;
            if (sw.Elapsed > limit)
                throw new Xunit.Sdk.XunitException($"Timed out after {limit.TotalSeconds:0.#} s waiting for {what}. A={A.ConnectionState} B={B.ConnectionState}; problems: {string.Join("; ", Problems)}");
            Thread.Sleep(1);
        }
    }

    /// <summary>Creates the offer on A and polls until both peers are connected.</summary>
    public void Connect()
    {
        Assert.Equal(Error.Ok, A.CreateOffer());
        PollUntil(() => A.ConnectionState == ConnectionState.Connected && B.ConnectionState == ConnectionState.Connected, "both peers Connected");
        Assert.Empty(Problems);
    }

    public void WaitOpen(params WebRtcDataChannel[] channels) =>
        PollUntil(() => channels.All(c => c.ReadyState == ChannelState.Open), "channels open");

    /// <summary>A in-band channel on A, connected, and its counterpart received by B.</summary>
    public (WebRtcDataChannel OnA, WebRtcDataChannel OnB) ConnectWithChannel(string label = "data", DataChannelOptions? options = null)
    {
        var a = A.CreateDataChannel(label, options);
        Assert.NotNull(a);
        Connect();
        PollUntil(() => ReceivedByB.Count > 0, "DataChannelReceived on B");
        var b = ReceivedByB[0];
        WaitOpen(a!, b);
        return (a!, b);
    }

    /// <summary>Reads all packets of <paramref name="channel"/>, polling both peers, until <paramref name="count"/> arrived.</summary>
    public List<(byte[] Data, bool IsString)> Receive(WebRtcDataChannel channel, int count, TimeSpan? timeout = null)
    {
        var got = new List<(byte[], bool)>();
        PollUntil(() =>
        {
            while (channel.AvailablePacketCount > 0)
            {
                var p = channel.GetPacket();
                Assert.Equal(Error.Ok, channel.GetPacketError());
                got.Add((p, channel.WasStringPacket));
            }
            return got.Count >= count;
        }, $"{count} packets on '{channel.Label}' (got {got.Count})", timeout);
        return got;
    }

    public void Dispose()
    {
        A.Dispose();
        B.Dispose();
    }
}

public static class Payload
{
    /// <summary>A deterministic payload of <paramref name="size"/> bytes carrying <paramref name="seq"/> in its first 8 bytes.</summary>
    public static byte[] Make(long seq, int size)
    {
        var data = new byte[size];
        Fill(data, seq);
        return data;
    }

    public static void Fill(Span<byte> data, long seq)
    {
        for (int i = 0; i < data.Length; i++)
            data[i] = (byte)(seq * 31 + i * 7);
        if (data.Length >= 8)
            BinaryPrimitives.WriteInt64LittleEndian(data, seq);
    }

    public static bool Check(ReadOnlySpan<byte> data, long seq)
    {
        if (data.Length >= 8 && BinaryPrimitives.ReadInt64LittleEndian(data) != seq)
            return false;
        for (int i = 8; i < data.Length; i++)
            if (data[i] != (byte)(seq * 31 + i * 7))
                return false;
        return true;
    }
}
