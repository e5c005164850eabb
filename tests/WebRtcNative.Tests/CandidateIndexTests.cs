using System.Text;

namespace WebRtcNative.Tests;

/// <summary>Godot's candidate (media, index, name): the index is the real m-line of the data section, both ways.</summary>
public class CandidateIndexTests
{
    /// <summary>A browser-like offer: an audio section (which the answer rejects) before the data section.</summary>
    private static string AudioFirst(string offer)
    {
        var lines = offer.Replace("\r\n", "\n").TrimEnd('\n').Split('\n').ToList();
        int app = lines.FindIndex(l => l.StartsWith("m=application", StringComparison.Ordinal));
        Assert.True(app > 0, "offer without a data section");
        int end = lines.FindIndex(app + 1, l => l.StartsWith("m=", StringComparison.Ordinal));
        var section = lines.GetRange(app, (end < 0 ? lines.Count : end) - app);
        var audio = new List<string> { "m=audio 9 UDP/TLS/RTP/SAVPF 111", "c=IN IP4 0.0.0.0" };
        // The transport attributes of the data section, so the audio section is complete on its own.
        audio.AddRange(section.Where(l => l.StartsWith("a=ice-", StringComparison.Ordinal) || l.StartsWith("a=fingerprint:", StringComparison.Ordinal) || l.StartsWith("a=setup:", StringComparison.Ordinal)));
        audio.AddRange(new[] { "a=mid:audio", "a=sendrecv", "a=rtcp-mux", "a=rtpmap:111 opus/48000/2" });
        lines.InsertRange(app, audio);
        for (int i = 0; i < lines.Count; i++)
            if (lines[i].StartsWith("a=group:BUNDLE ", StringComparison.Ordinal))
                lines[i] = "a=group:BUNDLE audio " + lines[i].Substring("a=group:BUNDLE ".Length);
        return string.Join("\r\n", lines) + "\r\n";
    }

    /// <summary>The answer as the offerer (which offered no audio) can take it: without the rejected audio section.</summary>
    private static string WithoutAudio(string answer)
    {
        var lines = answer.Replace("\r\n", "\n").TrimEnd('\n').Split('\n').ToList();
        int audio = lines.FindIndex(l => l.StartsWith("m=audio", StringComparison.Ordinal));
        Assert.True(audio > 0, "the answer should keep the audio section, rejected");
        Assert.StartsWith("m=audio 0 ", lines[audio]);
        int end = lines.FindIndex(audio + 1, l => l.StartsWith("m=", StringComparison.Ordinal));
        lines.RemoveRange(audio, end - audio);
        for (int i = 0; i < lines.Count; i++)
            if (lines[i].StartsWith("a=group:BUNDLE ", StringComparison.Ordinal))
                lines[i] = lines[i].Replace(" audio", string.Empty);
        return string.Join("\r\n", lines) + "\r\n";
    }

    [Fact]
    public void Answerer_OfDataSecondOffer_ReportsIndex1_AndTakesCandidatesByIndexWithoutMid()
    {
        using var a = new WebRtcPeerConnection();
        using var b = new WebRtcPeerConnection();
        Assert.Equal(Error.Ok, a.Initialize(Pair.Loopback()));
        Assert.Equal(Error.Ok, b.Initialize(Pair.Loopback()));
        var problems = new List<string>();
        var fromA = new List<(string Media, int Index)>();
        var fromB = new List<(string Media, int Index)>();
        a.SessionDescriptionCreated += (t, s) =>
        {
            Check(a.SetLocalDescription(t, s), "A.SetLocal");
            Check(b.SetRemoteDescription(t, AudioFirst(s)), "B.SetRemote");
        };
        b.SessionDescriptionCreated += (t, s) =>
        {
            Check(b.SetLocalDescription(t, s), "B.SetLocal");
            Check(a.SetRemoteDescription(t, WithoutAudio(s)), "A.SetRemote");
        };
        // A's candidates reach B the way some signalling layers send them: no mid, only the m-line index
        // of the data section in the offer B received (1, after the audio section).
        a.IceCandidateCreated += (m, i, n) =>
        {
            fromA.Add((m, i));
            Check(b.AddIceCandidate("", 1, n), "B.AddIceCandidate");
        };
        b.IceCandidateCreated += (m, i, n) =>
        {
            fromB.Add((m, i));
            Check(a.AddIceCandidate(m, 0, n), "A.AddIceCandidate");
        };
        var chA = a.CreateDataChannel("data")!;
        WebRtcDataChannel? chB = null;
        b.DataChannelReceived += c => chB = c;
        Assert.Equal(Error.Ok, a.CreateOffer());
        var sw = System.Diagnostics.Stopwatch.StartNew();
        while ((chB is null || chB.ReadyState != ChannelState.Open || chA.ReadyState != ChannelState.Open) && sw.Elapsed < Pair.Timeout)
        {
            a.Poll();
            b.Poll();
            Thread.Sleep(1);
        }
        Assert.Empty(problems);
        Assert.NotNull(chB);
        Assert.Equal(ChannelState.Open, chB!.ReadyState);
        Assert.NotEmpty(fromA);
        Assert.NotEmpty(fromB);
        Assert.All(fromA, c => Assert.Equal(0, c.Index)); // A's data section is its first
        Assert.All(fromB, c => Assert.Equal(1, c.Index)); // B's answer: audio (rejected) first, data second
        Assert.Equal(Error.Ok, chA.PutPacket(Encoding.UTF8.GetBytes("over index 1")));
        sw.Restart();
        while (chB.AvailablePacketCount == 0 && sw.Elapsed < Pair.Timeout)
        {
            a.Poll();
            b.Poll();
            Thread.Sleep(1);
        }
        Assert.Equal("over index 1", Encoding.UTF8.GetString(chB.GetPacket()));

        void Check(Error e, string what)
        {
            if (e != Error.Ok)
                problems.Add($"{what}: {e}");
        }
    }

    [Theory]
    [InlineData("0", 0)]
    [InlineData("data", 1)]
    [InlineData("nope", -1)]
    public void SdpLines_FindTheMLineOfAMid_AndBack(string mid, int index)
    {
        const string sdp = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=mid:session-level-is-ignored\r\n" +
                           "m=audio 0 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\n" +
                           "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:data\r\n";
        Assert.Equal(index, SdpLines.IndexOfMid(sdp, mid));
        if (index >= 0)
            Assert.Equal(mid, SdpLines.MidAt(sdp, index));
        Assert.Null(SdpLines.MidAt(sdp, 2));
        Assert.Null(SdpLines.MidAt(null, 0));
    }
}
