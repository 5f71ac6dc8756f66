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

TEST(ProbeOutcome, LocalIsAKindOfItsOwn) {
  EXPECT_EQ(to_string(ProbeFailure::local), "local");
}

}  // namespace
}  // namespace httpok
