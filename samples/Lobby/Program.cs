// Lobby server for WebRtcMultiplayerPeer games: assigns peer ids and relays offers, answers and candidates.
//   dotnet run --project samples/Lobby -- [--urls http://127.0.0.1:8090]
// GET /ws?lobby=NAME  WebSocket, JSON text messages (protocol in LobbyHub.cs)
// GET /healthz        "ok"
// It binds 127.0.0.1 only: a non-loopback --urls is refused.
using System.Net;
using WebRtcNative.Samples.Lobby;

var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
var urls = builder.Configuration["urls"];
if (string.IsNullOrEmpty(urls))
{
    urls = "http://127.0.0.1:8090";
    builder.WebHost.UseUrls(urls);
}
foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries))
{
    if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || !IPAddress.TryParse(uri.Host, out var ip) || !IPAddress.IsLoopback(ip))
    {
        Console.Error.WriteLine($"lobby: refusing to listen on '{url}': only 127.0.0.1 / [::1] URLs are allowed");
        return 2;
    }
}
builder.Services.AddSingleton<LobbyHub>();
builder.Logging.SetMinimumLevel(LogLevel.Warning);

var app = builder.Build();
app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(15) });
app.MapGet("/healthz", () => "ok");
app.Map("/ws", async (HttpContext ctx, LobbyHub hub) =>
{
    if (!ctx.WebSockets.IsWebSocketRequest)
        return Results.BadRequest("WebSocket expected");
    var lobby = ctx.Request.Query["lobby"].ToString();
    if (lobby.Length == 0)
        lobby = "default";
    if (lobby.Length > 64)
        return Results.BadRequest("lobby name longer than 64 characters");
    using var socket = await ctx.WebSockets.AcceptWebSocketAsync();
    await hub.RunAsync(lobby, socket, ctx.RequestAborted);
    return Results.Empty;
});
Console.WriteLine($"lobby: listening on {urls}");
await app.RunAsync();
return 0;
