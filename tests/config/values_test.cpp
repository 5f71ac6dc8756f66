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

TEST(PythonRepr, QuotesLikePython) {
  EXPECT_EQ(python_repr(""), "''");
  EXPECT_EQ(python_repr("abc"), "'abc'");
  EXPECT_EQ(python_repr("it's"), "\"it's\"");
  EXPECT_EQ(python_repr("say \"hi\""), "'say \"hi\"'");
  EXPECT_EQ(python_repr("it's \"x\""), "'it\\'s \"x\"'");
  EXPECT_EQ(python_repr("a\\b"), "'a\\\\b'");
}

TEST(PythonRepr, EscapesControlCharacters) {
  EXPECT_EQ(python_repr("a\nb\rc\td"), "'a\\nb\\rc\\td'");
  EXPECT_EQ(python_repr(std::string_view("\x00\x01\x1f\x7f", 4)), "'\\x00\\x01\\x1f\\x7f'");
  EXPECT_EQ(python_repr("\xc2\x85"), "'\\x85'");  // U+0085, a C1 control
}

TEST(PythonRepr, KeepsValidUtf8AndEscapesInvalidBytes) {
  EXPECT_EQ(python_repr("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
            "'caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80'");
  EXPECT_EQ(python_repr("\xff"), "'\\xff'");
  EXPECT_EQ(python_repr("\xc3"), "'\\xc3'");                    // truncated sequence
  EXPECT_EQ(python_repr("\xc0\xaf"), "'\\xc0\\xaf'");           // overlong form
  EXPECT_EQ(python_repr("\xed\xa0\x80"), "'\\xed\\xa0\\x80'");  // surrogate
}

}  // namespace
}  // namespace httpok::config_detail
