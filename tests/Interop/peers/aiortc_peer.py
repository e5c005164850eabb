#!/usr/bin/python3
"""aiortc echo peer for the WebRtcNative interop matrix.

Speaks the line-based JSON protocol of tests/Interop/README.md on stdin/stdout:
  signaling  {"type":"offer"|"answer","sdp":...}, {"type":"candidate","candidate":...,"mid":...}
  control    {"type":"control","action":"create","label":L,"kind":"reliable"|"unreliable"|"negotiated","id":N}
             {"type":"control","action":"offer"}        (offerer role: create and send the offer)
             {"type":"control","action":"close","label":L}
             {"type":"control","action":"quit"}
  events     {"type":"event","event":"open"|"closed","label":L}, {"type":"event","event":"state","state":S}
Every message received on any channel is echoed back on the same channel, text as text and binary
as binary. Run it with Debian's /usr/bin/python3 (python3-aiortc), inside a network namespace: aiortc
skips loopback and gathers every other interface. No STUN/TURN server is configured (iceServers=[]:
aiortc would otherwise default to a public STUN server).
"""
import asyncio
import json
import logging
import sys

from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.sdp import candidate_from_sdp

try:
    from aiortc import __version__ as AIORTC_VERSION
except ImportError:  # pragma: no cover
    AIORTC_VERSION = "unknown"


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def log(msg):
    sys.stderr.write("[aiortc] " + msg + "\n")
    sys.stderr.flush()


class Peer:
    def __init__(self, role):
        self.role = role
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.channels = {}
        self.pending_candidates = []
        self.remote_set = False
        self.done = asyncio.Event()

        @self.pc.on("datachannel")
        def on_datachannel(channel):
            self.attach(channel)
            # Incoming in-band channels are already open when announced.
            if channel.readyState == "open":
                emit({"type": "event", "event": "open", "label": channel.label})

        @self.pc.on("connectionstatechange")
        def on_state():
            emit({"type": "event", "event": "state", "state": self.pc.connectionState})

    def attach(self, channel):
        self.channels[channel.label] = channel

        @channel.on("open")
        def on_open():
            emit({"type": "event", "event": "open", "label": channel.label})

        @channel.on("close")
        def on_close():
            emit({"type": "event", "event": "closed", "label": channel.label})

        @channel.on("message")
        def on_message(message):
            # Echo byte for byte, preserving the text/binary distinction.
            if channel.readyState == "open":
                channel.send(message)

    def create(self, label, kind, stream_id=None):
        if kind == "reliable":
            ch = self.pc.createDataChannel(label)
        elif kind == "unreliable":
            ch = self.pc.createDataChannel(label, ordered=False, maxRetransmits=0)
        elif kind == "negotiated":
            ch = self.pc.createDataChannel(label, negotiated=True, id=int(stream_id))
        else:
            raise ValueError("unknown kind " + kind)
        self.attach(ch)
        if ch.readyState == "open":
            emit({"type": "event", "event": "open", "label": label})

    async def add_candidate(self, cand, mid):
        if cand.startswith("a="):
            cand = cand[2:]
        if cand.startswith("candidate:"):
            cand = cand[len("candidate:"):]
        if not cand.strip():
            return
        c = candidate_from_sdp(cand)
        c.sdpMid = mid
        c.sdpMLineIndex = 0
        await self.pc.addIceCandidate(c)

    async def handle(self, msg):
        t = msg.get("type")
        if t == "offer":
            await self.pc.setRemoteDescription(RTCSessionDescription(sdp=msg["sdp"], type="offer"))
            await self.flush_candidates()
            await self.pc.setLocalDescription(await self.pc.createAnswer())
            # aiortc does not trickle: its candidates are in the SDP.
            emit({"type": "answer", "sdp": self.pc.localDescription.sdp})
        elif t == "answer":
            await self.pc.setRemoteDescription(RTCSessionDescription(sdp=msg["sdp"], type="answer"))
            await self.flush_candidates()
        elif t == "candidate":
            if self.remote_set:
                await self.add_candidate(msg.get("candidate", ""), msg.get("mid"))
            else:
                self.pending_candidates.append(msg)
        elif t == "control":
            a = msg.get("action")
            if a == "create":
                self.create(msg["label"], msg["kind"], msg.get("id"))
            elif a == "offer":
                await self.pc.setLocalDescription(await self.pc.createOffer())
                emit({"type": "offer", "sdp": self.pc.localDescription.sdp})
            elif a == "close":
                ch = self.channels.get(msg["label"])
                if ch is not None:
                    ch.close()
                else:
                    log("close: no channel " + msg["label"])
            elif a == "quit":
                self.done.set()
            elif a == "version":
                emit({"type": "event", "event": "version", "peer": "aiortc", "version": AIORTC_VERSION})

    async def flush_candidates(self):
        self.remote_set = True
        pending, self.pending_candidates = self.pending_candidates, []
        for m in pending:
            await self.add_candidate(m.get("candidate", ""), m.get("mid"))


async def main():
    role = sys.argv[1] if len(sys.argv) > 1 else "answerer"
    if "-v" in sys.argv:
        logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)
    peer = Peer(role)
    emit({"type": "event", "event": "version", "peer": "aiortc", "version": AIORTC_VERSION})
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=16 * 1024 * 1024)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)

    async def read_loop():
        while True:
            line = await reader.readline()
            if not line:
                peer.done.set()
                return
            line = line.strip()
            if not line:
                continue
            try:
                msg = json.loads(line)
            except ValueError:
                log("bad line: %r" % line[:200])
                continue
            try:
                await peer.handle(msg)
            except Exception as e:  # report and keep going
                log("error handling %s: %r" % (msg.get("type"), e))
                emit({"type": "event", "event": "error", "message": repr(e)})

    task = asyncio.ensure_future(read_loop())
    await peer.done.wait()
    task.cancel()
    await peer.pc.close()


if __name__ == "__main__":
    asyncio.run(main())
