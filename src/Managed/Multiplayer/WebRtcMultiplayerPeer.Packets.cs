using System;
using System.Buffers.Binary;

namespace WebRtcNative;

// Sending, receiving and the server relay: the per-packet hot path, which allocates nothing in steady state.
public sealed partial class WebRtcMultiplayerPeer
{
    private const int HeaderSize = 4;

    private byte[] _sendBuffer = Array.Empty<byte>();
    private Error _lastReadError = Error.Unavailable;

    /// <summary>
    /// Sends one packet to <see cref="TargetPeer"/> on the channel chosen by <see cref="TransferChannel"/> and
    /// <see cref="TransferMode"/>. Broadcasts skip peers that are not connected yet. A client with
    /// <see cref="ServerRelay"/> sends everything to the server, which forwards it. Allocates nothing (the relay
    /// header is written into a reused buffer).
    /// </summary>
    /// <param name="packet">The payload. With the relay header, at most the channel's <see cref="WebRtcDataChannel.MaxPacketSize"/> minus 4 bytes.</param>
    /// <returns>
    /// <see cref="Error.Ok"/>; <see cref="Error.Unconfigured"/> when disconnected or not created;
    /// <see cref="Error.InvalidParameter"/> for an unknown target peer, this peer's own id, or a
    /// <see cref="TransferChannel"/> beyond the configured channels; <see cref="Error.Failed"/> when the target's
    /// channel (or, for a client, the server) is not open; otherwise the channel's error (for a broadcast, the
    /// first one; the other peers still get the packet).
    /// </returns>
    public Error PutPacket(ReadOnlySpan<byte> packet)
    {
        const string src = Source + ".PutPacket";
        if (_status == ConnectionStatus.Disconnected || _mode == NetworkMode.None)
            return WebRtcLog.Fail(Error.Unconfigured, src, "the multiplayer peer is not connected");
        int slot = SendSlot();
        if (slot >= _channelModes.Length)
            return WebRtcLog.Fail(Error.InvalidParameter, src, $"transfer channel {_transferChannel} is not configured ({_channelModes.Length - ReservedChannels} extra channels)");
        int target = TargetPeer;
        if (target == _uniqueId)
            return WebRtcLog.Fail(Error.InvalidParameter, src, $"target {target} is this peer");

        if (_relayHeader && _mode == NetworkMode.Client)
        {
            // Everything goes to the server; the header says where it goes from there.
            if (!_peers.TryGetValue(TargetPeerServer, out var server) || !server.Connected)
                return WebRtcLog.Fail(Error.Failed, src, "the server is not connected");
            return Send(server, slot, target, packet);
        }
        if (target > 0)
        {
            if (!_peers.TryGetValue(target, out var peer))
                return WebRtcLog.Fail(Error.InvalidParameter, src, $"no peer {target}");
            return Send(peer, slot, _uniqueId, packet);
        }
        int exclude = -target;
        Error first = Error.Ok;
        for (int i = 0; i < _order.Count; i++)
        {
            var peer = _order[i];
            if ((target != 0 && peer.Id == exclude) || !peer.Connected)
                continue;
            var e = Send(peer, slot, _uniqueId, packet);
            if (first == Error.Ok)
                first = e;
        }
        return first;
    }

    /// <summary>Sends one packet (see <see cref="PutPacket(ReadOnlySpan{byte})"/>).</summary>
    /// <param name="packet">The payload; <see langword="null"/> returns <see cref="Error.InvalidParameter"/>.</param>
    /// <returns>As <see cref="PutPacket(ReadOnlySpan{byte})"/>.</returns>
    public Error PutPacket(byte[] packet) =>
        packet is null ? WebRtcLog.Fail(Error.InvalidParameter, Source + ".PutPacket", "packet is null") : PutPacket(packet.AsSpan());

    private int SendSlot()
    {
        if (_transferChannel != 0)
            return _transferChannel + ReservedChannels - 1;
        return TransferMode switch
        {
            TransferMode.Unreliable => UnreliableSlot,
            TransferMode.UnreliableOrdered => OrderedSlot,
            _ => ReliableSlot,
        };
    }

