using System.Buffers.Binary;
using System.Diagnostics;

namespace WebRtcNative.Tests;

public class ConcurrencyTests
{
    /// <summary>
    /// One thread polls and reads while two threads PutPacket on the same ordered, reliable channel as fast as
    /// flow control allows for ~3 s: every packet arrives exactly once, each sender's packets in order, and
    /// nothing deadlocks.
    /// </summary>
    [Fact]
    public void TwoSendersOnePoller_EveryPacketOnceInOrder()
    {
        using var pair = new Pair();
        var (a, b) = pair.ConnectWithChannel("concurrent");
        // A second, unordered reliable channel in the other direction, to load both paths at once.
        var sendDuration = TimeSpan.FromSeconds(3);
        var stop = new ManualResetEventSlim();
        long[] sent = new long[2];
        var errors = new System.Collections.Concurrent.ConcurrentQueue<string>();

        void Sender(int who)
        {
            try
            {
                Span<byte> buf = stackalloc byte[256];
                long seq = 0;
                var sw = Stopwatch.StartNew();
                while (sw.Elapsed < sendDuration)
                {
                    // Flow control: keep at most 1 MiB in flight.
                    if (a.BufferedAmount > 1 << 20)
                    {
                        Thread.Sleep(0);
                        continue;
                    }
                    int size = 9 + (int)(seq % 200);
                    var packet = buf[..size];
                    packet[0] = (byte)who;
                    BinaryPrimitives.WriteInt64LittleEndian(packet[1..], seq);
                    packet[9..].Fill((byte)seq);
                    var e = a.PutPacket(packet);
                    if (e != Error.Ok)
                    {
                        errors.Enqueue($"sender {who}: PutPacket returned {e} at {seq}");
                        return;
                    }
                    seq++;
                }
                sent[who] = seq;
            }
            catch (Exception ex)
            {
                errors.Enqueue($"sender {who}: {ex}");
            }
        }

        long[] nextExpected = new long[2];
        long received = 0;
        var pollerDone = new ManualResetEventSlim();
        var poller = new Thread(() =>
        {
            try
            {
                var buffer = new byte[512];
                while (!stop.IsSet)
                {
                    pair.A.Poll();
                    pair.B.Poll();
                    while (b.TryGetPacket(buffer, out int n, out bool isString))
                    {
                        int who = buffer[0];
                        long seq = BinaryPrimitives.ReadInt64LittleEndian(buffer.AsSpan(1));
                        if (isString || who > 1 || n != 9 + (int)(seq % 200))
                            errors.Enqueue($"bad packet who={who} seq={seq} n={n}");
                        else if (seq != nextExpected[who])
                            errors.Enqueue($"sender {who}: expected {nextExpected[who]} got {seq}");
                        else if (buffer.AsSpan(9, n - 9).IndexOfAnyExcept((byte)seq) >= 0)
                            errors.Enqueue($"sender {who}: payload of {seq} corrupted");
                        else
                            nextExpected[who]++;
                        Interlocked.Increment(ref received);
                        if (errors.Count > 10)
                            return;
                    }
                    Thread.Sleep(0);
                }
            }
            catch (Exception ex)
            {
                errors.Enqueue("poller: " + ex);
            }
            finally
            {
                pollerDone.Set();
            }
        }) { IsBackground = true };
        poller.Start();

        var s0 = new Thread(() => Sender(0)) { IsBackground = true };
        var s1 = new Thread(() => Sender(1)) { IsBackground = true };
        s0.Start();
        s1.Start();
        Assert.True(s0.Join(TimeSpan.FromSeconds(30)), "sender 0 deadlocked");
        Assert.True(s1.Join(TimeSpan.FromSeconds(30)), "sender 1 deadlocked");

        var sw = Stopwatch.StartNew();
        while (Interlocked.Read(ref received) < sent[0] + sent[1] && sw.Elapsed < TimeSpan.FromSeconds(30) && errors.IsEmpty)
            Thread.Sleep(10);
        stop.Set();
        Assert.True(pollerDone.Wait(TimeSpan.FromSeconds(30)), "poller deadlocked");

        Assert.True(errors.IsEmpty, string.Join("\n", errors));
        Assert.True(sent[0] > 1000 && sent[1] > 1000, $"too few packets sent: {sent[0]}, {sent[1]}");
        Assert.Equal(sent[0], nextExpected[0]);
        Assert.Equal(sent[1], nextExpected[1]);
        Assert.Equal(sent[0] + sent[1], Interlocked.Read(ref received));
        Assert.Equal(0, b.DroppedPacketCount);
        Assert.Equal(0, b.AvailablePacketCount);
    }

    [Fact]
    public void ApiCallsFromManyThreads_WhilePolling_DoNotCorruptState()
    {
        using var pair = new Pair();
        var (a, b) = pair.ConnectWithChannel();
        var stop = DateTime.UtcNow + TimeSpan.FromSeconds(1);
        var errors = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var threads = Enumerable.Range(0, 4).Select(i => new Thread(() =>
        {
            try
            {
                while (DateTime.UtcNow < stop)
                {
                    _ = pair.A.ConnectionState;
                    _ = pair.A.SignalingState;
                    _ = a.ReadyState;
                    _ = a.BufferedAmount;
                    _ = b.AvailablePacketCount;
                    _ = a.Id;
                    // Renegotiation is allowed once connected; one exchange at a time, the others fail.
                    if (i % 2 == 0 && pair.A.CreateOffer() is not (Error.Ok or Error.Failed))
                        errors.Enqueue("CreateOffer while connected neither renegotiated nor failed");
                    if (a.PutPacket(new byte[] { (byte)i }) != Error.Ok)
                        errors.Enqueue("PutPacket failed");
                }
            }
            catch (Exception e)
            {
                errors.Enqueue(e.ToString());
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        while (threads.Any(t => t.IsAlive))
        {
            pair.PollBoth();
            while (b.TryGetPacket(new byte[4], out _, out _))
            {
            }
        }
        Assert.True(errors.IsEmpty, string.Join("\n", errors.Take(5)));
        Assert.Equal(ConnectionState.Connected, pair.A.ConnectionState);
    }
}
