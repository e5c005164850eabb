using System.Collections.Concurrent;

namespace WebRtcNative.Tests;

/// <summary>
/// The <c>rtcSetTurnCaFile</c> extension through <see cref="WebRtcLibrary.SetTurnCaFile"/>, and TURN URLs the native
/// library refuses (docs/turn-tcp-tls.md). The end-to-end TURN over TCP/TLS tests are in tests/Interop
/// (ManagedTurnTcpTlsTests), since they need coturn.
/// </summary>
[Collection("Serial")] // swaps the process-wide log sink
public class TurnCaFileTests
{
    private static (T Result, List<string> Lines) WithLog<T>(Func<T> action)
    {
        var lines = new ConcurrentQueue<string>();
        var oldSink = WebRtcLog.Sink;
        var oldLevel = WebRtcLog.Level;
        try
        {
            WebRtcLog.Sink = (_, m) => lines.Enqueue(m);
            WebRtcLog.Level = WebRtcLogLevel.Warning;
            var r = action();
            return (r, lines.ToList());
        }
        finally
        {
            WebRtcLog.Sink = oldSink;
            WebRtcLog.Level = oldLevel;
        }
    }

    [Fact]
    public void SetTurnCaFile_RefusesAMissingOrNonCertificateFile_WithAClearError()
    {
        var (r, lines) = WithLog(() => WebRtcLibrary.SetTurnCaFile("/nonexistent/turn-ca.pem"));
        Assert.Equal(Error.InvalidParameter, r);
        Assert.Contains(lines, l => l.Contains("cannot load CA file") && l.Contains("/nonexistent/turn-ca.pem"));

        var notPem = Path.GetTempFileName();
        try
        {
            File.WriteAllText(notPem, "not a certificate\n");
            Assert.Equal(Error.InvalidParameter, WebRtcLibrary.SetTurnCaFile(notPem));
        }
        finally
        {
            File.Delete(notPem);
        }
        Assert.Equal(Error.Ok, WebRtcLibrary.SetTurnCaFile(null)); // clearing always works
    }

    [Fact]
    public void WithoutTheExtension_SetTurnCaFile_ReturnsUnavailable_AndLogsWhy()
    {
        WebRtcLibrary.SimulateMissingTurnCaFile(true);
        try
        {
            var (r, lines) = WithLog(() => WebRtcLibrary.SetTurnCaFile(null));
            Assert.Equal(Error.Unavailable, r);
            Assert.Contains(lines, l => l.Contains("rtcSetTurnCaFile") && l.Contains("lacks"));
        }
        finally
        {
            WebRtcLibrary.SimulateMissingTurnCaFile(false);
        }
        Assert.Equal(Error.Ok, WebRtcLibrary.SetTurnCaFile(null)); // libwebrtcnative exports it
    }

    [Theory]
    [InlineData("turn:127.0.0.1:3478?transport=sctp", "unsupported query")]
    [InlineData("turns:127.0.0.1:3478?tls=1", "unsupported query")]
    [InlineData("turn:127.0.0.1:99999?transport=tcp", "bad port")]
    [InlineData("turns:[::1:5349", "unterminated IPv6 address")]
    public void BadTurnUrls_FailInitialize_WithTheReasonLogged(string url, string reason)
    {
        var (r, lines) = WithLog(() =>
        {
            using var pc = new WebRtcPeerConnection();
            return pc.Initialize(new WebRtcConfiguration { BindAddress = "127.0.0.1", IceServers = { new IceServer(url) } });
        });
        Assert.NotEqual(Error.Ok, r);
        Assert.Contains(lines, l => l.Contains(reason));
    }
}
