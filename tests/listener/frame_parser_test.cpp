#include <gtest/gtest.h>

#include <deque>
#include <string>

#include "httpok/listener.hpp"

namespace httpok {
namespace {

std::string frame(const std::string& eventname, const std::string& payload, std::size_t len,
                  int serial = 1) {
  return "ver:3.0 server:supervisor serial:" + std::to_string(serial) +
         " pool:httpok poolserial:" + std::to_string(serial) + " eventname:" + eventname +
         " len:" + std::to_string(len) + "\n" + payload;
}

std::string tick(int serial) {
  return frame("TICK_5", "when:1700000000", 15, serial);
}

TEST(FrameParser, ParsesOneTick) {
  FrameParser parser;
  std::deque<Event> out;
  ASSERT_TRUE(parser.feed(tick(7), out));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].eventname(), "TICK_5");
  EXPECT_TRUE(out[0].is_tick());
  EXPECT_EQ(out[0].payload, "when:1700000000");
  EXPECT_EQ(out[0].serial(), 7u);
  EXPECT_EQ(out[0].pool_serial(), 7u);
  EXPECT_EQ(out[0].header("pool"), "httpok");
  EXPECT_TRUE(parser.idle());
}

TEST(FrameParser, SurvivesEverySplitPoint) {
  const std::string input =
      tick(1) +
      frame("PROCESS_STATE_RUNNING", "processname:web groupname:web from_state:STARTING pid:42", 56,
            2) +
      tick(3);
  for (std::size_t cut = 0; cut <= input.size(); ++cut) {
    FrameParser parser;
    std::deque<Event> out;
    ASSERT_TRUE(parser.feed(input.substr(0, cut), out));
    ASSERT_TRUE(parser.feed(input.substr(cut), out));
    ASSERT_EQ(out.size(), 3u) << "cut at " << cut;
    EXPECT_EQ(out[1].payload, "processname:web groupname:web from_state:STARTING pid:42");
    EXPECT_EQ(out[2].serial(), 3u);
  }
}

TEST(FrameParser, ByteByByte) {
  const std::string input = tick(1) + tick(2);
  FrameParser parser;
  std::deque<Event> out;
  for (const char c : input)
    ASSERT_TRUE(parser.feed(std::string_view(&c, 1), out));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].payload, "when:1700000000");
  EXPECT_EQ(out[1].payload, "when:1700000000");
}

TEST(FrameParser, MultipleFramesInOneRead) {
  FrameParser parser;
  std::deque<Event> out;
  ASSERT_TRUE(parser.feed(tick(1) + tick(2) + tick(3), out));
  EXPECT_EQ(out.size(), 3u);
}

TEST(FrameParser, NonAsciiPayloadCountsCharacters) {
  // "héllo wörld €" is 13 characters, 17 bytes of UTF-8; len counts characters.
  const std::string text = "h\xC3\xA9llo w\xC3\xB6rld \xE2\x82\xAC";
  const std::string input = frame("PROCESS_LOG_STDOUT", text, 13, 1) + tick(2);
  for (std::size_t cut = 0; cut <= input.size(); ++cut) {
    FrameParser parser;
    std::deque<Event> out;
    ASSERT_TRUE(parser.feed(input.substr(0, cut), out));
    ASSERT_TRUE(parser.feed(input.substr(cut), out));
    ASSERT_EQ(out.size(), 2u) << "cut at " << cut;
    EXPECT_EQ(out[0].payload, text);
    EXPECT_EQ(out[1].eventname(), "TICK_5");
  }
}

TEST(FrameParser, FourByteCharacterAtTheEnd) {
  const std::string text = "ok \xF0\x9F\x98\x80";  // 4 characters
  FrameParser parser;
  std::deque<Event> out;
  ASSERT_TRUE(parser.feed(frame("PROCESS_LOG_STDERR", text, 4), out));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].payload, text);
}

TEST(FrameParser, EmptyPayload) {
  FrameParser parser;
  std::deque<Event> out;
  ASSERT_TRUE(parser.feed(frame("SUPERVISOR_STATE_CHANGE_RUNNING", "", 0) + tick(2), out));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].payload, "");
}

TEST(FrameParser, ValueWithColonSplitsAtFirstColonOnly) {
  FrameParser parser;
  std::deque<Event> out;
  ASSERT_TRUE(
      parser.feed("ver:3.0 server:a:b serial:1 pool:p poolserial:1 eventname:TICK_5 len:0\n", out));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].header("server"), "a:b");
}

TEST(FrameParser, TheFirstTokenOfAKeyIsItsValue) {
  FrameParser parser;
  std::deque<Event> out;
  ASSERT_TRUE(parser.feed(
      "ver:3.0 eventname:TICK_5 eventname:PROCESS_STATE_RUNNING serial:9 serial:1 len:0 len:5"
      " poolserial:4 poolserial:2\n",
      out));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].eventname(), "TICK_5");
  EXPECT_EQ(out[0].header("eventname"), "TICK_5");
  EXPECT_EQ(out[0].serial(), 9u);
  EXPECT_EQ(out[0].pool_serial(), 4u);
  EXPECT_EQ(out[0].payload, "");
  EXPECT_TRUE(parser.idle());
}

