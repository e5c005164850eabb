namespace WebRtcNative.Tests;

/// <summary>
/// What the application sent before <c>Close()</c> or <c>Dispose()</c> still reaches the peer: the native close
/// ends SCTP with a graceful SHUTDOWN (bounded to 2 s), and the managed layer must not abort it by deleting
/// the native connection at once.
/// </summary>
[Collection("Serial")]
public class GracefulCloseTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void MessagesSentBeforeClosing_AllArrive(bool dispose)
    {
        const int Count = 64, Size = 60 * 1024;   // ~3.8 MiB: far more than one flight on loopback
        using var pair = new Pair();
        var (a, b) = pair.ConnectWithChannel();
        for (int i = 0; i < Count; i++)
            Assert.Equal(Error.Ok, a.PutPacket(Payload.Make(i, Size)));
        Assert.True(a.BufferedAmount > 0, "the sender should still hold data when it closes");
        if (dispose)
            pair.A.Dispose();
        else
            pair.A.Close();

        var buffer = new byte[Size];
        int next = 0;
        pair.PollUntil(() =>
        {
            pair.B.Poll();
            while (b.TryGetPacket(buffer, out int n, out _))
            {
                Assert.Equal(Size, n);
                Assert.True(Payload.Check(buffer.AsSpan(0, n), next), $"packet {next}");
                next++;
            }
            return next == Count || b.ReadyState == ChannelState.Closed && b.AvailablePacketCount == 0;
        }, "every packet, or the channel closed");
        Assert.Equal(Count, next);
    }
}
