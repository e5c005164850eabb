using System;
using System.Runtime.InteropServices;
using System.Threading;
using WebRtcNative.Bindings;

namespace WebRtcNative;

public static partial class WebRtcLibrary
{
    private static int s_turnCaFile; // 0: not looked up yet, 1: exported, 2: missing

    /// <summary>
    /// Extension: trusts the certificate authorities in the PEM file <paramref name="pemFile"/> for <c>turns:</c>
    /// (TURN over TLS) servers, besides the system trust store; <c>null</c> removes them again. Process-wide,
    /// for connections initialized afterwards (native <c>rtcSetTurnCaFile</c>, docs/turn-tcp-tls.md).
    /// </summary>
    /// <returns><see cref="Error.Ok"/>; <see cref="Error.InvalidParameter"/> when the file cannot be read or holds no
    /// certificate (the previous setting stays); <see cref="Error.Unavailable"/> when the native library lacks the
    /// extension (an upstream libdatachannel): its <c>turns:</c> servers are then checked against the system trust
    /// store only.</returns>
    public static unsafe Error SetTurnCaFile(string? pemFile)
    {
        if (!HasTurnCaFile)
        {
            WebRtcLog.Write(WebRtcLogLevel.Error,
                "WebRtcLibrary.SetTurnCaFile: the native library lacks the rtcSetTurnCaFile extension (an upstream libdatachannel?)");
            return Error.Unavailable;
        }
        int r = RtcNative.rtcSetTurnCaFile(pemFile);
        if (r < 0)
            WebRtcLog.Write(WebRtcLogLevel.Error, $"WebRtcLibrary.SetTurnCaFile(\"{pemFile}\") failed: {Native.DescribeError(r)}");
        return Native.MapError(r);
    }

    private static bool HasTurnCaFile
    {
        get
        {
            int v = Volatile.Read(ref s_turnCaFile);
            if (v == 0)
            {
                bool found;
                try
                {
                    found = NativeLibrary.TryGetExport(RtcNativeLibrary.Load(), "rtcSetTurnCaFile", out _);
                }
                catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
                {
                    found = false;
                }
                Volatile.Write(ref s_turnCaFile, v = found ? 1 : 2);
            }
            return v == 1;
        }
    }

    /// <summary>Tests: behave as on an upstream library without <c>rtcSetTurnCaFile</c> (true), or look it up again (false).</summary>
    internal static void SimulateMissingTurnCaFile(bool missing) => Volatile.Write(ref s_turnCaFile, missing ? 2 : 0);
}
