using System.Buffers.Binary;
using System.Diagnostics;
using System.Text.Json.Nodes;
using WebRtcNative;

namespace WebRtcNative.Bench;

/// <summary>
/// The "mesh" section: a full mesh of N <see cref="WebRtcMultiplayerPeer"/>s in this process (ICE on 127.0.0.1), all
/// polled by one thread as a game loop would. Measures broadcast messages/s (reliable, 64 B, every peer sending),
/// ping-pong RTT through the mesh, managed bytes allocated per delivered packet, and the cost of one idle Poll.
/// </summary>
internal static class MeshBench
{
    private const int Size = 64;
    private const int Burst = 4;                  // packets per peer per loop iteration
    private const int MaxBuffered = 256 * 1024;   // flow control: skip a sender whose reliable channel has this much queued

    public static JsonObject Run(int n, double duration)
    {
        var peers = new WebRtcMultiplayerPeer[n];
        var connections = new List<WebRtcPeerConnection>();
        try
        {
            var setup = Stopwatch.StartNew();
            for (int i = 0; i < n; i++)
            {
                peers[i] = new WebRtcMultiplayerPeer();
                peers[i].CreateMesh(i + 1);
            }
            for (int a = 0; a < n; a++)
                for (int b = a + 1; b < n; b++)
                    Link(peers[a], a + 1, peers[b], b + 1, connections);
            int links = n * (n - 1) / 2;
            while (peers.Any(p => p.GetPeers().Values.Any(i => !i.Connected)))
            {
                PollAll(peers);
                if (setup.Elapsed > TimeSpan.FromSeconds(60 + n * 5))
                    throw new BenchFailure($"mesh of {n}: not every link connected after {setup.Elapsed.TotalSeconds:0} s");
                Thread.Sleep(1);
            }
            double setupMs = setup.Elapsed.TotalMilliseconds;

            // Reliable channel of every peer toward every other, for flow control without allocating snapshots.
            var reliable = peers.Select(p => p.GetPeers().Values.Select(i => i.Channels[0]).ToArray()).ToArray();
            var buffer = new byte[2048];
            var payload = new byte[Size];

            // Warm-up, then the measured window.
            Throughput(peers, reliable, payload, buffer, duration); // as long as the window: queues and pools reach their depth
            // Three measured windows: messages/s over all of them; allocation per packet of the steadiest one (a window
            // in which a scheduling hiccup made the backlog deeper than ever before grows the pools once, as it should).
            long sent = 0, delivered = 0;
            double seconds = 0;
            var perWindow = new JsonArray();
            double steady = double.MaxValue;
            long steadyPut = 0, steadyPoll = 0, steadyGet = 0;
            for (int w = 0; w < 3; w++)
            {
                SendAlloc = PollAlloc = GetAlloc = 0;
                var (ws, wd, wsec) = Throughput(peers, reliable, payload, buffer, duration / 2);
                sent += ws;
                delivered += wd;
                seconds += wsec;
                double perPacket = wd == 0 ? double.NaN : (double)(SendAlloc + PollAlloc + GetAlloc) / wd;
                perWindow.Add(Math.Round(perPacket, 3));
                if (perPacket < steady)
                    (steady, steadyPut, steadyPoll, steadyGet) = (perPacket, SendAlloc, PollAlloc, GetAlloc);
            }
            Drain(peers, buffer);

            var rtt = PingPong(peers, buffer, n <= 4 ? 2000 : 1000);
            double pollUs = IdlePoll(peers[0]);

            var result = new JsonObject
            {
                ["peers"] = n,
                ["links"] = links,
                ["setup_ms"] = Math.Round(setupMs, 1),
                ["payload_bytes"] = Size,
                ["broadcasts_sent"] = sent,
                ["messages_delivered"] = delivered,
                ["messages_per_s"] = Math.Round(delivered / seconds),
                ["rtt_us_p50"] = Math.Round(Stats.Pct(rtt, 50), 1),
                ["rtt_us_p99"] = Math.Round(Stats.Pct(rtt, 99), 1),
                ["managed_bytes_per_packet"] = Math.Round(steady, 3),
                ["managed_bytes_per_packet_windows"] = perWindow,
                ["steady_window_bytes_put_packet"] = steadyPut,
                ["steady_window_bytes_poll"] = steadyPoll,
                ["steady_window_bytes_try_get_packet"] = steadyGet,
                ["idle_poll_us"] = Math.Round(pollUs, 2),
            };
            Console.WriteLine($"  mesh {n,2} peers ({links,3} links): setup {setupMs,7:0} ms, {delivered / seconds,9:0} msg/s delivered (64 B reliable broadcast), " +
                              $"RTT p50 {Stats.Pct(rtt, 50),6:0} us p99 {Stats.Pct(rtt, 99),6:0} us, {steady:0.###} B/packet managed (windows {string.Join("/", perWindow)}), idle Poll {pollUs:0.0} us");
            return result;
        }
        finally
        {
            foreach (var p in peers)
                p?.Dispose();
            foreach (var c in connections)
                c.Dispose();
        }
    }

