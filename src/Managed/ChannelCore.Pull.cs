using System;
using System.Threading;
using WebRtcNative.Bindings;

namespace WebRtcNative;

// The receive path of reliable channels: pull, never drop.
//
// A reliable channel must not lose a message the sender was told was sent, so its queue cannot drop on
// overflow. It therefore has no message callback: the native library keeps received messages in the
// channel's own queue and calls the available callback; Pump then takes them one by one with
// rtcReceiveMessage into pooled buffers, but only while the channel's caps and the process-wide budget
// leave room. When they do not, pulling stops (_blocked) and the messages stay native, where a bounded
// native queue stops reading SCTP so that flow control slows the sender. Reading a packet (TryGet/Get)
// or the next Poll (Surface) resumes pulling on the reading thread.
internal sealed unsafe partial class ChannelCore
{
    private int _pumpRequests; // Pump calls not yet served; the caller that moves it from 0 pumps
    private int _blocked;      // 1 when pulling stopped because the queue or the budget was full

    /// <summary>Whether pulling is stopped for lack of room (diagnostics and tests).</summary>
    internal bool IsBlocked => Volatile.Read(ref _blocked) != 0;

    /// <summary>Queued packets and bytes, including those being copied (diagnostics and tests).</summary>
    internal (int Packets, long Bytes) Queued
    {
        get
        {
            lock (_queueLock)
                return (_count + _inFlight, _queuedBytes);
        }
    }

    /// <summary>Resumes pulling after room was made (any thread).</summary>
    private void Wake()
    {
        if (Interlocked.Exchange(ref _blocked, 0) != 0)
            Pump();
    }

    /// <summary>
    /// Pulls every available message that fits (reliable channels; any thread). Calls are serialized: a caller
    /// that finds another one pumping leaves it a request, which makes that one go round once more.
    /// </summary>
    internal void Pump()
    {
        if (!_reliable || Interlocked.Increment(ref _pumpRequests) != 1)
            return;
        while (true)
        {
            int seen = Volatile.Read(ref _pumpRequests);
            PullAvailable();
            if (Interlocked.CompareExchange(ref _pumpRequests, 0, seen) == seen)
                return;
        }
    }

    private void PullAvailable()
    {
        byte none = 0;
        while (true)
        {
            int id = NativeId;
            if (id <= 0 || IsDetached)
                return;
            int size = 0;
            if (RtcNative.rtcReceiveMessage(id, null, &size) < 0)
                return; // nothing queued (or the channel is gone)
            bool isString = size < 0;
            int length = isString ? -size - 1 : size;
            if (length < 0)
                length = 0;
            int capacity = length + (isString ? 1 : 0); // the library NUL-terminates strings

            byte[] buffer;
            lock (_queueLock)
            {
                int queued = _count + _inFlight;
                bool empty = queued == 0; // an empty queue always takes one message, however large
                if (!empty && (queued >= _maxPackets || _queuedBytes + length > _maxBytes))
                {
                    Volatile.Write(ref _blocked, 1);
                    return;
                }
                if (!ReceiveBudget.TryTake(length, force: empty))
                {
                    Volatile.Write(ref _blocked, 1);
                    return;
                }
                _queuedBytes += length;
                _inFlight++;
                buffer = capacity == 0 ? Array.Empty<byte>() : _pool.Rent(capacity);
            }

            int got = capacity;
            int r;
            fixed (byte* p = buffer)
                r = RtcNative.rtcReceiveMessage(id, p == null ? &none : p, &got);
            lock (_queueLock)
            {
                _inFlight--;
                if (r < 0)
                {
                    // Only this (serialized) pump takes messages, so this means the channel went away.
                    _queuedBytes -= length;
                    ReceiveBudget.Give(length);
                    _pool.Return(buffer);
                    return;
                }
                EnqueueUnlessReleased(new Packet(buffer, length, isString));
            }
        }
    }
}
