using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace WebRtcNative.Tests;

/// <summary>
/// A user-space UDP relay on 127.0.0.1 between peer A (side 0) and peer B (side 1), as the native tests'
/// support/relay.h: signaling rewrites every candidate of A to <c>127.0.0.1:Port(1)</c> before B sees it
/// (and B's to <c>Port(0)</c>), so the relay is the only path. <see cref="BlackHole"/> drops everything: the path dies.
/// </summary>
public sealed class UdpRelay : IDisposable
{
    private readonly Socket[] _sockets = new Socket[2];
    private readonly IPEndPoint?[] _targets = new IPEndPoint?[2];
    private readonly Thread _thread;
    private volatile bool _stop;
    private long _forwarded;

    public UdpRelay()
    {
        for (int i = 0; i < 2; i++)
        {
            _sockets[i] = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            _sockets[i].Bind(new IPEndPoint(IPAddress.Loopback, 0));
        }
        _thread = new Thread(Run) { IsBackground = true, Name = "UdpRelay" };
        _thread.Start();
    }

    /// <summary>Everything is dropped while set.</summary>
    public volatile bool BlackHole;

    public long Forwarded => Interlocked.Read(ref _forwarded);

    public int Port(int side) => ((IPEndPoint)_sockets[side].LocalEndPoint!).Port;

    private static readonly Regex s_candidate = new(@"^(candidate:\S+ \d+ \S+ \d+ )(\S+) (\d+)( typ .*)$");

    /// <summary>A candidate line of peer <paramref name="side"/>, rewritten for the other peer (or returned as is when it is not one).</summary>
    public string Rewrite(int side, string candidate)
    {
        bool prefixed = candidate.StartsWith("a=", StringComparison.Ordinal);
        string line = prefixed ? candidate.Substring(2) : candidate;
        var m = s_candidate.Match(line);
        if (!m.Success)
            return candidate;
        if (IPAddress.TryParse(m.Groups[2].Value, out var ip) && ip.AddressFamily == AddressFamily.InterNetwork)
        {
            lock (_targets)
                _targets[side] ??= new IPEndPoint(ip, int.Parse(m.Groups[3].Value));
        }
        string rewritten = $"{m.Groups[1].Value}127.0.0.1 {Port(1 - side)}{m.Groups[4].Value}";
        return prefixed ? "a=" + rewritten : rewritten;
    }

    /// <summary>An SDP of peer <paramref name="side"/> with every candidate line rewritten.</summary>
    public string RewriteSdp(int side, string sdp) =>
        string.Join("\r\n", sdp.Replace("\r\n", "\n").Split('\n').Select(l => l.StartsWith("a=candidate:", StringComparison.Ordinal) ? Rewrite(side, l) : l));

    private void Run()
    {
        var buffer = new byte[65536];
        var list = new List<Socket>(2);
        while (!_stop)
        {
            list.Clear();
            list.Add(_sockets[0]);
            list.Add(_sockets[1]);
            try
            {
                Socket.Select(list, null, null, 20_000);
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            foreach (var s in list)
            {
                int side = ReferenceEquals(s, _sockets[0]) ? 0 : 1;
                EndPoint from = new IPEndPoint(IPAddress.Any, 0);
                int n;
                try
                {
                    n = s.ReceiveFrom(buffer, ref from);
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                    continue;
                }
                IPEndPoint? to;
                lock (_targets)
                {
                    _targets[side] = (IPEndPoint)from; // the peer on this side lives there
                    to = _targets[1 - side];
                }
                if (BlackHole || to is null)
                    continue;
                try
                {
                    _sockets[1 - side].SendTo(buffer, 0, n, SocketFlags.None, to);
                    Interlocked.Increment(ref _forwarded);
                }
                catch (SocketException)
                {
                }
            }
        }
    }

    public void Dispose()
    {
        _stop = true;
        _thread.Join();
        _sockets[0].Dispose();
        _sockets[1].Dispose();
    }
}