    private static void Link(WebRtcMultiplayerPeer a, int idA, WebRtcMultiplayerPeer b, int idB, List<WebRtcPeerConnection> all)
    {
        var pcA = new WebRtcPeerConnection();
        var pcB = new WebRtcPeerConnection();
        all.Add(pcA);
        all.Add(pcB);
        pcA.Initialize(ManagedPair.Loopback());
        pcB.Initialize(ManagedPair.Loopback());
        if (a.AddPeer(pcA, idB) != Error.Ok || b.AddPeer(pcB, idA) != Error.Ok)
            throw new BenchFailure($"AddPeer {idA}<->{idB} failed");
        pcA.SessionDescriptionCreated += (t, s) => { pcA.SetLocalDescription(t, s); pcB.SetRemoteDescription(t, s); };
        pcB.SessionDescriptionCreated += (t, s) => { pcB.SetLocalDescription(t, s); pcA.SetRemoteDescription(t, s); };
        pcA.IceCandidateCreated += (m, i, c) => pcB.AddIceCandidate(m, i, c);
        pcB.IceCandidateCreated += (m, i, c) => pcA.AddIceCandidate(m, i, c);
        pcA.CreateOffer();
    }

    /// <summary>Polls and discards until nothing arrived for 200 ms, so the ping-pong sees only its own packets.</summary>
    private static void Drain(WebRtcMultiplayerPeer[] peers, byte[] buffer)
    {
        long quietSince = Clock.Now();
        while (Clock.S(Clock.Now() - quietSince) < 0.2)
        {
            if (PollAndDrain(peers, buffer) > 0)
                quietSince = Clock.Now();
            Thread.Sleep(1);
        }
    }

    private static void PollAll(WebRtcMultiplayerPeer[] peers)
    {
        foreach (var p in peers)
            p.Poll();
    }

    private static (long Sent, long Delivered, double Seconds) Throughput(WebRtcMultiplayerPeer[] peers, WebRtcDataChannel[][] reliable, byte[] payload, byte[] buffer, double duration)
    {
        foreach (var p in peers)
        {
            p.TargetPeer = WebRtcMultiplayerPeer.TargetPeerBroadcast;
            p.TransferMode = TransferMode.Reliable;
        }
        long sent = 0, delivered = 0;
        long start = Clock.Now(), end = start + Clock.FromSeconds(duration);
        while (Clock.Now() < end)
        {
            for (int i = 0; i < peers.Length; i++)
            {
                bool congested = false;
                foreach (var c in reliable[i])
                    congested |= c.BufferedAmount > MaxBuffered;
                if (congested)
                    continue;
                long q0 = GC.GetAllocatedBytesForCurrentThread();
                for (int k = 0; k < Burst; k++)
                {
                    peers[i].PutPacket(payload.AsSpan());
                    sent++;
                }
                SendAlloc += GC.GetAllocatedBytesForCurrentThread() - q0;
            }
            delivered += PollAndDrain(peers, buffer);
        }
        // Let the backlog arrive so the next window starts clean; it counts toward this window's deliveries.
        long expected = sent * (peers.Length - 1);
        long quietSince = Clock.Now();
        while (delivered < expected && Clock.S(Clock.Now() - quietSince) < 2)
        {
            long got = PollAndDrain(peers, buffer);
            if (got > 0)
                quietSince = Clock.Now();
            delivered += got;
        }
        return (sent, delivered, Clock.S(Clock.Now() - start));
    }

    // Managed bytes allocated on the polling thread by PutPacket, Poll and TryGetPacket during the measured window.
    private static long SendAlloc, PollAlloc, GetAlloc;

    private static long PollAndDrain(WebRtcMultiplayerPeer[] peers, byte[] buffer)
    {
        long got = 0;
        foreach (var p in peers)
        {
            long q0 = GC.GetAllocatedBytesForCurrentThread();
            p.Poll();
            long q1 = GC.GetAllocatedBytesForCurrentThread();
            PollAlloc += q1 - q0;
            while (p.TryGetPacket(buffer, out _))
                got++;
            GetAlloc += GC.GetAllocatedBytesForCurrentThread() - q1;
        }
        return got;
    }

    /// <summary>Peer 1 sends a timestamp to peer k (round robin), which echoes it straight back; all peers are polled in between.</summary>
    private static double[] PingPong(WebRtcMultiplayerPeer[] peers, byte[] buffer, int samples)
    {
        var rtt = new double[samples];
        var ping = new byte[16];
        for (int s = 0; s < samples; s++)
        {
            int target = 2 + s % (peers.Length - 1);
            var echo = peers[target - 1];
            peers[0].TargetPeer = target;
            BinaryPrimitives.WriteInt64LittleEndian(ping, Clock.Now());
            peers[0].PutPacket(ping);
            long deadline = Clock.Now() + Clock.FromSeconds(5);
            bool back = false;
            while (!back)
            {
                foreach (var p in peers)
                    p.Poll();
                while (echo.GetAvailablePacketCount() > 0)
                {
                    int from = echo.GetPacketPeer();
                    if (echo.TryGetPacket(buffer, out int n) && from == 1 && n == ping.Length)
                    {
                        echo.TargetPeer = 1;
                        echo.PutPacket(buffer.AsSpan(0, n));
                    }
                }
                while (peers[0].GetAvailablePacketCount() > 0)
                {
                    int from = peers[0].GetPacketPeer();
                    if (peers[0].TryGetPacket(buffer, out int n) && from == target && n == ping.Length)
                    {
                        rtt[s] = Clock.Us(Clock.Now() - BinaryPrimitives.ReadInt64LittleEndian(buffer));
                        back = true;
                    }
                }
                if (Clock.Now() > deadline)
                    throw new BenchFailure($"ping to peer {target} not answered within 5 s");
            }
        }
        Array.Sort(rtt);
        return rtt;
    }

    private static double IdlePoll(WebRtcMultiplayerPeer peer)
    {
        const int rounds = 2000;
        for (int i = 0; i < 200; i++)
            peer.Poll();
        long t0 = Clock.Now();
        for (int i = 0; i < rounds; i++)
            peer.Poll();
        return Clock.Us(Clock.Now() - t0) / rounds;
    }
}
