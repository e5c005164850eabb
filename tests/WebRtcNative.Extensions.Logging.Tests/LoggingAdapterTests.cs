using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using WebRtcNative.Extensions.Logging;

namespace WebRtcNative.Extensions.Logging.Tests;

/// <summary>A logger provider that records every line with its category, level and scopes.</summary>
internal sealed class CaptureProvider : ILoggerProvider, ISupportExternalScope
{
    public sealed record Entry(string Category, LogLevel Level, string Message, IReadOnlyList<object?> Scopes)
    {
        public int? ConnectionId => Scopes.OfType<IEnumerable<KeyValuePair<string, object>>>()
            .SelectMany(s => s).Where(kv => kv.Key == WebRtcNativeLoggingExtensions.ConnectionIdKey)
            .Select(kv => (int?)(int)kv.Value).FirstOrDefault();
    }

    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();
    public ConcurrentQueue<Entry> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    private sealed class Logger(CaptureProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => owner._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var scopes = new List<object?>();
            owner._scopes.ForEachScope((s, list) => list.Add(s), scopes);
            owner.Entries.Enqueue(new Entry(category, logLevel, formatter(state, exception), scopes));
        }
    }
}

// One class: the tests share the process-wide WebRtcLog, so they run one after the other.
public class LoggingAdapterTests
{
    private static (ILoggerFactory Factory, CaptureProvider Provider) Create(LogLevel min)
    {
        var provider = new CaptureProvider();
        var factory = LoggerFactory.Create(b => b.AddProvider(provider).SetMinimumLevel(min));
        return (factory, provider);
    }

    [Fact]
    public void ManagedLines_CarryLevelCategoryAndTheConnectionAsScope()
    {
        var (factory, provider) = Create(LogLevel.Warning);
        using (factory)
        using (factory.AddWebRtcNative())
        {
            Assert.Equal(WebRtcLogLevel.Warning, WebRtcLog.Level); // the most verbose level the factory enables
            using var pc1 = new WebRtcPeerConnection();
            using var pc2 = new WebRtcPeerConnection();
            Assert.NotEqual(pc1.LogId, pc2.LogId);
            Assert.Equal(Error.Ok, pc1.Initialize(new WebRtcConfiguration { BindAddress = "127.0.0.1" }));
            Assert.Equal(Error.Failed, pc1.CreateOffer()); // no channel yet
            // Braces in a line are text, not a message template.
            Assert.Equal(Error.InvalidParameter, pc2.AddIceCandidate("0", 0, "{not a candidate}"));

            var offer = Assert.Single(provider.Entries, e => e.Message.Contains("CreateOffer"));
            Assert.Equal(WebRtcNativeLoggingExtensions.Category, offer.Category);
            Assert.Equal(LogLevel.Warning, offer.Level);
            Assert.Equal(pc1.LogId, offer.ConnectionId);
            Assert.StartsWith("WebRtcPeerConnection.CreateOffer: Failed:", offer.Message);

            var candidate = Assert.Single(provider.Entries, e => e.Message.Contains("AddIceCandidate"));
            Assert.Equal(pc2.LogId, candidate.ConnectionId);
            Assert.Contains("'{not a candidate}'", candidate.Message);
            Assert.Contains($"{WebRtcNativeLoggingExtensions.ConnectionIdKey}:{pc2.LogId}", candidate.Scopes.Select(s => s?.ToString()));
        }
        WebRtcLog.Level = WebRtcLogLevel.Warning;
    }

    [Fact]
    public void NativeLines_GoToTheNativeCategory_WithTheirLevelMapped()
    {
        var (factory, provider) = Create(LogLevel.Information);
        using (factory)
        using (factory.AddWebRtcNative())
        {
            Assert.Equal(WebRtcLogLevel.Info, WebRtcLog.Level);
            ConnectPair();
            var native = provider.Entries.Where(e => e.Category == WebRtcNativeLoggingExtensions.NativeCategory).ToList();
            Assert.NotEmpty(native);
            Assert.All(native, e => Assert.False(e.Message.StartsWith("native: ", StringComparison.Ordinal)));
            Assert.Contains(native, e => e.Level == LogLevel.Information);
            Assert.DoesNotContain(provider.Entries, e => e.Level < LogLevel.Information);
        }
        WebRtcLog.Level = WebRtcLogLevel.Warning;
    }

    [Fact]
    public void Dispose_StopsTheRouting_AndTheCoreKeepsItsOwnSink()
    {
        var (factory, provider) = Create(LogLevel.Trace);
        var plain = new ConcurrentQueue<string>();
        WebRtcLog.Sink = (_, m) => plain.Enqueue(m);
        try
        {
            using (factory)
            {
                var routing = factory.AddWebRtcNative(WebRtcLogLevel.Warning);
                using (var pc = new WebRtcPeerConnection())
                    pc.CreateOffer();
                Assert.Single(provider.Entries, e => e.Message.Contains("CreateOffer"));
                routing.Dispose();
                Assert.Null(WebRtcLog.ConnectionSink);
                using (var pc = new WebRtcPeerConnection())
                    pc.CreateOffer();
                Assert.Single(provider.Entries, e => e.Message.Contains("CreateOffer"));
                Assert.Equal(2, plain.Count(m => m.Contains("CreateOffer")));
            }
        }
        finally
        {
            WebRtcLog.Sink = null;
        }
    }

    [Theory]
    [InlineData(WebRtcLogLevel.Fatal, LogLevel.Critical)]
    [InlineData(WebRtcLogLevel.Error, LogLevel.Error)]
    [InlineData(WebRtcLogLevel.Warning, LogLevel.Warning)]
    [InlineData(WebRtcLogLevel.Info, LogLevel.Information)]
    [InlineData(WebRtcLogLevel.Debug, LogLevel.Debug)]
    [InlineData(WebRtcLogLevel.Verbose, LogLevel.Trace)]
    [InlineData(WebRtcLogLevel.None, LogLevel.None)]
    public void Levels_AreMapped(WebRtcLogLevel level, LogLevel expected) => Assert.Equal(expected, level.ToLogLevel());

    /// <summary>Two loopback connections with one channel, signalled directly (Godot's flow), until both are connected.</summary>
    private static void ConnectPair()
    {
        using var a = new WebRtcPeerConnection();
        using var b = new WebRtcPeerConnection();
        var config = new WebRtcConfiguration { BindAddress = "127.0.0.1" };
        Assert.Equal(Error.Ok, a.Initialize(config));
        Assert.Equal(Error.Ok, b.Initialize(config));
        a.SessionDescriptionCreated += (t, s) => { a.SetLocalDescription(t, s); b.SetRemoteDescription(t, s); };
        b.SessionDescriptionCreated += (t, s) => { b.SetLocalDescription(t, s); a.SetRemoteDescription(t, s); };
        a.IceCandidateCreated += (m, i, n) => b.AddIceCandidate(m, i, n);
        b.IceCandidateCreated += (m, i, n) => a.AddIceCandidate(m, i, n);
        Assert.NotNull(a.CreateDataChannel("log"));
        Assert.Equal(Error.Ok, a.CreateOffer());
        var sw = Stopwatch.StartNew();
        while (a.ConnectionState != ConnectionState.Connected || b.ConnectionState != ConnectionState.Connected)
        {
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(20), "the pair did not connect");
            a.Poll();
            b.Poll();
            Thread.Sleep(1);
        }
    }
}
