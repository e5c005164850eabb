using Xunit.Abstractions;

namespace WebRtcNative.Interop.Tests;

/// <summary>TURN through coturn on 127.0.0.1 (scripts/interop/turn.sh): two relay-only peers
/// connect and their selected pair is "typ relay"; wrong credentials end in Failed, bounded.</summary>
public sealed class TurnTests(ITestOutputHelper output)
{
    [PeerFact("coturn")]
    public void RelayOnlyPeersConnectThroughTurn()
    {
        Peers.Require("coturn");
        var (code, text) = InteropRunner.Run("scripts/interop/turn.sh", ["good"], TimeSpan.FromMinutes(3));
        output.WriteLine(text);
        Assert.True(code == 0, text);
        Assert.Contains("selected pair is relay", text);
    }

    [PeerFact("coturn")]
    public void WrongCredentialsFailCleanly()
    {
        Peers.Require("coturn");
        var (code, text) = InteropRunner.Run("scripts/interop/turn.sh", ["bad"], TimeSpan.FromMinutes(3));
        output.WriteLine(text);
        Assert.True(code == 0, text);
    }
}
