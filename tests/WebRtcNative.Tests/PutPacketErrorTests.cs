using System.Collections.Concurrent;

namespace WebRtcNative.Tests;

/// <summary>PutPacket's error codes at the edges (Dispose races) and its log volume (log sink: runs alone).</summary>
[Collection("Serial")]
public class PutPacketErrorTests
{
    [Fact]
    public void PutPacket_AfterTheNativeChannelWasDeletedUnderIt_ReturnsUnavailable_NotInvalidParameter()
    {
        // What a PutPacket racing Dispose on another thread sees: it read an open state and a native id,
        // then the deleter thread deleted that id before the send.
        using var pair = new Pair();
        var (a, _) = pair.ConnectWithChannel();
        int id = BackPressureTests.CoreOf(a).NativeId;
        Assert.Equal(0, WebRtcNative.Bindings.RtcNative.rtcDelete(id));
        Assert.Equal(ChannelState.Open, a.ReadyState); // no callback after rtcDelete: the cached state is stale
        Assert.Equal(Error.Unavailable, a.PutPacket(new byte[] { 1 }));
        a.WriteMode = WriteMode.Text;
        Assert.Equal(Error.Unavailable, a.PutPacket(new byte[] { 65 }));
        // A message larger than the channel allows is still a bad parameter.
        using var pair2 = new Pair();
        var (c, _) = pair2.ConnectWithChannel();
        Assert.Equal(Error.InvalidParameter, c.PutPacket(new byte[c.MaxPacketSize + 1]));
    }

    [Fact]
    public void PutPacket_OnAClosedChannelEveryFrame_LogsLogarithmically()
    {
        var lines = new ConcurrentQueue<string>();
        var oldSink = WebRtcLog.Sink;
        var oldLevel = WebRtcLog.Level;
        try
        {
            WebRtcLog.Sink = (_, m) => { if (m.Contains("PutPacket")) lines.Enqueue(m); };
            WebRtcLog.Level = WebRtcLogLevel.Warning;
            using var pair = new Pair();
            var (a, _) = pair.ConnectWithChannel();
            a.Close();
            pair.PollUntil(() => a.ReadyState == ChannelState.Closed, "closed");
            for (int i = 0; i < 1000; i++)
                Assert.Equal(Error.Failed, a.PutPacket(new byte[] { 1 }));
            // 1, 2, 4, ..., 512: 10 lines for 1000 calls, the later ones with the count.
            Assert.Equal(10, lines.Count);
            Assert.Contains(lines, l => l.Contains("repeated 512 times"));
        }
        finally
        {
            WebRtcLog.Sink = oldSink;
            WebRtcLog.Level = oldLevel;
        }
    }
}
