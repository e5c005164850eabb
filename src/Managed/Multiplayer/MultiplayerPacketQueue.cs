using System;

namespace WebRtcNative;

/// <summary>
/// The received-packet queue of a <see cref="WebRtcMultiplayerPeer"/>: a ring of slots plus a stack of free
/// buffers, so that steady traffic allocates nothing (buffers exist for the deepest backlog seen, no more). Bounded by a packet count and a byte count; when full, the
/// multiplayer peer stops draining its channels (their own bounded queues hold the rest).
/// Single-threaded, like its owner.
/// </summary>
internal sealed class MultiplayerPacketQueue
{
    /// <summary>Buffers larger than this are not kept once their packet was read, so a burst of big packets does not pin memory.</summary>
    private const int RetainedBufferMax = 64 * 1024;
    private const int MinBuffer = 256;

    internal struct Slot
    {
        public byte[]? Buffer;
        public int Offset;
        public int Length;
        public int From;
        public int Channel;
    }

    private Slot[] _slots = new Slot[16];
    private byte[][] _free = new byte[16][];
    private int _freeCount;
    private int _head;
    private int _count;
    private long _bytes;

    public MultiplayerPacketQueue(int maxPackets, long maxBytes)
    {
        MaxPackets = maxPackets;
        MaxBytes = maxBytes;
    }

    public int MaxPackets { get; }

    public long MaxBytes { get; }

    public int Count => _count;

    public bool IsFull => _count >= MaxPackets || _bytes >= MaxBytes;

    /// <summary>The next free slot's buffer, at least <paramref name="size"/> bytes; it becomes a packet only on <see cref="Commit"/>.</summary>
    public byte[] Reserve(int size)
    {
        if (_count == _slots.Length)
            Grow();
        ref Slot s = ref _slots[(_head + _count) & (_slots.Length - 1)];
        if (s.Buffer is null && _freeCount > 0)
        {
            s.Buffer = _free[--_freeCount];
            _free[_freeCount] = null!;
        }
        if (s.Buffer is null || s.Buffer.Length < size)
            s.Buffer = new byte[Math.Max(MinBuffer, (int)Math.Min((uint)Array.MaxLength, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)size)))];
        return s.Buffer;
    }

    /// <summary>Makes the reserved slot a queued packet.</summary>
    public void Commit(int offset, int length, int from, int channel)
    {
        ref Slot s = ref _slots[(_head + _count) & (_slots.Length - 1)];
        s.Offset = offset;
        s.Length = length;
        s.From = from;
        s.Channel = channel;
        _count++;
        _bytes += length;
    }

    /// <summary>The packet at the head; only valid while <see cref="Count"/> &gt; 0.</summary>
    public ref Slot Peek() => ref _slots[_head];

    /// <summary>Removes the head packet, keeping its buffer for reuse unless it is large.</summary>
    public void Dequeue()
    {
        ref Slot s = ref _slots[_head];
        _bytes -= s.Length;
        if (s.Buffer is not null && s.Buffer.Length <= RetainedBufferMax)
        {
            if (_freeCount == _free.Length)
                Array.Resize(ref _free, _free.Length * 2);
            _free[_freeCount++] = s.Buffer;
        }
        s.Buffer = null;
        _head = (_head + 1) & (_slots.Length - 1);
        _count--;
    }

    public void Clear()
    {
        while (_count > 0)
            Dequeue();
    }

    private void Grow()
    {
        var bigger = new Slot[_slots.Length * 2];
        for (int i = 0; i < _slots.Length; i++)
            bigger[i] = _slots[(_head + i) & (_slots.Length - 1)];
        _slots = bigger;
        _head = 0;
    }
}