TEST(FrameParser, AnEventWithoutASerialHasNone) {
  FrameParser parser;
  std::deque<Event> out;
  ASSERT_TRUE(parser.feed("ver:3.0 serialx:4 poolserialx:5 eventname:TICK_60 len:0\n", out));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].serial(), std::nullopt);
  EXPECT_EQ(out[0].pool_serial(), std::nullopt);
  EXPECT_EQ(out[0].header("serial"), "");
  EXPECT_EQ(out[0].header("serialx"), "4");
  EXPECT_EQ(out[0].eventname(), "TICK_60");
}

TEST(FrameParser, GarbageHeaderIsAnError) {
  FrameParser parser;
  std::deque<Event> out;
  EXPECT_FALSE(parser.feed("hello world\n", out));
  EXPECT_NE(parser.error().find("malformed event header"), std::string::npos);
  EXPECT_NE(parser.error().find("hello world"), std::string::npos);
  EXPECT_TRUE(out.empty());
  // Unusable afterwards: never guesses its way back into the stream.
  EXPECT_FALSE(parser.feed(tick(1), out));
}

TEST(FrameParser, MissingOrBadLenIsAnError) {
  for (const char* line : {"ver:3.0 eventname:TICK_5\n", "ver:3.0 eventname:TICK_5 len:x\n",
                           "ver:3.0 eventname:TICK_5 len:-1\n", "ver:3.0 len:3\n"}) {
    FrameParser parser;
    std::deque<Event> out;
    EXPECT_FALSE(parser.feed(line, out)) << line;
    EXPECT_FALSE(parser.error().empty());
  }
}

TEST(FrameParser, OverlongHeaderLineIsAnError) {
  FrameParser parser;
  std::deque<Event> out;
  EXPECT_FALSE(parser.feed(std::string(FrameParser::kMaxHeaderLine + 1, 'a'), out));
  EXPECT_NE(parser.error().find("longer than"), std::string::npos);
}

TEST(FrameParser, ControlBytesInErrorAreEscaped) {
  FrameParser parser;
  std::deque<Event> out;
  EXPECT_FALSE(parser.feed(std::string("bad\x01\xff\n"), out));
  EXPECT_NE(parser.error().find("\\x01\\xff"), std::string::npos);
}

TEST(FrameParser, IdleOnlyBetweenFrames) {
  FrameParser parser;
  std::deque<Event> out;
  const std::string t = tick(1);
  ASSERT_TRUE(parser.feed(t.substr(0, 10), out));
  EXPECT_FALSE(parser.idle());
  ASSERT_TRUE(parser.feed(t.substr(10), out));
  EXPECT_TRUE(parser.idle());
}

TEST(PoolSerials, ANumberSkippedIsAnEventThatNeverCame) {
  PoolSerials pool;
  EXPECT_FALSE(pool.missed(0));  // the pool's first event
  EXPECT_FALSE(pool.previous());
  EXPECT_FALSE(pool.missed(1));
  EXPECT_FALSE(pool.missed(2));
  EXPECT_TRUE(pool.missed(7));  // 3 to 6 were dropped
  EXPECT_EQ(pool.previous(), 2u);
  EXPECT_FALSE(pool.missed(8));  // in order again
  EXPECT_TRUE(pool.missed(3));   // going back is no order either
  EXPECT_EQ(pool.previous(), 8u);
}

TEST(PoolSerials, AFirstEventOtherThanThePoolsFirstMayFollowLostOnes) {
  PoolSerials restarted;
  EXPECT_TRUE(restarted.missed(41));  // an earlier listener read 0 to 40, or they were lost
  EXPECT_FALSE(restarted.previous());
  EXPECT_FALSE(restarted.missed(42));
}

TEST(PoolSerials, SupervisordsCounterWrapsToZero) {
  PoolSerials pool;
  pool.missed(INT64_MAX - 1);
  EXPECT_FALSE(pool.missed(INT64_MAX));
  EXPECT_FALSE(pool.missed(0));
  EXPECT_FALSE(pool.missed(1));
}

TEST(SerialWindow, RemembersRecentSerials) {
  SerialWindow window;
  EXPECT_FALSE(window.seen(5));
  EXPECT_TRUE(window.seen(5));
  EXPECT_FALSE(window.seen(6));
  for (std::uint64_t s = 100; s < 100 + SerialWindow::kSize - 2; ++s)
    EXPECT_FALSE(window.seen(s));
  EXPECT_TRUE(window.seen(5));  // still inside the window (>= 100 remembered)
  for (std::uint64_t s = 1000; s < 1000 + SerialWindow::kSize; ++s)
    window.seen(s);
  EXPECT_FALSE(window.seen(5));  // pushed out
}

TEST(SerialWindow, ALowerSerialNotSeenIsNew) {
  // A restarted supervisord counts from 0 again: below the highest is not a repeat.
  SerialWindow window;
  EXPECT_FALSE(window.seen(0));
  EXPECT_TRUE(window.seen(0));
  EXPECT_FALSE(window.seen(500));
  EXPECT_FALSE(window.seen(3));
  EXPECT_TRUE(window.seen(3));
  EXPECT_TRUE(window.seen(500));
  EXPECT_FALSE(window.seen(501));
}

}  // namespace
}  // namespace httpok
