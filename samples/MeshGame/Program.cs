// Headless mesh game over WebRtcMultiplayerPeer: joins a samples/Lobby lobby, forms a full mesh with every other
// member, sends its state 60 times a second (unreliable) and a chat line every second (reliable), answers state
// packets with a pong, and prints per-peer RTT and loss at the end.
//   dotnet run --project samples/MeshGame -- [--lobby ws://127.0.0.1:8090/ws?lobby=meshgame] [--seconds 10] [--expect 4]
// scripts/meshgame.sh starts a lobby and four of these on loopback.
using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using WebRtcNative;
using WebRtcNative.Samples.MeshGame;

var lobbyUri = new Uri(Arg("--lobby") ?? "ws://127.0.0.1:8090/ws?lobby=meshgame");
double seconds = double.Parse(Arg("--seconds") ?? "10", System.Globalization.CultureInfo.InvariantCulture);
int expect = int.Parse(Arg("--expect") ?? "4", System.Globalization.CultureInfo.InvariantCulture);
int unreliableLifetime = int.Parse(Arg("--lifetime") ?? "1", System.Globalization.CultureInfo.InvariantCulture);
if (!lobbyUri.IsLoopback)
{
    Console.Error.WriteLine("meshgame: the lobby must be on 127.0.0.1 / ::1");
    return 2;
}

WebRtcLog.Level = WebRtcLogLevel.Warning;
WebRtcLog.Sink = (level, line) => Console.Error.WriteLine($"meshgame: {level}: {line}");

const byte State = 1, Pong = 2, Chat = 3;
const int TickHz = 60;

using var lobby = new LobbyClient();
lobby.Connect(lobbyUri, TimeSpan.FromSeconds(10));
using var mp = new WebRtcMultiplayerPeer();
var connections = new Dictionary<int, WebRtcPeerConnection>();
var stats = new Dictionary<int, PeerStats>();
var clock = Stopwatch.StartNew();
int myId = 0;
string Me() => myId == 0 ? "meshgame" : $"meshgame[{myId}]";

mp.PeerConnected += id =>
{
    Console.WriteLine($"{Me()}: peer {id} connected at {clock.Elapsed.TotalMilliseconds:0} ms");
    stats.TryAdd(id, new PeerStats());
};
mp.PeerDisconnected += id => Console.WriteLine($"{Me()}: peer {id} disconnected at {clock.Elapsed.TotalMilliseconds:0} ms");

WebRtcPeerConnection Connect(int remote)
{
    var pc = new WebRtcPeerConnection();
    pc.Initialize(new WebRtcConfiguration { BindAddress = "127.0.0.1" });
    var e = mp.AddPeer(pc, remote, unreliableLifetime);
    if (e != Error.Ok)
        throw new InvalidOperationException($"AddPeer({remote}) failed: {e}");
    pc.SessionDescriptionCreated += (type, sdp) =>
    {
        pc.SetLocalDescription(type, sdp);
        lobby.Send(new JsonObject { ["type"] = type, ["to"] = remote, ["sdp"] = sdp });
    };
    pc.IceCandidateCreated += (media, index, name) =>
        lobby.Send(new JsonObject { ["type"] = "candidate", ["to"] = remote, ["media"] = media, ["index"] = index, ["name"] = name });
    connections[remote] = pc;
    return pc;
}

void HandleLobby(JsonObject msg)
{
    switch ((string?)msg["type"])
    {
        case "id":
            myId = (int)msg["id"]!;
            mp.CreateMesh(myId);
            Console.WriteLine($"{Me()}: joined the lobby, {((JsonArray)msg["peers"]!).Count} peers already there");
            break;
        case "join": // the member already there offers to the newcomer
            Connect((int)msg["id"]!).CreateOffer();
            break;
        case "offer":
            Connect((int)msg["from"]!).SetRemoteDescription("offer", (string)msg["sdp"]!);
            break;
        case "answer":
            if (connections.TryGetValue((int)msg["from"]!, out var a))
                a.SetRemoteDescription("answer", (string)msg["sdp"]!);
            break;
        case "candidate":
            if (connections.TryGetValue((int)msg["from"]!, out var c))
                c.AddIceCandidate((string)msg["media"]!, (int)msg["index"]!, (string)msg["name"]!);
            break;
        case "leave":
            int left = (int)msg["id"]!;
            if (mp.HasPeer(left))
                mp.RemovePeer(left);
            break;
    }
}

