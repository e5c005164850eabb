#include "ice/turn_tls_tunnel.hpp"

#include "common/log.hpp"

// Windows headers first: OpenSSL's headers undo wincrypt.h's X509_NAME & co. macros.
#ifdef _WIN32
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <wincrypt.h>
#else
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/stat.h>
#endif

#include <gio/gio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <cstdlib>
#include <mutex>
#include <stdexcept>

namespace rtcimpl {

namespace {
std::mutex gCaMutex;
std::string gCaFile; // guarded by gCaMutex

std::string extraCaFile() {
	std::lock_guard lock(gCaMutex);
	return gCaFile;
}

std::string sslErrors() {
	std::string out;
	while (unsigned long e = ERR_get_error()) {
		char buf[256];
		ERR_error_string_n(e, buf, sizeof buf);
		if (!out.empty())
			out += "; ";
		out += buf;
	}
	return out.empty() ? "unknown error" : out;
}

#ifndef _WIN32
bool exists(const char *path) {
	struct stat st;
	return path && stat(path, &st) == 0;
}
#endif

// The system trust store. OpenSSL is linked statically from Debian, so its compiled-in default
// paths (/usr/lib/ssl/...) exist only on Debian-like systems: elsewhere the distribution's CA
// bundle is loaded from where it usually lives, and on Windows the ROOT system store is copied.
// SSL_CERT_FILE / SSL_CERT_DIR override the defaults, as for any OpenSSL program.
void loadSystemTrust(SSL_CTX *ctx) {
	SSL_CTX_set_default_verify_paths(ctx);
#ifdef _WIN32
	if (HCERTSTORE root = CertOpenSystemStoreW(0, L"ROOT")) {
		X509_STORE *store = SSL_CTX_get_cert_store(ctx);
		PCCERT_CONTEXT cert = nullptr;
		while ((cert = CertEnumCertificatesInStore(root, cert))) {
			const unsigned char *der = cert->pbCertEncoded;
			if (X509 *x = d2i_X509(nullptr, &der, long(cert->cbCertEncoded))) {
				X509_STORE_add_cert(store, x);
				X509_free(x);
			}
		}
		CertCloseStore(root, 0);
	}
#else
	if (getenv("SSL_CERT_FILE") || getenv("SSL_CERT_DIR") || exists(X509_get_default_cert_file()) ||
	    exists(X509_get_default_cert_dir()))
		return;
	static const char *const bundles[] = {
	    "/etc/ssl/certs/ca-certificates.crt",                // Debian, Ubuntu, Arch, Alpine
	    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", // Fedora, RHEL
	    "/etc/pki/tls/certs/ca-bundle.crt",                  // older RHEL
	    "/etc/ssl/ca-bundle.pem",                            // openSUSE
	    "/etc/ssl/cert.pem",                                 // macOS, Alpine, BSDs
	};
	for (const char *bundle : bundles)
		if (exists(bundle) && SSL_CTX_load_verify_locations(ctx, bundle, nullptr) == 1)
			break;
#endif
	ERR_clear_error();
}

bool wouldBlock(GError *err) { return err && g_error_matches(err, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK); }
} // namespace

bool TurnTlsTunnel::setExtraCaFile(const std::string &path, std::string *error) {
	if (!path.empty()) {
		// Load it once now so a wrong path is reported to the caller, not at connection time.
		SSL_CTX *probe = SSL_CTX_new(TLS_client_method());
		bool ok = probe && SSL_CTX_load_verify_locations(probe, path.c_str(), nullptr) == 1;
		if (!ok && error)
			*error = "cannot load CA file \"" + path + "\": " + sslErrors();
		ERR_clear_error();
		SSL_CTX_free(probe);
		if (!ok)
			return false;
	}
	std::lock_guard lock(gCaMutex);
	gCaFile = path;
	return true;
}

// One libnice TCP connection carried over one TLS connection to the server. Loop thread only.
struct TurnTlsTunnel::Connection {
	TurnTlsTunnel *tunnel;
	GSocket *client = nullptr, *server = nullptr;
	GSource *clientSource = nullptr, *serverSource = nullptr;
	GIOCondition clientCond = GIOCondition(0), serverCond = GIOCondition(0);
	SSL *ssl = nullptr;
	BIO *netIn = nullptr, *netOut = nullptr; // server bytes into TLS; TLS records out to server
	bool connected = false, handshaken = false;
	std::string plainFromClient, toServer, toClient;

