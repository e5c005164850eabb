using System.Collections.Concurrent;

namespace WebRtcNative.Tests;

[Collection("Serial")]
public class LoggingTests
{
    [Fact]
    public void Sink_ReceivesReasonsForNonOkResults_AndNativeLines_AndIsSilentWhenUnset()
    {
        var lines = new ConcurrentQueue<(WebRtcLogLevel Level, string Message)>();
        var oldLevel = WebRtcLog.Level;
        var oldSink = WebRtcLog.Sink; // whatever an earlier test left: this test does not depend on order
        try
        {
            WebRtcLog.Sink = null; // silent without a sink
            Assert.False(WebRtcLog.IsEnabled(WebRtcLogLevel.Error));
            WebRtcLog.Sink = (level, message) => lines.Enqueue((level, message));
            WebRtcLog.Level = WebRtcLogLevel.Verbose;

            using var pc = new WebRtcPeerConnection();
            Assert.Equal(Error.InvalidParameter, pc.Initialize(new WebRtcConfiguration { BindAddress = "nope" }));
            Assert.Contains(lines, l => l.Level == WebRtcLogLevel.Warning && l.Message.Contains("InvalidParameter") && l.Message.Contains("bindAddress"));
            Assert.Equal(Error.Ok, pc.Initialize(new Dictionary<string, object?> { ["bindAddress"] = "127.0.0.1", ["colour"] = "blue" }));
            Assert.Contains(lines, l => l.Message.Contains("colour"));
            Assert.Equal(Error.Failed, pc.CreateOffer());
            Assert.Contains(lines, l => l.Message.Contains("CreateOffer") && l.Message.Contains("data channel"));

            // Native lines arrive through the same sink while a connection is made.
            using (var pair = new Pair())
                pair.ConnectWithChannel();
            Assert.Contains(lines, l => l.Message.StartsWith("native: ", StringComparison.Ordinal));

            // A throwing sink does not break anything.
            WebRtcLog.Sink = (_, _) => throw new InvalidOperationException("sink failure");
            Assert.Equal(Error.Failed, pc.CreateOffer());
            using (var pair = new Pair())
                pair.ConnectWithChannel();

            // Unset: nothing is delivered, and the level filter works.
            WebRtcLog.Sink = null;
            Assert.False(WebRtcLog.IsEnabled(WebRtcLogLevel.Error));
            WebRtcLog.Sink = (level, message) => lines.Enqueue((level, message));
            WebRtcLog.Level = WebRtcLogLevel.Error;
            lines.Clear();
            Assert.Equal(Error.Failed, pc.CreateOffer()); // a Warning: filtered out
            Assert.Empty(lines);
        }
        finally
        {
            WebRtcLog.Sink = oldSink;
            WebRtcLog.Level = oldLevel;
        }
    }
}
