// CHECK for the internal unit tests (test_*.cpp): counts checks and failures, prints each
// failure with its line, and lets the test go on; main() reports and returns g_failures != 0.
#pragma once

#include <cstdio>

static int g_failures = 0;
static int g_checks = 0;

#define CHECK(cond)                                                                                \
	do {                                                                                           \
		++g_checks;                                                                                \
		if (!(cond)) {                                                                             \
			++g_failures;                                                                          \
			std::fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);                   \
		}                                                                                          \
	} while (0)
