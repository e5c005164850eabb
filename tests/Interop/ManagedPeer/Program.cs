// ManagedPeer: the WebRtcNative (C#) side of the interop matrix.
// Same line protocol, channel plan and checks as tests/Interop/driver/interop_driver.c (see its
// header and tests/Interop/README.md), through the public Godot-style API only: every event and
// packet is taken on this thread from Poll().
//   ManagedPeer --role offerer|answerer [--bind ADDR] [--timeout S] [--kinds a,b,c] [--sizes 1,16384,204800]
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using WebRtcNative;

var opts = Options.Parse(args);
if (opts is null)
{
    Console.Error.WriteLine("usage: ManagedPeer --role offerer|answerer [--bind ADDR] [--timeout S] [--kinds LIST] [--sizes LIST] [--no-retransmissions] [--ice-restart]");
    return 2;
}
return new Session(opts).Run();

sealed record Options(bool Offerer, string? Bind, double Timeout, string[] Kinds, int[] Sizes, bool NoRetransmissions = false, bool IceRestart = false)
{
    public static Options? Parse(string[] a)
    {
        string? role = null, bind = null;
        double timeout = 20;
        var kinds = new[] { "reliable", "unreliable", "negotiated" };
        var sizes = new[] { 1, 16384, 204800 };
        bool noRetransmissions = false, iceRestart = false;
        for (int i = 0; i < a.Length; i++)
        {
            string? v = i + 1 < a.Length ? a[i + 1] : null;
            switch (a[i])
            {
                case "--role" when v is not null: role = v; i++; break;
                case "--bind" when v is not null: bind = v; i++; break;
                case "--timeout" when v is not null: timeout = double.Parse(v, System.Globalization.CultureInfo.InvariantCulture); i++; break;
                case "--kinds" when v is not null: kinds = v.Split(','); i++; break;
                case "--sizes" when v is not null: sizes = v.Split(',').Select(int.Parse).ToArray(); i++; break;
                case "--no-retransmissions": noRetransmissions = true; break;
                case "--ice-restart": iceRestart = true; break;
                default: return null;
            }
        }
        if (role is not ("offerer" or "answerer"))
            return null;
        return new Options(role == "offerer", bind, timeout, kinds, sizes, noRetransmissions, iceRestart);
    }
}

sealed class Chan(string label)
{
    public string Label { get; } = label;
    public WebRtcDataChannel? Channel;
    public bool PeerOpen, PeerClosed;
    public readonly Queue<(byte[] Data, bool IsText)> Inbox = new();
    public bool Open => Channel?.ReadyState == ChannelState.Open;
    public bool Closed => Channel?.ReadyState == ChannelState.Closed;
}

sealed class Session
{
    private static readonly string[] AllKinds = ["reliable", "unreliable", "negotiated"];
    private readonly Options _o;
    private readonly WebRtcPeerConnection _pc = new();
    private readonly Dictionary<string, Chan> _chans = new();
    private readonly ConcurrentQueue<string> _stdin = new();
    private readonly List<JsonObject> _pendingCandidates = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Timeline _timeline;
    private volatile bool _peerReady;
    private volatile bool _stdinEof;
    private bool _remoteSet;
    private string _localSdp = "", _remoteSdp = ""; // the last descriptions exchanged
    private int _failures;
    private uint _rng = 0x12345678u;

    public Session(Options o)
    {
        _o = o;
        _timeline = new Timeline(_clock);
    }

    private void Log(string m) => Console.Error.WriteLine($"[managed {_clock.Elapsed.TotalSeconds,7:F3}] {m}");

    private static void Emit(JsonObject o)
    {
        lock (Console.Out)
        {
            Console.Out.Write(o.ToJsonString() + "\n");
            Console.Out.Flush();
        }
    }

    private Chan ChanOf(string label)
    {
        if (!_chans.TryGetValue(label, out var c))
            _chans[label] = c = new Chan(label);
        return c;
    }

