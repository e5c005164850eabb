using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;
using WebRtcNative.Bindings;

namespace WebRtcNative;

/// <summary>
/// The single logging sink of the library: native log lines (from the C library's logger) and the
/// reasons behind every non-<see cref="Error.Ok"/> result of the managed API.
/// </summary>
/// <remarks>
/// Silent by default (<see cref="Sink"/> is <see langword="null"/>). The sink may be called from any
/// thread, including native library threads, so it must be thread-safe and quick; exceptions it
/// throws are swallowed. Lines whose level is above <see cref="Level"/> are not delivered (nor formatted).
/// </remarks>
public static class WebRtcLog
{
    private static Action<WebRtcLogLevel, string>? s_sink;
    private static Action<WebRtcLogLevel, int, string>? s_connectionSink;
    private static int s_lastConnectionId;
    [ThreadStatic] private static int t_connectionId; // the connection a public call on this thread is about (0: none)
    private static int s_level = (int)WebRtcLogLevel.Warning;
    private static int s_nativeInitialized;
    private static readonly object s_nativeLock = new();

    /// <summary>
    /// Receives each log line with its level; <see langword="null"/> (the default) disables logging,
    /// including the native logger.
    /// </summary>
    public static Action<WebRtcLogLevel, string>? Sink
    {
        get => Volatile.Read(ref s_sink);
        set
        {
            Volatile.Write(ref s_sink, value);
            ApplyNative();
        }
    }

    /// <summary>
    /// The most verbose level delivered to <see cref="Sink"/> (default <see cref="WebRtcLogLevel.Warning"/>).
    /// It also sets the native library's log level.
    /// </summary>
    public static WebRtcLogLevel Level
    {
        get => (WebRtcLogLevel)Volatile.Read(ref s_level);
        set
        {
            if (value < WebRtcLogLevel.None || value > WebRtcLogLevel.Verbose)
                value = value < WebRtcLogLevel.None ? WebRtcLogLevel.None : WebRtcLogLevel.Verbose;
            Volatile.Write(ref s_level, (int)value);
            ApplyNative();
        }
    }

    /// <summary>Whether a line of <paramref name="level"/> would reach the sink.</summary>
    /// <param name="level">The level to test.</param>
    /// <returns><see langword="true"/> when a sink is set and <paramref name="level"/> is enabled.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsEnabled(WebRtcLogLevel level) =>
        level != WebRtcLogLevel.None && (int)level <= Volatile.Read(ref s_level) &&
        (Volatile.Read(ref s_sink) is not null || Volatile.Read(ref s_connectionSink) is not null);

    /// <summary>
    /// Like <see cref="Sink"/>, with the <see cref="WebRtcPeerConnection.LogId"/> of the connection the line is about
    /// (0 when none: native library lines, whose C logger carries no connection, and lines from native threads).
    /// Used by adapters such as <c>WebRtcNative.Extensions.Logging</c>; both sinks may be set. The same rules apply.
    /// </summary>
    public static Action<WebRtcLogLevel, int, string>? ConnectionSink
    {
        get => Volatile.Read(ref s_connectionSink);
        set
        {
            Volatile.Write(ref s_connectionSink, value);
            ApplyNative();
        }
    }

    /// <summary>A new process-unique connection id for log lines (1, 2, ...).</summary>
    internal static int NextConnectionId() => Interlocked.Increment(ref s_lastConnectionId);

    /// <summary>Marks the lines written on this thread until the scope ends as concerning connection <paramref name="connectionId"/>.</summary>
    internal static ConnectionScope Enter(int connectionId)
    {
        int previous = t_connectionId;
        t_connectionId = connectionId;
        return new ConnectionScope(previous);
    }

    /// <summary>Restores the previous connection of the thread (a struct: entering a scope allocates nothing).</summary>
    internal readonly struct ConnectionScope : IDisposable
    {
        private readonly int _previous;

        internal ConnectionScope(int previous) => _previous = previous;

        public void Dispose() => t_connectionId = _previous;
    }

    /// <summary>Writes a line to the sink when its level is enabled.</summary>
    /// <param name="level">Severity.</param>
    /// <param name="message">The text.</param>
    public static void Write(WebRtcLogLevel level, string message)
    {
        var sink = Volatile.Read(ref s_sink);
        var connectionSink = Volatile.Read(ref s_connectionSink);
        if ((sink is null && connectionSink is null) || level == WebRtcLogLevel.None || (int)level > Volatile.Read(ref s_level))
            return;
        try
        {
            sink?.Invoke(level, message);
        }
        catch
        {
            // A faulty sink must never break the library (or crash a native thread).
        }
        try
        {
            connectionSink?.Invoke(level, t_connectionId, message);
        }
        catch
        {
            // as above
        }
    }

    /// <summary>Logs the reason for a non-Ok result (at <see cref="WebRtcLogLevel.Warning"/>) and returns <paramref name="error"/>.</summary>
    internal static Error Fail(Error error, string source, string reason)
    {
        if (IsEnabled(WebRtcLogLevel.Warning))
            Write(WebRtcLogLevel.Warning, $"{source}: {error}: {reason}");
        return error;
    }

    /// <summary>Maps a negative C API result to <see cref="Error"/> and logs it.</summary>
    internal static Error FailNative(int code, string source, string call)
    {
        var error = Native.MapError(code);
        if (IsEnabled(WebRtcLogLevel.Warning))
            Write(WebRtcLogLevel.Warning, $"{source}: {error}: {call} returned {Native.DescribeError(code)}");
        return error;
    }

    /// <summary>Installs the native logger callback once, before the first native object is created.</summary>
    internal static void EnsureNative()
    {
        if (Volatile.Read(ref s_nativeInitialized) != 0)
            return;
        lock (s_nativeLock)
        {
            if (s_nativeInitialized != 0)
                return;
            InitNativeLogger();
            Volatile.Write(ref s_nativeInitialized, 1);
            WebRtcLibrary.HookUnload();
        }
    }

    /// <summary>
    /// Removes the native logger callback (shutdown and unload: native code must not keep a pointer into this
    /// assembly); the next native use installs it again.
    /// </summary>
    internal static unsafe void DetachNative()
    {
        lock (s_nativeLock)
        {
            if (s_nativeInitialized == 0)
                return;
            RtcNative.rtcInitLogger(rtcLogLevel.RTC_LOG_NONE, null);
            Volatile.Write(ref s_nativeInitialized, 0);
        }
    }

    private static void ApplyNative()
    {
        if (Volatile.Read(ref s_nativeInitialized) == 0)
            return; // applied when the library is first used
        lock (s_nativeLock)
            InitNativeLogger();
    }

    private static unsafe void InitNativeLogger()
    {
        var level = Volatile.Read(ref s_sink) is null && Volatile.Read(ref s_connectionSink) is null
            ? WebRtcLogLevel.None
            : (WebRtcLogLevel)Volatile.Read(ref s_level);
        RtcNative.rtcInitLogger((rtcLogLevel)level, &OnNativeLog);
    }

    [UnmanagedCallersOnly(CallConvs = new[] { typeof(CallConvCdecl) })]
    private static unsafe void OnNativeLog(rtcLogLevel level, byte* message)
    {
        try
        {
            var l = (WebRtcLogLevel)level;
            if (!IsEnabled(l))
                return;
            Write(l, "native: " + Native.Utf8(message));
        }
        catch
        {
            // never let an exception escape to native code
        }
    }
}
