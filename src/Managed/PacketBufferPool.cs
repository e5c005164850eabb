using System;
using System.Buffers;
using System.Numerics;

namespace WebRtcNative;

/// <summary>
/// The payload buffers of one channel's receive queue. Buffers are rented on the native callback thread and
/// returned on the reading thread. <see cref="ArrayPool{T}.Shared"/> caches per thread, so in that pattern it
/// would allocate for most messages. Each channel recycles its own buffers here instead.
/// <para>
/// Two tiers, sizes in powers of two from 16 B to <see cref="MaxPooledLength"/>:
/// </para>
/// <list type="bullet">
/// <item>The channel's own free lists. They are not thread-safe: the owner calls them under its queue lock.
/// They keep at most <see cref="ChannelRetainedBytes"/> bytes of free buffers, or the queue's byte cap if that
/// is lower.</item>
/// <item>A process-wide overflow pool, under its own lock. Buffers that the channel cannot keep go there, and
/// the channel takes from it before allocating, so a large burst (e.g. many 64 KiB messages queued before a
/// read) does not allocate again next time. It keeps at most <see cref="SharedRetainedBytes"/> bytes. The
/// default is 32 MiB; set the AppContext switch <c>WebRtcNative.ReceiveBufferPoolBytes</c> (a number of
/// bytes) to change it.</item>
/// </list>
/// <para>
/// Payloads larger than <see cref="MaxPooledLength"/> go to <see cref="ArrayPool{T}.Shared"/>. Beyond both
/// caps, returned buffers are left to the GC. Buffers in use count against the queue's own caps, so memory
/// stays bounded. The free lists grow when a new buffer is created (on the native thread), never in
/// <see cref="Return"/>, so reading allocates nothing.
/// </para>
/// </summary>
internal sealed class PacketBufferPool
{
    internal const int MinLength = 16;
    internal const int MaxPooledLength = 1024 * 1024;
    internal const long ChannelRetainedBytes = 1024 * 1024;

    private const int MaxListLength = 65536; // free buffers per size and tier
    private const int MinShift = 4; // log2(MinLength)
    private const int BucketCount = 20 - MinShift + 1; // 16 B .. 1 MiB

    /// <summary>The process-wide overflow tier (locked on itself).</summary>
    internal static readonly PacketBufferPool Shared = new(ReadSharedCap(), shared: true);

    internal static long SharedRetainedBytes => Shared._retainCap;

    private readonly Bucket[] _buckets = new Bucket[BucketCount];
    private readonly long _retainCap;
    private long _retainedBytes;
    private long _ownedBytes; // channel tier: bytes of the buffers attributed to the channel (free or in use)

    internal PacketBufferPool(long maxQueueBytes)
        : this(Math.Min(ChannelRetainedBytes, maxQueueBytes), shared: false)
    {
    }

    // "shared" only tells the two constructors apart.
    private PacketBufferPool(long retainCap, bool shared)
    {
        _retainCap = Math.Max(0, retainCap);
    }

    private static long ReadSharedCap()
    {
        const long Default = 32L * 1024 * 1024;
        try
        {
            return AppContext.GetData("WebRtcNative.ReceiveBufferPoolBytes") switch
            {
                long l => l,
                int i => i,
                string s when long.TryParse(s, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out long v) => v,
                _ => Default,
            };
        }
        catch (Exception)
        {
            return Default;
        }
    }

    /// <summary>Bytes held in free buffers (diagnostics and tests).</summary>
    internal long RetainedBytes => _retainedBytes;

    /// <summary>Buffers attributed to this channel (free or in use), all sizes (diagnostics and tests).</summary>
    internal int OwnedBuffers
    {
        get
        {
            int n = 0;
            foreach (var b in _buckets)
                n += b.Owned;
            return n;
        }
    }

    private static int BucketIndex(int length) =>
        length <= MinLength ? 0 : BitOperations.Log2((uint)length - 1) + 1 - MinShift;

    /// <summary>Takes the last free buffer of a bucket, if any (caller holds the bucket's lock).</summary>
    private bool TryTakeFree(ref Bucket b, out byte[] buffer)
    {
        if (b.Count == 0)
        {
            buffer = null!;
            return false;
        }
        buffer = b.Items![--b.Count];
        b.Items[b.Count] = null!;
        _retainedBytes -= buffer.Length;
        return true;
    }

