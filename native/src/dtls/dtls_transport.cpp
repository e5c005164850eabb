#include "dtls/dtls_transport.hpp"
#include "common/event_loop.hpp"
#include "common/log.hpp"

#include <algorithm>
#include <map>
#include <mutex>
#include <cstring>
#include <openssl/err.h>
#include <stdexcept>

namespace rtcimpl {

namespace {
constexpr const char *kCiphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA:ECDHE-RSA-AES256-SHA";
constexpr unsigned kInitialTimeoutUs = 100 * 1000; // loopback peers answer in well under 1 ms
constexpr unsigned kMaxTimeoutUs = 3 * 1000 * 1000;
constexpr size_t kMaxRecord = 16384 + 2048;

int transportIndex() {
	static int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
	return index;
}

BIO_METHOD *bioMethod(int (*w)(BIO *, const char *, int), int (*r)(BIO *, char *, int),
                      long (*c)(BIO *, int, long, void *)) {
	static BIO_METHOD *method = [&] {
		BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "rtc-ice");
		BIO_meth_set_write(m, w);
		BIO_meth_set_read(m, r);
		BIO_meth_set_ctrl(m, c);
		BIO_meth_set_create(m, [](BIO *b) {
			BIO_set_init(b, 1);
			return 1;
		});
		return m;
	}();
	return method;
}

std::string opensslError() {
	unsigned long e = ERR_get_error();
	if (!e)
		return "unknown error";
	char buf[256];
	ERR_error_string_n(e, buf, sizeof(buf));
	ERR_clear_error();
	return buf;
}
} // namespace

// One context per certificate for the process: OpenSSL 3's SSL_CTX_new costs about a
// millisecond (provider lookups), which dominated connection setup when done per connection.
// Contexts are thread-safe once configured; per-connection state lives in the SSL object.
SSL_CTX *DtlsTransport::sharedContext(const std::shared_ptr<Certificate> &certificate) {
	static std::mutex mutex;
	// Never destroyed, like the certificates: the contexts stay reachable until the process ends.
	static auto *contexts = new std::map<Certificate *, SSL_CTX *>();
	std::lock_guard lock(mutex);
	auto &slot = (*contexts)[certificate.get()];
	if (slot)
		return slot;
	SSL_CTX *ctx = SSL_CTX_new(DTLS_method());
	if (!ctx)
		throw std::runtime_error("SSL_CTX_new failed: " + opensslError());
	SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION);
	SSL_CTX_set_max_proto_version(ctx, DTLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_QUERY_MTU | SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION |
	                              SSL_OP_CIPHER_SERVER_PREFERENCE);
	SSL_CTX_set_cipher_list(ctx, kCiphers);
	SSL_CTX_set1_groups_list(ctx, "X25519:P-256:P-384");
	// Offer the use_srtp extension even without media: some stacks (pion) drop a DTLS session
	// for WebRTC that lacks it. SSL_CTX_set_tlsext_use_srtp returns 0 on success.
	if (SSL_CTX_set_tlsext_use_srtp(ctx, "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80") != 0)
		LOG_WARNING("DTLS: could not enable the use_srtp extension");
	SSL_CTX_set_read_ahead(ctx, 1);
	SSL_CTX_set_quiet_shutdown(ctx, 0);
	// Self-signed certificates: trust comes from the SDP fingerprint, checked in verifyCallback.
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, verifyCallback);
	SSL_CTX_set_verify_depth(ctx, 1);
	if (!SSL_CTX_use_certificate(ctx, certificate->x509()) ||
	    !SSL_CTX_use_PrivateKey(ctx, certificate->key()) || !SSL_CTX_check_private_key(ctx))
		throw std::runtime_error("DTLS certificate setup failed: " + opensslError());

	slot = ctx;
	return slot;
}

DtlsTransport::DtlsTransport(EventLoop &loop, std::shared_ptr<Certificate> certificate, bool client,
                             std::string remoteAlgorithm, std::string remoteFingerprint, int mtu,
                             LowerSend lowerSend, Callbacks callbacks)
    : mLoop(loop), mCertificate(std::move(certificate)), mClient(client),
      mRemoteAlgorithm(std::move(remoteAlgorithm)), mRemoteFingerprint(std::move(remoteFingerprint)),
      mLowerSend(std::move(lowerSend)), mCallbacks(std::move(callbacks)) {
	mCtx = sharedContext(mCertificate);
	SSL_CTX_up_ref(mCtx);
	mSsl = SSL_new(mCtx);
	SSL_set_ex_data(mSsl, transportIndex(), this);
	BIO *bio = BIO_new(bioMethod(bioWrite, bioRead, bioCtrl));
	BIO_set_data(bio, this);
	SSL_set_bio(mSsl, bio, bio); // one BIO for both directions; SSL owns it
	// Payload MTU: the link MTU minus IPv6 + UDP headers, the worst case.
	SSL_set_mtu(mSsl, mtu - 48);
	DTLS_set_timer_cb(mSsl, timerCallback);
	if (mClient)
		SSL_set_connect_state(mSsl);
	else
		SSL_set_accept_state(mSsl);
	mRecvBuffer.resize(kMaxRecord * 4);
}

