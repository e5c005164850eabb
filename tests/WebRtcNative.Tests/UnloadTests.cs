using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;

namespace WebRtcNative.Tests;

/// <summary>
/// Hot reload: the library in a collectible AssemblyLoadContext (as Godot's .NET editor loads game assemblies)
/// connects, exchanges data, unloads completely, and loads again. Native state is process-wide: runs alone.
/// </summary>
[Collection("Serial")]
public class UnloadTests
{
    /// <summary>Loads WebRtcNative, its bindings and this test assembly privately; everything else comes from the default context.</summary>
    private sealed class GameContext : AssemblyLoadContext
    {
        private readonly string _dir = Path.GetDirectoryName(typeof(UnloadTests).Assembly.Location)!;

        public GameContext()
            : base("game", isCollectible: true)
        {
        }

        protected override Assembly? Load(AssemblyName name) =>
            name.Name is "WebRtcNative" or "WebRtcNative.Bindings" or "WebRtcNative.Tests"
                ? LoadFromAssemblyPath(Path.Combine(_dir, name.Name + ".dll"))
                : null;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (WeakReference Context, string Result) RunInContext()
    {
        var context = new GameContext();
        var tests = context.LoadFromAssemblyName(new AssemblyName("WebRtcNative.Tests"));
        Assert.NotSame(typeof(UnloadTests).Assembly, tests);
        var run = tests.GetType(typeof(UnloadScenario).FullName!)!.GetMethod(nameof(UnloadScenario.Run))!;
        string result = (string)run.Invoke(null, null)!;
        context.Unload(); // raises Unloading: WebRtcLibrary.Shutdown in that context
        return (new WeakReference(context), result);
    }

    private static bool Collected(WeakReference weak)
    {
        for (int i = 0; i < 50 && weak.IsAlive; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            Thread.Sleep(20);
        }
        return !weak.IsAlive;
    }

    [Fact]
    public void CollectibleContext_ConnectsExchangesUnloads_IsCollected_AndLoadsAgain()
    {
        try
        {
            for (int round = 1; round <= 2; round++)
            {
                var (weak, result) = RunInContext();
                Assert.Equal("ok", result);
                Assert.True(Collected(weak), $"round {round}: the collectible context was not collected after Unload");
            }
            // The default context's copy still works afterwards.
            using var pair = new Pair();
            var (a, b) = pair.ConnectWithChannel();
            Assert.Equal(Error.Ok, a.PutPacket(new byte[] { 42 }));
            Assert.Equal(new byte[] { 42 }, pair.Receive(b, 1)[0].Data);
        }
        finally
        {
            WebRtcLog.Level = WebRtcLog.Level; // the other context's shutdown removed the process-wide native logger: put ours back
        }
    }

    [Fact]
    public void Shutdown_ClosesLiveConnections_StopsTheDeleter_AndTheLibraryStartsAgain()
    {
        using (var pair = new Pair())
        {
            var (a, b) = pair.ConnectWithChannel();
            a.Dispose(); // a deletion for the deleter thread
            WebRtcLibrary.Shutdown();
            Assert.Equal(ConnectionState.Closed, pair.A.ConnectionState);
            Assert.Equal(ChannelState.Closed, b.ReadyState);
            Assert.Equal(0, Reaper.Pending);
            Assert.NotEqual(Error.Ok, b.PutPacket(new byte[] { 1 }));
        }
        using var again = new Pair();
        var (c, d) = again.ConnectWithChannel();
        Assert.Equal(Error.Ok, c.PutPacket(new byte[] { 7 }));
        Assert.Equal(new byte[] { 7 }, again.Receive(d, 1)[0].Data);
    }
}

/// <summary>Runs inside the collectible context (through reflection): connect, exchange, leave everything open.</summary>
public static class UnloadScenario
{
    public static string Run()
    {
        var log = new List<string>();
        WebRtcLog.Sink = (_, m) => { lock (log) log.Add(m); }; // a managed callback for native code to drop at unload
        WebRtcLog.Level = WebRtcLogLevel.Info;
        var pair = new Pair(); // deliberately not disposed: Shutdown must close it
        var (a, b) = pair.ConnectWithChannel();
        for (int i = 0; i < 10; i++)
            if (a.PutPacket(Payload.Make(i, 100)) != Error.Ok)
                return "PutPacket failed";
        var got = pair.Receive(b, 10);
        for (int i = 0; i < 10; i++)
            if (!Payload.Check(got[i].Data, i))
                return $"packet {i} corrupted";
        a.Dispose(); // something for the deleter thread
        return "ok";
    }
}
