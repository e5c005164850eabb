using System.Text;

namespace WebRtcNative.Tests;

public class ChannelTests
{
    public static TheoryData<bool, int?, int?> Reliabilities => new()
    {
        { true, null, null },   // reliable, ordered
        { false, null, null },  // reliable, unordered
        { true, 0, null },      // unreliable (0 retransmits), ordered
        { false, 3, null },     // unreliable (3 retransmits), unordered
        { true, null, 150 },    // unreliable (150 ms lifetime), ordered
        { false, null, 150 },   // unreliable (150 ms lifetime), unordered
    };

    [Theory]
    [MemberData(nameof(Reliabilities))]
    public void InBandChannel_Reliability_IsReportedOnBothSides_AndDataArrivesIntact(bool ordered, int? maxRetransmits, int? maxLifeTime)
    {
        using var pair = new Pair();
        var options = new DataChannelOptions { Ordered = ordered, MaxRetransmits = maxRetransmits, MaxPacketLifeTime = maxLifeTime, Protocol = "proto-x" };
        var (a, b) = pair.ConnectWithChannel("rel", options);

        foreach (var ch in new[] { a, b })
        {
            Assert.Equal(ordered, ch.Ordered);
            Assert.Equal(maxRetransmits ?? 65535, ch.MaxRetransmits);
            Assert.Equal(maxLifeTime ?? 65535, ch.MaxPacketLifeTime);
            Assert.Equal("proto-x", ch.Protocol);
            Assert.Equal("rel", ch.Label);
        }

        // 300 packets each way, sequence-tagged; loopback should lose nothing even on unreliable channels,
        // but the checks below only require what the channel type guarantees, except that content is intact.
        const int n = 300;
        for (int i = 0; i < n; i++)
        {
            Assert.Equal(Error.Ok, a.PutPacket(Payload.Make(i, 16 + i % 200)));
            Assert.Equal(Error.Ok, b.PutPacket(Payload.Make(i, 16 + i % 200)));
        }
        bool reliable = maxRetransmits is null && maxLifeTime is null;
        foreach (var receiver in new[] { b, a })
        {
            var got = reliable
                ? pair.Receive(receiver, n)
                : ReceiveUntilQuiet(pair, receiver, n);
            var seqs = new List<long>();
            foreach (var (data, isString) in got)
            {
                Assert.False(isString);
                long seq = BitConverter.ToInt64(data, 0);
                Assert.Equal(16 + (int)seq % 200, data.Length);
                Assert.True(Payload.Check(data, seq), $"payload {seq} corrupted");
                seqs.Add(seq);
            }
            Assert.Equal(seqs.Count, seqs.Distinct().Count()); // nothing duplicated
            if (reliable)
                Assert.Equal(n, seqs.Count);
            else
                Assert.True(seqs.Count > n / 2, $"only {seqs.Count}/{n} arrived over loopback");
            if (ordered)
                Assert.Equal(seqs.OrderBy(s => s), seqs);
            else if (reliable)
                Assert.Equal(Enumerable.Range(0, n).Select(i => (long)i), seqs.OrderBy(s => s));
        }
    }

    private static List<(byte[] Data, bool IsString)> ReceiveUntilQuiet(Pair pair, WebRtcDataChannel ch, int max)
    {
        var got = new List<(byte[], bool)>();
        var quiet = System.Diagnostics.Stopwatch.StartNew();
        var total = System.Diagnostics.Stopwatch.StartNew();
        while (got.Count < max && quiet.ElapsedMilliseconds < 1500 && total.Elapsed < Pair.Timeout)
        {
            pair.PollBoth();
            while (ch.AvailablePacketCount > 0)
            {
                got.Add((ch.GetPacket(), ch.WasStringPacket));
                quiet.Restart();
            }
            Thread.Sleep(1);
        }
        return got;
    }

