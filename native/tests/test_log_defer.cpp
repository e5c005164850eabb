// Unit tests of log::Defer (native/src/common/log.hpp): lines written while a Defer lives reach
// the application's callback only when the outermost one ends, in order, at most
// kMaxDeferredLines of them plus one line counting the rest; a callback that logs again (as one
// calling back into the API may) is not lost and does not recurse into the held list; lines held
// when the logger stops are not written.
#include "common/log.hpp"

#include <string>
#include <vector>

#include "support/unit_check.hpp"

static std::vector<std::string> g_lines;
static bool g_logAgain = false;

static void RTC_API collect(rtcLogLevel, const char *message) {
	g_lines.emplace_back(message);
	if (g_logAgain && std::string(message) == "second") {
		g_logAgain = false;
		rtcimpl::log::Defer inner; // as an API entry point called from the callback would
		LOG_INFO("from the callback");
	}
}

int main() {
	using namespace rtcimpl;
	log::init(RTC_LOG_DEBUG, collect);

	LOG_INFO("plain");
	CHECK(g_lines.size() == 1); // no Defer: written at once

	g_lines.clear();
	{
		log::Defer outer;
		LOG_INFO("first");
		{
			log::Defer nested;
			LOG_WARNING("second");
		}
		CHECK(g_lines.empty()); // the nested one ending writes nothing: the outer still lives
		LOG_DEBUG("third");
		CHECK(g_lines.empty());
	}
	CHECK(g_lines.size() == 3);
	CHECK(g_lines.size() == 3 && g_lines[0] == "first" && g_lines[1] == "second" && g_lines[2] == "third");

	g_lines.clear();
	g_logAgain = true;
	{
		log::Defer outer;
		LOG_INFO("first");
		LOG_INFO("second");
		LOG_INFO("third");
	}
	CHECK(g_lines.size() == 4);
	CHECK(g_lines.size() == 4 && g_lines[2] == "from the callback" && g_lines[3] == "third");

	g_lines.clear();
	{
		log::Defer outer;
		for (size_t i = 0; i < log::kMaxDeferredLines + 10; ++i)
			LOG_DEBUG("line " + std::to_string(i));
	}
	CHECK(g_lines.size() == log::kMaxDeferredLines + 1);
	CHECK(!g_lines.empty() && g_lines.back().find("10 log line(s) dropped") == 0);

	g_lines.clear();
	LOG_INFO("after");
	CHECK(g_lines.size() == 1); // nothing left held, nothing held any more

	// Lines held when the logger is stopped are not written afterwards (the managed layer stops
	// it on shutdown; they used to reach the callback or stdout anyway).
	g_lines.clear();
	{
		log::Defer outer;
		LOG_WARNING("held, then stopped");
		log::init(RTC_LOG_NONE, collect);
	}
	CHECK(g_lines.empty());

	log::init(RTC_LOG_NONE, nullptr);
	std::printf("test_log_defer: %d checks, %d failed\n", g_checks, g_failures);
	return g_failures != 0;
}
