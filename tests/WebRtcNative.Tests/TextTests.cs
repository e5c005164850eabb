using System.Collections.Concurrent;
using System.Text;

namespace WebRtcNative.Tests;

/// <summary>Text packets carry their length (rtcSendText extension), so U+0000 goes through; upstream falls back.</summary>
[Collection("Serial")]
public class TextTests
{
    [Fact]
    public void Text_WithU0000_ArrivesIntact_AsString()
    {
        using var pair = new Pair();
        var (a, b) = pair.ConnectWithChannel();
        a.WriteMode = WriteMode.Text;
        var samples = new[] { "a\0b", "\0", "\0\0end", "", "plain", "é\0\u4e2d" + new string('x', 3000) + "\0" };
        foreach (var s in samples)
            Assert.Equal(Error.Ok, a.PutPacket(Encoding.UTF8.GetBytes(s)));
        var got = pair.Receive(b, samples.Length);
        for (int i = 0; i < samples.Length; i++)
        {
            Assert.True(got[i].IsString, $"packet {i} should be a string");
            Assert.Equal(samples[i], Encoding.UTF8.GetString(got[i].Data));
        }
    }

    [Fact]
    public void WithoutTheExtension_TextFallsBackToNulTerminated_AndRefusesU0000_WithAClearError()
    {
        var lines = new ConcurrentQueue<string>();
        var oldSink = WebRtcLog.Sink;
        var oldLevel = WebRtcLog.Level;
        NativeExtensions.SimulateMissingSendText(true);
        try
        {
            WebRtcLog.Sink = (_, m) => lines.Enqueue(m);
            WebRtcLog.Level = WebRtcLogLevel.Warning;
            using var pair = new Pair();
            var (a, b) = pair.ConnectWithChannel();
            a.WriteMode = WriteMode.Text;
            Assert.Equal(Error.InvalidParameter, a.PutPacket(new byte[] { 65, 0, 66 }));
            Assert.Contains(lines, l => l.Contains("NUL") && l.Contains("rtcSendText"));
            Assert.Equal(Error.Ok, a.PutPacket("short"u8));
            Assert.Equal(Error.Ok, a.PutPacket(Encoding.UTF8.GetBytes(new string('y', 5000)))); // pooled-buffer path
            var got = pair.Receive(b, 2);
            Assert.Equal("short", Encoding.UTF8.GetString(got[0].Data));
            Assert.True(got[0].IsString);
            Assert.Equal(new string('y', 5000), Encoding.UTF8.GetString(got[1].Data));
        }
        finally
        {
            NativeExtensions.SimulateMissingSendText(false);
            WebRtcLog.Sink = oldSink;
            WebRtcLog.Level = oldLevel;
        }
        Assert.True(NativeExtensions.HasSendText, "libwebrtcnative exports rtcSendText");
    }
}