    /// <summary>A buffer of at least <paramref name="length"/> (&gt; 0) bytes (channel tier, under the owner's lock).</summary>
    internal byte[] Rent(int length)
    {
        if (length > MaxPooledLength)
            return ArrayPool<byte>.Shared.Rent(length);
        int i = BucketIndex(length);
        ref Bucket b = ref _buckets[i];
        if (TryTakeFree(ref b, out byte[] buffer))
            return buffer;
        // One more buffer for this channel. Make room for it in the free list now, so that Return (on the
        // reading thread) never allocates; the list grows by doubling, up to what the retention cap can hold.
        int size = MinLength << i;
        b.Owned++;
        _ownedBytes += size;
        EnsureCapacity(ref b, b.Owned, size);
        bool overflows = _ownedBytes > _retainCap || b.Owned > (b.Items?.Length ?? 0);
        lock (Shared)
            return Shared.RentShared(i, reserve: overflows);
    }

    /// <summary>Takes back a buffer from <see cref="Rent"/> (channel tier, under the owner's lock; empty arrays are ignored).</summary>
    internal void Return(byte[] buffer)
    {
        int length = buffer.Length;
        if (length == 0)
            return;
        if (length > MaxPooledLength)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return;
        }
        ref Bucket b = ref _buckets[BucketIndex(length)];
        if (b.Items is not null && b.Count < b.Items.Length && _retainedBytes + length <= _retainCap)
        {
            b.Items[b.Count++] = buffer;
            _retainedBytes += length;
            return;
        }
        if (b.Owned > 0)
        {
            b.Owned--;
            _ownedBytes -= length;
        }
        lock (Shared)
            Shared.ReturnShared(buffer, grow: false);
    }

    /// <summary>Hands every free buffer to the shared tier and forgets the rest (channel tier, under the owner's lock).</summary>
    internal void Clear()
    {
        lock (Shared)
        {
            foreach (var b in _buckets)
                for (int j = 0; j < b.Count; j++)
                    Shared.ReturnShared(b.Items![j], grow: true);
        }
        Array.Clear(_buckets);
        _retainedBytes = 0;
        _ownedBytes = 0;
    }

    private void EnsureCapacity(ref Bucket b, int wanted, int size)
    {
        int capacity = b.Items?.Length ?? 0;
        if (wanted <= capacity)
            return;
        int limit = (int)Math.Min(MaxListLength, _retainCap / size);
        if (capacity >= limit)
            return;
        var next = new byte[Math.Min(limit, Math.Max(8, Math.Max(wanted, capacity * 2)))][];
        if (b.Items is not null)
            Array.Copy(b.Items, next, b.Count);
        b.Items = next;
    }

    // ---- shared tier (under lock (Shared)) -----------------------------------------------------
    //
    // Owned counts the buffers that may come back here: the free ones, and those that a channel created beyond
    // what it can keep itself. A channel reserves room for such a buffer when it creates it (on the native
    // thread), so that giving it back (on the reading thread) does not allocate.

    /// <summary>A free buffer of bucket <paramref name="i"/>, or a new one (the caller is the native thread).</summary>
    private byte[] RentShared(int i, bool reserve)
    {
        ref Bucket b = ref _buckets[i];
        if (TryTakeFree(ref b, out byte[] buffer))
            return buffer;
        int size = MinLength << i;
        if (reserve)
        {
            b.Owned++;
            EnsureCapacity(ref b, b.Owned, size);
        }
        return GC.AllocateUninitializedArray<byte>(size);
    }

    private void ReturnShared(byte[] buffer, bool grow)
    {
        int length = buffer.Length;
        ref Bucket b = ref _buckets[BucketIndex(length)];
        if (grow)
            EnsureCapacity(ref b, b.Count + 1, length);
        if (b.Items is null || b.Count == b.Items.Length || _retainedBytes + length > _retainCap)
        {
            if (b.Owned > 0)
                b.Owned--; // over the cap: let the GC have it
            return;
        }
        b.Items[b.Count++] = buffer;
        _retainedBytes += length;
    }

    private struct Bucket
    {
        public byte[][]? Items; // free buffers
        public int Count;       // free buffers in Items
        public int Owned;       // buffers of this size that may come back to this tier (free or in use)
    }
}