DtlsTransport::~DtlsTransport() {
	close();
	mLoop.cancel(mTimer);
	std::lock_guard lock(mMutex);
	SSL_free(mSsl);
	SSL_CTX_free(mCtx);
}

std::string DtlsTransport::remoteFingerprintSeen() const { return mSeenFingerprint; }

void DtlsTransport::start() {
	std::lock_guard lock(mMutex);
	if (mClosed)
		return;
	if (mClient) {
		LOG_INFO("timeline: dtls handshake start: client");
		continueHandshake();
	}
}

void DtlsTransport::continueHandshake() {
	int ret = SSL_do_handshake(mSsl);
	if (ret == 1) {
		mHandshakeDone = true;
		mLoop.cancel(mTimer);
		mTimer = 0;
		LOG_INFO(std::string("timeline: dtls handshake done: ") + (mClient ? "client" : "server") +
		         ", retransmissions " + std::to_string(mRetransmissions) + ", cipher " +
		         SSL_get_cipher(mSsl));
		return;
	}
	int err = SSL_get_error(mSsl, ret);
	if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
		armTimer();
		return;
	}
	std::string reason = mVerifyError.empty() ? "DTLS handshake failed: " + opensslError() : mVerifyError;
	mClosed = true;
	mLoop.cancel(mTimer);
	mTimer = 0;
	// Report outside the lock: fail() runs on the loop after this call unwinds.
	mLoop.post([this, weak = weak_from_this(), reason] {
		if (auto keep = weak.lock())
			fail(reason);
	});
}

void DtlsTransport::armTimer() {
	timeval tv{};
	if (!DTLSv1_get_timeout(mSsl, &tv))
		return;
	auto ms = std::chrono::milliseconds(tv.tv_sec * 1000 + (tv.tv_usec + 999) / 1000);
	mLoop.cancel(mTimer);
	mTimer = mLoop.addTimer(ms, [this, weak = weak_from_this(), ms] {
		auto keep = weak.lock();
		if (!keep)
			return false;
		std::lock_guard lock(mMutex);
		mTimer = 0;
		if (mClosed || mHandshakeDone)
			return false;
		// An expiry resends our last flight: the count shows a lost or unanswered flight.
		++mRetransmissions;
		LOG_INFO("timeline: dtls retransmission: " + std::to_string(mRetransmissions) + " after " +
		         std::to_string(ms.count()) + " ms");
		if (DTLSv1_handle_timeout(mSsl) < 0) {
			mClosed = true;
			mLoop.post([this, weak] {
				if (auto keep = weak.lock())
					fail("DTLS handshake timed out");
			});
			return false;
		}
		armTimer();
		return false;
	});
}

unsigned int DtlsTransport::timerCallback(SSL *, unsigned int previousUs) {
	if (previousUs == 0)
		return kInitialTimeoutUs;
	return std::min(previousUs * 2, kMaxTimeoutUs);
}

void DtlsTransport::fail(const std::string &reason) {
	LOG_WARNING(reason);
	// Posted before close() and run after it: the owner may be gone, and asked for silence.
	if (mDetached)
		return;
	if (mCallbacks.failed)
		mCallbacks.failed(reason);
}

void DtlsTransport::incoming(const char *data, size_t size) {
	// RFC 7983 demultiplexing: DTLS records start with a content type in 20..63.
	if (size == 0 || uint8_t(data[0]) < 20 || uint8_t(data[0]) > 63)
		return;
	bool justConnected = false, gotClose = false;
	std::string failure;
	mRecords.clear();
	{
		std::lock_guard lock(mMutex);
		if (mClosed)
			return;
		mReadData = data;
		mReadSize = size;
		if (!mHandshakeDone) {
			if (!mClient && !mServerStarted) {
				mServerStarted = true;
				LOG_INFO("timeline: dtls handshake start: server (first record received)");
			}
			continueHandshake();
			if (mHandshakeDone)
				justConnected = !mConnectedSignalled.exchange(true);
		}
		if (mHandshakeDone && !mClosed) {
			size_t used = 0;
			while (used + kMaxRecord <= mRecvBuffer.size()) {
				int n = SSL_read(mSsl, mRecvBuffer.data() + used, int(mRecvBuffer.size() - used));
				if (n > 0) {
					mRecords.emplace_back(used, size_t(n));
					used += size_t(n);
					continue;
				}
				int err = SSL_get_error(mSsl, n);
				if (err == SSL_ERROR_ZERO_RETURN) {
					gotClose = true;
					mClosed = true;
				} else if (err == SSL_ERROR_SSL) {
					// A fatal alert from the peer, or a record we cannot accept: the session
					// is over (RFC 6347 section 4.1.2.7).
					failure = "DTLS failed after the handshake: " + opensslError();
					mClosed = true;
				} else if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
					LOG_DEBUG("DTLS read error: " + opensslError());
				}
				break;
			}
		}
		mReadData = nullptr;
		mReadSize = 0;
	}
	if (justConnected && mCallbacks.connected)
		mCallbacks.connected();
	for (auto &[offset, length] : mRecords)
		if (mCallbacks.data)
			mCallbacks.data(mRecvBuffer.data() + offset, length);
	if (!failure.empty()) {
		fail(failure);
		return;
	}
	if (gotClose) {
		LOG_DEBUG("DTLS close_notify received");
		if (mCallbacks.closed)
			mCallbacks.closed();
	}
}