    /// <summary>Sends on one peer's channel, behind the relay header when the star uses it.</summary>
    private Error Send(MeshPeer peer, int slot, int headerId, ReadOnlySpan<byte> packet)
    {
        var channel = peer.Channels[slot];
        if (!_relayHeader)
            return channel.PutPacket(packet);
        int size = HeaderSize + packet.Length;
        if (_sendBuffer.Length < size)
            _sendBuffer = new byte[(int)Math.Min((uint)Array.MaxLength, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)size))];
        BinaryPrimitives.WriteInt32LittleEndian(_sendBuffer, headerId);
        packet.CopyTo(_sendBuffer.AsSpan(HeaderSize));
        return channel.PutPacket(_sendBuffer.AsSpan(0, size));
    }

    /// <summary>Number of packets ready to read (received and made visible by <see cref="Poll"/>).</summary>
    /// <returns>The count.</returns>
    public int GetAvailablePacketCount() => _queue.Count;

    /// <summary>The id of the peer that sent the next packet to read (with the relay, the original sender); 0 when none.</summary>
    /// <returns>The sender's id.</returns>
    public int GetPacketPeer() => _queue.Count > 0 ? _queue.Peek().From : 0;

    /// <summary>The channel of the next packet to read: 0 for the three default channels, <c>n</c> for the <c>n</c>-th configured one; 0 when none.</summary>
    /// <returns>The channel.</returns>
    public int GetPacketChannel()
    {
        if (_queue.Count == 0)
            return 0;
        int slot = _queue.Peek().Channel;
        return slot < ReservedChannels ? 0 : slot - ReservedChannels + 1;
    }

    /// <summary>The transfer mode of the channel the next packet arrived on; <see cref="WebRtcNative.TransferMode.Reliable"/> when none.</summary>
    /// <returns>The mode.</returns>
    public TransferMode GetPacketMode() =>
        _queue.Count > 0 ? _channelModes[_queue.Peek().Channel] : TransferMode.Reliable;

    /// <summary>
    /// Copies the next packet into <paramref name="buffer"/> and removes it from the queue, without allocating.
    /// Read <see cref="GetPacketPeer"/>, <see cref="GetPacketChannel"/> and <see cref="GetPacketMode"/> before.
    /// </summary>
    /// <param name="buffer">Destination.</param>
    /// <param name="written">Bytes copied; when the buffer is too small, the size needed (the packet stays queued).</param>
    /// <returns><see langword="true"/> when a packet was copied; <see langword="false"/> when none is available (<paramref name="written"/> = 0) or the buffer is too small.</returns>
    public bool TryGetPacket(Span<byte> buffer, out int written)
    {
        if (_queue.Count == 0)
        {
            written = 0;
            _lastReadError = Error.Unavailable;
            return false;
        }
        ref var s = ref _queue.Peek();
        written = s.Length;
        if (buffer.Length < s.Length)
        {
            _lastReadError = Error.ParameterRangeError;
            return false;
        }
        s.Buffer.AsSpan(s.Offset, s.Length).CopyTo(buffer);
        _queue.Dequeue();
        _lastReadError = Error.Ok;
        return true;
    }

    /// <summary>Removes the next packet and returns it in a new array; an empty array (and <see cref="GetPacketError"/> = <see cref="Error.Unavailable"/>) when none. <see cref="TryGetPacket"/> reads without allocating.</summary>
    /// <returns>The payload.</returns>
    public byte[] GetPacket()
    {
        if (_queue.Count == 0)
        {
            _lastReadError = Error.Unavailable;
            return Array.Empty<byte>();
        }
        ref var s = ref _queue.Peek();
        var data = s.Buffer.AsSpan(s.Offset, s.Length).ToArray();
        _queue.Dequeue();
        _lastReadError = Error.Ok;
        return data;
    }

    /// <summary>The result of the last <see cref="GetPacket"/> / <see cref="TryGetPacket"/>: <see cref="Error.Ok"/>, <see cref="Error.Unavailable"/> or <see cref="Error.ParameterRangeError"/> (buffer too small).</summary>
    /// <returns>The last read's result.</returns>
    public Error GetPacketError() => _lastReadError;

    /// <summary>Moves the packets of every connected peer's channels into the queue, relaying on a server.</summary>
    private void DrainChannels()
    {
        for (int i = 0; i < _order.Count; i++)
        {
            var peer = _order[i];
            if (!peer.Connected)
                continue;
            var channels = peer.Channels;
            for (int c = 0; c < channels.Length; c++)
            {
                var channel = channels[c];
                while (!_queue.IsFull)
                {
                    byte[] buffer = _queue.Reserve(0);
                    if (!channel.TryGetPacket(buffer, out int n, out _))
                    {
                        if (n == 0)
                            break;
                        buffer = _queue.Reserve(n);
                        if (!channel.TryGetPacket(buffer, out n, out _))
                            break;
                    }
                    Deliver(peer, c, buffer, n);
                }
            }
        }
    }

    private void Deliver(MeshPeer from, int slot, byte[] buffer, int length)
    {
        if (!_relayHeader)
        {
            _queue.Commit(0, length, from.Id, slot);
            return;
        }
        if (length < HeaderSize)
        {
            Discard(from.Id, "shorter than the 4-byte relay header");
            return;
        }
        int id = BinaryPrimitives.ReadInt32LittleEndian(buffer);
        if (_mode == NetworkMode.Client)
        {
            // From the server: the header is the original sender.
            if (id < 1 || id == _uniqueId)
                Discard(from.Id, "bad sender id in the relay header");
            else
                _queue.Commit(HeaderSize, length - HeaderSize, id, slot);
            return;
        }
        // On the server: the header is the client's target. Forwarded copies carry the client's id instead.
        bool local;
        if (id == TargetPeerServer)
        {
            local = true;
        }
        else if (id > TargetPeerServer)
        {
            local = false;
            if (id != from.Id && _peers.TryGetValue(id, out var dest) && dest.Connected)
            {
                BinaryPrimitives.WriteInt32LittleEndian(buffer, from.Id);
                dest.Channels[slot].PutPacket(buffer.AsSpan(0, length));
                RelayedPacketCount++;
            }
            else
            {
                Discard(from.Id, "relay target is not a connected client");
            }
        }
        else if (id == int.MinValue)
        {
            Discard(from.Id, "bad target id in the relay header");
            return;
        }
        else
        {
            int exclude = -id; // 0: nobody excluded
            local = exclude != TargetPeerServer;
            BinaryPrimitives.WriteInt32LittleEndian(buffer, from.Id);
            for (int i = 0; i < _order.Count; i++)
            {
                var dest = _order[i];
                if (dest == from || dest.Id == exclude || !dest.Connected)
                    continue;
                dest.Channels[slot].PutPacket(buffer.AsSpan(0, length));
                RelayedPacketCount++;
            }
        }
        if (local)
            _queue.Commit(HeaderSize, length - HeaderSize, from.Id, slot);
    }

    private void Discard(int from, string why)
    {
        DiscardedPacketCount++;
        if (WebRtcLog.IsEnabled(WebRtcLogLevel.Debug))
            WebRtcLog.Write(WebRtcLogLevel.Debug, $"{Source}: packet from peer {from} discarded: {why}");
    }
}
