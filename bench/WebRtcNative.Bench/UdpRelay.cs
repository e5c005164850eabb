using System.Net;
using System.Net.Sockets;

namespace WebRtcNative.Bench;

/// <summary>
/// The wide-area path of the `wan` section, built as dc_bench's relay is (issue 14): two UDP
/// sockets on 127.0.0.1, one standing in for each peer; every datagram is held for the one-way
/// delay and a seeded share is dropped. Each peer's host candidate is rewritten to the other
/// side's stand-in (<see cref="Rewrite"/>), so every packet crosses the relay. One thread.
/// Allocation-free once warm (pooled datagram buffers, <see cref="SocketAddress"/> overloads): the
/// section's allocation column is process-wide, so it should count the library, not this relay.
/// </summary>
internal sealed class UdpRelay : IDisposable
{
    private readonly Socket[] _sock = new Socket[2];
    private readonly SocketAddress?[] _realAddress = new SocketAddress?[2];
    private readonly Stack<byte[]> _free = new();
    private const int PooledSize = 2048; // every datagram of these peers fits (MTU ~1 200)
    private readonly long _delayTicks;
    private readonly double _loss;
    private ulong _rng;
    private readonly Queue<(long Due, int Out, int To, byte[] Data, int Len)> _queue = new();
    private readonly Thread _thread;
    private volatile bool _stop;

    public long Forwarded, Dropped, Bytes;

    /// <summary>What the relay thread allocated so far (its buffer pool growing to the path's depth);
    /// the bench subtracts it from the process-wide allocation column.</summary>
    public long AllocatedBytes => Volatile.Read(ref _allocated);
    private long _allocated;

    public UdpRelay(double delayMs, double lossPct, ulong seed)
    {
        _delayTicks = Clock.FromSeconds(delayMs / 1000);
        _loss = lossPct / 100;
        _rng = seed == 0 ? 0x9E3779B97F4A7C15UL : seed;
        for (int i = 0; i < 2; i++)
        {
            _sock[i] = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            _sock[i].Bind(new IPEndPoint(IPAddress.Loopback, 0));
            _sock[i].ReceiveBufferSize = 8 << 20;
            _sock[i].SendBufferSize = 8 << 20;
        }
        _thread = new Thread(Run) { IsBackground = true, Name = "wan relay" };
        _thread.Start();
    }

    private int Port(int i) => ((IPEndPoint)_sock[i].LocalEndPoint!).Port;

    /// <summary>
    /// Rewrites the candidates of peer <paramref name="side"/> (a candidate line or a whole SDP) to
    /// its stand-in socket, recording the real address; other candidates (TCP, IPv6) are dropped
    /// so that nothing bypasses the relay.
    /// </summary>
    public string Rewrite(int side, string text)
    {
        var lines = text.Split('\n');
        var kept = new List<string>(lines.Length);
        foreach (var raw in lines)
        {
            string line = raw.TrimEnd('\r');
            int at = line.IndexOf("candidate:", StringComparison.Ordinal);
            if (at < 0 || (at > 0 && !line.StartsWith("a=", StringComparison.Ordinal)))
            {
                kept.Add(raw);
                continue;
            }
            var f = line[at..].Split(' ');
            if (f.Length < 8 || !f[2].Equals("UDP", StringComparison.OrdinalIgnoreCase) || !IPAddress.TryParse(f[4], out var ip) ||
                ip.AddressFamily != AddressFamily.InterNetwork || !int.TryParse(f[5], out int port))
                continue;
            _realAddress[side] = new IPEndPoint(ip, port).Serialize();
            f[4] = "127.0.0.1";
            f[5] = Port(side).ToString(System.Globalization.CultureInfo.InvariantCulture);
            kept.Add(line[..at] + string.Join(' ', f) + (raw.EndsWith('\r') ? "\r" : ""));
        }
        return string.Join('\n', kept);
    }

    private ulong Next()
    {
        _rng ^= _rng >> 12;
        _rng ^= _rng << 25;
        _rng ^= _rng >> 27;
        return _rng * 2685821657736338717UL;
    }

    private void Run()
    {
        var buf = new byte[65536];
        var list = new List<Socket>(2);
        var from = new SocketAddress(AddressFamily.InterNetwork);
        while (!_stop)
        {
            long now = Clock.Now();
            while (_queue.Count > 0 && _queue.Peek().Due <= now)
            {
                var p = _queue.Dequeue();
                if (_realAddress[p.To] is { } to)
                    _sock[p.Out].SendTo(p.Data.AsSpan(0, p.Len), SocketFlags.None, to);
                if (p.Data.Length == PooledSize)
                    _free.Push(p.Data);
            }
            long waitUs = _queue.Count > 0 ? Math.Max(0, (long)(Clock.S(_queue.Peek().Due - now) * 1e6)) : 20000;
            list.Clear();
            list.Add(_sock[0]);
            list.Add(_sock[1]);
            Socket.Select(list, null, null, (int)Math.Min(waitUs, 20000));
            foreach (var s in list)
            {
                int i = s == _sock[0] ? 0 : 1; // sock[i] stands for peer i: this came from peer 1-i, for peer i
                while (s.Available > 0)
                {
                    int n = s.ReceiveFrom(buf, SocketFlags.None, from);
                    if (_realAddress[i] is null || (_loss > 0 && (Next() >> 11) / 9007199254740992.0 < _loss))
                    {
                        Dropped++;
                        continue;
                    }
                    var data = n <= PooledSize ? (_free.TryPop(out var b) ? b : new byte[PooledSize]) : new byte[n];
                    buf.AsSpan(0, n).CopyTo(data);
                    _queue.Enqueue((Clock.Now() + _delayTicks, 1 - i, i, data, n));
                    Volatile.Write(ref _allocated, GC.GetAllocatedBytesForCurrentThread());
                    Forwarded++;
                    Bytes += n;
                }
            }
        }
    }

    public void Dispose()
    {
        _stop = true;
        _thread.Join();
        _sock[0].Dispose();
        _sock[1].Dispose();
    }
}
