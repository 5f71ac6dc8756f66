// The two log formats, on values: text as it always was, json one valid object a line.
#include "httpok/log.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <string>
#include <vector>

namespace httpok::log {
namespace {

class Log : public ::testing::Test {
 protected:
  void TearDown() override { configure(Settings{}); }
};

TEST_F(Log, TextIsTheLinesAsTheyWereAndNamesTheTargetOnlyWhenAsked) {
  Record record;
  record.level = Level::warning;
  record.event = "probe_failed";
  record.target = "api";
  record.message = "status failure: status contacting http://a/: 500 Oops";
  EXPECT_EQ(format(record), "httpok: status failure: status contacting http://a/: 500 Oops\n");
  record.target_in_text = true;
  EXPECT_EQ(format(record), "httpok: api: status failure: status contacting http://a/: 500 Oops\n");
  EXPECT_EQ(format_line("web restarted"), "web restarted\n");
  const std::vector<std::string> block{"Restarting selected processes ['web']", "web restarted"};
  EXPECT_EQ(format_block("api", block), "Restarting selected processes ['web']\nweb restarted\n");
}

TEST_F(Log, JsonIsOneObjectALineWithLevelTargetEventMessageAndFields) {
  configure(Settings{Format::json, false});
  const Field fields[] = {{"url", "http://a/"}, {"kind", "status"}, {"connect_ms", "0.2", true}};
  Record record;
  record.level = Level::warning;
  record.event = "probe_failed";
  record.target = "api";
  record.target_in_text = true;  // text only
  record.message = "status failure: 500 \"Oops\"";
  record.fields = fields;
  EXPECT_EQ(format(record),
            "{\"level\":\"warning\",\"target\":\"api\",\"event\":\"probe_failed\","
            "\"message\":\"status failure: 500 \\\"Oops\\\"\",\"url\":\"http://a/\","
            "\"kind\":\"status\",\"connect_ms\":0.2}\n");
  // A whole line: "httpok: " is the text format's, not the message's.
  EXPECT_EQ(format_line("httpok: stdin ended inside an event; exiting", Level::error, "exiting"),
            "{\"level\":\"error\",\"event\":\"exiting\",\"message\":\"stdin ended inside an "
            "event; exiting\"}\n");
  // The block: one object, its lines an array (the mail with its line breaks in one).
  const std::vector<std::string> block{"Restarting selected processes ['web']", "web restarted",
                                       "Mailed:\n\nTo: ops\n"};
  EXPECT_EQ(format_block("api", block),
            "{\"level\":\"warning\",\"target\":\"api\",\"event\":\"restart\",\"lines\":["
            "\"Restarting selected processes ['web']\",\"web restarted\","
            "\"Mailed:\\n\\nTo: ops\\n\"]}\n");
}

TEST_F(Log, TimestampsOnlyWhenAskedInEitherFormat) {
  // 2026-12-01T14:30:03.123Z (std::regex would do, but GCC 12 warns inside it under ASan)
  const auto stamp = [](const std::string& text) {
    const std::string shape = "dddd-dd-ddTdd:dd:dd.dddZ";
    if (text.size() != shape.size())
      return false;
    for (std::size_t i = 0; i < shape.size(); ++i) {
      if (shape[i] == 'd' ? !std::isdigit(static_cast<unsigned char>(text[i]))
                          : text[i] != shape[i])
        return false;
    }
    return true;
  };
  configure(Settings{Format::text, true});
  const std::string text = format_line("web restarted");
  ASSERT_EQ(text.size(), 24u + 1 + 13 + 1) << text;
  EXPECT_TRUE(stamp(text.substr(0, 24))) << text;
  EXPECT_EQ(text.substr(24), " web restarted\n");
  configure(Settings{Format::json, true});
  const std::string json = format_line("web restarted");
  ASSERT_EQ(json.rfind("{\"time\":\"", 0), 0u) << json;
  EXPECT_TRUE(stamp(json.substr(9, 24))) << json;
  EXPECT_EQ(json.substr(33),
            "\",\"level\":\"info\",\"event\":\"message\",\"message\":\"web "
            "restarted\"}\n");
}

TEST_F(Log, JsonStringsAreValidWhateverTheBytes) {
  EXPECT_EQ(json_string("a\"b\\c\n\t\r"), "\"a\\\"b\\\\c\\n\\t\\r\"");
  EXPECT_EQ(json_string(std::string("\x01\x1f\x7f", 3)), "\"\\u0001\\u001f\\u007f\"");
  EXPECT_EQ(json_string("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
            "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");  // UTF-8 stays
  // Not UTF-8: a Latin-1 byte, a cut sequence, an overlong form, a surrogate, past U+10FFFF.
  EXPECT_EQ(json_string("caf\xe9"), "\"caf\\ufffd\"");
  EXPECT_EQ(json_string("\xe2\x82"), "\"\\ufffd\\ufffd\"");
  EXPECT_EQ(json_string("\xc0\xaf"), "\"\\ufffd\\ufffd\"");
  EXPECT_EQ(json_string("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");
  EXPECT_EQ(json_string("\xf4\x90\x80\x80"), "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
  EXPECT_EQ(json_string(std::string("\0", 1)), "\"\\u0000\"");
}

}  // namespace
}  // namespace httpok::log
