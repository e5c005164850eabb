// The process-wide DTLS certificate is renewed before it expires (30-day validity, replaced
// once fewer than 7 days remain), instead of being cached for the process lifetime.
#include "dtls/certificate.hpp"

#include <cstdio>
#include <ctime>

using namespace rtcimpl;

static int g_failures = 0;
#define CHECK(cond)                                                                                \
	do {                                                                                           \
		if (!(cond)) {                                                                             \
			++g_failures;                                                                          \
			std::fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);                   \
		}                                                                                          \
	} while (0)

int main() {
	const std::time_t day = 24 * 3600;
	std::time_t now = std::time(nullptr);
	auto first = Certificate::get(RTC_CERTIFICATE_ECDSA, now);
	CHECK(first->validAt(now));
	CHECK(first->validAt(now + 29 * day));
	CHECK(!first->validAt(now + 31 * day)); // 30-day validity
	// Cached while it has 7 days or more left.
	CHECK(Certificate::get(RTC_CERTIFICATE_ECDSA, now) == first);
	CHECK(Certificate::get(RTC_CERTIFICATE_DEFAULT, now + 22 * day) == first);
	// 24 days later fewer than 7 remain: a new certificate, valid for 30 days from then.
	auto renewed = Certificate::get(RTC_CERTIFICATE_ECDSA, now + 24 * day);
	CHECK(renewed != first);
	CHECK(renewed->fingerprint() != first->fingerprint());
	CHECK(renewed->validAt(now + 24 * day));
	CHECK(renewed->validAt(now + 50 * day));
	CHECK(Certificate::get(RTC_CERTIFICATE_ECDSA, now + 25 * day) == renewed);
	// The old one stays usable by whoever holds it (connections keep theirs).
	CHECK(first->validAt(now + 24 * day));
	if (g_failures)
		return 1;
	std::printf("test_certificate: ok\n");
	return 0;
}
