// DTLS 1.2 (RFC 6347) over the ICE transport, with OpenSSL. Datagram boundaries are kept by a
// custom BIO: each record flight OpenSSL writes goes straight to ICE, and each received
// datagram is handed to OpenSSL as one read. The remote certificate must match the SDP
// fingerprint (RFC 8122), checked during the handshake so a mismatch fails both sides.
#pragma once

#include "common/event_loop.hpp"
#include "dtls/certificate.hpp"

#include <atomic>
#include <functional>
#include <glib.h>
#include <memory>
#include <mutex>
#include <openssl/ssl.h>
#include <string>
#include <vector>

namespace rtcimpl {

// Owned through ownedByLoop (common/loop_owned.hpp): destroyed on its loop; posted work and
// timers hold a weak reference.
class DtlsTransport : public std::enable_shared_from_this<DtlsTransport> {
public:
	using LowerSend = std::function<bool(const char *data, size_t size)>;
	struct Callbacks {
		std::function<void()> connected;                       // handshake done, peer verified
		std::function<void(const std::string &reason)> failed; // handshake or fatal error
		std::function<void()> closed;                          // close_notify received
		std::function<void(const char *data, size_t size)> data; // app data, loop thread, no lock held
	};

	DtlsTransport(EventLoop &loop, std::shared_ptr<Certificate> certificate, bool client,
	              std::string remoteFingerprintAlgorithm, std::string remoteFingerprint, int mtu,
	              LowerSend lowerSend, Callbacks callbacks);
	~DtlsTransport();

	bool isClient() const { return mClient; }
	void start();                                 // loop thread: the client sends its ClientHello
	void incoming(const char *data, size_t size); // loop thread: one received datagram
	bool send(const char *data, size_t size);     // any thread: one application record
	void close();                                 // sends close_notify once; no callback after

	std::string remoteFingerprintSeen() const;
	// The negotiated cipher suite (IANA number, and its IANA name into *name); 0 before the
	// handshake completed. Any thread (rtcGetStats).
	int cipherSuite(std::string *name);

private:
	static SSL_CTX *sharedContext(const std::shared_ptr<Certificate> &certificate);
	static int bioWrite(BIO *bio, const char *data, int size);
	static int bioRead(BIO *bio, char *data, int size);
	static long bioCtrl(BIO *bio, int cmd, long num, void *ptr);
	static int verifyCallback(int preverifyOk, X509_STORE_CTX *ctx);
	static unsigned int timerCallback(SSL *ssl, unsigned int previousUs);

	void continueHandshake(); // mutex held
	void armTimer();          // mutex held
	void fail(const std::string &reason);

	EventLoop &mLoop;
	std::shared_ptr<Certificate> mCertificate;
	const bool mClient;
	const std::string mRemoteAlgorithm, mRemoteFingerprint;
	LowerSend mLowerSend;
	Callbacks mCallbacks;

	std::mutex mMutex; // guards mSsl: OpenSSL objects are not thread-safe
	SSL_CTX *mCtx = nullptr;
	SSL *mSsl = nullptr;
	const char *mReadData = nullptr; // the datagram being fed to OpenSSL
	size_t mReadSize = 0;
	bool mHandshakeDone = false;
	bool mServerStarted = false;     // first record seen as server (timeline log)
	unsigned mRetransmissions = 0;   // timer expiries during the handshake
	std::atomic<bool> mClosed{false};
	std::atomic<bool> mDetached{false}; // close() called: no callback any more
	std::atomic<bool> mConnectedSignalled{false};
	std::string mVerifyError;
	std::string mSeenFingerprint;
	guint mTimer = 0;

	std::vector<char> mRecvBuffer;          // decrypted records of one datagram
	std::vector<std::pair<size_t, size_t>> mRecords;
};

} // namespace rtcimpl
