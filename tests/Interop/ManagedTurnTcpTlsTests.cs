using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using WebRtcNative;
using Xunit.Abstractions;

namespace WebRtcNative.Interop.Tests;

/// <summary>
/// TURN over TCP (<c>turn:...?transport=tcp</c>) and over TLS (<c>turns:</c>), relay-only, through coturn on
/// 127.0.0.1 with only that listener open; a <c>turns:</c> server whose certificate chains to no trusted CA is
/// refused; ICE-TCP host to host with every UDP candidate removed from the signalling (docs/turn-tcp-tls.md).
/// One class: the CA setting is process-wide, so these tests must not run in parallel with each other.
/// </summary>
public sealed class ManagedTurnTcpTlsTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("wrn-managed-turns-").FullName;

    public void Dispose()
    {
        WebRtcLibrary.SetTurnCaFile(null);
        try
        {
            Directory.Delete(_dir, true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>turnserver on 127.0.0.1 with loopback relays and the listener options given.</summary>
    private sealed class TurnServer : IDisposable
    {
        private readonly Process _process;
        public List<string> Log { get; } = new();

        public TurnServer(int relayMin, int waitPort, params string[] listeners)
        {
            var psi = new ProcessStartInfo("turnserver") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { "-n", "--no-cli", "--lt-cred-mech", "--user", "u:p", "--realm", "r", "--no-dtls",
                         "--listening-ip", "127.0.0.1", "--relay-ip", "127.0.0.1", "--min-port", relayMin.ToString(),
                         "--max-port", (relayMin + 99).ToString(), "--allow-loopback-peers", "--no-multicast-peers",
                         "--log-file", "stdout", "--simple-log", "--no-stun-backward-compatibility" }.Concat(listeners))
                psi.ArgumentList.Add(a);
            _process = Process.Start(psi)!;
            _process.OutputDataReceived += (_, e) => { if (e.Data is { } l) lock (Log) Log.Add(l); };
            _process.ErrorDataReceived += (_, e) => { if (e.Data is { } l) lock (Log) Log.Add(l); };
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
            var sw = Stopwatch.StartNew();
            while (!Accepts(waitPort))
            {
                if (sw.Elapsed > TimeSpan.FromSeconds(10) || _process.HasExited)
                    throw new InvalidOperationException("coturn did not listen: " + string.Join("\n", Log));
                Thread.Sleep(100);
            }
        }

        private static bool Accepts(int port)
        {
            try
            {
                using var c = new TcpClient();
                c.Connect(IPAddress.Loopback, port);
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }

        public void Dispose()
        {
            try
            {
                _process.Kill();
                _process.WaitForExit(5000);
            }
            catch (InvalidOperationException)
            {
            }
            _process.Dispose();
        }
    }

    /// <summary>A CA and a server certificate for IP 127.0.0.1 signed by it, made with the openssl tool.</summary>
    private (string Ca, string Cert, string Key) MakeCertificates()
    {
        void Openssl(params string[] args)
        {
            var psi = new ProcessStartInfo("openssl") { WorkingDirectory = _dir, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in args)
                psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            string err = p.StandardError.ReadToEnd();
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, "openssl " + string.Join(' ', args) + ": " + err);
        }
        Openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "ca.key",
            "-out", "ca.pem", "-days", "2", "-subj", "/CN=WebRtcNative managed test CA");
        Openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "server.key",
            "-out", "server.csr", "-subj", "/CN=127.0.0.1");
        File.WriteAllText(Path.Combine(_dir, "ext.cnf"), "subjectAltName=IP:127.0.0.1\n");
        Openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem",
            "-days", "2", "-extfile", "ext.cnf");
        return (Path.Combine(_dir, "ca.pem"), Path.Combine(_dir, "server.pem"), Path.Combine(_dir, "server.key"));
    }

    private static WebRtcConfiguration Relay(string url) => new()
    {
        BindAddress = "127.0.0.1",
        IceTransportPolicy = IceTransportPolicy.Relay,
        IceServers = { new IceServer(url) { Username = "u", Credential = "p" } },
    };

    private sealed class Session : IDisposable
    {
        public readonly WebRtcPeerConnection A = new(), B = new();
        public WebRtcDataChannel ChA = null!, ChB = null!;
        public readonly List<string> Candidates = new();

        public void Dispose()
        {
            A.Dispose();
            B.Dispose();
        }

        public void Pump()
        {
            A.Poll();
            B.Poll();
            Thread.Sleep(2);
        }

        /// <summary>Connects; <paramref name="keep"/> filters the candidates (in descriptions and trickled) each side sees.</summary>
        public bool Connect(WebRtcConfiguration config, TimeSpan timeout, Func<string, bool>? keep = null)
        {
            keep ??= _ => true;
            string Filter(string sdp) => string.Join("\r\n", sdp.Split("\r\n").Where(l => !l.StartsWith("a=candidate:") || keep(l)));
            Assert.Equal(Error.Ok, A.Initialize(config));
            Assert.Equal(Error.Ok, B.Initialize(config));
            A.SessionDescriptionCreated += (t, s) => { A.SetLocalDescription(t, s); B.SetRemoteDescription(t, Filter(s)); };
            B.SessionDescriptionCreated += (t, s) => { B.SetLocalDescription(t, s); A.SetRemoteDescription(t, Filter(s)); };
            A.IceCandidateCreated += (m, i, n) => { lock (Candidates) Candidates.Add(n); if (keep(n)) B.AddIceCandidate(m, i, n); };
            B.IceCandidateCreated += (m, i, n) => { lock (Candidates) Candidates.Add(n); if (keep(n)) A.AddIceCandidate(m, i, n); };
            ChA = A.CreateDataChannel("t", new DataChannelOptions { Negotiated = true, Id = 0 })!;
            ChB = B.CreateDataChannel("t", new DataChannelOptions { Negotiated = true, Id = 0 })!;
            Assert.Equal(Error.Ok, A.CreateOffer());
            var sw = Stopwatch.StartNew();
            while (sw.Elapsed < timeout && !(ChA.ReadyState == ChannelState.Open && ChB.ReadyState == ChannelState.Open)
                   && A.ConnectionState != ConnectionState.Failed && B.ConnectionState != ConnectionState.Failed)
                Pump();
            return ChA.ReadyState == ChannelState.Open && ChB.ReadyState == ChannelState.Open;
        }

        /// <summary>Sends 64 × 4 KiB of random bytes from one channel to the other; the SHA-256 of what arrived must match.</summary>
        public void SendHashChecked(WebRtcDataChannel from, WebRtcDataChannel to, int seed)
        {
            var rng = new Random(seed);
            using var sent = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            using var got = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buf = new byte[4096];
            for (int i = 0; i < 64; i++)
            {
                rng.NextBytes(buf);
                sent.AppendData(buf);
                Assert.Equal(Error.Ok, from.PutPacket(buf));
            }
            int received = 0;
            var sw = Stopwatch.StartNew();
            while (received < 64 && sw.Elapsed < TimeSpan.FromSeconds(30))
            {
                Pump();
                while (to.AvailablePacketCount > 0)
                {
                    got.AppendData(to.GetPacket()!);
                    received++;
                }
            }
            Assert.Equal(64, received);
            Assert.Equal(sent.GetHashAndReset(), got.GetHashAndReset());
        }
    }

    private void RelayRoundTrip(string url, TurnServer turn)
    {
        using var s = new Session();
        bool connected = s.Connect(Relay(url), TimeSpan.FromSeconds(30));
        output.WriteLine(string.Join("\n", s.Candidates));
        Assert.True(connected, $"relay-only peers did not connect through {url}; coturn log:\n" + string.Join("\n", turn.Log));
        Assert.NotEmpty(s.Candidates);
        Assert.All(s.Candidates, c => Assert.Contains(" typ relay", c));
        s.SendHashChecked(s.ChA, s.ChB, 1);
        s.SendHashChecked(s.ChB, s.ChA, 2);
    }

    [PeerFact("coturn")]
    public void RelayOnly_TurnOverTcp_ThroughACoturnWithoutUdp_CarriesDataIntact()
    {
        Peers.Require("coturn");
        int port = CoturnInstance.FreePort(35400);
        using var turn = new TurnServer(51000, port, "--listening-port", port.ToString(), "--no-udp", "--no-tls");
        RelayRoundTrip($"turn:127.0.0.1:{port}?transport=tcp", turn);
    }

    [PeerFact("coturn")]
    public void RelayOnly_Turns_VerifiesTheServerAgainstTheAddedCa_AndRefusesItWithout()
    {
        Peers.Require("coturn");
        var (ca, cert, key) = MakeCertificates();
        int tls = CoturnInstance.FreePort(35500), plain = CoturnInstance.FreePort(tls + 1);
        using var turn = new TurnServer(51100, tls, "--listening-port", plain.ToString(), "--tls-listening-port", tls.ToString(),
            "--no-udp", "--no-tcp", "--cert", cert, "--pkey", key);
        string url = $"turns:127.0.0.1:{tls}";

        Assert.Equal(Error.Ok, WebRtcLibrary.SetTurnCaFile(ca));
        RelayRoundTrip(url, turn);

        // Without the test CA the server's certificate is untrusted: no relayed candidate, no connection.
        Assert.Equal(Error.Ok, WebRtcLibrary.SetTurnCaFile(null));
        using var s = new Session();
        Assert.False(s.Connect(Relay(url), TimeSpan.FromSeconds(10)));
        Assert.DoesNotContain(s.Candidates, c => c.Contains(" typ relay"));
    }

    [Fact]
    public void IceTcp_HostToHost_OverTcpCandidatesOnly_CarriesDataIntact()
    {
        static bool IsTcp(string candidate) => candidate.Contains(" tcp ", StringComparison.OrdinalIgnoreCase);
        using var s = new Session();
        var config = new WebRtcConfiguration { BindAddress = "127.0.0.1", EnableIceTcp = true };
        bool connected = s.Connect(config, TimeSpan.FromSeconds(20), IsTcp);
        output.WriteLine(string.Join("\n", s.Candidates));
        Assert.True(connected, "ICE-TCP peers did not connect over TCP candidates");
        Assert.Contains(s.Candidates, IsTcp);
        s.SendHashChecked(s.ChA, s.ChB, 3);
        s.SendHashChecked(s.ChB, s.ChA, 4);
    }
}
