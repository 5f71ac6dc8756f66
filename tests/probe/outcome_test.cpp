// The pure core of the probe: outcome texts and classification (links only probe_core).
#include <gtest/gtest.h>

#include <cerrno>

#include "httpok/probe_result.hpp"

namespace httpok {
namespace {

TEST(ProbeOutcome, Texts) {
  EXPECT_EQ(status_outcome("http://x/", 500, "Internal Server Error"),
            "status contacting http://x/: 500 Internal Server Error");
  EXPECT_EQ(error_outcome("http://x/", "timed out"), "error contacting http://x/:\n\n timed out");
  EXPECT_EQ(failure_subject("http://x/", ProbeFailure::timeout), "http://x/: bad status returned");
  EXPECT_EQ(failure_subject("http://x/", ProbeFailure::body), "http://x/: bad body returned");
  EXPECT_EQ(one_line("error contacting http://x/:\n\n timed out"),
            "error contacting http://x/: timed out");
  EXPECT_EQ(classify_response(200, {200}, false, false), ProbeFailure::none);
  EXPECT_EQ(classify_response(201, {200, 201}, false, false), ProbeFailure::none);
  EXPECT_EQ(classify_response(500, {200}, true, true), ProbeFailure::status);
  EXPECT_EQ(classify_response(200, {200}, true, false), ProbeFailure::body);
}

TEST(ProbeOutcome, AnAbsentTextThatIsThereIsABadBody) {
  EXPECT_EQ(classify_response(200, {200}, false, false, true), ProbeFailure::body);
  EXPECT_EQ(classify_response(500, {200}, false, false, true), ProbeFailure::status);
  EXPECT_EQ(classify_response(200, {200}, true, true, false), ProbeFailure::none);
}

TEST(ProbeOutcome, PhasesAreTheOnesThatHappened) {
  ProbeTimings https;  // a name looked up, TLS, a response
  https.resolved_us = 100;
  https.connected_us = 300;
  https.tls_done_us = 3400;
  https.first_byte_us = 15400;
  https.total_us = 15500;
  EXPECT_EQ(phases_text(https),
            "resolve 0.1 ms, connect 0.2 ms, tls 3.1 ms, processing 12.0 ms, transfer 0.1 ms");
  ProbeTimings literal;  // an IP address over http
  literal.connected_us = 200;
  literal.first_byte_us = 1200;
  literal.total_us = 1200;
  EXPECT_EQ(phases_text(literal), "connect 0.2 ms, processing 1.0 ms, transfer 0.0 ms");
  ProbeTimings refused;  // nothing reached
  refused.total_us = 500;
  EXPECT_EQ(phases_text(refused), "");
  ProbeTimings silent;  // connected, no answer: no processing phase
  silent.connected_us = 200;
  silent.total_us = 5000000;
  const auto phases = probe_phases(silent);
  ASSERT_EQ(phases.size(), 1u);
  EXPECT_STREQ(phases[0].name, "connect");
  EXPECT_EQ(phases[0].us, 200u);
}

TEST(ProbeOutcome, LocalIsAKindOfItsOwn) {
  EXPECT_EQ(to_string(ProbeFailure::local), "local");
}

}  // namespace
}  // namespace httpok