	~Connection() {
		for (GSource *s : {clientSource, serverSource})
			if (s) {
				g_source_destroy(s);
				g_source_unref(s);
			}
		for (GSocket *s : {client, server})
			if (s) {
				g_socket_close(s, nullptr);
				g_object_unref(s);
			}
		if (ssl)
			SSL_free(ssl); // frees both BIOs
	}

	static gboolean onClient(GSocket *, GIOCondition cond, gpointer p) {
		auto *c = static_cast<Connection *>(p);
		return c->step(cond, GIOCondition(0));
	}
	static gboolean onServer(GSocket *, GIOCondition cond, gpointer p) {
		auto *c = static_cast<Connection *>(p);
		return c->step(GIOCondition(0), cond);
	}

	// Handles readiness, then re-arms the watches; on failure the connection is dropped (and
	// deleted: nothing may touch it afterwards).
	gboolean step(GIOCondition clientReady, GIOCondition serverReady) {
		std::string why;
		if (!advance(clientReady, serverReady, &why)) {
			if (!why.empty())
				LOG_ERROR("turns: " + tunnel->mHost + ":" + std::to_string(tunnel->mServerPort) +
				          ": " + why);
			tunnel->drop(this);
			return G_SOURCE_REMOVE; // the source is destroyed already; returning keeps GLib happy
		}
		rearm();
		return G_SOURCE_CONTINUE;
	}

	bool advance(GIOCondition clientReady, GIOCondition serverReady, std::string *why) {
		char buf[16384];
		GError *err = nullptr;
		if (!connected && (serverReady & (G_IO_OUT | G_IO_ERR | G_IO_HUP))) {
			if (!g_socket_check_connect_result(server, &err)) {
				*why = std::string("cannot connect: ") + err->message;
				g_error_free(err);
				return false;
			}
			connected = true;
		}
		if (connected && (serverReady & (G_IO_IN | G_IO_HUP | G_IO_ERR))) {
			gssize n = g_socket_receive(server, buf, sizeof buf, nullptr, &err);
			if (n < 0 && !wouldBlock(err)) {
				*why = std::string("receive failed: ") + err->message;
				g_error_free(err);
				return false;
			}
			g_clear_error(&err);
			if (n == 0)
				return false; // the server closed: libnice sees its TCP connection end
			if (n > 0)
				BIO_write(netIn, buf, int(n));
		}
		if (clientReady & (G_IO_IN | G_IO_HUP | G_IO_ERR)) {
			gssize n = g_socket_receive(client, buf, sizeof buf, nullptr, &err);
			if (n < 0 && !wouldBlock(err)) {
				g_error_free(err);
				return false;
			}
			g_clear_error(&err);
			if (n == 0)
				return false; // libnice let the allocation go
			if (n > 0)
				plainFromClient.append(buf, size_t(n));
		}
		if (connected && !handshaken) {
			int r = SSL_do_handshake(ssl);
			if (r == 1) {
				handshaken = true;
				LOG_INFO("turns: TLS to " + tunnel->mHost + ":" +
				         std::to_string(tunnel->mServerPort) + " established (" +
				         SSL_get_version(ssl) + ", " + SSL_get_cipher_name(ssl) +
				         "), certificate verified");
			} else if (int e = SSL_get_error(ssl, r); e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
				long verify = SSL_get_verify_result(ssl);
				*why = verify != X509_V_OK
				           ? std::string("server certificate refused: ") +
				                 X509_verify_cert_error_string(verify)
				           : "TLS handshake failed: " + sslErrors();
				ERR_clear_error();
				return false;
			}
		}
		if (handshaken) {
			if (!plainFromClient.empty()) {
				int r = SSL_write(ssl, plainFromClient.data(), int(plainFromClient.size()));
				if (r > 0)
					plainFromClient.erase(0, size_t(r)); // memory BIO: whole record written
				else if (SSL_get_error(ssl, r) != SSL_ERROR_WANT_READ) {
					*why = "TLS write failed: " + sslErrors();
					return false;
				}
			}
			while (toClient.size() < kMaxBuffered) {
				int r = SSL_read(ssl, buf, sizeof buf);
				if (r > 0) {
					toClient.append(buf, size_t(r));
					continue;
				}
				int e = SSL_get_error(ssl, r);
				if (e == SSL_ERROR_WANT_READ)
					break;
				if (e == SSL_ERROR_ZERO_RETURN)
					return false;
				*why = "TLS read failed: " + sslErrors();
				return false;
			}
		}
		while (BIO_pending(netOut) > 0) {
			int n = BIO_read(netOut, buf, sizeof buf);
			if (n <= 0)
				break;
			toServer.append(buf, size_t(n));
		}
		if (connected && !flush(server, toServer))
			return false;
		return flush(client, toClient);
	}

