using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace WebRtcNative.Samples.Lobby;

/// <summary>
/// Lobbies of up to <see cref="MaxPeers"/> members. Protocol (JSON text messages):
/// <list type="bullet">
/// <item>server → new member: <c>{"type":"id","id":N,"peers":[ids already in the lobby]}</c>; ids start at 1 and are not reused.</item>
/// <item>server → the members listed in that "peers": <c>{"type":"join","id":N}</c>; to everyone left, when a member's socket closes, <c>{"type":"leave","id":N}</c>.</item>
/// <item>member → server: <c>{"type":"offer"|"answer"|"candidate","to":M,...}</c>; delivered to M with <c>"from":N</c> added.
/// Anything else, an unknown target, or a message over <see cref="MaxMessageBytes"/> is dropped with a log line.</item>
/// </list>
/// Who offers is the members' convention (in MeshGame: the member already there offers to the newcomer).
/// </summary>
public sealed class LobbyHub
{
    public const int MaxPeers = 64;
    public const int MaxMessageBytes = 64 * 1024;

    private sealed class Member
    {
        public required int Id { get; init; }
        public required WebSocket Socket { get; init; }
        public SemaphoreSlim SendLock { get; } = new(1, 1);
    }

    private sealed class Room
    {
        public int NextId = 1;
        public readonly Dictionary<int, Member> Members = new();
    }

    private readonly ConcurrentDictionary<string, Room> _rooms = new();
    private readonly ILogger<LobbyHub> _log;

    public LobbyHub(ILogger<LobbyHub> log) => _log = log;

    public async Task RunAsync(string lobby, WebSocket socket, CancellationToken ct)
    {
        var room = _rooms.GetOrAdd(lobby, _ => new Room());
        Member me;
        int[] others;
        lock (room)
        {
            if (room.Members.Count >= MaxPeers)
            {
                _log.LogWarning("lobby {Lobby} is full", lobby);
                return;
            }
            me = new Member { Id = room.NextId++, Socket = socket };
            others = room.Members.Keys.ToArray();
            // Hold the member's send lock until "id" is out, so no join/offer from others can overtake it.
            me.SendLock.Wait(ct);
            room.Members.Add(me.Id, me);
        }
        Console.WriteLine($"lobby: {lobby}: peer {me.Id} joined ({others.Length} already there)");
        await SendAsync(me, new JsonObject { ["type"] = "id", ["id"] = me.Id, ["peers"] = new JsonArray(others.Select(o => (JsonNode)o).ToArray()) }, ct, alreadyLocked: true);
        // "join" goes to the members listed in "peers" above, no one else: whoever joined after us already got us in
        // their own list, and a second join would make both sides offer.
        foreach (var other in others)
        {
            Member? m;
            lock (room)
                room.Members.TryGetValue(other, out m);
            if (m is not null)
                await SendAsync(m, new JsonObject { ["type"] = "join", ["id"] = me.Id }, ct);
        }
        try
        {
            var buffer = new byte[MaxMessageBytes];
            while (socket.State == WebSocketState.Open)
            {
                int length = 0;
                WebSocketReceiveResult r;
                do
                {
                    r = await socket.ReceiveAsync(new ArraySegment<byte>(buffer, length, buffer.Length - length), ct); // length < buffer.Length here
                    if (r.MessageType == WebSocketMessageType.Close)
                        return;
                    length += r.Count;
                    if (length >= buffer.Length && !r.EndOfMessage)
                    {
                        _log.LogWarning("peer {Id}: message over {Max} bytes, closing", me.Id, MaxMessageBytes);
                        await socket.CloseAsync(WebSocketCloseStatus.MessageTooBig, "too big", ct);
                        return;
                    }
                } while (!r.EndOfMessage);
                await RelayAsync(room, me, buffer.AsSpan(0, length).ToArray(), ct);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
        }
        finally
        {
            lock (room)
                room.Members.Remove(me.Id);
            Console.WriteLine($"lobby: {lobby}: peer {me.Id} left");
            await BroadcastAsync(room, me.Id, new JsonObject { ["type"] = "leave", ["id"] = me.Id }, CancellationToken.None);
        }
    }

    private async Task RelayAsync(Room room, Member from, byte[] message, CancellationToken ct)
    {
        JsonObject? msg;
        try
        {
            msg = JsonNode.Parse(message) as JsonObject;
        }
        catch (JsonException)
        {
            msg = null;
        }
        string? type = msg?["type"]?.GetValueKind() == JsonValueKind.String ? (string?)msg["type"] : null;
        if (msg is null || type is not ("offer" or "answer" or "candidate") || msg["to"]?.GetValueKind() != JsonValueKind.Number)
        {
            _log.LogWarning("peer {Id}: dropped a malformed message", from.Id);
            return;
        }
        int to = (int)msg["to"]!;
        Member? dest;
        lock (room)
            room.Members.TryGetValue(to, out dest);
        if (dest is null)
        {
            _log.LogWarning("peer {Id}: dropped a {Type} for unknown peer {To}", from.Id, type, to);
            return;
        }
        msg["from"] = from.Id;
        await SendAsync(dest, msg, ct);
    }

    private async Task BroadcastAsync(Room room, int except, JsonObject msg, CancellationToken ct)
    {
        Member[] members;
        lock (room)
            members = room.Members.Values.Where(m => m.Id != except).ToArray();
        foreach (var m in members)
            await SendAsync(m, msg, ct);
    }

    private static async Task SendAsync(Member to, JsonObject msg, CancellationToken ct, bool alreadyLocked = false)
    {
        var bytes = Encoding.UTF8.GetBytes(msg.ToJsonString());
        if (!alreadyLocked)
            await to.SendLock.WaitAsync(ct);
        try
        {
            if (to.Socket.State == WebSocketState.Open)
                await to.Socket.SendAsync(bytes, WebSocketMessageType.Text, true, ct);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
        finally
        {
            to.SendLock.Release();
        }
    }
}