    public int Run()
    {
        // Info at least: the library's "timeline: " lines come at that level; other Info lines
        // stay hidden as before.
        WebRtcLog.Level = WebRtcLogLevel.Info;
        WebRtcLog.Sink = (level, msg) =>
        {
            if (_timeline.Native(msg) || level <= WebRtcLogLevel.Warning)
                Log($"webrtc {level}: {msg}");
        };
        var thread = new Thread(() =>
        {
            string? line;
            while ((line = Console.In.ReadLine()) is not null)
                _stdin.Enqueue(line);
            _stdinEof = true;
        }) { IsBackground = true };
        thread.Start();

        var config = new WebRtcConfiguration { BindAddress = _o.Bind };
        var err = _pc.Initialize(config);
        if (err != Error.Ok)
        {
            Log($"Initialize: {err}");
            return 1;
        }
        _pc.SessionDescriptionCreated += (type, sdp) =>
        {
            Log($"local description {type}");
            _timeline.Mark("local " + type);
            _localSdp = sdp;
            Emit(new JsonObject { ["type"] = type, ["sdp"] = sdp });
        };
        _pc.IceCandidateCreated += (media, index, name) =>
        {
            _timeline.Mark("first local candidate");
            Emit(new JsonObject { ["type"] = "candidate", ["candidate"] = name, ["mid"] = media });
        };
        _pc.DataChannelReceived += ch =>
        {
            var c = ChanOf(ch.Label);
            c.Channel = ch;
            Log($"incoming channel {ch.Label} (id {ch.Id})");
        };
        _pc.ConnectionStateChanged += s =>
        {
            Log($"state {s}");
            _timeline.Mark("state " + s.ToString().ToLowerInvariant());
        };
        Emit(new JsonObject { ["type"] = "event", ["event"] = "version", ["peer"] = "webrtcnative-managed", ["version"] = typeof(WebRtcPeerConnection).Assembly.GetName().Version?.ToString() });

        foreach (var kind in AllKinds.Where(k => _o.Kinds.Contains(k)))
        {
            bool negotiated = kind == "negotiated";
            if (negotiated || _o.Offerer)
                CreateLocal(kind, kind, 5);
            if (negotiated || !_o.Offerer)
                Control("create", kind, kind, negotiated ? 5 : null);
            if (negotiated)
            {
                // The Godot-shaped API creates channels only while the connection is New, so the
                // second negotiated channel (closed by the peer later) is agreed on up front.
                CreateLocal("negotiated-2", kind, 7);
                Control("create", "negotiated-2", kind, 7);
            }
        }
        // The setup clock starts once the peer announced itself: before that it is still starting
        // (Python imports, a browser loading its page), which is not connection setup.
        if (!WaitUntil(() => _peerReady || _stdinEof, 60))
            Log("no version event from the peer within 60 s; starting anyway");
        if (_o.Offerer)
        {
            _timeline.Reference("offer created");
            err = _pc.CreateOffer();
            if (err != Error.Ok)
                Log($"CreateOffer: {err}");
        }
        else
        {
            Control("offer");
        }

        var start = _clock.Elapsed;
        bool connected = WaitUntil(() => _pc.ConnectionState is ConnectionState.Connected or ConnectionState.Failed or ConnectionState.Closed || _stdinEof, _o.Timeout)
            && _pc.ConnectionState == ConnectionState.Connected;
        Result("setup", "connect", connected, connected
            ? $"connected in {(_clock.Elapsed - start).TotalMilliseconds:F0} ms (C# WebRtcNative API)"
            : $"not connected after {(_clock.Elapsed - start).TotalSeconds:F1} s (state {_pc.ConnectionState})");

        foreach (var kind in AllKinds.Where(k => _o.Kinds.Contains(k)))
        {
            if (!Connected())
                break;
            var c = ChanOf(kind);
            if (!WaitUntil(() => (c.Open && c.PeerOpen) || !Connected(), _o.Timeout) || !Connected())
            {
                Result(kind, "open", false, $"channel not open within {_o.Timeout} s (ours {c.Open}, peer {c.PeerOpen})");
                continue;
            }
            var ch = c.Channel!;
            bool relOk = kind == "unreliable"
                ? !ch.Ordered && ch.MaxRetransmits == 0
                : ch.Ordered && ch.MaxRetransmits == 65535 && ch.MaxPacketLifeTime == 65535;
            if (kind == "negotiated")
                relOk &= ch.Id == 5 && ch.Negotiated;
            Result(kind, "open", relOk, $"open on id {ch.Id}, ordered {ch.Ordered}, maxRetransmits {ch.MaxRetransmits}, negotiated {ch.Negotiated}, max packet size {ch.MaxPacketSize}");
            foreach (bool text in new[] { true, false })
                foreach (int size in _o.Sizes)
                    EchoCheck(kind, c, text, size);
        }

        if (_o.IceRestart && Connected() && _o.Kinds.Contains("reliable"))
            IceRestartCheck(ChanOf("reliable"));

        Result("setup", "timeline", true, _timeline.Format());
        Result("setup", "clock", true, FormattableString.Invariant($"reference at {_timeline.ReferenceEpochMs:F3} epoch ms"));
        Result("setup", "retransmissions", !_o.NoRetransmissions || (_timeline.DtlsRetransmissions == 0 && _timeline.IceRetransmissions == 0),
            $"our side retransmitted {_timeline.DtlsRetransmissions} DTLS flight(s) and {_timeline.IceRetransmissions} ICE check(s) during setup{(_o.NoRetransmissions ? " (none allowed in this cell)" : "")}");

        foreach (var kind in AllKinds.Where(k => _o.Kinds.Contains(k)))
        {
            if (!Connected())
                break;
            var c = ChanOf(kind);
            if (!c.Open)
                continue;
            var t = _clock.Elapsed;
            c.Channel!.Close();
            bool local = WaitUntil(() => c.Closed, 10);
            bool remote = WaitUntil(() => c.PeerClosed || _stdinEof, 10) && c.PeerClosed;
            Result(kind, "close-by-us", local && remote, $"Close(); our ReadyState Closed {(local ? "yes" : "NO")}, peer reported closed {(remote ? "yes" : "NO")} ({(_clock.Elapsed - t).TotalMilliseconds:F0} ms)");
        }
        foreach (var kind in AllKinds.Where(k => _o.Kinds.Contains(k)))
        {
            if (!Connected())
                break;
            string label = kind + "-2";
            bool negotiated = kind == "negotiated";
            if (!negotiated)
                Control("create", label, kind, null);
            var c = ChanOf(label);
            if (!WaitUntil(() => (c.Open && c.PeerOpen) || !Connected(), _o.Timeout) || !Connected())
            {
                Result(kind, "close-by-peer", false, $"second channel {label} not open within {_o.Timeout} s");
                continue;
            }
            c.Channel!.WriteMode = WriteMode.Text;
            var e = c.Channel.PutPacket(Encoding.UTF8.GetBytes("ping"));
            bool echo = e == Error.Ok && WaitUntil(() => c.Inbox.Count > 0, _o.Timeout)
                && c.Inbox.Dequeue() is var m && m.IsText && Encoding.UTF8.GetString(m.Data) == "ping";
            var t = _clock.Elapsed;
            Control("close", label);
            bool local = WaitUntil(() => c.Closed, 10);
            Result(kind, "close-by-peer", echo && local, $"{label} opened by {(negotiated ? "both" : "the peer")} (id {c.Channel.Id}), echo {(echo ? "ok" : "FAILED")}; peer closed it, our ReadyState Closed {(local ? "yes" : "NO")} ({(_clock.Elapsed - t).TotalMilliseconds:F0} ms)");
            // Both resets of the stream must finish before the peer opens its next channel: aiortc
            // 1.4 reuses an id once its own reset is answered, before our answering reset arrives
            // (RFC 8831 6.7 asks for both), and that late reset then closes the new channel.
            WaitUntil(() => c.PeerClosed, 10);
            WaitUntil(() => false, 0.3);
        }

        Emit(new JsonObject { ["type"] = "done", ["failures"] = _failures });
        Control("quit");
        _pc.Close();
        _pc.Dispose();
        Log($"done, {_failures} failure(s)");
        return _failures == 0 ? 0 : 1;
    }

