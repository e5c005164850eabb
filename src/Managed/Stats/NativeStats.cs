using System;
using System.Text;
using System.Threading;
using WebRtcNative.Bindings;

namespace WebRtcNative;

/// <summary>
/// Reads the statistics extensions (<c>rtcGetStats</c>, <c>rtcGetDataChannelStats</c>, <c>rtcGetDtlsCipher</c>) and
/// the upstream <c>rtcGetSelectedCandidatePair</c> into reused managed objects: native buffers live on the stack,
/// and a string is only made when its bytes differ from the one already held.
/// </summary>
internal static unsafe class NativeStats
{
    private const int CandidateBufferSize = 512;
    private const int CipherBufferSize = 128;
    private static int s_available; // 0: not looked up yet, 1: exported, 2: missing

    /// <summary>Whether the statistics extensions are exported (not by an upstream libdatachannel).</summary>
    internal static bool Available
    {
        get
        {
            int v = Volatile.Read(ref s_available);
            if (v == 0)
                Volatile.Write(ref s_available, v = NativeExtensions.Lookup("rtcGetStats") && NativeExtensions.Lookup("rtcGetDataChannelStats")
                    && NativeExtensions.Lookup("rtcGetDtlsCipher") ? 1 : 2);
            return v == 1;
        }
    }

    /// <summary>Tests: behave as on an upstream library without the statistics extensions (true), or look them up again (false).</summary>
    internal static void SimulateMissing(bool missing) => Volatile.Write(ref s_available, missing ? 2 : 0);

    internal static Error Missing(string source) => WebRtcLog.Fail(Error.Unavailable, source,
        "statistics need the rtcGetStats extension, which this native library lacks (an upstream libdatachannel); use libwebrtcnative");

    internal static Error FillConnection(int pc, WebRtcStats stats, string source)
    {
        if (!Available)
            return Missing(source);
        rtcStats s = default;
        s.size = sizeof(rtcStats);
        int r = RtcNative.rtcGetStats(pc, &s);
        if (r < 0)
            return WebRtcLog.FailNative(r, source, "rtcGetStats");
        stats.BytesSent = (long)s.bytesSent;
        stats.BytesReceived = (long)s.bytesReceived;
        stats.MessagesSent = (long)s.messagesSent;
        stats.MessagesReceived = (long)s.messagesReceived;
        stats.SctpRetransmissions = (long)s.sctpRetransmissions;
        stats.ChannelCount = s.channelCount;
        stats.BufferedAmount = s.bufferedAmount;
        stats.SctpSmoothedRttMs = s.sctpSmoothedRttMs;
        stats.SctpCongestionWindow = s.sctpCongestionWindow;
        stats.SctpRetransmissionTimeoutMs = s.sctpRtoMs;
        stats.SctpPeerReceiveWindow = s.sctpPeerReceiveWindow;
        stats.SctpUnackedChunks = s.sctpUnackedChunks;
        FillCipher(pc, s.dtlsCipherSuite, stats);
        FillSelectedPair(pc, stats);
        return Error.Ok;
    }

    internal static Error FillChannel(int dc, WebRtcChannelStats stats, string source)
    {
        if (!Available)
            return Missing(source);
        rtcDataChannelStats s = default;
        s.size = sizeof(rtcDataChannelStats);
        int r = RtcNative.rtcGetDataChannelStats(dc, &s);
        if (r < 0)
            return WebRtcLog.FailNative(r, source, "rtcGetDataChannelStats");
        stats.Id = s.stream;
        stats.BytesSent = (long)s.bytesSent;
        stats.BytesReceived = (long)s.bytesReceived;
        stats.MessagesSent = (long)s.messagesSent;
        stats.MessagesReceived = (long)s.messagesReceived;
        stats.BufferedAmount = s.bufferedAmount;
        return Error.Ok;
    }

    private static void FillCipher(int pc, int suite, WebRtcStats stats)
    {
        if (suite == stats.DtlsCipherSuite && (suite == 0 || stats.DtlsCipher.Length > 0))
            return; // the suite never changes within a DTLS session: the name held is right
        stats.DtlsCipherSuite = suite;
        stats.DtlsCipher = string.Empty;
        if (suite == 0)
            return;
        byte* buffer = stackalloc byte[CipherBufferSize];
        int n = RtcNative.rtcGetDtlsCipher(pc, buffer, CipherBufferSize);
        if (n > 1)
            stats.DtlsCipher = Encoding.ASCII.GetString(buffer, n - 1);
    }

