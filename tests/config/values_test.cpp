#include "values.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace httpok::config_detail {
namespace {

TEST(ParsePythonInt, AcceptsWhatPythonIntAccepts) {
  EXPECT_EQ(parse_python_int("10"), 10);
  EXPECT_EQ(parse_python_int("010"), 10);
  EXPECT_EQ(parse_python_int("+7"), 7);
  EXPECT_EQ(parse_python_int("-5"), -5);
  EXPECT_EQ(parse_python_int("-0"), 0);
  EXPECT_EQ(parse_python_int(" \t30\n"), 30);
  EXPECT_EQ(parse_python_int("1_000"), 1000);
  EXPECT_EQ(parse_python_int("1_0_0"), 100);
}

TEST(ParsePythonInt, RejectsWhatPythonIntRejects) {
  for (const char* text : {"", " ", "abc", "99x", "x99", "1.5", "1e3", "0x10", "1__0", "_1", "1_",
                           "+", "-", "+-1", "- 5", "1 0"}) {
    EXPECT_EQ(parse_python_int(text), std::nullopt) << text;
  }
}

TEST(ParsePythonInt, SaturatesHugeMagnitudes) {
  EXPECT_EQ(parse_python_int("99999999999999999999999"), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(parse_python_int("-99999999999999999999999"),
            -std::numeric_limits<std::int64_t>::max());
}

TEST(ParseByteCount, DigitsWithOptionalBinarySuffix) {
  EXPECT_EQ(parse_byte_count("1"), 1);
  EXPECT_EQ(parse_byte_count("2048"), 2048);
  EXPECT_EQ(parse_byte_count("4k"), 4096);
  EXPECT_EQ(parse_byte_count("4K"), 4096);
  EXPECT_EQ(parse_byte_count("2m"), 2 * 1024 * 1024);
  EXPECT_EQ(parse_byte_count("2M"), 2 * 1024 * 1024);
  EXPECT_EQ(parse_byte_count("0"), 0);
  EXPECT_EQ(parse_byte_count("99999999999999999999M"), std::numeric_limits<std::int64_t>::max());
}

TEST(ParseByteCount, RejectsEverythingElse) {
  for (const char* text :
       {"", "k", "M", "x", "1.5M", "1G", "1 M", " 1", "1 ", "+1", "-1", "1_000", "1KB", "1kk"}) {
    EXPECT_EQ(parse_byte_count(text), std::nullopt) << text;
  }
}

}  // namespace
}  // namespace httpok::config_detail
