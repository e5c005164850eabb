// Connection-setup timeline of the C# side (issue 17), the same steps as the C driver's
// (tests/Interop/driver/timeline.c): API events as the C# side sees them (raised in Poll), and the
// library's own "timeline: " log lines (WebRtcLog at Info) for what the API does not expose,
// with the DTLS flights and ICE checks our side retransmitted.
using System.Diagnostics;

sealed class Timeline
{
    private readonly object _gate = new();
    private readonly Dictionary<string, TimeSpan> _steps = new();
    private readonly Stopwatch _clock;
    private TimeSpan? _reference;
    /// <summary>Time zero on the wall clock (ms since 1970), so that another process's timeline
    /// (Chromium's page reports epoch ms) can be put on the same axis.</summary>
    public double ReferenceEpochMs { get; private set; } = -1;
    public int DtlsRetransmissions { get; private set; }
    public int IceRetransmissions { get; private set; }

    public Timeline(Stopwatch clock) => _clock = clock;

    public void Mark(string step)
    {
        lock (_gate)
            _steps.TryAdd(step, _clock.Elapsed);
    }

    /// <summary>Marks the step and makes it time zero (offer created, or the peer's applied).</summary>
    public void Reference(string step)
    {
        lock (_gate)
        {
            if (_reference is null)
            {
                _reference = _clock.Elapsed;
                ReferenceEpochMs = (DateTime.UtcNow - DateTime.UnixEpoch).TotalMilliseconds;
            }
            _steps.TryAdd(step, _clock.Elapsed);
        }
    }

    /// <summary>A library log line; true when it was a timeline line ("timeline: step[: details]").</summary>
    public bool Native(string message)
    {
        const string prefix = "timeline: ";
        if (message.StartsWith("native: ", StringComparison.Ordinal)) // how WebRtcLog passes library lines
            message = message["native: ".Length..];
        if (!message.StartsWith(prefix, StringComparison.Ordinal))
            return false;
        string rest = message[prefix.Length..];
        int colon = rest.IndexOf(':');
        string name = colon < 0 ? rest : rest[..colon];
        lock (_gate)
        {
            if (name == "dtls retransmission")
                name += " " + ++DtlsRetransmissions;
            else if (name == "ice check retransmitted")
                name += " " + ++IceRetransmissions;
            _steps.TryAdd(name, _clock.Elapsed);
        }
        return true;
    }

    public string Format()
    {
        lock (_gate)
        {
            var zero = _reference ?? (_steps.Count > 0 ? _steps.Values.Min() : TimeSpan.Zero);
            return string.Join(", ", _steps.OrderBy(s => s.Value)
                .Select(s => $"{s.Key} {(s.Value - zero).TotalMilliseconds:+0.0;-0.0} ms"));
        }
    }
}