    private bool Connected() => _pc.ConnectionState == ConnectionState.Connected;

    private static string Ufrag(string sdp) =>
        System.Text.RegularExpressions.Regex.Match(sdp, "^a=ice-ufrag:(.*?)\r?$", System.Text.RegularExpressions.RegexOptions.Multiline).Groups[1].Value;

    /// <summary>--ice-restart: as offerer our side restarts (RestartIce, CreateOffer), as answerer the peer
    /// does; both sides must end with new ICE credentials and the reliable channel must still echo.</summary>
    private void IceRestartCheck(Chan c)
    {
        string ours = Ufrag(_localSdp), theirs = Ufrag(_remoteSdp);
        var t = _clock.Elapsed;
        if (_o.Offerer)
        {
            var e = _pc.RestartIce();
            if (e == Error.Ok)
                e = _pc.CreateOffer();
            if (e != Error.Ok)
            {
                Result("ice-restart", "credentials", false, $"RestartIce/CreateOffer = {e}");
                return;
            }
        }
        else
        {
            Control("restart");
        }
        bool changed = WaitUntil(() => Ufrag(_localSdp) != ours && Ufrag(_remoteSdp) != theirs && _pc.SignalingState == SignalingState.Stable, _o.Timeout);
        Result("ice-restart", "credentials", changed, $"{(_o.Offerer ? "our side" : "the peer")} restarted: our ice-ufrag {ours} -> {Ufrag(_localSdp)}, the peer's {theirs} -> {Ufrag(_remoteSdp)} ({(_clock.Elapsed - t).TotalMilliseconds:F0} ms)");
        if (!changed)
            return;
        bool connected = WaitUntil(Connected, _o.Timeout);
        Result("ice-restart", "still-connected", connected && c.Open, $"state {_pc.ConnectionState}, channel {c.Channel?.ReadyState} after the restart");
        foreach (bool text in new[] { true, false })
            EchoCheck("ice-restart", c, text, 16384);
    }

