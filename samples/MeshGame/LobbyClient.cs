using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;

namespace WebRtcNative.Samples.MeshGame;

/// <summary>The game's side of the samples/Lobby protocol: messages are received on a background task and handed to the game loop through <see cref="TryReceive"/>.</summary>
public sealed class LobbyClient : IDisposable
{
    private readonly ClientWebSocket _socket = new();
    private readonly ConcurrentQueue<JsonObject> _inbox = new();
    private readonly CancellationTokenSource _cts = new();
    private Task? _receiver;

    public void Connect(Uri uri, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        _socket.ConnectAsync(uri, cts.Token).GetAwaiter().GetResult();
        _receiver = Task.Run(ReceiveLoopAsync);
    }

    public bool TryReceive(out JsonObject message) => _inbox.TryDequeue(out message!);

    public void Send(JsonObject message)
    {
        if (_socket.State != WebSocketState.Open)
            return;
        var bytes = Encoding.UTF8.GetBytes(message.ToJsonString());
        _socket.SendAsync(bytes, WebSocketMessageType.Text, true, _cts.Token).GetAwaiter().GetResult();
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (_socket.State == WebSocketState.Open)
            {
                int length = 0;
                WebSocketReceiveResult r;
                do
                {
                    r = await _socket.ReceiveAsync(new ArraySegment<byte>(buffer, length, buffer.Length - length), _cts.Token);
                    if (r.MessageType == WebSocketMessageType.Close)
                        return;
                    length += r.Count;
                } while (!r.EndOfMessage && length < buffer.Length);
                if (JsonNode.Parse(buffer.AsSpan(0, length)) is JsonObject o)
                    _inbox.Enqueue(o);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or System.Text.Json.JsonException)
        {
        }
    }

    public void Dispose()
    {
        try
        {
            if (_socket.State == WebSocketState.Open)
                _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", new CancellationTokenSource(1000).Token).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
        }
        _cts.Cancel();
        _receiver?.Wait(1000);
        _socket.Dispose();
    }
}
