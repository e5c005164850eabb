namespace WebRtcNative.Tests;

public class AllocationTests
{
    [Fact]
    public void PutPacketSpan_And_TryGetPacket_AllocateNothing_AfterWarmUp()
    {
        using var pair = new Pair();
        var (a, b) = pair.ConnectWithChannel();
        byte[] payload = Payload.Make(1, 200);
        byte[] buffer = new byte[8192];

        byte[] text = new byte[200];
        byte[] bigText = new byte[5000];
        Array.Fill(text, (byte)'x');
        Array.Fill(bigText, (byte)'y');

        void SendAndDrain(int n)
        {
            for (int i = 0; i < n; i++)
            {
                a.WriteMode = (i % 3) == 0 ? WriteMode.Binary : WriteMode.Text;
                Assert.Equal(Error.Ok, a.PutPacket((i % 3) switch { 0 => payload, 1 => text, _ => bigText }));
            }
            a.WriteMode = WriteMode.Binary;
            int got = 0;
            pair.PollUntil(() =>
            {
                while (b.TryGetPacket(buffer, out _, out _))
                    got++;
                return got >= n;
            }, "warm-up packets");
        }

        // Warm-up: JIT tiers, the buffer pool's buckets for every size used below, queue segments.
        for (int round = 0; round < 4; round++)
            SendAndDrain(3000);

        const int count = 1000;
        // Binary PutPacket(span).
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < count; i++)
            a.PutPacket(payload.AsSpan());
        long putBinary = GC.GetAllocatedBytesForCurrentThread() - before;

        // Text PutPacket(span): small (stack buffer) and large (pooled buffer).
        a.WriteMode = WriteMode.Text;
        before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < count; i++)
        {
            a.PutPacket(text.AsSpan());
            a.PutPacket(bigText.AsSpan());
        }
        long putText = GC.GetAllocatedBytesForCurrentThread() - before;
        a.WriteMode = WriteMode.Binary;

        int expected = count + count * 2;
        pair.PollUntil(() => b.AvailablePacketCount >= expected, $"{expected} packets visible");

        var big = new byte[8192];
        before = GC.GetAllocatedBytesForCurrentThread();
        int read = 0;
        while (b.TryGetPacket(big, out _, out _))
            read++;
        long get = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(expected, read);
        Assert.Equal(0, putBinary);
        Assert.Equal(0, putText);
        Assert.Equal(0, get);
    }
}
