using System;

namespace WebRtcNative;

/// <summary>
/// The two SDP facts the managed layer needs for Godot's (media, index, name) candidates: which m-line
/// carries a given mid, and which mid an m-line carries (RFC 8866 m= sections, RFC 5888 a=mid).
/// </summary>
internal static class SdpLines
{
    /// <summary>The zero-based index of the m-line whose <c>a=mid</c> is <paramref name="mid"/>, or -1.</summary>
    internal static int IndexOfMid(string? sdp, string mid)
    {
        if (string.IsNullOrEmpty(mid))
            return -1;
        int index = -1;
        for (int start = 0; NextLine(sdp, ref start, out var line);)
        {
            if (line.StartsWith("m=", StringComparison.Ordinal))
                index++;
            else if (index >= 0 && line.StartsWith("a=mid:", StringComparison.Ordinal) && line.Slice(6).Trim().SequenceEqual(mid.AsSpan()))
                return index;
        }
        return -1;
    }

    /// <summary>The <c>a=mid</c> of the m-line at <paramref name="index"/>, or <see langword="null"/>.</summary>
    internal static string? MidAt(string? sdp, int index)
    {
        if (index < 0)
            return null;
        int current = -1;
        for (int start = 0; NextLine(sdp, ref start, out var line);)
        {
            if (line.StartsWith("m=", StringComparison.Ordinal))
            {
                if (++current > index)
                    return null;
            }
            else if (current == index && line.StartsWith("a=mid:", StringComparison.Ordinal))
            {
                return line.Slice(6).Trim().ToString();
            }
        }
        return null;
    }

    private static bool NextLine(string? sdp, ref int start, out ReadOnlySpan<char> line)
    {
        if (sdp is null || start >= sdp.Length)
        {
            line = default;
            return false;
        }
        int end = sdp.IndexOf('\n', start);
        if (end < 0)
            end = sdp.Length;
        line = sdp.AsSpan(start, end - start).TrimEnd('\r');
        start = end + 1;
        return true;
    }
}
