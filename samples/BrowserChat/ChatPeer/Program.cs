// BrowserChat C# peer.
//   dotnet run --project samples/BrowserChat/ChatPeer -- ws://127.0.0.1:8080/ws?room=demo [--bind ADDR]
// Start samples/Signaling, open http://127.0.0.1:8080/?room=demo in a browser, then run this: it
// offers a "chat" channel; the page's chat box talks to this console (type lines here to answer).
// Binary messages from the browser are echoed back. Everything happens on this thread via Poll().
using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using WebRtcNative;

if (args.Length < 1)
{
    Console.Error.WriteLine("usage: ChatPeer ws://HOST:PORT/ws?room=NAME [--bind ADDR] [--say TEXT] [--exit-after SECONDS]");
    return 2;
}
string url = args[0];
string? bind = Opt("--bind"), say = Opt("--say");
double exitAfter = double.TryParse(Opt("--exit-after"), System.Globalization.CultureInfo.InvariantCulture, out var ea) ? ea : 0;
string? Opt(string name) { int i = Array.IndexOf(args, name); return i >= 0 && i + 1 < args.Length ? args[i + 1] : null; }

using var ws = new ClientWebSocket();
await ws.ConnectAsync(new Uri(url), CancellationToken.None);
var inbox = new ConcurrentQueue<JsonObject>();
var sendLock = new SemaphoreSlim(1, 1);
async Task Send(JsonObject o)
{
    await sendLock.WaitAsync();
    try { await ws.SendAsync(Encoding.UTF8.GetBytes(o.ToJsonString()), WebSocketMessageType.Text, true, CancellationToken.None); }
    finally { sendLock.Release(); }
}
_ = Task.Run(async () =>
{
    var buf = new byte[1 << 16];
    var ms = new MemoryStream();
    while (ws.State == WebSocketState.Open)
    {
        var r = await ws.ReceiveAsync(buf, CancellationToken.None);
        if (r.MessageType == WebSocketMessageType.Close) break;
        ms.Write(buf, 0, r.Count);
        if (!r.EndOfMessage) continue;
        if (JsonNode.Parse(Encoding.UTF8.GetString(ms.ToArray())) is JsonObject o) inbox.Enqueue(o);
        ms.SetLength(0);
    }
});
var lines = new ConcurrentQueue<string>();
_ = Task.Run(() => { string? l; while ((l = Console.In.ReadLine()) is not null) lines.Enqueue(l); });

using var pc = new WebRtcPeerConnection();
pc.Initialize(new WebRtcConfiguration { BindAddress = bind }); // no STUN/TURN: same network
var chat = pc.CreateDataChannel("chat") ?? throw new InvalidOperationException("CreateDataChannel failed");
pc.SessionDescriptionCreated += (type, sdp) => Send(new JsonObject { ["type"] = type, ["sdp"] = sdp }).Wait();
pc.IceCandidateCreated += (mid, index, cand) => Send(new JsonObject { ["type"] = "candidate", ["candidate"] = cand, ["mid"] = mid }).Wait();
pc.ConnectionStateChanged += s => Console.WriteLine($"* connection {s}");

bool offered = false, greeted = false;
var started = DateTime.UtcNow;
Console.WriteLine($"* joined {url}; waiting for the browser");
while (ws.State == WebSocketState.Open)
{
    while (inbox.TryDequeue(out var m))
    {
        switch ((string?)m["type"])
        {
            case "joined" when (int?)m["peers"] == 2:
            case "peer-joined":
                if (!offered) { offered = true; pc.CreateOffer(); }
                break;
            case "answer":
                pc.SetRemoteDescription("answer", (string)m["sdp"]!);
                break;
            case "candidate":
                pc.AddIceCandidate((string?)m["mid"] ?? "0", 0, (string?)m["candidate"] ?? "");
                break;
            case "peer-left":
                Console.WriteLine("* browser left");
                break;
        }
    }
    pc.Poll();
    chat.Poll();
    while (chat.AvailablePacketCount > 0)
    {
        var data = chat.GetPacket();
        if (chat.WasStringPacket)
        {
            Console.WriteLine($"browser: {Encoding.UTF8.GetString(data)}");
        }
        else
        {
            chat.WriteMode = WriteMode.Binary;
            chat.PutPacket(data); // echo binary back
            Console.WriteLine($"* echoed {data.Length} binary bytes");
        }
    }
    if (chat.ReadyState == ChannelState.Open)
    {
        chat.WriteMode = WriteMode.Text;
        if (!greeted)
        {
            greeted = true;
            chat.PutPacket(Encoding.UTF8.GetBytes(say ?? "hello from C# (WebRtcNative)"));
        }
        while (lines.TryDequeue(out var line))
            chat.PutPacket(Encoding.UTF8.GetBytes(line));
    }
    if (exitAfter > 0 && (DateTime.UtcNow - started).TotalSeconds > exitAfter)
        break;
    Thread.Sleep(5);
}
pc.Close();
return 0;
