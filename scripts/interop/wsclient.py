"""A minimal RFC 6455 WebSocket client (stdlib only): text frames, masking, ping/pong, close.
Enough for the signaling bridge and for Chromium's DevTools protocol in the interop tests."""
import base64
import os
import socket
import struct
import threading
from urllib.parse import urlparse


class WebSocket:
    def __init__(self, url, timeout=10):
        u = urlparse(url)
        if u.scheme != "ws":
            raise ValueError("only ws:// URLs")
        self.sock = socket.create_connection((u.hostname, u.port or 80), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        path = (u.path or "/") + ("?" + u.query if u.query else "")
        req = ("GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n"
               % (path, u.hostname, u.port or 80, key))
        self.sock.sendall(req.encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("handshake: connection closed")
            head += chunk
        head, self.buf = head.split(b"\r\n\r\n", 1)
        status = head.split(b"\r\n", 1)[0]
        if b" 101 " not in status + b" ":
            raise ConnectionError("handshake refused: %r" % status)
        self.sock.settimeout(None)
        self.wlock = threading.Lock()
        self.closed = False

    def _recv_exact(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("connection closed")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def _send_frame(self, opcode, payload):
        header = bytes([0x80 | opcode])
        n = len(payload)
        if n < 126:
            header += bytes([0x80 | n])
        elif n < 65536:
            header += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            header += bytes([0x80 | 127]) + struct.pack(">Q", n)
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i & 3] for i, b in enumerate(payload))
        with self.wlock:
            self.sock.sendall(header + mask + masked)

    def send(self, text):
        self._send_frame(0x1, text.encode("utf-8"))

    def recv(self):
        """Next text message as str, or None once the connection is closed."""
        message = b""
        try:
            while True:
                b0, b1 = self._recv_exact(2)
                opcode, fin = b0 & 0x0F, b0 & 0x80
                n = b1 & 0x7F
                if n == 126:
                    n = struct.unpack(">H", self._recv_exact(2))[0]
                elif n == 127:
                    n = struct.unpack(">Q", self._recv_exact(8))[0]
                if b1 & 0x80:
                    mask = self._recv_exact(4)
                    payload = bytes(b ^ mask[i & 3] for i, b in enumerate(self._recv_exact(n)))
                else:
                    payload = self._recv_exact(n)
                if opcode == 0x8:
                    self.close()
                    return None
                if opcode == 0x9:
                    self._send_frame(0xA, payload)
                    continue
                if opcode == 0xA:
                    continue
                message += payload
                if fin:
                    return message.decode("utf-8", "replace")
        except (ConnectionError, OSError):
            self.closed = True
            return None

    def close(self):
        if not self.closed:
            self.closed = True
            try:
                self._send_frame(0x8, struct.pack(">H", 1000))
            except OSError:
                pass
            try:
                self.sock.close()
            except OSError:
                pass