	static bool flush(GSocket *s, std::string &pending) {
		while (!pending.empty()) {
			GError *err = nullptr;
			gssize n = g_socket_send(s, pending.data(), pending.size(), nullptr, &err);
			if (n < 0) {
				bool again = wouldBlock(err);
				g_error_free(err);
				return again;
			}
			pending.erase(0, size_t(n));
		}
		return true;
	}

	void watch(GSocket *s, GSource *&source, GIOCondition &current, GIOCondition want,
	           GSocketSourceFunc fn) {
		if (source && current == want)
			return;
		if (source) {
			g_source_destroy(source);
			g_source_unref(source);
			source = nullptr;
		}
		current = want;
		if (!want)
			return;
		source = g_socket_create_source(s, want, nullptr);
		g_source_set_callback(source, reinterpret_cast<GSourceFunc>(reinterpret_cast<void (*)()>(fn)),
		                      this, nullptr);
		g_source_attach(source, tunnel->mLoop.context());
	}

	// Reads pause while the other direction holds kMaxBuffered bytes.
	void rearm() {
		int c = 0, s = 0;
		if (toServer.size() + plainFromClient.size() < kMaxBuffered)
			c |= G_IO_IN;
		if (!toClient.empty())
			c |= G_IO_OUT;
		if (!connected || !toServer.empty())
			s |= G_IO_OUT;
		if (connected && toClient.size() < kMaxBuffered)
			s |= G_IO_IN;
		watch(client, clientSource, clientCond, GIOCondition(c), onClient);
		watch(server, serverSource, serverCond, GIOCondition(s), onServer);
	}
};

TurnTlsTunnel::TurnTlsTunnel(EventLoop &loop, const std::string &host, const std::string &serverIp,
                             uint16_t serverPort)
    : mLoop(loop), mHost(host), mServerIp(serverIp), mServerPort(serverPort) {
	bool v6 = serverIp.find(':') != std::string::npos;
	mLocalIp = v6 ? "::1" : "127.0.0.1";
	mCtx = SSL_CTX_new(TLS_client_method());
	if (!mCtx)
		throw std::runtime_error("turns: cannot create a TLS context: " + sslErrors());
	SSL_CTX_set_min_proto_version(mCtx, TLS1_2_VERSION);
	SSL_CTX_set_verify(mCtx, SSL_VERIFY_PEER, nullptr);
	loadSystemTrust(mCtx);
	if (auto ca = extraCaFile(); !ca.empty() && SSL_CTX_load_verify_locations(mCtx, ca.c_str(), nullptr) != 1)
		LOG_WARNING("turns: CA file \"" + ca + "\" could not be loaded: " + sslErrors());
	ERR_clear_error();

	GError *err = nullptr;
	auto *listener = g_socket_new(v6 ? G_SOCKET_FAMILY_IPV6 : G_SOCKET_FAMILY_IPV4,
	                              G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &err);
	GSocketAddress *addr = listener ? g_inet_socket_address_new_from_string(mLocalIp.c_str(), 0) : nullptr;
	bool ok = listener && addr && g_socket_bind(listener, addr, FALSE, &err) &&
	          g_socket_listen(listener, &err);
	if (addr)
		g_object_unref(addr);
	if (ok) {
		GSocketAddress *local = g_socket_get_local_address(listener, &err);
		ok = local != nullptr;
		if (local) {
			mLocalPort = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(local));
			g_object_unref(local);
		}
	}
	if (!ok) {
		std::string msg = err ? err->message : "socket creation failed";
		g_clear_error(&err);
		if (listener)
			g_object_unref(listener);
		SSL_CTX_free(mCtx);
		throw std::runtime_error("turns: cannot listen on " + mLocalIp + ": " + msg);
	}
	g_socket_set_blocking(listener, FALSE);
	mListener = listener;
	auto *src = g_socket_create_source(listener, G_IO_IN, nullptr);
	g_source_set_callback(src, reinterpret_cast<GSourceFunc>(reinterpret_cast<void (*)()>(onAccept)),
	                      this, nullptr);
	g_source_attach(src, mLoop.context());
	mAcceptSource = src;
}