    private static void FillSelectedPair(int pc, WebRtcStats stats)
    {
        byte* local = stackalloc byte[CandidateBufferSize];
        byte* remote = stackalloc byte[CandidateBufferSize];
        int r = RtcNative.rtcGetSelectedCandidatePair(pc, local, CandidateBufferSize, remote, CandidateBufferSize);
        if (r < 0 || !Candidate.TryParse(Terminated(local), out var l) || !Candidate.TryParse(Terminated(remote), out var m))
        {
            stats.HasSelectedPair = false;
            stats.LocalAddress = stats.RemoteAddress = stats.LocalProtocol = stats.RemoteProtocol = string.Empty;
            stats.LocalPort = stats.RemotePort = 0;
            stats.LocalCandidateType = stats.RemoteCandidateType = CandidateType.Unknown;
            return;
        }
        stats.HasSelectedPair = true;
        stats.LocalAddress = Reuse(stats.LocalAddress, l.Address);
        stats.LocalPort = l.Port;
        stats.LocalCandidateType = l.Type;
        stats.LocalProtocol = l.Protocol;
        stats.RemoteAddress = Reuse(stats.RemoteAddress, m.Address);
        stats.RemotePort = m.Port;
        stats.RemoteCandidateType = m.Type;
        stats.RemoteProtocol = m.Protocol;
    }

    private static ReadOnlySpan<byte> Terminated(byte* p) =>
        new ReadOnlySpan<byte>(p, CandidateBufferSize) is var s && s.IndexOf((byte)0) is var n and >= 0 ? s[..n] : default;

    /// <summary>The held string when it spells <paramref name="ascii"/>, else a new one.</summary>
    private static string Reuse(string held, ReadOnlySpan<byte> ascii)
    {
        if (held.Length == ascii.Length)
        {
            int i = 0;
            while (i < ascii.Length && held[i] == ascii[i])
                i++;
            if (i == ascii.Length)
                return held;
        }
        return Encoding.ASCII.GetString(ascii);
    }

    /// <summary>The fields of an SDP candidate line (RFC 8839 section 5.1) that the statistics report.</summary>
    private ref struct Candidate
    {
        public ReadOnlySpan<byte> Address;
        public int Port;
        public CandidateType Type;
        public string Protocol;

        // "candidate:<foundation> <component> <transport> <priority> <address> <port> typ <type> ..."
        public static bool TryParse(ReadOnlySpan<byte> line, out Candidate c)
        {
            c = default;
            c.Protocol = string.Empty;
            ReadOnlySpan<byte> transport = default, port = default, typ = default, type = default;
            int field = 0;
            var rest = line;
            while (field <= 7 && !rest.IsEmpty)
            {
                int space = rest.IndexOf((byte)' ');
                var token = space < 0 ? rest : rest[..space];
                rest = space < 0 ? default : rest[(space + 1)..];
                switch (field++)
                {
                    case 2: transport = token; break;
                    case 4: c.Address = token; break;
                    case 5: port = token; break;
                    case 6: typ = token; break;
                    case 7: type = token; break;
                }
            }
            if (field <= 7 || !typ.SequenceEqual("typ"u8) || !System.Buffers.Text.Utf8Parser.TryParse(port, out int p, out int used) || used != port.Length)
                return false;
            c.Port = p;
            c.Protocol = Ascii.EqualsIgnoreCase(transport, "udp"u8) ? "udp" : Ascii.EqualsIgnoreCase(transport, "tcp"u8) ? "tcp" : string.Empty;
            c.Type = type.SequenceEqual("host"u8) ? CandidateType.Host
                : type.SequenceEqual("srflx"u8) ? CandidateType.ServerReflexive
                : type.SequenceEqual("prflx"u8) ? CandidateType.PeerReflexive
                : type.SequenceEqual("relay"u8) ? CandidateType.Relay
                : CandidateType.Unknown;
            return true;
        }
    }
}