    private void CreateLocal(string label, string kind, int id)
    {
        var options = kind switch
        {
            "unreliable" => new DataChannelOptions { Ordered = false, MaxRetransmits = 0 },
            "negotiated" => new DataChannelOptions { Negotiated = true, Id = id },
            _ => new DataChannelOptions(),
        };
        var err = _pc.TryCreateDataChannel(label, options, out var ch);
        if (err != Error.Ok || ch is null)
        {
            Result(kind, "create", false, $"CreateDataChannel({label}) = {err}");
            return;
        }
        ChanOf(label).Channel = ch;
    }

    private void Control(string action, string? label = null, string? kind = null, int? id = null)
    {
        var o = new JsonObject { ["type"] = "control", ["action"] = action };
        if (label is not null) o["label"] = label;
        if (kind is not null) { o["kind"] = kind; o["id"] = id; }
        Emit(o);
    }

    private void Result(string kind, string check, bool ok, string detail)
    {
        if (!ok)
            _failures++;
        Log($"{(ok ? "PASS" : "FAIL")} {kind}/{check}: {detail}");
        Emit(new JsonObject { ["type"] = "result", ["kind"] = kind, ["check"] = check, ["ok"] = ok, ["detail"] = detail });
    }

    /// <summary>Polls the connection, every channel and the signaling input until the condition
    /// holds or the time is up.</summary>
    private bool WaitUntil(Func<bool> cond, double seconds)
    {
        var end = _clock.Elapsed + TimeSpan.FromSeconds(seconds);
        while (true)
        {
            Pump();
            if (cond())
                return true;
            if (_clock.Elapsed > end)
                return false;
            Thread.Sleep(2);
        }
    }

    private void Pump()
    {
        while (_stdin.TryDequeue(out var line))
            Handle(line);
        _pc.Poll();
        foreach (var c in _chans.Values)
        {
            var ch = c.Channel;
            if (ch is null)
                continue;
            ch.Poll();
            if (ch.ReadyState == ChannelState.Open)
                _timeline.Mark("open " + c.Label);
            while (ch.AvailablePacketCount > 0)
            {
                var data = ch.GetPacket();
                c.Inbox.Enqueue((data, ch.WasStringPacket));
            }
        }
    }

    private void Handle(string line)
    {
        JsonObject? m;
        try { m = JsonNode.Parse(line) as JsonObject; } catch (JsonException) { return; }
        string? type = (string?)m?["type"];
        switch (type)
        {
            case "offer" or "answer":
                Log($"remote description {type}");
                string remoteSdp = (string?)m!["sdp"] ?? "";
                var err = _pc.SetRemoteDescription(type, remoteSdp);
                if (err == Error.Ok)
                    _remoteSdp = remoteSdp;
                if (type == "offer") _timeline.Reference("remote offer applied"); else _timeline.Mark("remote answer applied");
                if (remoteSdp.Contains("a=candidate:")) _timeline.Mark("first remote candidate");
                if (err != Error.Ok)
                    Result("setup", "remote-description", false, $"SetRemoteDescription({type}) = {err}");
                _remoteSet = true;
                foreach (var c in _pendingCandidates)
                    AddCandidate(c);
                _pendingCandidates.Clear();
                break;
            case "candidate":
                if (!string.IsNullOrWhiteSpace((string?)m!["candidate"])) _timeline.Mark("first remote candidate");
                if (_remoteSet) AddCandidate(m!); else _pendingCandidates.Add(m!);
                break;
            case "event":
                string? ev = (string?)m!["event"], label = (string?)m["label"];
                if (label is not null && ev == "open") ChanOf(label).PeerOpen = true;
                if (label is not null && ev == "closed") ChanOf(label).PeerClosed = true;
                if (ev == "version") _peerReady = true;
                break;
        }
    }

