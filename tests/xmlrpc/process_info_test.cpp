// The pure part of the supervisor module: namespecs, error text, getAllProcessInfo decoding.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "httpok/supervisor.hpp"
#include "samples.hpp"

namespace httpok {
namespace {

using ::testing::HasSubstr;
using xmlrpc::Array;
using xmlrpc::Struct;
using xmlrpc::Value;

TEST(MakeNamespec, NameAloneWhenGroupIsTheName) {
  EXPECT_EQ(make_namespec("foo", "foo"), "foo");
  EXPECT_EQ(make_namespec("baz", "baz_01"), "baz:baz_01");
  EXPECT_EQ(make_namespec("", "x"), ":x");
}

TEST(RpcErrorDescribe, FaultAsPythonPrintsItElseText) {
  RpcError fault;
  fault.fault = xmlrpc::Fault{6, "SHUTDOWN_STATE"};
  fault.text = "ignored when there is a fault";
  EXPECT_EQ(fault.describe(), "<Fault 6: 'SHUTDOWN_STATE'>");
  RpcError transport;
  transport.text = "connection refused";
  EXPECT_EQ(transport.describe(), "connection refused");
}

TEST(ProcessInfosFrom, SupervisordAnswer) {
  const xmlrpc::Response response = xmlrpc::decode_response(xmlrpc::samples::kAllProcessInfo);
  ASSERT_EQ(response.kind, xmlrpc::Response::Kind::value) << response.error;
  const auto infos = process_infos_from(response.value);
  ASSERT_TRUE(infos.ok()) << infos.error.describe();
  // start and now (for --grace) are read as well.
  const std::vector<ProcessInfo> expected = {
      {"bar", "bar", "FATAL", 200, 0, 1700000000, 1700000100},
      {"baz_01", "baz", "STOPPED", 0, 0, 1700000000, 1700000100},
      {"foo", "foo", "RUNNING", 20, 4242, 1700000000, 1700000100},
      {"httpok", "httpok", "RUNNING", 20, 4243, 1700000000, 1700000100},
  };
  EXPECT_EQ(*infos.value, expected);
}

TEST(ProcessInfosFrom, AStartOrNowOfAnotherTypeIsAsGoodAsNone) {
  xmlrpc::Value info{xmlrpc::Struct{{"name", xmlrpc::Value(std::string("web"))},
                                    {"group", xmlrpc::Value(std::string("web"))},
                                    {"state", xmlrpc::Value(std::int64_t{20})},
                                    {"start", xmlrpc::Value(std::string("yesterday"))},
                                    {"now", xmlrpc::Value(std::int64_t{1700000100})}}};
  const auto infos = process_infos_from(xmlrpc::Value{xmlrpc::Array{info}});
  ASSERT_TRUE(infos.ok()) << infos.error.describe();
  EXPECT_EQ(infos.value->at(0).start, 0);
  EXPECT_EQ(infos.value->at(0).now, 1700000100);
}

TEST(ProcessInfosFrom, EmptyArray) {
  const auto infos = process_infos_from(Value(Array{}));
  ASSERT_TRUE(infos.ok());
  EXPECT_TRUE(infos.value->empty());
}

TEST(ProcessInfosFrom, PidAndStatenameMayBeAbsent) {
  const auto infos = process_infos_from(
      Value(Array{Value(Struct{{"name", Value("a")}, {"group", Value("g")}, {"state", 10}})}));
  ASSERT_TRUE(infos.ok()) << infos.error.describe();
  EXPECT_EQ(*infos.value, (std::vector<ProcessInfo>{{"a", "g", "", 10, 0}}));
}

TEST(ProcessInfosFrom, WrongShapesAreErrors) {
  const Struct good = {{"name", Value("a")},
                       {"group", Value("g")},
                       {"state", Value(20)},
                       {"statename", Value("RUNNING")},
                       {"pid", Value(5)}};
  const auto with = [&](const std::string& name, Value value) {
    Struct copy;
    for (const auto& member : good) {
      if (member.first != name) {
        copy.push_back(member);
      }
    }
    if (!std::holds_alternative<xmlrpc::Nil>(value.v)) {
      copy.emplace_back(name, std::move(value));
    }
    return Value(Array{Value(copy)});
  };
  const std::vector<std::pair<Value, std::string>> cases = {
      {Value(true), "expected an array, got a boolean"},
      {Value(Struct{}), "expected an array, got a struct"},
      {Value(Array{Value("x")}), "expected an array of structs, got a string"},
      {with("name", Value()), "no 'name'"},
      {with("group", Value()), "no 'group'"},
      {with("state", Value()), "no 'state'"},
      {with("name", Value(1)), "'name' is a int"},
      {with("state", Value("RUNNING")), "'state' is a string"},
      {with("pid", Value("5")), "'pid' is a string"},
      {with("statename", Value(20)), "'statename' is a int"},
      {with("state", Value(std::int64_t{1} << 40)), "'state' is out of range"},
  };
  for (const auto& [value, fragment] : cases) {
    const auto infos = process_infos_from(value);
    EXPECT_FALSE(infos.ok()) << fragment;
    EXPECT_FALSE(infos.error.fault.has_value());
    EXPECT_THAT(infos.error.describe(), HasSubstr("unexpected getAllProcessInfo answer: "));
    EXPECT_THAT(infos.error.describe(), HasSubstr(fragment));
  }
  EXPECT_TRUE(process_infos_from(Value(Array{Value(good)})).ok());
}

}  // namespace
}  // namespace httpok
