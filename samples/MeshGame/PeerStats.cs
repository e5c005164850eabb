namespace WebRtcNative.Samples.MeshGame;

/// <summary>What one game process measured about one remote peer.</summary>
public sealed class PeerStats
{
    private readonly List<double> _rtt = new(4096);
    private uint _firstSeq;
    private uint _lastSeq;

    public long StatesReceived { get; private set; }

    public long ChatReceived { get; set; }

    public void OnState(uint seq)
    {
        if (StatesReceived++ == 0)
            _firstSeq = _lastSeq = seq;
        _firstSeq = Math.Min(_firstSeq, seq);
        _lastSeq = Math.Max(_lastSeq, seq);
    }

    public void OnRtt(double ms) => _rtt.Add(ms);

    /// <summary>Lost share of the states sent between the first and the last one received (start-up and shutdown do not count).</summary>
    public double LossPercent
    {
        get
        {
            if (StatesReceived == 0)
                return 100;
            long span = (long)_lastSeq - _firstSeq + 1;
            return 100.0 * Math.Max(0, span - StatesReceived) / span;
        }
    }

    public double RttAvg => _rtt.Count == 0 ? double.NaN : _rtt.Average();

    public double RttPercentile(int p)
    {
        if (_rtt.Count == 0)
            return double.NaN;
        var sorted = _rtt.OrderBy(x => x).ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p / 100.0 * sorted.Count) - 1)];
    }
}
