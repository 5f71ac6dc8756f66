// body_regex: compile errors that say where, UTF-8, bytes that are not UTF-8, and a
// pathological pattern that gives up instead of holding the loop.
#include "httpok/body_regex.hpp"

#include <gtest/gtest.h>

#include <string>

namespace httpok {
namespace {

BodyRegex::Match search(const std::string& pattern, const std::string& subject) {
  auto regex = BodyRegex::compile(pattern);
  EXPECT_TRUE(regex.ok()) << regex.error();
  return regex.ok() ? regex.value()->search(subject) : BodyRegex::Match::gave_up;
}

TEST(BodyRegex, FindsAMatchAnywhereInTheBody) {
  EXPECT_EQ(search("\"status\": *\"ok\"", "{\"a\":1, \"status\":  \"ok\"}"),
            BodyRegex::Match::found);
  EXPECT_EQ(search("\"status\": *\"ok\"", "{\"status\": \"down\"}"), BodyRegex::Match::not_found);
  EXPECT_EQ(search("^ready$", "booting\nready"), BodyRegex::Match::not_found);  // no multiline
  EXPECT_EQ(search("(?m)^ready$", "booting\nready\n"), BodyRegex::Match::found);
  EXPECT_EQ(search("(a)(b)(c)(d)", "xabcd"), BodyRegex::Match::found);  // more groups than kept
  EXPECT_EQ(search("ok", std::string("\0ok", 3)), BodyRegex::Match::found);  // NULs are bytes
}

TEST(BodyRegex, PatternsAreUtf8AndBadBytesNeverMatch) {
  EXPECT_EQ(search("gr\\x{fc}n|gr.n$", "gr\xc3\xbcn"), BodyRegex::Match::found);
  EXPECT_EQ(search("^gr.n$", "gr\xc3\xbcn"), BodyRegex::Match::found);  // one character
  // Invalid UTF-8 in the body is no error: the valid parts still match.
  EXPECT_EQ(search("ok", "\xff\xfe ok"), BodyRegex::Match::found);
  EXPECT_EQ(search("^.ok", "\xff ok"), BodyRegex::Match::not_found);
}

TEST(BodyRegex, ACompileErrorSaysWhatAndWhere) {
  auto missing = BodyRegex::compile("(ok");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error(), "missing closing parenthesis at offset 3");
  auto klass = BodyRegex::compile("a[");
  ASSERT_FALSE(klass.ok());
  EXPECT_EQ(klass.error(), "missing terminating ] for character class at offset 2");
  auto pattern = BodyRegex::compile("o+k");
  ASSERT_TRUE(pattern.ok());
  EXPECT_EQ(pattern.value()->pattern(), "o+k");
}

TEST(BodyRegex, CatastrophicBacktrackingGivesUp) {
  // (a+)+$ on a long run of a's followed by b: exponential without a limit.
  const std::string body = std::string(40, 'a') + "b";
  EXPECT_EQ(search("(a+)+$", body), BodyRegex::Match::gave_up);
  EXPECT_EQ(search("(a+)+b", body), BodyRegex::Match::found);
}

TEST(BodyRegex, ARepeatedGroupOverALargeBodyStillMatches) {
  // Beyond PCRE2's default 32 KiB JIT stack from about 1.4 KB of body.
  const std::string body = "<body>" + std::string(200 * 1024, 'x') + "\n</body>";
  EXPECT_EQ(search("<body>(?:.|\\n)*</body>", body), BodyRegex::Match::found);
  EXPECT_EQ(search("(.|\\n)*</html>", std::string(100 * 1024, 'y')), BodyRegex::Match::not_found);
}

TEST(BodyRegex, SearchesOneAfterAnotherReuseTheirState) {
  auto regex = BodyRegex::compile("ok");
  ASSERT_TRUE(regex.ok());
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(regex.value()->search("ok"), BodyRegex::Match::found);
    EXPECT_EQ(regex.value()->search("no"), BodyRegex::Match::not_found);
  }
}

}  // namespace
}  // namespace httpok