TurnTlsTunnel::~TurnTlsTunnel() {
	auto *src = static_cast<GSource *>(mAcceptSource);
	g_source_destroy(src);
	g_source_unref(src);
	mConnections.clear();
	auto *listener = static_cast<GSocket *>(mListener);
	g_socket_close(listener, nullptr);
	g_object_unref(listener);
	SSL_CTX_free(mCtx);
}

int TurnTlsTunnel::onAccept(void *, unsigned, void *p) {
	auto *self = static_cast<TurnTlsTunnel *>(p);
	GError *err = nullptr;
	GSocket *client = g_socket_accept(static_cast<GSocket *>(self->mListener), nullptr, &err);
	if (!client) {
		g_clear_error(&err);
		return G_SOURCE_CONTINUE;
	}
	if (self->mConnections.size() >= kMaxConnections) {
		LOG_WARNING("turns: more than " + std::to_string(kMaxConnections) +
		            " connections through one tunnel; refused");
		g_socket_close(client, nullptr);
		g_object_unref(client);
		return G_SOURCE_CONTINUE;
	}
	auto c = std::make_unique<Connection>();
	c->tunnel = self;
	c->client = client;
	g_socket_set_blocking(client, FALSE);
	bool v6 = self->mServerIp.find(':') != std::string::npos;
	c->server = g_socket_new(v6 ? G_SOCKET_FAMILY_IPV6 : G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
	                         G_SOCKET_PROTOCOL_TCP, &err);
	c->ssl = SSL_new(self->mCtx);
	if (!c->server || !c->ssl) {
		LOG_ERROR("turns: cannot create a connection to the server");
		g_clear_error(&err);
		return G_SOURCE_CONTINUE; // c's destructor closes the client
	}
	g_socket_set_blocking(c->server, FALSE);
	g_socket_set_option(c->server, IPPROTO_TCP, TCP_NODELAY, 1, nullptr);
	c->netIn = BIO_new(BIO_s_mem());
	c->netOut = BIO_new(BIO_s_mem());
	SSL_set_bio(c->ssl, c->netIn, c->netOut);
	SSL_set_connect_state(c->ssl);
	// The URL's host must match the certificate: an IP address against its IP SANs, a name
	// against its DNS names (and it is sent as SNI).
	GInetAddress *asIp = g_inet_address_new_from_string(self->mHost.c_str());
	if (asIp) {
		g_object_unref(asIp);
		X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), self->mHost.c_str());
	} else {
		SSL_set_tlsext_host_name(c->ssl, self->mHost.c_str());
		SSL_set1_host(c->ssl, self->mHost.c_str());
	}
	GSocketAddress *addr =
	    g_inet_socket_address_new_from_string(self->mServerIp.c_str(), self->mServerPort);
	bool started = addr && (g_socket_connect(c->server, addr, nullptr, &err) ||
	                        g_error_matches(err, G_IO_ERROR, G_IO_ERROR_PENDING));
	if (addr)
		g_object_unref(addr);
	if (!started) {
		LOG_ERROR("turns: cannot connect to " + self->mServerIp + ": " +
		          (err ? err->message : "bad address"));
		g_clear_error(&err);
		return G_SOURCE_CONTINUE;
	}
	g_clear_error(&err);
	Connection *raw = c.get();
	self->mConnections.emplace(raw, std::move(c));
	raw->rearm();
	return G_SOURCE_CONTINUE;
}

void TurnTlsTunnel::drop(Connection *c) { mConnections.erase(c); }

} // namespace rtcimpl
