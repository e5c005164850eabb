using System.Buffers.Binary;
using Xunit.Abstractions;

namespace WebRtcNative.Tests.Multiplayer;

/// <summary>The mesh and the star through <see cref="LossyUdpRelay"/> at 5 % loss each way (every UDP datagram of every link).</summary>
public class MultiplayerLossTests
{
    private const double Loss = 0.05;
    private const int ReliableCount = 300;
    private const int UnreliableCount = 400;
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(90);

    private readonly ITestOutputHelper _output;

    public MultiplayerLossTests(ITestOutputHelper output)
    {
        _output = output;
    }

    private static byte[] Numbered(string tag, int seq, int size)
    {
        var data = new byte[size];
        Payload.Fill(data, seq);
        data[8] = (byte)tag[0];
        return data;
    }

    /// <summary>Sends reliable and unreliable numbered packets from <paramref name="from"/> to <paramref name="target"/>, paced so the unreliable ones are lost to the relay, not to a full buffer.</summary>
    private static void SendBoth(MultiplayerNet net, int from, int target)
    {
        var p = net.Peers[from];
        p.TargetPeer = target;
        for (int i = 0; i < Math.Max(ReliableCount, UnreliableCount); i++)
        {
            if (i < ReliableCount)
            {
                p.TransferMode = TransferMode.Reliable;
                Assert.Equal(Error.Ok, p.PutPacket(Numbered("R", i, 200)));
            }
            if (i < UnreliableCount)
            {
                p.TransferMode = TransferMode.Unreliable;
                Assert.Equal(Error.Ok, p.PutPacket(Numbered("U", i, 100)));
            }
            if (i % 20 == 0)
                net.PollFor(TimeSpan.FromMilliseconds(2));
        }
    }

    private (int Reliable, int Unreliable) Check(MultiplayerNet net, int at, int from, string what)
    {
        var fromPeer = net.Inbox[at].Where(r => r.From == from).ToList();
        var reliable = fromPeer.Where(r => r.Mode == TransferMode.Reliable).ToList();
        var unreliable = fromPeer.Where(r => r.Mode == TransferMode.Unreliable).ToList();
        // Reliable: all of them, intact and in order.
        Assert.Equal(ReliableCount, reliable.Count);
        for (int i = 0; i < reliable.Count; i++)
        {
            Assert.Equal(200, reliable[i].Data.Length);
            Assert.Equal((byte)'R', reliable[i].Data[8]);
            reliable[i].Data[8] = (byte)(i * 31 + 8 * 7);
            Assert.True(Payload.Check(reliable[i].Data, i), $"{what}: reliable packet {i} corrupt or out of order");
        }
        // Unreliable: each at most once, intact; loss counted.
        var seqs = unreliable.Select(r => BinaryPrimitives.ReadInt64LittleEndian(r.Data)).ToList();
        Assert.Equal(seqs.Count, seqs.Distinct().Count());
        Assert.All(seqs, s => Assert.InRange(s, 0, UnreliableCount - 1));
        int lost = UnreliableCount - unreliable.Count;
        _output.WriteLine($"{what}: reliable {reliable.Count}/{ReliableCount} intact in order; unreliable {unreliable.Count}/{UnreliableCount} ({100.0 * lost / UnreliableCount:0.0} % lost)");
        return (reliable.Count, unreliable.Count);
    }

    [Fact]
    public void Mesh_AtFivePercentLoss_ReliableIntact_UnreliableLossCounted()
    {
        using var net = MultiplayerNet.Mesh(4, loss: Loss);
        net.WaitAllConnected(Generous);
        SendBoth(net, 1, 0);
        net.PollUntil(() => Enumerable.Range(2, 3).All(id => net.Inbox[id].Count(r => r.From == 1 && r.Mode == TransferMode.Reliable) == ReliableCount),
            "every reliable packet on 2, 3 and 4", Generous);
        net.PollFor(TimeSpan.FromMilliseconds(300)); // stragglers
        int totalUnreliable = 0;
        for (int id = 2; id <= 4; id++)
            totalUnreliable += Check(net, id, 1, $"mesh 1->{id}").Unreliable;
        long dropped = net.Relays.Sum(r => r.Dropped), forwarded = net.Relays.Sum(r => r.Forwarded);
        _output.WriteLine($"relays: {dropped} datagrams dropped of {dropped + forwarded}");
        Assert.True(dropped > 0);
        // 1200 unreliable sends over three lossy links: some must be missing, most must arrive.
        Assert.InRange(totalUnreliable, 3 * UnreliableCount / 2, 3 * UnreliableCount - 1);
    }

    [Fact]
    public void Star_AtFivePercentLoss_RelayedReliableIntact_UnreliableLossCounted()
    {
        using var net = MultiplayerNet.Star(3, loss: Loss);
        net.WaitAllConnected(Generous);
        SendBoth(net, 2, 3);   // client -> client through the server: two lossy hops
        SendBoth(net, 4, 1);   // client -> server
        net.PollUntil(() => net.Inbox[3].Count(r => r.From == 2 && r.Mode == TransferMode.Reliable) == ReliableCount
                            && net.Inbox[1].Count(r => r.From == 4 && r.Mode == TransferMode.Reliable) == ReliableCount,
            "every reliable packet relayed to 3 and received by the server", Generous);
        net.PollFor(TimeSpan.FromMilliseconds(300));
        var relayed = Check(net, 3, 2, "star 2->server->3");
        var direct = Check(net, 1, 4, "star 4->server");
        Assert.InRange(relayed.Unreliable + direct.Unreliable, UnreliableCount, 2 * UnreliableCount - 1);
        Assert.DoesNotContain(net.Inbox[1], r => r.From == 2); // relayed packets are not the server's
        Assert.Empty(net.Inbox[4]);
        Assert.True(net.Peers[1].RelayedPacketCount >= ReliableCount);

        // Leave and rejoin through the lossy relays.
        net.Peers[3].Close();
        net.PollUntil(() => net.Events[1].Contains((3, false)), "server sees client 3 leave", Generous);
        Assert.Equal(Error.Ok, net.Peers[3].CreateClient(3));
        net.Link(1, 3);
        net.PollUntil(() => net.Events[3].Count(e => e == (1, true)) == 2 && net.Events[1].Count(e => e == (3, true)) == 2, "client 3 back", Generous);
        net.Inbox[3].Clear();
        SendBoth(net, 2, 3);
        net.PollUntil(() => net.Inbox[3].Count(r => r.From == 2 && r.Mode == TransferMode.Reliable) == ReliableCount, "relayed after rejoin", Generous);
        net.PollFor(TimeSpan.FromMilliseconds(300));
        Check(net, 3, 2, "star 2->server->3 after rejoin");
    }
}
