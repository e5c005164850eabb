namespace WebRtcNative.Tests;

public class ConfigurationTests
{
    [Theory]
    [InlineData("stun:127.0.0.1:3478", "u", "p", "stun:127.0.0.1:3478")]
    [InlineData("turn:127.0.0.1:3478?transport=udp", "u@x", "p:w%", "turn:u%40x:p%3Aw%25@127.0.0.1:3478?transport=udp")]
    [InlineData("turns:127.0.0.1", "user", null, "turns:user:@127.0.0.1")]
    [InlineData("turn:127.0.0.1", null, "secret", "turn:127.0.0.1")]
    [InlineData("turn:a:b@turn.example.com", "x", "y", "turn:a:b@turn.example.com")]
    public void TurnCredentials_AreFoldedIntoTheNativeUrl_PercentEncoded(string url, string? user, string? credential, string expected) =>
        Assert.Equal(expected, Validation.NativeIceUrl(url, user, credential));

    [Fact]
    public void ConfigurationWithStunAndTurnServers_IsAcceptedByTheNativeLibrary()
    {
        using var pc = new WebRtcPeerConnection();
        var config = new WebRtcConfiguration
        {
            BindAddress = "127.0.0.1",
            IceServers =
            {
                new IceServer("stun:127.0.0.1:3478"),
                new IceServer("turn:127.0.0.1:3478?transport=udp") { Username = "us@er", Credential = "p:ss" },
            },
            PortRangeBegin = 40000,
            PortRangeEnd = 40100,
            Mtu = 1200,
            MaxMessageSize = 65536,
        };
        Assert.Equal(Error.Ok, pc.Initialize(config));
        Assert.NotNull(pc.CreateDataChannel("x"));
    }

    [Fact]
    public void DefaultsMatchTheDocs()
    {
        var c = new WebRtcConfiguration();
        Assert.Empty(c.IceServers);
        Assert.Equal(IceTransportPolicy.All, c.IceTransportPolicy);
        Assert.Null(c.BindAddress);
        Assert.Equal(65536, c.ReceiveQueueMaxPackets);
        Assert.Equal(64L << 20, c.ReceiveQueueMaxBytes);
        var o = new DataChannelOptions();
        Assert.False(o.Negotiated);
        Assert.True(o.Ordered);
        Assert.Null(o.Id);
        Assert.Null(o.MaxRetransmits);
        Assert.Null(o.MaxPacketLifeTime);
        Assert.Equal(0, (int)Error.Ok);
        Assert.Equal(31, (int)Error.InvalidParameter);
        Assert.Equal(2, (int)Error.Unavailable);
        Assert.Equal(3, (int)Error.Unconfigured);
        Assert.Equal(47, (int)Error.Bug);
    }
}
