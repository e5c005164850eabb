using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace WebRtcNative.Samples.Signaling;

/// <summary>
/// Rooms of two WebSocket peers. Every text message (a JSON object) one peer sends is relayed
/// verbatim to the other. The server adds its own messages:
/// <c>{"type":"joined","room":R,"peers":N}</c> to the joiner, <c>{"type":"peer-joined"}</c> and
/// <c>{"type":"peer-left"}</c> to the other one, and <c>{"type":"error","message":M}</c> (then a
/// close) for a full room or a message that is not a JSON object. Messages of type
/// <c>"report"</c> are also kept per room (GET /reports/{room}) so a test can read what a browser
/// reported.
/// </summary>
public sealed class SignalingHub
{
    public const int MaxMessageBytes = 1 << 20;
    private readonly ConcurrentDictionary<string, Room> _rooms = new();
    private readonly ILogger<SignalingHub> _log;

    public SignalingHub(ILogger<SignalingHub> log) => _log = log;

    public IReadOnlyList<string> Reports(string room) =>
        _rooms.TryGetValue(room, out var r) ? r.Reports.ToArray() : Array.Empty<string>();

    public async Task RunAsync(string roomName, WebSocket socket, CancellationToken ct)
    {
        var room = _rooms.GetOrAdd(roomName, n => new Room(n));
        var me = new Member(socket);
        Member? other;
        lock (room)
        {
            if (room.Members.Count >= 2)
            {
                other = null;
                me = null!;
            }
            else
            {
                room.Members.Add(me);
                other = room.Members.Count == 2 ? room.Members[0] : null;
            }
        }
        if (me is null)
        {
            await SendAsync(new Member(socket), Json("error", ("message", "room full")), ct);
            await socket.CloseAsync(WebSocketCloseStatus.PolicyViolation, "room full", ct);
            return;
        }
        _log.LogInformation("room {Room}: peer joined ({Count})", roomName, other is null ? 1 : 2);
        await SendAsync(me, Json("joined", ("room", roomName), ("peers", other is null ? 1 : 2)), ct);
        if (other is not null)
            await SendAsync(other, Json("peer-joined"), ct);
        try
        {
            await foreach (var text in ReceiveAsync(socket, ct))
            {
                JsonObject? obj = null;
                try { obj = JsonNode.Parse(text) as JsonObject; } catch (JsonException) { }
                if (obj is null || obj["type"] is null)
                {
                    await SendAsync(me, Json("error", ("message", "expected a JSON object with a type")), ct);
                    continue;
                }
                if ((string?)obj["type"] == "report")
                {
                    room.Reports.Enqueue(text);
                    _log.LogInformation("room {Room}: report {Report}", roomName, text);
                }
                var peer = room.Other(me);
                if (peer is not null)
                    await SendAsync(peer, text, ct);
            }
        }
        catch (WebSocketException) { }
        catch (OperationCanceledException) { }
        finally
        {
            Member? peer;
            lock (room)
            {
                room.Members.Remove(me);
                peer = room.Members.FirstOrDefault();
                if (room.Members.Count == 0)
                    _rooms.TryRemove(new KeyValuePair<string, Room>(roomName, room));
            }
            if (peer is not null)
            {
                try { await SendAsync(peer, Json("peer-left"), CancellationToken.None); }
                catch (WebSocketException) { }
            }
            _log.LogInformation("room {Room}: peer left", roomName);
        }
    }

    private static string Json(string type, params (string Key, object Value)[] fields)
    {
        var o = new JsonObject { ["type"] = type };
        foreach (var (k, v) in fields)
            o[k] = JsonValue.Create(v);
        return o.ToJsonString();
    }

    private static async Task SendAsync(Member m, string text, CancellationToken ct)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        await m.SendLock.WaitAsync(ct);
        try
        {
            if (m.Socket.State == WebSocketState.Open)
                await m.Socket.SendAsync(bytes, WebSocketMessageType.Text, true, ct);
        }
        finally { m.SendLock.Release(); }
    }

    private static async IAsyncEnumerable<string> ReceiveAsync(WebSocket socket,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var buffer = new byte[16 * 1024];
        var message = new MemoryStream();
        while (socket.State == WebSocketState.Open)
        {
            var r = await socket.ReceiveAsync(buffer, ct);
            if (r.MessageType == WebSocketMessageType.Close)
            {
                if (socket.State == WebSocketState.CloseReceived)
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, ct);
                yield break;
            }
            message.Write(buffer, 0, r.Count);
            if (message.Length > MaxMessageBytes)
            {
                await socket.CloseAsync(WebSocketCloseStatus.MessageTooBig, "message too big", ct);
                yield break;
            }
            if (!r.EndOfMessage)
                continue;
            if (r.MessageType == WebSocketMessageType.Text)
                yield return Encoding.UTF8.GetString(message.GetBuffer(), 0, (int)message.Length);
            message.SetLength(0);
        }
    }

    private sealed class Member(WebSocket socket)
    {
        public WebSocket Socket { get; } = socket;
        public SemaphoreSlim SendLock { get; } = new(1, 1);
    }

    private sealed class Room(string name)
    {
        public string Name { get; } = name;
        public List<Member> Members { get; } = new();
        public ConcurrentQueue<string> Reports { get; } = new();

        public Member? Other(Member me)
        {
            lock (this)
                return Members.FirstOrDefault(m => !ReferenceEquals(m, me));
        }
    }
}
