#include "dtls/certificate.hpp"
#include "common/log.hpp"

#include <map>
#include <mutex>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <stdexcept>
#include <vector>

namespace rtcimpl {

namespace {
EVP_PKEY *generateKey(rtcCertificateType type) {
	if (type == RTC_CERTIFICATE_RSA)
		return EVP_RSA_gen(2048);
	return EVP_EC_gen("prime256v1");
}

constexpr long kLifetimeS = 30L * 24 * 3600;
constexpr long kRenewBeforeS = 7L * 24 * 3600;

X509 *makeSelfSigned(EVP_PKEY *key, std::time_t now) {
	X509 *x = X509_new();
	if (!x)
		return nullptr;
	X509_set_version(x, 2);
	// Random positive serial: browsers reject duplicate serial/issuer pairs across sessions.
	unsigned char serialBytes[8];
	RAND_bytes(serialBytes, sizeof(serialBytes));
	serialBytes[0] &= 0x7f;
	BIGNUM *serial = BN_bin2bn(serialBytes, sizeof(serialBytes), nullptr);
	BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(x));
	BN_free(serial);
	X509_time_adj_ex(X509_getm_notBefore(x), 0, -3600, &now);
	X509_time_adj_ex(X509_getm_notAfter(x), 0, kLifetimeS, &now);
	X509_NAME *name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	                           reinterpret_cast<const unsigned char *>("webrtcnative"), -1, -1, 0);
	X509_set_issuer_name(x, name);
	X509_set_pubkey(x, key);
	if (!X509_sign(x, key, EVP_sha256())) {
		X509_free(x);
		return nullptr;
	}
	return x;
}
} // namespace

std::shared_ptr<Certificate> Certificate::get(rtcCertificateType type, std::time_t now) {
	static std::mutex mutex;
	// Never destroyed: the shared DTLS contexts hold these certificates for the process.
	static auto *cache = new std::map<int, std::shared_ptr<Certificate>>();
	// Replaced certificates stay alive too: the DTLS context cache is keyed by their address,
	// which must not be reused by a later certificate (one small object per 23 days).
	static auto *retired = new std::vector<std::shared_ptr<Certificate>>();
	if (type == RTC_CERTIFICATE_DEFAULT)
		type = RTC_CERTIFICATE_ECDSA;
	std::lock_guard lock(mutex);
	auto &slot = (*cache)[int(type)];
	if (slot && !slot->validAt(now + kRenewBeforeS)) {
		LOG_INFO("DTLS certificate expires within " + std::to_string(kRenewBeforeS / 86400) +
		         " days; generating a new one");
		retired->push_back(std::move(slot));
		slot.reset();
	}
	if (!slot) {
		EVP_PKEY *key = generateKey(type);
		if (!key)
			throw std::runtime_error("certificate key generation failed");
		X509 *x509 = makeSelfSigned(key, now);
		if (!x509) {
			EVP_PKEY_free(key);
			throw std::runtime_error("certificate signing failed");
		}
		slot.reset(new Certificate(x509, key));
		LOG_DEBUG("generated DTLS certificate, fingerprint sha-256 " + slot->fingerprint());
	}
	return slot;
}

bool Certificate::validAt(std::time_t when) const {
	return X509_cmp_time(X509_get0_notBefore(mX509), &when) < 0 &&
	       X509_cmp_time(X509_get0_notAfter(mX509), &when) > 0;
}

Certificate::Certificate(X509 *x509, EVP_PKEY *key)
    : mX509(x509), mKey(key), mFingerprint(fingerprintOf(x509, "sha-256")) {}

Certificate::~Certificate() {
	X509_free(mX509);
	EVP_PKEY_free(mKey);
}

std::string Certificate::fingerprintOf(X509 *cert, const std::string &algorithm) {
	const EVP_MD *md = nullptr;
	if (algorithm == "sha-256")
		md = EVP_sha256();
	else if (algorithm == "sha-384")
		md = EVP_sha384();
	else if (algorithm == "sha-512")
		md = EVP_sha512();
	else if (algorithm == "sha-1")
		md = EVP_sha1();
	if (!md || !cert)
		return {};
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	if (!X509_digest(cert, md, digest, &len))
		return {};
	static const char hex[] = "0123456789ABCDEF";
	std::string out;
	out.reserve(len * 3);
	for (unsigned int i = 0; i < len; ++i) {
		if (i)
			out += ':';
		out += hex[digest[i] >> 4];
		out += hex[digest[i] & 0xf];
	}
	return out;
}

} // namespace rtcimpl
