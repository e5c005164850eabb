// TURN over TLS ("turns:", RFC 7065 / RFC 8656 §3.1) for libnice, which has no TLS of its own:
// with RFC 5245 compatibility its NICE_RELAY_TYPE_TURN_TLS opens a plain TCP connection to the
// TLS port (and the Google/MSOC modes send a fixed fake handshake), so nothing would be encrypted
// and no certificate checked. Instead each turns: server gets a tunnel: a listener on the loopback
// address of the server's family that libnice reaches as a TURN-over-TCP server; every accepted
// connection is carried over a TLS connection to the real server, whose certificate chain is
// checked against the system trust store plus the CA file set by rtcSetTurnCaFile, and whose
// name (or IP address) must match the URL's host. A server that fails the check is disconnected
// (logged), so its allocation fails and no relayed candidate comes from it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "common/event_loop.hpp"

typedef struct ssl_ctx_st SSL_CTX;

namespace rtcimpl {

class TurnTlsTunnel {
public:
	// Process-wide extra trust anchors (PEM file) for connections created afterwards; empty
	// clears. Returns false (and keeps the previous setting) when the file holds no usable
	// certificate.
	static bool setExtraCaFile(const std::string &path, std::string *error);

	// Listens on 127.0.0.1 or ::1 (the family of serverIp) on an ephemeral port; host is the
	// URL's host, checked against the server's certificate. Throws std::runtime_error.
	TurnTlsTunnel(EventLoop &loop, const std::string &host, const std::string &serverIp,
	              uint16_t serverPort);
	~TurnTlsTunnel(); // loop thread (or before any connection was accepted)

	TurnTlsTunnel(const TurnTlsTunnel &) = delete;
	TurnTlsTunnel &operator=(const TurnTlsTunnel &) = delete;

	const std::string &localIp() const { return mLocalIp; }
	uint16_t localPort() const { return mLocalPort; }

	// Upper bound on the bytes buffered in each direction of one connection before reading from
	// the other side pauses (back-pressure instead of growth).
	static constexpr size_t kMaxBuffered = 1 << 20;
	// Bound on simultaneous connections through one tunnel (libnice opens one per local address).
	static constexpr size_t kMaxConnections = 16;

private:
	struct Connection;
	static int onAccept(void *socket, unsigned condition, void *self);
	void drop(Connection *c);

	EventLoop &mLoop;
	std::string mHost, mServerIp, mLocalIp;
	uint16_t mServerPort, mLocalPort = 0;
	void *mListener = nullptr; // GSocket
	void *mAcceptSource = nullptr; // GSource
	SSL_CTX *mCtx = nullptr;
	std::map<Connection *, std::unique_ptr<Connection>> mConnections;
	friend struct Connection;
};

} // namespace rtcimpl
