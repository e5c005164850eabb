namespace WebRtcNative.Tests;

/// <summary>Both ends of a channel report the same reliability options.</summary>
public class ReliabilityOptionTests
{
    private const int Unset = 65535;

    [Theory]
    [InlineData(null, 0, 0, Unset)]     // MaxPacketLifeTime = 0 travels as 0 retransmits
    [InlineData(null, 250, Unset, 250)]
    [InlineData(0, null, 0, Unset)]
    [InlineData(3, null, 3, Unset)]
    public void BothEnds_Agree(int? maxRetransmits, int? maxPacketLifeTime, int expectRetransmits, int expectLifeTime)
    {
        using var pair = new Pair();
        var (a, b) = pair.ConnectWithChannel(options: new DataChannelOptions { MaxRetransmits = maxRetransmits, MaxPacketLifeTime = maxPacketLifeTime });
        Assert.Equal((expectRetransmits, expectLifeTime), (a.MaxRetransmits, a.MaxPacketLifeTime));
        Assert.Equal((expectRetransmits, expectLifeTime), (b.MaxRetransmits, b.MaxPacketLifeTime));
    }
}
