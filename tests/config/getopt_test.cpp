// The splitting rules themselves, with option tables made for the case (the real table is
// exercised through parse_command_line in cli_test.cpp).
#include "getopt.hpp"

#include <gtest/gtest.h>

#include <array>

namespace httpok::config_detail {
namespace {

// "cafile" is a prefix of "cafile-dir", which the real table does not have.
constexpr std::array<OptionSpec, 4> kSpecs{{
    {1, 'x', "cafile", true, false},
    {2, '\0', "cafile-dir", true, false},
    {3, 'y', "old", false, true},
    {4, '\0', "older-new", false, false},
}};

TEST(SplitArguments, ExactNameWinsOverLongerOption) {
  auto split = split_arguments({"--cafile", "f", "u"}, kSpecs);
  ASSERT_TRUE(split.ok()) << split.error();
  ASSERT_EQ(split.value().options.size(), 1u);
  EXPECT_EQ(split.value().options[0].id, 1);
  EXPECT_EQ(split.value().options[0].spelled, "--cafile");
  EXPECT_EQ(split.value().options[0].value, "f");
  EXPECT_EQ(split.value().positionals, std::vector<std::string>{"u"});
}

TEST(SplitArguments, PrefixOfTwoNewOptionsIsAmbiguous) {
  auto split = split_arguments({"--caf", "f"}, kSpecs);
  ASSERT_FALSE(split.ok());
  EXPECT_EQ(split.error(), "option --caf not a unique prefix");
}

TEST(SplitArguments, PrefixUniqueAmongLegacyOptionsKeepsItsMeaning) {
  auto split = split_arguments({"--ol"}, kSpecs);
  ASSERT_TRUE(split.ok()) << split.error();
  ASSERT_EQ(split.value().options.size(), 1u);
  EXPECT_EQ(split.value().options[0].id, 3);
  EXPECT_EQ(split.value().options[0].spelled, "--old");
}

TEST(SplitArguments, PrefixReachingOnlyANewOptionSelectsIt) {
  auto split = split_arguments({"--olde"}, kSpecs);
  ASSERT_TRUE(split.ok()) << split.error();
  EXPECT_EQ(split.value().options.at(0).id, 4);
  EXPECT_EQ(split.value().options.at(0).spelled, "--older-new");
}

TEST(SplitArguments, ReportsFullNameInArgumentErrors) {
  auto missing = split_arguments({"--cafile-d"}, kSpecs);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error(), "option --cafile-dir requires argument");
  auto extra = split_arguments({"--ol=1"}, kSpecs);
  ASSERT_FALSE(extra.ok());
  EXPECT_EQ(extra.error(), "option --old must not have an argument");
}

TEST(SplitArguments, TripleDashIsAnUnknownLongOption) {
  auto split = split_arguments({"---old"}, kSpecs);
  ASSERT_FALSE(split.ok());
  EXPECT_EQ(split.error(), "option ---old not recognized");
}

TEST(SplitArguments, ColonIsNotAShortOption) {
  auto split = split_arguments({"-:"}, kSpecs);
  ASSERT_FALSE(split.ok());
  EXPECT_EQ(split.error(), "option -: not recognized");
}

TEST(SplitArguments, ShortOptionsKeepCommandLineOrder) {
  auto split = split_arguments({"-yxv", "-y", "--old", "rest", "-y"}, kSpecs);
  ASSERT_TRUE(split.ok()) << split.error();
  const auto& options = split.value().options;
  ASSERT_EQ(options.size(), 4u);
  EXPECT_EQ(options[0].spelled, "-y");
  EXPECT_EQ(options[1].spelled, "-x");
  EXPECT_EQ(options[1].value, "v");
  EXPECT_EQ(options[2].spelled, "-y");
  EXPECT_EQ(options[3].spelled, "--old");
  EXPECT_EQ(split.value().positionals, (std::vector<std::string>{"rest", "-y"}));
}

TEST(SplitArguments, EmptyWordIsAPositional) {
  auto split = split_arguments({"", "-y"}, kSpecs);
  ASSERT_TRUE(split.ok()) << split.error();
  EXPECT_TRUE(split.value().options.empty());
  EXPECT_EQ(split.value().positionals, (std::vector<std::string>{"", "-y"}));
}

}  // namespace
}  // namespace httpok::config_detail
