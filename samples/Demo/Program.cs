// WebRtcNative demo: two peers in this process, connected over loopback with Godot's flow.
// Exit code 0 on success; 1 with a message on failure or after 30 s.
using System.Diagnostics;
using System.Text;
using WebRtcNative;

var deadline = Stopwatch.StartNew();
var limit = TimeSpan.FromSeconds(30);

try
{
    return Run();
}
catch (DemoFailure e)
{
    Console.Error.WriteLine($"FAILED: {e.Message}");
    return 1;
}

int Run()
{
    if (Environment.GetEnvironmentVariable("DEMO_LOG") is { Length: > 0 } log && int.TryParse(log, out int level))
    {
        WebRtcLog.Level = (WebRtcLogLevel)level;
        WebRtcLog.Sink = (l, m) => Console.Error.WriteLine($"[{l}] {m}");
    }

    var config = new WebRtcConfiguration { BindAddress = "127.0.0.1" }; // ICE stays on loopback
    using var a = new WebRtcPeerConnection();
    using var b = new WebRtcPeerConnection();
    Check(a.Initialize(config), "A.Initialize");
    Check(b.Initialize(config), "B.Initialize");

    // Signalling: in a game this goes through your server; here each peer hands it to the other directly.
    var received = new List<WebRtcDataChannel>();
    Wire(a, b, "A");
    Wire(b, a, "B");
    b.DataChannelReceived += ch =>
    {
        Console.WriteLine($"B: data channel received: '{ch.Label}' (ordered={ch.Ordered}, maxRetransmits={ch.MaxRetransmits})");
        received.Add(ch);
    };

    var reliable = a.CreateDataChannel("reliable") ?? throw new DemoFailure("cannot create the reliable channel");
    var unreliable = a.CreateDataChannel("unreliable", new Dictionary<string, object?> { ["ordered"] = false, ["maxRetransmits"] = 0 })
        ?? throw new DemoFailure("cannot create the unreliable channel");
    Check(a.CreateOffer(), "A.CreateOffer");

    PollUntil(() => a.ConnectionState == ConnectionState.Connected && b.ConnectionState == ConnectionState.Connected, "both peers connected");
    PollUntil(() => received.Count == 2 && received.All(c => c.ReadyState == ChannelState.Open)
                    && reliable.ReadyState == ChannelState.Open && unreliable.ReadyState == ChannelState.Open, "channels open");
    var reliableB = received.Single(c => c.Label == "reliable");
    var unreliableB = received.Single(c => c.Label == "unreliable");
    Console.WriteLine($"connected in {deadline.ElapsedMilliseconds} ms; max packet size {reliable.MaxPacketSize} bytes");

    // Text and binary, both channels, both directions.
    foreach (var (fromA, toB) in new[] { (reliable, reliableB), (unreliable, unreliableB) })
    {
        fromA.WriteMode = WriteMode.Text;
        Check(fromA.PutPacket(Encoding.UTF8.GetBytes($"hello over {fromA.Label} ✓")), "PutPacket text");
        var (text, isString) = ReadOne(toB);
        Console.WriteLine($"B <- A [{toB.Label}] text={isString}: {Encoding.UTF8.GetString(text)}");
        if (!isString || Encoding.UTF8.GetString(text) != $"hello over {fromA.Label} ✓")
            throw new DemoFailure("text message mismatch");

        var blob = new byte[1024];
        for (int i = 0; i < blob.Length; i++)
            blob[i] = (byte)(i * 13);
        Check(toB.PutPacket(blob), "PutPacket binary");
        var (echo, echoIsString) = ReadOne(fromA);
        Console.WriteLine($"A <- B [{fromA.Label}] binary {echo.Length} bytes, text={echoIsString}");
        if (echoIsString || !echo.AsSpan().SequenceEqual(blob))
            throw new DemoFailure("binary message mismatch");
        fromA.WriteMode = WriteMode.Binary;
    }

    // Bulk: ~2 s of 16 KiB messages on the reliable channel, with flow control on the sender.
    const int size = 16 * 1024;
    var chunk = new byte[size];
    var sink = new byte[size];
    long sent = 0, got = 0, bytes = 0;
    var bulk = Stopwatch.StartNew();
    while (bulk.Elapsed < TimeSpan.FromSeconds(2))
    {
        while (reliable.BufferedAmount < 4 << 20)
        {
            BitConverter.TryWriteBytes(chunk, sent);
            Check(reliable.PutPacket(chunk), "PutPacket bulk");
            sent++;
        }
        a.Poll();
        b.Poll();
        while (reliableB.TryGetPacket(sink, out int n, out _))
        {
            if (BitConverter.ToInt64(sink, 0) != got)
                throw new DemoFailure($"bulk message {got} out of order");
            got++;
            bytes += n;
        }
        CheckDeadline("bulk transfer");
    }
    double seconds = bulk.Elapsed.TotalSeconds;
    PollUntil(() =>
    {
        while (reliableB.TryGetPacket(sink, out _, out _))
            got++;
        return got == sent;
    }, "bulk drain");
    Console.WriteLine($"bulk: {bytes / seconds / 1e6:0.0} MB/s, {got / seconds:0} msg/s ({size} B messages, {sent} sent in {seconds:0.00} s, all received in order)");

    Console.WriteLine($"states: A={a.ConnectionState}/{a.SignalingState}/{a.GatheringState} B={b.ConnectionState}/{b.SignalingState}/{b.GatheringState}");
    a.Close();
    b.Close();
    Console.WriteLine("OK");
    return 0;

    void Wire(WebRtcPeerConnection self, WebRtcPeerConnection other, string name)
    {
        self.SessionDescriptionCreated += (type, sdp) =>
        {
            Console.WriteLine($"{name}: {type} created ({sdp.Length} bytes of SDP)");
            Check(self.SetLocalDescription(type, sdp), name + ".SetLocalDescription");
            Check(other.SetRemoteDescription(type, sdp), "remote SetRemoteDescription");
        };
        self.IceCandidateCreated += (media, index, candidate) =>
        {
            Console.WriteLine($"{name}: candidate [{media}/{index}] {candidate}");
            Check(other.AddIceCandidate(media, index, candidate), "remote AddIceCandidate");
        };
        self.ConnectionStateChanged += s => Console.WriteLine($"{name}: connection {s}");
        self.GatheringStateChanged += s => Console.WriteLine($"{name}: gathering {s}");
        self.SignalingStateChanged += s => Console.WriteLine($"{name}: signaling {s}");
    }

    (byte[] Data, bool IsString) ReadOne(WebRtcDataChannel ch)
    {
        byte[]? data = null;
        bool isString = false;
        PollUntil(() =>
        {
            if (ch.AvailablePacketCount == 0)
                return false;
            data = ch.GetPacket();
            isString = ch.WasStringPacket;
            return true;
        }, $"a message on '{ch.Label}'");
        return (data!, isString);
    }

    void PollUntil(Func<bool> condition, string what)
    {
        while (true)
        {
            a.Poll();
            b.Poll();
            if (condition())
                return;
            CheckDeadline(what);
            Thread.Sleep(1);
        }
    }
}

void CheckDeadline(string what)
{
    if (deadline.Elapsed > limit)
        throw new DemoFailure($"timed out after {limit.TotalSeconds:0} s waiting for {what}");
}

static void Check(Error e, string what)
{
    if (e != Error.Ok)
        throw new DemoFailure($"{what} returned {e}");
}

sealed class DemoFailure(string message) : Exception(message);
