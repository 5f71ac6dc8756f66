// python_repr, python_list and fault_text against what Python 3 prints.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "httpok/python_text.hpp"
#include "httpok/xmlrpc.hpp"

namespace httpok::xmlrpc {
namespace {

TEST(PythonRepr, MatchesPython3) {
  // Right column: Python 3.11's repr() of the left column.
  const std::vector<std::pair<std::string, std::string>> table = {
      {"", "''"},
      {"FAILED", "'FAILED'"},
      {"BAD_NAME: foo", "'BAD_NAME: foo'"},
      {"FAILED: it's", "\"FAILED: it's\""},
      {"say \"hi\"", "'say \"hi\"'"},
      {"both ' and \"", "'both \\' and \"'"},
      {"back\\slash", "'back\\\\slash'"},
      {"\\'", "\"\\\\'\""},
      {"'", "\"'\""},
      {"\"", "'\"'"},
      {"'\"", "'\\'\"'"},
      {"tab\there", "'tab\\there'"},
      {"line\nbreak\r", "'line\\nbreak\\r'"},
      {std::string("\x00\x01\x1f\x7f", 4), "'\\x00\\x01\\x1f\\x7f'"},
      {"\x1b[0m", "'\\x1b[0m'"},
      {"caf\xc3\xa9", "'caf\xc3\xa9'"},                            // é
      {"\xe6\x97\xa5\xe6\x9c\xac", "'\xe6\x97\xa5\xe6\x9c\xac'"},  // 日本
      {"\xf0\x9f\x98\x80", "'\xf0\x9f\x98\x80'"},                  // U+1F600
      {"\xc3\xbf\xc4\x80", "'\xc3\xbf\xc4\x80'"},                  // U+00FF U+0100
      {"\xc2\x80\xc2\x9f", "'\\x80\\x9f'"},                        // C1 controls
      {"\xc2\xa0", "'\\xa0'"},                                     // no-break space
      {"\xc2\xad", "'\\xad'"},                                     // soft hyphen
      {"\xe2\x80\xa8", "'\\u2028'"},                               // line separator
      {"\xe2\x80\x8b", "'\\u200b'"},                               // zero-width space
      {"\xef\xbb\xbf", "'\\ufeff'"},                               // byte-order mark
      {"\xee\x80\x80", "'\\ue000'"},                               // private use
      {"\xef\xbf\xbe", "'\\ufffe'"},                               // noncharacter
      {"\xf4\x8f\xbf\xbf", "'\\U0010ffff'"},                       // noncharacter, plane 16
  };
  for (const auto& [text, repr] : table) {
    EXPECT_EQ(python_repr(text), repr) << text;
  }
}

TEST(PythonRepr, InvalidUtf8BytesShowAsSurrogateEscapes) {
  // As Python shows a str decoded with errors='surrogateescape'.
  EXPECT_EQ(python_repr("a\xff"), "'a\\udcff'");
  EXPECT_EQ(python_repr("\xc3"), "'\\udcc3'");  // truncated sequence
  EXPECT_EQ(python_repr("\xe2\x82"
                        "A"),
            "'\\udce2\\udc82A'");                                     // bad continuation
  EXPECT_EQ(python_repr("\xc0\xaf"), "'\\udcc0\\udcaf'");             // overlong '/'
  EXPECT_EQ(python_repr("\xed\xa0\x80"), "'\\udced\\udca0\\udc80'");  // encoded surrogate
  EXPECT_EQ(python_repr("\xf4\x90\x80\x80"), "'\\udcf4\\udc90\\udc80\\udc80'");  // > U+10FFFF
}

TEST(PythonList, MatchesPython3) {
  EXPECT_EQ(python_list({}), "[]");
  EXPECT_EQ(python_list({"foo"}), "['foo']");
  EXPECT_EQ(python_list({"foo", "bar", "baz_01", "notexisting"}),
            "['foo', 'bar', 'baz_01', 'notexisting']");
  EXPECT_EQ(python_list({"grp:name", "it's", ""}), "['grp:name', \"it's\", '']");
}

TEST(FaultText, MatchesPython3) {
  EXPECT_EQ(fault_text({30, "FAILED"}), "<Fault 30: 'FAILED'>");
  EXPECT_EQ(fault_text({10, "BAD_NAME: foo"}), "<Fault 10: 'BAD_NAME: foo'>");
  EXPECT_EQ(fault_text({30, "FAILED: it's"}), "<Fault 30: \"FAILED: it's\">");
  EXPECT_EQ(fault_text({-1, "a\nb"}), "<Fault -1: 'a\\nb'>");
}

}  // namespace
}  // namespace httpok::xmlrpc
