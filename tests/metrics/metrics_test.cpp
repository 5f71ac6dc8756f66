// The exposition format alone: escaping, numbers, families and samples.
#include "httpok/metrics.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace httpok {
namespace {

TEST(Metrics, LabelValuesAreEscaped) {
  EXPECT_EQ(escape_label_value("plain"), "plain");
  EXPECT_EQ(escape_label_value("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
}

TEST(Metrics, ValuesAreWrittenAsPrometheusReadsThem) {
  EXPECT_EQ(metric_value(0), "0");
  EXPECT_EQ(metric_value(200), "200");
  EXPECT_EQ(metric_value(-3), "-3");
  EXPECT_EQ(metric_value(0.25), "0.25");
  EXPECT_EQ(metric_value(1.1), "1.1");
  EXPECT_EQ(metric_value(1700000000.5), "1700000000.5");
  EXPECT_EQ(metric_value(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(metric_value(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(metric_value(std::nan("")), "NaN");
}

TEST(Metrics, FamiliesAndSamples) {
  Exposition out;
  out.family("httpok_probe_success", "gauge", "Whether the last check passed.");
  out.sample("httpok_probe_success", {{"target", "api"}, {"url", "http://x/\"q\""}}, 1);
  out.sample("httpok_build_info", {}, 1);
  EXPECT_EQ(out.text(),
            "# HELP httpok_probe_success Whether the last check passed.\n"
            "# TYPE httpok_probe_success gauge\n"
            "httpok_probe_success{target=\"api\",url=\"http://x/\\\"q\\\"\"} 1\n"
            "httpok_build_info 1\n");
}

}  // namespace
}  // namespace httpok