bool DtlsTransport::send(const char *data, size_t size) {
	std::lock_guard lock(mMutex);
	if (mClosed || !mHandshakeDone)
		return false;
	int n = SSL_write(mSsl, data, int(size));
	if (n <= 0) {
		ERR_clear_error();
		return false;
	}
	return true;
}

void DtlsTransport::close() {
	mDetached = true;
	std::lock_guard lock(mMutex);
	if (mClosed.exchange(true))
		return;
	if (mHandshakeDone)
		SSL_shutdown(mSsl); // close_notify, best effort
	mLoop.cancel(mTimer);
	mTimer = 0;
}

int DtlsTransport::bioWrite(BIO *bio, const char *data, int size) {
	auto t = static_cast<DtlsTransport *>(BIO_get_data(bio));
	// Losing a datagram is DTLS's problem to recover (retransmission timer); never fail here.
	if (t->mLowerSend)
		t->mLowerSend(data, size_t(size));
	return size;
}

int DtlsTransport::bioRead(BIO *bio, char *data, int size) {
	auto t = static_cast<DtlsTransport *>(BIO_get_data(bio));
	BIO_clear_retry_flags(bio);
	if (!t->mReadData || t->mReadSize == 0) {
		BIO_set_retry_read(bio);
		return -1;
	}
	int n = int(std::min(size_t(size), t->mReadSize));
	std::memcpy(data, t->mReadData, size_t(n));
	t->mReadData = nullptr; // one datagram per read, as a datagram socket would
	t->mReadSize = 0;
	return n;
}

long DtlsTransport::bioCtrl(BIO *bio, int cmd, long num, void *ptr) {
	auto t = static_cast<DtlsTransport *>(BIO_get_data(bio));
	switch (cmd) {
	case BIO_CTRL_FLUSH: return 1;
	case BIO_CTRL_PENDING: return t ? long(t->mReadSize) : 0;
	case BIO_CTRL_WPENDING: return 0;
	case BIO_CTRL_DGRAM_QUERY_MTU: return 0;
	case BIO_CTRL_DGRAM_GET_MTU_OVERHEAD: return 0;
	default: return 0;
	}
}

int DtlsTransport::verifyCallback(int, X509_STORE_CTX *ctx) {
	if (X509_STORE_CTX_get_error_depth(ctx) > 0)
		return 1; // only the leaf matters; the fingerprint pins it
	SSL *ssl = static_cast<SSL *>(
	    X509_STORE_CTX_get_ex_data(ctx, SSL_get_ex_data_X509_STORE_CTX_idx()));
	auto t = static_cast<DtlsTransport *>(SSL_get_ex_data(ssl, transportIndex()));
	X509 *cert = X509_STORE_CTX_get_current_cert(ctx);
	std::string seen = Certificate::fingerprintOf(cert, t->mRemoteAlgorithm);
	t->mSeenFingerprint = seen;
	if (seen.empty() || seen != t->mRemoteFingerprint) {
		t->mVerifyError = "DTLS remote certificate fingerprint mismatch (expected " +
		                  t->mRemoteAlgorithm + " " + t->mRemoteFingerprint + ", got " + seen + ")";
		return 0;
	}
	return 1;
}

int DtlsTransport::cipherSuite(std::string *name) {
	std::lock_guard lock(mMutex);
	if (!mSsl || !mHandshakeDone)
		return 0;
	const SSL_CIPHER *cipher = SSL_get_current_cipher(mSsl);
	if (!cipher)
		return 0;
	if (name) {
		const char *standard = SSL_CIPHER_standard_name(cipher);
		*name = standard ? standard : SSL_CIPHER_get_name(cipher);
	}
	return int(SSL_CIPHER_get_protocol_id(cipher));
}

} // namespace rtcimpl
