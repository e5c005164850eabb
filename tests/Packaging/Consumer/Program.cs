// Consumer test program: copied by tests/Packaging/run-consumer-test.sh into a fresh console
// project outside the repo that references the WebRtcNative package. Two peers connect over
// loopback through the public API (Godot's flow) and exchange one message each way.
// Prints CONSUMER_OK on success; exits non-zero otherwise.
using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using WebRtcNative;

static void Check(bool ok, string what)
{
    if (!ok)
    {
        Console.WriteLine($"CONSUMER_FAIL: {what}");
        Environment.Exit(1);
    }
}

var config = new WebRtcConfiguration { BindAddress = "127.0.0.1" };
using var offerer = new WebRtcPeerConnection();
using var answerer = new WebRtcPeerConnection();
Check(offerer.Initialize(config) == Error.Ok, "offerer.Initialize");
Check(answerer.Initialize(config) == Error.Ok, "answerer.Initialize");

// Signalling is in-process: each peer's descriptions and candidates go straight to the other.
offerer.SessionDescriptionCreated += (type, sdp) =>
{
    Console.WriteLine($"offerer: {type} created");
    Check(offerer.SetLocalDescription(type, sdp) == Error.Ok, "offerer.SetLocalDescription");
    Check(answerer.SetRemoteDescription(type, sdp) == Error.Ok, "answerer.SetRemoteDescription");
};
answerer.SessionDescriptionCreated += (type, sdp) =>
{
    Console.WriteLine($"answerer: {type} created");
    Check(answerer.SetLocalDescription(type, sdp) == Error.Ok, "answerer.SetLocalDescription");
    Check(offerer.SetRemoteDescription(type, sdp) == Error.Ok, "offerer.SetRemoteDescription");
};
offerer.IceCandidateCreated += (media, index, name) => answerer.AddIceCandidate(media, index, name);
answerer.IceCandidateCreated += (media, index, name) => offerer.AddIceCandidate(media, index, name);

// Pre-negotiated channel with the same id on both sides (what Godot's multiplayer peer does).
var chA = offerer.CreateDataChannel("consumer", new DataChannelOptions { Negotiated = true, Id = 1 });
var chB = answerer.CreateDataChannel("consumer", new DataChannelOptions { Negotiated = true, Id = 1 });
Check(chA is not null && chB is not null, "CreateDataChannel");
Check(offerer.CreateOffer() == Error.Ok, "CreateOffer");

var deadline = Stopwatch.StartNew();
bool PollUntil(Func<bool> done)
{
    while (deadline.Elapsed < TimeSpan.FromSeconds(30))
    {
        offerer.Poll();
        answerer.Poll();
        chA!.Poll();
        chB!.Poll();
        if (done()) return true;
        System.Threading.Thread.Sleep(5);
    }
    return false;
}

Check(PollUntil(() => chA!.ReadyState == ChannelState.Open && chB!.ReadyState == ChannelState.Open),
    $"channels open (offerer {offerer.ConnectionState}, answerer {answerer.ConnectionState})");
Console.WriteLine($"connected: offerer {offerer.ConnectionState}, answerer {answerer.ConnectionState}");

Check(chA!.PutPacket(Encoding.UTF8.GetBytes("ping")) == Error.Ok, "PutPacket ping");
Check(PollUntil(() => chB!.AvailablePacketCount > 0), "ping received");
var ping = Encoding.UTF8.GetString(chB!.GetPacket());
Check(ping == "ping", $"ping payload '{ping}'");
Check(chB.PutPacket(Encoding.UTF8.GetBytes("pong")) == Error.Ok, "PutPacket pong");
Check(PollUntil(() => chA.AvailablePacketCount > 0), "pong received");
var pong = Encoding.UTF8.GetString(chA.GetPacket());
Check(pong == "pong", $"pong payload '{pong}'");
Console.WriteLine("exchanged: ping/pong");

// Where the native code came from: the managed loader's answer, and what the process mapped.
Console.WriteLine($"NATIVE_LIBRARY={WebRtcNative.Bindings.RtcNativeLibrary.LoadedPath}");
if (File.Exists("/proc/self/maps"))
{
    foreach (var path in File.ReadLines("/proc/self/maps")
                 .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                 .Where(f => f.Length >= 6 && f[5].StartsWith('/'))
                 .Select(f => f[5])
                 .Where(p => Path.GetFileName(p) is var n &&
                             (n.StartsWith("libwebrtcnative") || n.StartsWith("libnice") || n.StartsWith("libglib-2.0")))
                 .Distinct())
    {
        Console.WriteLine($"MAPPED={path}");
    }
}

chA.Close();
chB.Close();
offerer.Close();
answerer.Close();
Console.WriteLine("CONSUMER_OK");
