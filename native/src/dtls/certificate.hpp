// Self-signed DTLS certificate (ECDSA P-256 by default, RSA-2048 on request) and fingerprints.
#pragma once

#include "rtc/rtc.h"

#include <ctime>
#include <memory>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <string>

namespace rtcimpl {

class Certificate {
public:
	// One certificate per type at a time: generation costs milliseconds (RSA: far more). It is
	// valid for 30 days and replaced by a fresh one once fewer than 7 days remain (`now` is the
	// current time unless a test moves it), so a long-running process never hands out an
	// expired certificate. Connections keep the certificate they started with.
	static std::shared_ptr<Certificate> get(rtcCertificateType type, std::time_t now = std::time(nullptr));
	~Certificate();

	X509 *x509() const { return mX509; }
	EVP_PKEY *key() const { return mKey; }
	const std::string &fingerprint() const { return mFingerprint; } // sha-256, "AB:CD:..."
	bool validAt(std::time_t when) const; // within notBefore..notAfter

	// Fingerprint of any certificate with the named hash ("sha-256", ...); empty if unknown.
	static std::string fingerprintOf(X509 *cert, const std::string &algorithm);

private:
	Certificate(X509 *x509, EVP_PKEY *key);
	X509 *mX509;
	EVP_PKEY *mKey;
	std::string mFingerprint;
};

} // namespace rtcimpl
