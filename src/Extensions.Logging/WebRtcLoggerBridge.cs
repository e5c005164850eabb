using System;
using System.Collections;
using System.Collections.Generic;
using System.Threading;
using Microsoft.Extensions.Logging;

namespace WebRtcNative.Extensions.Logging;

/// <summary>Routes <see cref="WebRtcLog"/> to an <see cref="ILoggerFactory"/>.</summary>
public static class WebRtcNativeLoggingExtensions
{
    /// <summary>The category of the managed library's lines.</summary>
    public const string Category = "WebRtcNative";

    /// <summary>The category of the native library's lines (those <see cref="WebRtcLog"/> prefixes <c>native: </c>).</summary>
    public const string NativeCategory = "WebRtcNative.Native";

    /// <summary>The key of the connection in the logging scope.</summary>
    public const string ConnectionIdKey = "WebRtcConnectionId";

    private static WebRtcLoggerBridge? s_current;

    /// <summary>
    /// Sends every <see cref="WebRtcLog"/> line to <paramref name="factory"/> until the returned object is disposed
    /// (it sets <see cref="WebRtcLog.ConnectionSink"/>, which is process-wide: a later call replaces an earlier one).
    /// </summary>
    /// <param name="factory">Where the lines go.</param>
    /// <param name="level">
    /// The most verbose level to produce (<see cref="WebRtcLog.Level"/>, which also sets the native library's level);
    /// <see langword="null"/>: the most verbose level either category's logger has enabled.
    /// </param>
    /// <returns>Disposing it stops the routing (and restores nothing else).</returns>
    public static IDisposable AddWebRtcNative(this ILoggerFactory factory, WebRtcLogLevel? level = null)
    {
        ArgumentNullException.ThrowIfNull(factory);
        var bridge = new WebRtcLoggerBridge(factory.CreateLogger(Category), factory.CreateLogger(NativeCategory));
        WebRtcLog.Level = level ?? bridge.MostVerboseEnabled();
        Volatile.Write(ref s_current, bridge);
        WebRtcLog.ConnectionSink = bridge.Write;
        return bridge;
    }

    internal static void Detach(WebRtcLoggerBridge bridge)
    {
        if (Interlocked.CompareExchange(ref s_current, null, bridge) == bridge)
            WebRtcLog.ConnectionSink = null;
    }

    /// <summary>Maps a <see cref="WebRtcLogLevel"/> to a <see cref="LogLevel"/>.</summary>
    /// <param name="level">The library's level.</param>
    /// <returns>The Microsoft.Extensions.Logging level (<see cref="LogLevel.None"/> for <see cref="WebRtcLogLevel.None"/>).</returns>
    public static LogLevel ToLogLevel(this WebRtcLogLevel level) => level switch
    {
        WebRtcLogLevel.Fatal => LogLevel.Critical,
        WebRtcLogLevel.Error => LogLevel.Error,
        WebRtcLogLevel.Warning => LogLevel.Warning,
        WebRtcLogLevel.Info => LogLevel.Information,
        WebRtcLogLevel.Debug => LogLevel.Debug,
        WebRtcLogLevel.Verbose => LogLevel.Trace,
        _ => LogLevel.None,
    };
}

/// <summary>One routing of <see cref="WebRtcLog"/> lines to two loggers (managed and native category).</summary>
internal sealed class WebRtcLoggerBridge : IDisposable
{
    private const string NativePrefix = "native: ";
    private readonly ILogger _managed;
    private readonly ILogger _native;

    internal WebRtcLoggerBridge(ILogger managed, ILogger native)
    {
        _managed = managed;
        _native = native;
    }

    internal WebRtcLogLevel MostVerboseEnabled()
    {
        for (var l = WebRtcLogLevel.Verbose; l > WebRtcLogLevel.None; l--)
        {
            var m = l.ToLogLevel();
            if (_managed.IsEnabled(m) || _native.IsEnabled(m))
                return l;
        }
        return WebRtcLogLevel.None;
    }

    internal void Write(WebRtcLogLevel level, int connectionId, string message)
    {
        bool native = message.StartsWith(NativePrefix, StringComparison.Ordinal);
        var logger = native ? _native : _managed;
        var logLevel = level.ToLogLevel();
        if (!logger.IsEnabled(logLevel))
            return;
        string text = native ? message.Substring(NativePrefix.Length) : message;
        if (connectionId == 0)
        {
            Log(logger, logLevel, text);
            return;
        }
        using (logger.BeginScope(new ConnectionScope(connectionId)))
            Log(logger, logLevel, text);
    }

    // The text as it is, not as a message template (lines may contain braces, e.g. SDP or JSON).
    private static void Log(ILogger logger, LogLevel level, string text) =>
        logger.Log(level, default, text, null, static (s, _) => s);

    public void Dispose() => WebRtcNativeLoggingExtensions.Detach(this);

    /// <summary>The scope state: one key/value pair (structured loggers read it), "WebRtcConnectionId:3" as text.</summary>
    private sealed class ConnectionScope : IReadOnlyList<KeyValuePair<string, object>>
    {
        private readonly int _id;

        public ConnectionScope(int id) => _id = id;

        public KeyValuePair<string, object> this[int index] =>
            index == 0 ? new(WebRtcNativeLoggingExtensions.ConnectionIdKey, _id) : throw new ArgumentOutOfRangeException(nameof(index));

        public int Count => 1;

        public IEnumerator<KeyValuePair<string, object>> GetEnumerator()
        {
            yield return this[0];
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => WebRtcNativeLoggingExtensions.ConnectionIdKey + ":" + _id;
    }
}
