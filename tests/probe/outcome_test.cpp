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

TEST(ProbeOutcome, TheClientHelloMadeBeforeTheConnectCountsAsTls) {
  using U = ProbeTimings::Unfinished;
  ProbeTimings literal;  // an IP address: the ClientHello ran inside the connect interval
  literal.tls_hello_us = 100;
  literal.connected_us = 300;
  literal.tls_done_us = 3400;
  literal.first_byte_us = 4400;
  literal.total_us = 4400;
  EXPECT_EQ(phases_text(literal), "connect 0.2 ms, tls 3.2 ms, processing 1.0 ms, transfer 0.0 ms");
  ProbeTimings named = literal;  // a name: it ran before the lookup, inside resolve
  named.resolved_us = 200;
  EXPECT_EQ(phases_text(named),
            "resolve 0.1 ms, connect 0.1 ms, tls 3.2 ms, processing 1.0 ms, transfer 0.0 ms");
  ProbeTimings handshake;  // connected, the handshake never ended: it is handshaking's
  handshake.tls_hello_us = 100;
  handshake.connected_us = 300;
  handshake.total_us = 800;
  handshake.unfinished = U::tls;
  EXPECT_EQ(phases_text(handshake), "connect 0.2 ms, handshaking 0.6 ms");
  ProbeTimings refused;  // no connection, no handshake: the time stays connecting's
  refused.tls_hello_us = 100;
  refused.total_us = 500;
  refused.unfinished = U::connect;
  EXPECT_EQ(phases_text(refused), "connecting 0.5 ms");
}

TEST(ProbeOutcome, AFailedCheckEndsWithWhatItWasDoingUntilTheEnd) {
  using U = ProbeTimings::Unfinished;
  ProbeTimings silent;  // resolved, connected, then no answer until the deadline
  silent.resolved_us = 100;
  silent.connected_us = 300;
  silent.total_us = 5000000;
  silent.unfinished = U::processing;
  EXPECT_EQ(phases_text(silent), "resolve 0.1 ms, connect 0.2 ms, waiting 4999.7 ms");
  EXPECT_EQ(probe_phases(silent).size(), 2u);  // the metrics keep the finished phases only
  ProbeTimings refused;                        // an IP address that refused
  refused.total_us = 500;
  refused.unfinished = U::connect;
  EXPECT_EQ(phases_text(refused), "connecting 0.5 ms");
  ProbeTimings cut;  // reset in the middle of the body
  cut.connected_us = 200;
  cut.first_byte_us = 1200;
  cut.total_us = 3200;
  cut.unfinished = U::transfer;
  EXPECT_EQ(phases_text(cut), "connect 0.2 ms, processing 1.0 ms, receiving 2.0 ms");
  ProbeTimings handshake;
  handshake.connected_us = 200;
  handshake.total_us = 700;
  handshake.unfinished = U::tls;
  EXPECT_EQ(phases_text(handshake), "connect 0.2 ms, handshaking 0.5 ms");
  ProbeTimings lookup;
  lookup.total_us = 1000;
  lookup.unfinished = U::resolve;
  EXPECT_EQ(phases_text(lookup), "resolving 1.0 ms");
}

TEST(ProbeOutcome, TheLogLineIsTheOutcomeOnOneLineThenWhereTheTimeWent) {
  ProbeResult result;
  result.failure = ProbeFailure::timeout;
  result.outcome = error_outcome("http://api/", "timed out after 5 s waiting for the response");
  EXPECT_EQ(outcome_line(result),
            "error contacting http://api/: timed out after 5 s waiting for the response");
  result.timings.resolved_us = 100;
  result.timings.connected_us = 300;
  result.timings.total_us = 5000000;
  result.timings.unfinished = ProbeTimings::Unfinished::processing;
  EXPECT_EQ(outcome_line(result),
            "error contacting http://api/: timed out after 5 s waiting for the response "
            "(resolve 0.1 ms, connect 0.2 ms, waiting 4999.7 ms)");
}

TEST(ProbeOutcome, LocalIsAKindOfItsOwn) {
  EXPECT_EQ(to_string(ProbeFailure::local), "local");
}

}  // namespace
}  // namespace httpok