    [Fact]
    public void NegotiatedChannels_OnBothSides_ExchangeData_WithoutDataChannelReceived()
    {
        using var pair = new Pair();
        var a = pair.A.CreateDataChannel("neg", new DataChannelOptions { Negotiated = true, Id = 7 });
        var b = pair.B.CreateDataChannel("neg", new DataChannelOptions { Negotiated = true, Id = 7 });
        var a2 = pair.A.CreateDataChannel("neg-unrel", new Dictionary<string, object?> { ["negotiated"] = true, ["id"] = 9L, ["maxRetransmits"] = 0, ["ordered"] = false });
        var b2 = pair.B.CreateDataChannel("neg-unrel", new Dictionary<string, object?> { ["negotiated"] = true, ["id"] = 9L, ["maxRetransmits"] = 0, ["ordered"] = false });
        Assert.NotNull(a);
        Assert.NotNull(b);
        Assert.NotNull(a2);
        Assert.NotNull(b2);
        Assert.Equal(7, a!.Id);
        Assert.True(a.Negotiated);
        Assert.Equal(9, a2!.Id);
        Assert.False(a2.Ordered);
        Assert.Equal(0, a2.MaxRetransmits);

        pair.Connect();
        pair.WaitOpen(a, b!, a2, b2!);

        Assert.Equal(Error.Ok, a.PutPacket(Encoding.UTF8.GetBytes("ping")));
        Assert.Equal("ping", Encoding.UTF8.GetString(pair.Receive(b!, 1)[0].Data));
        Assert.Equal(Error.Ok, b!.PutPacket(Encoding.UTF8.GetBytes("pong")));
        Assert.Equal("pong", Encoding.UTF8.GetString(pair.Receive(a, 1)[0].Data));
        Assert.Equal(Error.Ok, b2!.PutPacket(new byte[] { 1, 2, 3 }));
        Assert.Equal(new byte[] { 1, 2, 3 }, pair.Receive(a2, 1)[0].Data);

        pair.PollBoth();
        Assert.Empty(pair.ReceivedByA);
        Assert.Empty(pair.ReceivedByB);
    }

    [Fact]
    public void NegotiatedChannels_OnTheHighestIds_BeyondTheInitialStreams_ExchangeData()
    {
        // The association starts with 1024 streams; ids above it make the core add streams
        // (RFC 6525) before the first message on them leaves.
        using var pair = new Pair();
        var a = pair.A.CreateDataChannel("top", new DataChannelOptions { Negotiated = true, Id = 65534 });
        var b = pair.B.CreateDataChannel("top", new DataChannelOptions { Negotiated = true, Id = 65534 });
        var a2 = pair.A.CreateDataChannel("mid", new DataChannelOptions { Negotiated = true, Id = 40001 });
        var b2 = pair.B.CreateDataChannel("mid", new DataChannelOptions { Negotiated = true, Id = 40001 });
        Assert.NotNull(a);
        Assert.NotNull(b);
        Assert.NotNull(a2);
        Assert.NotNull(b2);
        pair.Connect();
        pair.WaitOpen(a!, b!, a2!, b2!);

        Assert.Equal(Error.Ok, a!.PutPacket(Encoding.UTF8.GetBytes("to 65534")));
        Assert.Equal("to 65534", Encoding.UTF8.GetString(pair.Receive(b!, 1)[0].Data));
        Assert.Equal(Error.Ok, b!.PutPacket(Encoding.UTF8.GetBytes("back on 65534")));
        Assert.Equal("back on 65534", Encoding.UTF8.GetString(pair.Receive(a, 1)[0].Data));
        Assert.Equal(Error.Ok, b2!.PutPacket(new byte[] { 4, 0, 0, 0, 1 }));
        Assert.Equal(new byte[] { 4, 0, 0, 0, 1 }, pair.Receive(a2!, 1)[0].Data);
        Assert.Equal(Error.Ok, a2!.PutPacket(new byte[] { 9 }));
        Assert.Equal(new byte[] { 9 }, pair.Receive(b2, 1)[0].Data);
    }

    [Fact]
    public void TextAndBinary_EmptyAndMaxSize_BothDirections()
    {
        using var pair = new Pair();
        var (a, b) = pair.ConnectWithChannel();
        int max = a.MaxPacketSize;
        Assert.True(max >= 16384, $"MaxPacketSize {max}");
        Assert.Equal(max, b.MaxPacketSize);

        foreach (var (from, to) in new[] { (a, b), (b, a) })
        {
            // Empty binary and empty text.
            from.WriteMode = WriteMode.Binary;
            Assert.Equal(Error.Ok, from.PutPacket(ReadOnlySpan<byte>.Empty));
            from.WriteMode = WriteMode.Text;
            Assert.Equal(Error.Ok, from.PutPacket(Array.Empty<byte>()));
            // Max-size binary and a large text.
            from.WriteMode = WriteMode.Binary;
            var big = Payload.Make(7, max);
            Assert.Equal(Error.Ok, from.PutPacket(big));
            from.WriteMode = WriteMode.Text;
            string longText = string.Concat(Enumerable.Repeat("Grüße 😀 ", 2000));
            var longBytes = Encoding.UTF8.GetBytes(longText);
            Assert.Equal(Error.Ok, from.PutPacket(longBytes));
            // Over the limit: refused.
            from.WriteMode = WriteMode.Binary;
            Assert.Equal(Error.InvalidParameter, from.PutPacket(new byte[max + 1]));

            var got = pair.Receive(to, 4);
            Assert.Equal(4, got.Count);
            Assert.Empty(got[0].Data);
            Assert.False(got[0].IsString);
            Assert.Empty(got[1].Data);
            Assert.True(got[1].IsString);
            Assert.Equal(big, got[2].Data);
            Assert.False(got[2].IsString);
            Assert.Equal(longText, Encoding.UTF8.GetString(got[3].Data));
            Assert.True(got[3].IsString);
        }
    }

