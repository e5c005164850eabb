using System.Collections.Concurrent;

namespace WebRtcNative.Tests;

/// <summary>Several STUN servers in one configuration (docs/ice-servers.md): libnice takes one per connection;
/// the first is used and each other one is named in a warning, with the one in use.</summary>
[Collection("Serial")]
public class IceServerListTests
{
    [Fact]
    public void SeveralStunServers_TheFirstIsUsed_AndEachIgnoredOneIsLoggedWithIt()
    {
        var lines = new ConcurrentQueue<(WebRtcLogLevel Level, string Message)>();
        var oldSink = WebRtcLog.Sink;
        var oldLevel = WebRtcLog.Level;
        try
        {
            WebRtcLog.Sink = (level, message) => lines.Enqueue((level, message));
            WebRtcLog.Level = WebRtcLogLevel.Warning;
            using var pc = new WebRtcPeerConnection();
            // Loopback ports where nothing answers: the STUN request goes nowhere else.
            var config = new WebRtcConfiguration
            {
                BindAddress = "127.0.0.1",
                IceServers =
                {
                    new IceServer("stun:127.0.0.1:39401"),
                    new IceServer("stun:127.0.0.1:39402", "stun:127.0.0.1:39403"),
                },
            };
            Assert.Equal(Error.Ok, pc.Initialize(config));
            Assert.NotNull(pc.CreateDataChannel("x"));
            Assert.Equal(Error.Ok, pc.CreateOffer());
            var sw = System.Diagnostics.Stopwatch.StartNew();
            while (lines.Count(l => l.Message.Contains("ignoring stun:")) < 2 && sw.Elapsed < TimeSpan.FromSeconds(10))
            {
                pc.Poll();
                Thread.Sleep(5);
            }
            var warnings = lines.Where(l => l.Level == WebRtcLogLevel.Warning && l.Message.Contains("one STUN server")).Select(l => l.Message).ToList();
            Assert.Equal(2, warnings.Count);
            Assert.All(warnings, w => Assert.Contains("using stun:127.0.0.1:39401", w));
            Assert.Contains(warnings, w => w.Contains("ignoring stun:127.0.0.1:39402"));
            Assert.Contains(warnings, w => w.Contains("ignoring stun:127.0.0.1:39403"));
        }
        finally
        {
            WebRtcLog.Sink = oldSink;
            WebRtcLog.Level = oldLevel;
        }
    }
}