    private void AddCandidate(JsonObject m)
    {
        string cand = (string?)m["candidate"] ?? "";
        string mid = (string?)m["mid"] ?? "0";
        if (string.IsNullOrWhiteSpace(cand))
            return;
        var err = _pc.AddIceCandidate(mid, 0, cand);
        if (err != Error.Ok)
            Log($"AddIceCandidate({cand}) = {err}");
    }

    private uint Rnd()
    {
        _rng ^= _rng << 13; _rng ^= _rng >> 17; _rng ^= _rng << 5;
        return _rng;
    }

    private byte[] Payload(bool text, int n)
    {
        var b = new byte[n];
        int i = 0;
        while (i < n)
        {
            uint r = Rnd();
            if (!text) { b[i++] = (byte)(r >> 11); continue; }
            if (r % 37 == 0 && n - i >= 3) { b[i++] = 0xE2; b[i++] = 0x82; b[i++] = 0xAC; }
            else if (r % 29 == 0 && n - i >= 2) { b[i++] = 0xC3; b[i++] = 0xA9; }
            else b[i++] = (byte)(' ' + (r >> 8) % 95);
        }
        if (!text && n > 0)
            b[0] = 0;
        return b;
    }

    private static string SizeName(int n) => n >= 1024 && n % 1024 == 0 ? $"{n / 1024}KiB" : $"{n}B";

    private void EchoCheck(string kind, Chan c, bool text, int size)
    {
        string check = $"{(text ? "text" : "binary")}-{SizeName(size)}";
        var ch = c.Channel!;
        ch.WriteMode = text ? WriteMode.Text : WriteMode.Binary;
        int max = ch.MaxPacketSize;
        if (size > max)
        {
            var e = ch.PutPacket(Payload(text, size));
            Result(kind, check, e != Error.Ok, $"not sent: {size} B exceeds MaxPacketSize {max} (the peer's SDP max-message-size); PutPacket returned {e} (must not be Ok)");
            return;
        }
        bool unreliable = kind == "unreliable";
        int attempts = unreliable ? 4 : 1;
        double perAttempt = unreliable ? Math.Min(_o.Timeout, 5) : _o.Timeout;
        var sent = new List<byte[]>();
        for (int a = 0; a < attempts; a++)
        {
            var payload = Payload(text, size);
            sent.Add(payload);
            var t = _clock.Elapsed;
            var err = ch.PutPacket(payload);
            if (err != Error.Ok)
            {
                Result(kind, check, false, $"PutPacket returned {err} (MaxPacketSize {max})");
                return;
            }
            (byte[] Data, bool IsText)? got = null;
            while (WaitUntil(() => c.Inbox.Count > 0 || c.Closed, perAttempt) && c.Inbox.Count > 0)
            {
                var m = c.Inbox.Dequeue();
                if (sent.Take(a).Any(s => m.IsText == text && m.Data.AsSpan().SequenceEqual(s)))
                    continue; // a late echo of an attempt presumed lost
                got = m;
                break;
            }
            if (got is null)
            {
                if (a + 1 < attempts)
                {
                    Log($"{kind}/{check}: no echo within {perAttempt} s on the unreliable channel, retrying");
                    continue;
                }
                Result(kind, check, false, $"no echo within {perAttempt} s (closed: {c.Closed})");
                return;
            }
            var (data, isText) = got.Value;
            if (isText != text)
                Result(kind, check, false, $"echo came back as {(isText ? "text" : "binary")}");
            else if (data.Length != size)
                Result(kind, check, false, $"echo has {data.Length} bytes, sent {size}");
            else if (!data.AsSpan().SequenceEqual(payload))
                Result(kind, check, false, $"echo differs from byte {data.AsSpan().CommonPrefixLength(payload)}");
            else
                Result(kind, check, true, $"echoed byte for byte in {(_clock.Elapsed - t).TotalMilliseconds:F0} ms{(a > 0 ? $" after {a} lost attempt(s) (allowed on an unreliable channel)" : "")}");
            return;
        }
    }
}
