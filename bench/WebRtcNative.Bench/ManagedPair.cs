namespace WebRtcNative.Bench;

/// <summary>
/// Two managed peer connections in this process, signalled directly through their events (Godot's flow):
/// A creates one data channel and the offer; B gets the channel through DataChannelReceived. Everything runs
/// on the caller's thread through <see cref="Step"/> (Poll of both connections).
/// </summary>
internal sealed class ManagedPair : IDisposable
{
    public const string Label = "bench";

    public WebRtcPeerConnection A { get; }
    public WebRtcPeerConnection B { get; }
    public WebRtcDataChannel? ChA { get; private set; }
    public WebRtcDataChannel? ChB { get; private set; }
    /// <summary>Timestamp of the creation of the first WebRtcPeerConnection.</summary>
    public long Created { get; }
    /// <summary>Timestamp at which both channels were first seen Open (0 until then).</summary>
    public long Opened { get; private set; }
    public string? Problem { get; private set; }
    public bool IsOpen => Opened != 0;

    private readonly UdpRelay? _relay;

    private ManagedPair(WebRtcConfiguration config, UdpRelay? relay)
    {
        _relay = relay;
        Created = Clock.Now();
        A = new WebRtcPeerConnection();
        B = new WebRtcPeerConnection();
        Check("A.Initialize", A.Initialize(config));
        Check("B.Initialize", B.Initialize(config));
        Wire(A, B, "A", 0);
        Wire(B, A, "B", 1);
        B.DataChannelReceived += ch =>
        {
            if (ch.Label == Label && ChB is null)
                ChB = ch;
        };
    }

    public static WebRtcConfiguration Loopback() => new() { BindAddress = "127.0.0.1" };

    /// <summary>Creates both connections and A's channel, and starts the offer.</summary>
    /// <param name="relay">The `wan` path: candidates are rewritten so that every packet crosses it.</param>
    public static ManagedPair Start(DataChannelOptions? options = null, WebRtcConfiguration? config = null, UdpRelay? relay = null)
    {
        var p = new ManagedPair(config ?? Loopback(), relay);
        p.ChA = p.A.CreateDataChannel(Label, options);
        if (p.ChA is null)
            p.Problem ??= "A.CreateDataChannel returned null";
        else
            p.Check("A.CreateOffer", p.A.CreateOffer());
        return p;
    }

    private void Wire(WebRtcPeerConnection self, WebRtcPeerConnection other, string name, int side)
    {
        self.SessionDescriptionCreated += (type, sdp) =>
        {
            Check(name + ".SetLocalDescription", self.SetLocalDescription(type, sdp));
            Check(name + "->other.SetRemoteDescription", other.SetRemoteDescription(type, _relay?.Rewrite(side, sdp) ?? sdp));
        };
        self.IceCandidateCreated += (media, index, cand) =>
        {
            string c = _relay?.Rewrite(side, cand) ?? cand;
            if (c.Length > 0) // a candidate the relay cannot stand in for would bypass it
                Check(name + "->other.AddIceCandidate", other.AddIceCandidate(media, index, c));
        };
        self.ConnectionStateChanged += s =>
        {
            if (s == ConnectionState.Failed)
                Problem ??= name + " connection failed";
        };
    }

    private void Check(string what, Error e)
    {
        if (e != Error.Ok)
            Problem ??= $"{what} returned {e}";
    }

    /// <summary>Polls both connections; returns true once both channels are open (records the time).</summary>
    public bool Step()
    {
        A.Poll();
        B.Poll();
        if (Opened == 0 && ChA is { ReadyState: ChannelState.Open } && ChB is { ReadyState: ChannelState.Open })
            Opened = Clock.Now();
        return Opened != 0;
    }

    public double SetupMs => Opened == 0 ? double.NaN : Clock.Ms(Opened - Created);

    /// <summary>Polls until both channels are open; throws <see cref="BenchFailure"/> after <paramref name="timeoutS"/>.</summary>
    public void WaitOpen(double timeoutS = 10, string what = "connect")
    {
        long deadline = Created + Clock.FromSeconds(timeoutS);
        while (!Step())
        {
            if (Problem is not null)
                throw new BenchFailure($"{what}: {Problem}");
            if (Clock.Now() > deadline)
                throw new BenchFailure($"{what}: data channel not open within {timeoutS} s (A={A.ConnectionState}, B={B.ConnectionState}, chA={ChA?.ReadyState}, chB={(ChB is null ? "none" : ChB.ReadyState)})");
            Idle.Wait();
        }
    }

    public static ManagedPair Connect(DataChannelOptions? options = null, string what = "connect")
    {
        var p = Start(options);
        try
        {
            p.WaitOpen(10, what);
            return p;
        }
        catch
        {
            p.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        ChA?.Dispose();
        ChB?.Dispose();
        A.Dispose();
        B.Dispose();
    }
}
