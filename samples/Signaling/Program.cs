// Minimal WebRTC signaling server: WebSocket rooms of two on Kestrel, and the BrowserChat page.
//   dotnet run --project samples/Signaling -- [--urls http://127.0.0.1:8080] [--web-root DIR]
// GET /            the BrowserChat page (samples/BrowserChat/wwwroot unless --web-root)
// GET /ws?room=R   WebSocket: JSON messages relayed to the other peer of room R
// GET /reports/R   what the browser of room R reported ({"type":"report"} messages)
// GET /healthz     "ok"
using Microsoft.Extensions.FileProviders;
using WebRtcNative.Samples.Signaling;

var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
{
    Args = args,
    ContentRootPath = AppContext.BaseDirectory,
});
if (string.IsNullOrEmpty(builder.Configuration["urls"]))
    builder.WebHost.UseUrls("http://127.0.0.1:8080");
builder.Services.AddSingleton<SignalingHub>();
builder.Logging.SetMinimumLevel(LogLevel.Information);

var app = builder.Build();
app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(15) });

var webRoot = builder.Configuration["web-root"] ?? FindWebRoot();
if (webRoot is not null && Directory.Exists(webRoot))
{
    var files = new PhysicalFileProvider(Path.GetFullPath(webRoot));
    app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
    app.UseStaticFiles(new StaticFileOptions
    {
        FileProvider = files,
        OnPrepareResponse = ctx => ctx.Context.Response.Headers.CacheControl = "no-store",
    });
}
else
{
    app.Logger.LogWarning("no web root found; only /ws is served");
}

app.MapGet("/healthz", () => "ok");
app.MapGet("/reports/{room}", (string room, SignalingHub hub) => Results.Json(hub.Reports(room)));
app.Map("/ws", async (HttpContext ctx, SignalingHub hub) =>
{
    if (!ctx.WebSockets.IsWebSocketRequest)
        return Results.BadRequest("WebSocket expected");
    var room = ctx.Request.Query["room"].ToString();
    if (string.IsNullOrWhiteSpace(room) || room.Length > 64)
        return Results.BadRequest("room query parameter (1-64 chars) expected");
    using var socket = await ctx.WebSockets.AcceptWebSocketAsync();
    await hub.RunAsync(room, socket, ctx.RequestAborted);
    return Results.Empty;
});

app.Run();

// samples/BrowserChat/wwwroot next to samples/Signaling, looked up from the binary's directory.
static string? FindWebRoot()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        var candidate = Path.Combine(dir.FullName, "samples", "BrowserChat", "wwwroot");
        if (Directory.Exists(candidate))
            return candidate;
        candidate = Path.Combine(dir.FullName, "BrowserChat", "wwwroot");
        if (Directory.Exists(candidate))
            return candidate;
    }
    return null;
}
