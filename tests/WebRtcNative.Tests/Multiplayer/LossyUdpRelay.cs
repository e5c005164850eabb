using System.Net;
using System.Net.Sockets;

namespace WebRtcNative.Tests.Multiplayer;

/// <summary>
/// A user-space impairment relay for one link between two peers on 127.0.0.1 (no netem on this kernel).
/// Each side's host candidate is rewritten to point at a relay socket: side A's candidate becomes
/// <see cref="_facingA"/>'s port (which B sends to), side B's becomes <see cref="_facingB"/>'s port (which A sends
/// to). What <see cref="_facingA"/> receives (from B) is forwarded to A's real port from <see cref="_facingB"/>, so A
/// sees it come from the address B advertised, and the other way round. Each datagram is dropped with a seeded
/// probability, in both directions: DTLS (handshake included) and SCTP. ICE connectivity checks (STUN) are
/// spared unless <c>impairIce</c> is set: with libnice's check schedule, losing several of a link's first checks
/// can fail ICE (seen at 5 % with an unlucky seed), which is not what these tests are about.
/// </summary>
public sealed class LossyUdpRelay : IDisposable
{
    private readonly Socket _facingA;
    private readonly Socket _facingB;
    private readonly double _loss;
    private readonly Random _random;
    private readonly object _randomLock = new();
    private readonly Thread[] _threads;
    private volatile IPEndPoint? _realA;
    private volatile IPEndPoint? _realB;
    private volatile bool _stopped;
    private long _forwarded;
    private long _dropped;

    private readonly bool _impairIce;

    public LossyUdpRelay(double loss, int seed, bool impairIce = false)
    {
        _loss = loss;
        _impairIce = impairIce;
        _random = new Random(seed);
        _facingA = Bind();
        _facingB = Bind();
        _threads = new[]
        {
            new Thread(() => Pump(_facingA, _facingB, () => _realA)) { IsBackground = true, Name = "relay->A" },
            new Thread(() => Pump(_facingB, _facingA, () => _realB)) { IsBackground = true, Name = "relay->B" },
        };
        foreach (var t in _threads)
            t.Start();
    }

    public long Forwarded => Interlocked.Read(ref _forwarded);

    public long Dropped => Interlocked.Read(ref _dropped);

    private static Socket Bind()
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        s.ReceiveTimeout = 200; // so the pump notices Dispose
        return s;
    }

    /// <summary>Rewrites a candidate line of side A (forwarded to B) to the relay; null for candidates the relay cannot carry.</summary>
    public string? RewriteFromA(string candidate) => Rewrite(candidate, _facingA, ep => _realA = ep);

    /// <summary>Rewrites a candidate line of side B (forwarded to A) to the relay.</summary>
    public string? RewriteFromB(string candidate) => Rewrite(candidate, _facingB, ep => _realB = ep);

    /// <summary>A description of side A (forwarded to B) with its a=candidate lines rewritten to
    /// the relay as the trickled ones are: the first description already carries the host
    /// candidates, and a direct address left in it would let ICE bypass the relay.</summary>
    public string RewriteSdpFromA(string sdp) => RewriteSdp(sdp, RewriteFromA);

    /// <summary>A description of side B (forwarded to A), rewritten like <see cref="RewriteSdpFromA"/>.</summary>
    public string RewriteSdpFromB(string sdp) => RewriteSdp(sdp, RewriteFromB);

    private static string RewriteSdp(string sdp, Func<string, string?> rewrite)
    {
        var lines = new List<string>();
        foreach (var line in sdp.Split("\r\n"))
        {
            if (!line.StartsWith("a=candidate:", StringComparison.Ordinal))
                lines.Add(line);
            else if (rewrite(line[2..]) is { } relayed)
                lines.Add("a=" + relayed);
        }
        return string.Join("\r\n", lines);
    }

    private static string? Rewrite(string candidate, Socket facing, Action<IPEndPoint> learn)
    {
        // candidate:<foundation> <component> <transport> <priority> <address> <port> typ <type> ...
        var parts = candidate.Split(' ');
        if (parts.Length < 8 || !parts[2].Equals("udp", StringComparison.OrdinalIgnoreCase) || parts[4] != "127.0.0.1")
            return null;
        learn(new IPEndPoint(IPAddress.Loopback, int.Parse(parts[5])));
        parts[5] = ((IPEndPoint)facing.LocalEndPoint!).Port.ToString();
        return string.Join(' ', parts);
    }

    private void Pump(Socket from, Socket via, Func<IPEndPoint?> target)
    {
        var buffer = new byte[65536];
        EndPoint any = new IPEndPoint(IPAddress.Any, 0);
        while (!_stopped)
        {
            int n;
            try
            {
                n = from.ReceiveFrom(buffer, ref any);
            }
            catch (SocketException) when (!_stopped)
            {
                continue; // e.g. ICMP port unreachable from a closed peer
            }
            catch (Exception) when (_stopped)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            var dest = target();
            if (dest is null)
                continue;
            bool drop = false;
            if (_impairIce || !IsStun(buffer.AsSpan(0, n)))
                lock (_randomLock)
                    drop = _random.NextDouble() < _loss;
            if (drop)
            {
                Interlocked.Increment(ref _dropped);
                continue;
            }
            try
            {
                via.SendTo(buffer.AsSpan(0, n), SocketFlags.None, dest);
                Interlocked.Increment(ref _forwarded);
            }
            catch (SocketException)
            {
            }
            catch (ObjectDisposedException)
            {
                return;
            }
        }
    }

    /// <summary>A STUN message (RFC 5389): top two bits zero and the magic cookie at bytes 4 to 7.</summary>
    private static bool IsStun(ReadOnlySpan<byte> d) =>
        d.Length >= 20 && (d[0] & 0xC0) == 0 && d[4] == 0x21 && d[5] == 0x12 && d[6] == 0xA4 && d[7] == 0x42;

    public void Dispose()
    {
        _stopped = true;
        _facingA.Dispose();
        _facingB.Dispose();
        foreach (var t in _threads)
            t.Join(TimeSpan.FromSeconds(5));
    }
}