    [Fact]
    public void TryGetPacket_CopiesIntoCallerBuffer_AndReportsNeededSizeWhenTooSmall()
    {
        using var pair = new Pair();
        var (a, b) = pair.ConnectWithChannel();
        a.WriteMode = WriteMode.Text;
        Assert.Equal(Error.Ok, a.PutPacket(Encoding.UTF8.GetBytes("0123456789")));
        pair.PollUntil(() => b.AvailablePacketCount == 1, "one packet");

        Span<byte> small = stackalloc byte[4];
        Assert.False(b.TryGetPacket(small, out int needed, out bool isString));
        Assert.Equal(10, needed);
        Assert.True(isString);
        Assert.Equal(Error.ParameterRangeError, b.GetPacketError());
        Assert.Equal(1, b.AvailablePacketCount); // still queued

        Span<byte> buffer = stackalloc byte[64];
        Assert.True(b.TryGetPacket(buffer, out int written, out isString));
        Assert.Equal("0123456789", Encoding.UTF8.GetString(buffer[..written]));
        Assert.True(isString);
        Assert.True(b.WasStringPacket);
        Assert.Equal(0, b.AvailablePacketCount);

        // Empty queue: false, 0, Unavailable; GetPacket returns an empty array.
        Assert.False(b.TryGetPacket(buffer, out written, out _));
        Assert.Equal(0, written);
        Assert.Equal(Error.Unavailable, b.GetPacketError());
        Assert.Empty(b.GetPacket());
        Assert.Equal(Error.Unavailable, b.GetPacketError());
    }

    [Fact]
    public void PacketsBecomeVisibleOnlyAtPoll()
    {
        using var pair = new Pair();
        var (a, b) = pair.ConnectWithChannel();
        Assert.Equal(Error.Ok, a.PutPacket(new byte[] { 1 }));
        Assert.Equal(Error.Ok, a.PutPacket(new byte[] { 2 }));
        // Give the packets time to arrive without polling B.
        Thread.Sleep(300);
        Assert.Equal(0, b.AvailablePacketCount);
        Assert.False(b.TryGetPacket(new byte[8], out _, out _));
        // The channel's own Poll surfaces them as well as the connection's.
        Assert.Equal(Error.Ok, b.Poll());
        Assert.Equal(2, b.AvailablePacketCount);
        Assert.Equal(new byte[] { 1 }, b.GetPacket());
        Assert.Equal(new byte[] { 2 }, b.GetPacket());
    }

    [Fact]
    public void Close_ReportsClosingThenClosed_KeepsReceivedPackets_AndRefusesNewSends()
    {
        using var pair = new Pair();
        var (a, b) = pair.ConnectWithChannel();
        Assert.Equal(Error.Ok, a.PutPacket(new byte[] { 9, 9 }));
        pair.PollUntil(() => b.AvailablePacketCount == 1, "packet before close");

        var observed = new List<ChannelState>();
        b.Close();
        observed.Add(b.ReadyState);
        Assert.Contains(b.ReadyState, new[] { ChannelState.Closing, ChannelState.Closed });
        pair.PollUntil(() => b.ReadyState == ChannelState.Closed, "B closed");
        pair.PollUntil(() => a.ReadyState == ChannelState.Closed, "A sees the remote close");

        // Received before close: still readable.
        Assert.Equal(1, b.AvailablePacketCount);
        Assert.Equal(new byte[] { 9, 9 }, b.GetPacket());
        // No new sends on either side.
        Assert.Equal(Error.Failed, b.PutPacket(new byte[] { 1 }));
        Assert.Equal(Error.Failed, a.PutPacket(new byte[] { 1 }));
        b.Close(); // idempotent
        Assert.Equal(ChannelState.Closed, b.ReadyState);
        // Connection stays up.
        Assert.Equal(ConnectionState.Connected, pair.A.ConnectionState);
    }

    [Fact]
    public void ClosingConnection_ClosesChannels_AndKeepsTheirReceivedPackets()
    {
        using var pair = new Pair();
        var (a, b) = pair.ConnectWithChannel();
        Assert.Equal(Error.Ok, a.PutPacket(new byte[] { 5 }));
        pair.PollUntil(() => b.AvailablePacketCount == 1, "packet");
        pair.B.Close();
        Assert.Equal(ChannelState.Closed, b.ReadyState);
        Assert.Equal(new byte[] { 5 }, b.GetPacket());
        Assert.Equal(Error.Failed, b.PutPacket(new byte[] { 1 }));
    }
}