var buffer = new byte[2048];
var packet = new byte[64];
uint seq = 0;
int chatSent = 0;
long tickTicks = Stopwatch.Frequency / TickHz;
long next = Stopwatch.GetTimestamp();
long end = 0;

while (end == 0 || Stopwatch.GetTimestamp() < end)
{
    while (lobby.TryReceive(out var msg))
        HandleLobby(msg);
    mp.Poll();
    if (myId != 0 && end == 0)
        end = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);

    while (mp.GetAvailablePacketCount() > 0)
    {
        int from = mp.GetPacketPeer(); // the sender of the NEXT packet: ask before reading it (Godot's order)
        if (!mp.TryGetPacket(buffer, out int n))
            break;
        if (n == 0 || !stats.TryGetValue(from, out var s))
            continue;
        switch (buffer[0])
        {
            case State when n >= 13:
                s.OnState(BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(1)));
                // Echo the timestamp straight back, unreliable, to the sender only.
                buffer[0] = Pong;
                mp.TargetPeer = from;
                mp.TransferMode = TransferMode.Unreliable;
                mp.PutPacket(buffer.AsSpan(0, 13));
                break;
            case Pong when n >= 13:
                long sent = BinaryPrimitives.ReadInt64LittleEndian(buffer.AsSpan(5));
                s.OnRtt((Stopwatch.GetTimestamp() - sent) * 1000.0 / Stopwatch.Frequency);
                break;
            case Chat:
                if (s.ChatReceived++ == 0)
                    Console.WriteLine($"{Me()}: chat from {from}: {Encoding.UTF8.GetString(buffer, 1, n - 1)}");
                break;
        }
    }

    long now = Stopwatch.GetTimestamp();
    if (now >= next && mp.ConnectionStatus == ConnectionStatus.Connected)
    {
        next += tickTicks;
        if (now - next > tickTicks * 10)
            next = now; // fell far behind (e.g. at start): do not burst
        // State: seq, send time, and a moving position.
        packet[0] = State;
        BinaryPrimitives.WriteUInt32LittleEndian(packet.AsSpan(1), seq);
        BinaryPrimitives.WriteInt64LittleEndian(packet.AsSpan(5), now);
        BinaryPrimitives.WriteSingleLittleEndian(packet.AsSpan(13), MathF.Cos(seq / 60f));
        BinaryPrimitives.WriteSingleLittleEndian(packet.AsSpan(17), MathF.Sin(seq / 60f));
        mp.TargetPeer = WebRtcMultiplayerPeer.TargetPeerBroadcast;
        mp.TransferMode = TransferMode.Unreliable;
        mp.PutPacket(packet.AsSpan(0, 21));
        if (seq % TickHz == 0)
        {
            mp.TransferMode = TransferMode.Reliable;
            mp.PutPacket(Encoding.UTF8.GetBytes($"\u0003hello from {myId} #{chatSent++}"));
        }
        seq++;
    }
    Thread.Sleep(1);
}

// Report, then leave.
var connected = stats.Keys.OrderBy(k => k).ToList(); // every peer that connected during the game
var report = new StringBuilder();
report.AppendLine($"{Me()}: {seconds:0.#} s, {connected.Count} of {expect - 1} peers connected, sent {seq} states and {chatSent} chat lines");
report.AppendLine($"{Me()}:   peer   states rx   loss    rtt avg    rtt p50    rtt p99   chat rx");
foreach (var (id, s) in stats.OrderBy(kv => kv.Key))
    report.AppendLine($"{Me()}:   {id,4}   {s.StatesReceived,9}   {s.LossPercent,4:0.0} %  {s.RttAvg,6:0.00} ms  {s.RttPercentile(50),6:0.00} ms  {s.RttPercentile(99),6:0.00} ms   {s.ChatReceived,7}");
Console.Write(report.ToString());
mp.Close();
foreach (var pc in connections.Values)
    pc.Dispose();
bool ok = connected.Count == expect - 1 && stats.Values.All(s => s.StatesReceived > 0 && s.ChatReceived > 0);
return ok ? 0 : 1;

string? Arg(string name)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}
