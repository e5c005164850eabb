using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace WebRtcNative.Interop.Tests;

/// <summary>
/// One coturn on 127.0.0.1 with a static long-term-credential user, relaying from its own port range (so that a
/// relayed candidate tells which server it came from). --allow-loopback-peers because both peers' relayed
/// addresses are on 127.0.0.1 (safe here: coturn listens on loopback only).
/// </summary>
internal sealed class CoturnInstance : IDisposable
{
    private readonly Process _process;

    public CoturnInstance(string user, string password, int minRelayPort, int maxRelayPort, int firstListenPort)
    {
        MinRelayPort = minRelayPort;
        MaxRelayPort = maxRelayPort;
        Port = FreePort(firstListenPort);
        var psi = new ProcessStartInfo("turnserver")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "-n", "--no-cli", "--lt-cred-mech", "--user", $"{user}:{password}", "--realm", "r",
                     "--no-tls", "--no-dtls", "--listening-ip", "127.0.0.1", "--relay-ip", "127.0.0.1",
                     "--listening-port", Port.ToString(), "--min-port", minRelayPort.ToString(), "--max-port", maxRelayPort.ToString(),
                     "--allow-loopback-peers", "--no-multicast-peers", "--log-file", "stdout", "--simple-log",
                     "--no-stun-backward-compatibility" })
            psi.ArgumentList.Add(a);
        _process = Process.Start(psi)!;
        var ready = new ManualResetEventSlim();
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                lock (Log)
                    Log.Add(line);
                if (line.Contains("Total General servers"))
                    ready.Set();
            }
        };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is { } line) lock (Log) Log.Add(line); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        if (!ready.Wait(TimeSpan.FromSeconds(10)))
            throw new InvalidOperationException("coturn did not start: " + LogText);
        Thread.Sleep(300);
    }

    public int Port { get; }
    public int MinRelayPort { get; }
    public int MaxRelayPort { get; }
    public List<string> Log { get; } = new();

    public string LogText
    {
        get
        {
            lock (Log)
                return string.Join("\n", Log);
        }
    }

    /// <summary>Whether a candidate line is a relayed address of this server (its relay port range).</summary>
    public bool Relayed(string candidate)
    {
        var parts = candidate.Split(' ');
        return parts.Length > 7 && parts[7] == "relay" && int.TryParse(parts[5], out int port)
            && port >= MinRelayPort && port <= MaxRelayPort;
    }

    /// <summary>A port free for both UDP and TCP on 127.0.0.1, searched from <paramref name="first"/> on.</summary>
    internal static int FreePort(int first)
    {
        for (int p = first; p < first + 100; p++)
        {
            try
            {
                using var u = new UdpClient(new IPEndPoint(IPAddress.Loopback, p));
                var t = new TcpListener(IPAddress.Loopback, p);
                t.Start();
                t.Stop();
                return p;
            }
            catch (SocketException)
            {
            }
        }
        throw new InvalidOperationException("no free port for coturn on 127.0.0.1");
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
