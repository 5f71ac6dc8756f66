// Encoding as Python's xmlrpc.client writes a call, and decoding of supervisord's answers,
// including hostile and broken documents.
#include "httpok/xmlrpc.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "samples.hpp"

namespace httpok::xmlrpc {
namespace {

using ::testing::HasSubstr;

// Runs decode_response with stdout and stderr captured, and checks that libxml2 wrote
// nothing on either (stdout belongs to the supervisord protocol).
Response decode_quietly(std::string_view document) {
  testing::internal::CaptureStdout();
  testing::internal::CaptureStderr();
  Response response = decode_response(document);
  const std::string out = testing::internal::GetCapturedStdout();
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(out, "");
  EXPECT_EQ(err, "");
  return response;
}

// ---------------------------------------------------------------------------------------
// encode_call

TEST(EncodeCall, StopProcessIsByteForBytePythonsCall) {
  EXPECT_EQ(encode_call("supervisor.stopProcess", {Value("foo")}),
            "<?xml version='1.0'?>\n<methodCall>\n<methodName>supervisor.stopProcess</methodName>\n"
            "<params>\n<param>\n<value><string>foo</string></value>\n</param>\n</params>\n"
            "</methodCall>\n");
}

TEST(EncodeCall, NoParameters) {
  EXPECT_EQ(encode_call("supervisor.getAllProcessInfo", {}),
            "<?xml version='1.0'?>\n<methodCall>\n"
            "<methodName>supervisor.getAllProcessInfo</methodName>\n<params>\n</params>\n"
            "</methodCall>\n");
}

TEST(EncodeCall, EveryTypeAsPythonWritesIt) {
  // Expected text from Python 3.11:
  // xmlrpc.client.dumps((1, True, False, -7, 1.5, 1e16, 1e-5, 0.1, -0.0, 100.0,
  //   'a&b<c>d"e\'', [1, 'x', []], {'k': 'v', 'n': {'deep': [True]}}, {}, None, 'x'),
  //   'm', allow_none=True)
  const std::vector<Value> params = {
      Value(1),
      Value(true),
      Value(false),
      Value(-7),
      Value(1.5),
      Value(1e16),
      Value(1e-5),
      Value(0.1),
      Value(-0.0),
      Value(100.0),
      Value("a&b<c>d\"e'"),
      Value(Array{Value(1), Value("x"), Value(Array{})}),
      Value(Struct{{"k", Value("v")}, {"n", Value(Struct{{"deep", Value(Array{Value(true)})}})}}),
      Value(Struct{}),
      Value(),
      Value("x"),
  };
  EXPECT_EQ(
      encode_call("m", params),
      "<?xml version='1.0'?>\n<methodCall>\n<methodName>m</methodName>\n<params>\n"
      "<param>\n<value><int>1</int></value>\n</param>\n"
      "<param>\n<value><boolean>1</boolean></value>\n</param>\n"
      "<param>\n<value><boolean>0</boolean></value>\n</param>\n"
      "<param>\n<value><int>-7</int></value>\n</param>\n"
      "<param>\n<value><double>1.5</double></value>\n</param>\n"
      "<param>\n<value><double>1e+16</double></value>\n</param>\n"
      "<param>\n<value><double>1e-05</double></value>\n</param>\n"
      "<param>\n<value><double>0.1</double></value>\n</param>\n"
      "<param>\n<value><double>-0.0</double></value>\n</param>\n"
      "<param>\n<value><double>100.0</double></value>\n</param>\n"
      "<param>\n<value><string>a&amp;b&lt;c&gt;d\"e'</string></value>\n</param>\n"
      "<param>\n<value><array><data>\n<value><int>1</int></value>\n"
      "<value><string>x</string></value>\n<value><array><data>\n</data></array></value>\n"
      "</data></array></value>\n</param>\n"
      "<param>\n<value><struct>\n<member>\n<name>k</name>\n<value><string>v</string></value>\n"
      "</member>\n<member>\n<name>n</name>\n<value><struct>\n<member>\n<name>deep</name>\n"
      "<value><array><data>\n<value><boolean>1</boolean></value>\n</data></array></value>\n"
      "</member>\n</struct></value>\n</member>\n</struct></value>\n</param>\n"
      "<param>\n<value><struct>\n</struct></value>\n</param>\n"
      "<param>\n<value><nil/></value></param>\n"
      "<param>\n<value><string>x</string></value>\n</param>\n"
      "</params>\n</methodCall>\n");
}

TEST(EncodeCall, EscapesNamesAndMethod) {
  const std::string call = encode_call("a<b", {Value(Struct{{"x&y", Value(1)}})});
  EXPECT_THAT(call, HasSubstr("<methodName>a&lt;b</methodName>"));
  EXPECT_THAT(call, HasSubstr("<name>x&amp;y</name>"));
}

TEST(EncodeCall, IntegersBeyond32BitsAreSentAsI8) {
  EXPECT_THAT(encode_call("m", {Value(std::int64_t{2147483647})}),
              HasSubstr("<value><int>2147483647</int></value>"));
  EXPECT_THAT(encode_call("m", {Value(std::int64_t{-2147483648LL})}),
              HasSubstr("<value><int>-2147483648</int></value>"));
  EXPECT_THAT(encode_call("m", {Value(std::int64_t{1} << 40)}),
              HasSubstr("<value><i8>1099511627776</i8></value>"));
}

TEST(EncodeCall, DoublesArePythonsRepr) {
  // Python 3: repr(float) for each.
  const std::vector<std::pair<double, std::string>> table = {
      {1.0, "1.0"},
      {1e16, "1e+16"},
      {1e15, "1000000000000000.0"},
      {1e-5, "1e-05"},
      {1e-4, "0.0001"},
      {0.1, "0.1"},
      {123456789.125, "123456789.125"},
      {1.7976931348623157e308, "1.7976931348623157e+308"},
      {5e-324, "5e-324"},
      {-2.5e-7, "-2.5e-07"},
      {12345678901234567.0, "1.2345678901234568e+16"},
      {9999999999999998.0, "9999999999999998.0"},
      {0.0, "0.0"},
  };
  for (const auto& [number, text] : table) {
    EXPECT_THAT(encode_call("m", {Value(number)}),
                HasSubstr("<value><double>" + text + "</double></value>\n"))
        << text;
  }
}

TEST(EncodeCall, RoundTripsThroughDecode) {
  const Value value(Array{Value(1), Value("x<&>y"), Value(true), Value(2.5), Value(),
                          Value(Struct{{"a", Value(Array{})}})});
  const std::string call = encode_call("m", {value});
  // Make the call a response by swapping the envelope.
  std::string response = call;
  response.replace(response.find("<methodCall>"), 12, "<methodResponse>");
  response.replace(response.find("<methodName>m</methodName>\n"), 27, "");
  response.replace(response.find("</methodCall>"), 13, "</methodResponse>");
  const Response decoded = decode_quietly(response);
  ASSERT_EQ(decoded.kind, Response::Kind::value) << decoded.error;
  EXPECT_EQ(decoded.value, value);
}

// ---------------------------------------------------------------------------------------
// decode_response: what supervisord sends

TEST(DecodeResponse, GetAllProcessInfoFromSupervisord) {
  const Response response = decode_quietly(samples::kAllProcessInfo);
  ASSERT_EQ(response.kind, Response::Kind::value) << response.error;
  const auto* items = std::get_if<Array>(&response.value.v);
  ASSERT_NE(items, nullptr);
  ASSERT_EQ(items->size(), 4u);

  const Value& bar = (*items)[0];
  EXPECT_EQ(*bar.member("name"), Value("bar"));
  EXPECT_EQ(*bar.member("group"), Value("bar"));
  EXPECT_EQ(*bar.member("state"), Value(200));
  EXPECT_EQ(*bar.member("statename"), Value("FATAL"));
  EXPECT_EQ(*bar.member("spawnerr"), Value("Exited too quickly (process log may have details)"));
  EXPECT_EQ(*bar.member("stderr_logfile"), Value(""));
  EXPECT_EQ(bar.member("nope"), nullptr);
  ASSERT_TRUE(std::holds_alternative<Struct>(bar.v));
  EXPECT_EQ(std::get<Struct>(bar.v).size(), 14u);
  EXPECT_EQ(std::get<Struct>(bar.v).front().first, "name");
  EXPECT_EQ(std::get<Struct>(bar.v).back().first, "description");

  EXPECT_EQ(*(*items)[1].member("group"), Value("baz"));
  EXPECT_EQ(*(*items)[1].member("name"), Value("baz_01"));
  EXPECT_EQ(*(*items)[2].member("pid"), Value(4242));
  EXPECT_EQ(*(*items)[2].member("state"), Value(20));
  EXPECT_EQ(*(*items)[3].member("name"), Value("httpok"));
  EXPECT_EQ(*(*items)[3].member("description"), Value("pid 4243, uptime 0:01:40"));
}

TEST(DecodeResponse, BooleanTrue) {
  const Response response = decode_quietly(samples::kTrue);
  ASSERT_EQ(response.kind, Response::Kind::value) << response.error;
  EXPECT_EQ(response.value, Value(true));
}

TEST(DecodeResponse, DoubleQuotedDeclarationAndNoDeclaration) {
  const Response quoted = decode_quietly(
      "<?xml version=\"1.0\"?>\n<methodResponse><params><param><value><boolean>0</boolean>"
      "</value></param></params></methodResponse>");
  ASSERT_EQ(quoted.kind, Response::Kind::value) << quoted.error;
  EXPECT_EQ(quoted.value, Value(false));
  const Response bare = decode_quietly(
      "<methodResponse><params><param><value><int>3</int></value></param></params>"
      "</methodResponse>");
  ASSERT_EQ(bare.kind, Response::Kind::value) << bare.error;
  EXPECT_EQ(bare.value, Value(3));
}

TEST(DecodeResponse, Faults) {
  const Response bad_name = decode_quietly(samples::kBadNameFault);
  ASSERT_EQ(bad_name.kind, Response::Kind::fault) << bad_name.error;
  EXPECT_EQ(bad_name.fault, (Fault{10, "BAD_NAME: nope"}));
  EXPECT_EQ(fault_text(bad_name.fault), "<Fault 10: 'BAD_NAME: nope'>");

  const Response shutdown = decode_quietly(samples::kShutdownFault);
  ASSERT_EQ(shutdown.kind, Response::Kind::fault) << shutdown.error;
  EXPECT_EQ(shutdown.fault, (Fault{6, "SHUTDOWN_STATE"}));
  EXPECT_EQ(fault_text(shutdown.fault), "<Fault 6: 'SHUTDOWN_STATE'>");
}

TEST(DecodeResponse, FaultWithUntypedStringAndI4CodeInAnyOrder) {
  const Response response = decode_quietly(
      "<?xml version='1.0'?><methodResponse><fault><value><struct>"
      "<member><name>faultString</name><value>FAILED: it's</value></member>"
      "<member><name>faultCode</name><value><i4>30</i4></value></member>"
      "</struct></value></fault></methodResponse>");
  ASSERT_EQ(response.kind, Response::Kind::fault) << response.error;
  EXPECT_EQ(response.fault, (Fault{30, "FAILED: it's"}));
  EXPECT_EQ(fault_text(response.fault), "<Fault 30: \"FAILED: it's\">");
}

std::string wrap(const std::string& value_xml) {
  return "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n" + value_xml +
         "\n</param>\n</params>\n</methodResponse>\n";
}

TEST(DecodeResponse, EveryValueType) {
  struct Case {
    std::string xml;
    Value expected;
  };
  const std::vector<Case> cases = {
      {"<value><int>-12</int></value>", Value(-12)},
      {"<value><int> +12 </int></value>", Value(12)},
      {"<value><i4>2147483647</i4></value>", Value(2147483647)},
      {"<value><i8>-9223372036854775808</i8></value>", Value(std::int64_t{INT64_MIN})},
      {"<value><boolean>1</boolean></value>", Value(true)},
      {"<value><boolean>0</boolean></value>", Value(false)},
      {"<value><string>a b</string></value>", Value("a b")},
      {"<value><string> padded </string></value>", Value(" padded ")},
      {"<value><string/></value>", Value("")},
      {"<value><string></string></value>", Value("")},
      {"<value>untyped  text</value>", Value("untyped  text")},
      {"<value> </value>", Value(" ")},
      {"<value/>", Value("")},
      {"<value><string>&amp;&lt;&gt;&quot;&apos;&#233;&#x65e5;</string></value>",
       Value("&<>\"'\xc3\xa9\xe6\x97\xa5")},
      {"<value><string><![CDATA[<raw> & ]]></string></value>", Value("<raw> & ")},
      {"<value><string>a<!-- note -->b</string></value>", Value("ab")},
      {"<value><string>caf\xc3\xa9</string></value>", Value("caf\xc3\xa9")},
      {"<value><double>-2.5</double></value>", Value(-2.5)},
      {"<value><double>1e+16</double></value>", Value(1e16)},
      {"<value><nil/></value>", Value()},
      {"<value><base64>aGVsbG8=</base64></value>", Value("hello")},
      {"<value><base64>\naGVs\nbG8h\n</base64></value>", Value("hello!")},
      {"<value><dateTime.iso8601>20231114T22:13:20</dateTime.iso8601></value>",
       Value("20231114T22:13:20")},
      {"<value><array><data/></array></value>", Value(Array{})},
      {"<value><array>\n<data>\n<value>x</value>\n<value><int>1</int></value>\n</data>\n"
       "</array></value>",
       Value(Array{Value("x"), Value(1)})},
      {"<value><struct/></value>", Value(Struct{})},
      {"<value><struct><member><value><int>1</int></value><name>b</name></member>"
       "<member><name>a</name><value><array><data><value><nil/></value></data></array>"
       "</value></member></struct></value>",
       Value(Struct{{"b", Value(1)}, {"a", Value(Array{Value()})}})},
  };
  for (const auto& c : cases) {
    const Response response = decode_quietly(wrap(c.xml));
    ASSERT_EQ(response.kind, Response::Kind::value) << c.xml << ": " << response.error;
    EXPECT_EQ(response.value, c.expected) << c.xml;
  }
}

TEST(DecodeResponse, OtherEncodingIsConvertedToUtf8) {
  const Response response = decode_quietly(
      "<?xml version='1.0' encoding='ISO-8859-1'?>\n<methodResponse><params><param>"
      "<value><string>caf\xe9</string></value></param></params></methodResponse>");
  ASSERT_EQ(response.kind, Response::Kind::value) << response.error;
  EXPECT_EQ(response.value, Value("caf\xc3\xa9"));
}

// ---------------------------------------------------------------------------------------
// decode_response: broken documents

TEST(DecodeResponse, MalformedDocumentsAreErrorsWithText) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "empty"},
      {"not xml at all", "invalid XML-RPC response"},
      {"<html><body>502 Bad Gateway</body></html>", "<html>"},
      {"<methodResponse>", "invalid XML-RPC response"},
      {"<methodResponse></methodResponse>", "exactly one"},
      {"<methodResponse><params></params></methodResponse>", "exactly one <param>"},
      {"<methodResponse><params><param/></params></methodResponse>", "exactly one <value>"},
      {"<methodResponse><params><param><value>1</value></param><param><value>2</value>"
       "</param></params></methodResponse>",
       "exactly one <param>"},
      {"<methodCall><methodName>x</methodName><params/></methodCall>", "<methodCall>"},
      {"<methodResponse><params><param><value><int>x</int></value></param></params>"
       "</methodResponse>",
       "bad <int> value 'x'"},
      {"<methodResponse><params><param><value><int>99999999999999999999</int></value>"
       "</param></params></methodResponse>",
       "bad <int>"},
      {"<methodResponse><params><param><value><int></int></value></param></params>"
       "</methodResponse>",
       "bad <int>"},
      {"<methodResponse><params><param><value><boolean>2</boolean></value></param>"
       "</params></methodResponse>",
       "bad boolean value '2'"},
      {"<methodResponse><params><param><value><double>1.5x</double></value></param>"
       "</params></methodResponse>",
       "bad <double>"},
      {"<methodResponse><params><param><value><base64>a$b</base64></value></param>"
       "</params></methodResponse>",
       "bad <base64>"},
      {"<methodResponse><params><param><value><float128>1</float128></value></param>"
       "</params></methodResponse>",
       "unknown value type <float128>"},
      {"<methodResponse><params><param><value><int>1</int><int>2</int></value></param>"
       "</params></methodResponse>",
       "one typed element"},
      {"<methodResponse><params><param><value>text<int>1</int></value></param></params>"
       "</methodResponse>",
       "unexpected text in <value>"},
      {"<methodResponse><params><param><value><string><b>x</b></string></value></param>"
       "</params></methodResponse>",
       "unexpected element in <string>"},
      {"<methodResponse><params><param><value><nil>x</nil></value></param></params>"
       "</methodResponse>",
       "unexpected text in <nil>"},
      {"<methodResponse><params><param><value><nil><x/></nil></value></param></params>"
       "</methodResponse>",
       "<nil/> must be empty"},
      {"<methodResponse><params><param><value><array><value>1</value></array></value>"
       "</param></params></methodResponse>",
       "exactly one <data>"},
      {"<methodResponse><params><param><value><array><data><int>1</int></data></array>"
       "</value></param></params></methodResponse>",
       "unexpected <int> in <data>"},
      {"<methodResponse><params><param><value><struct><member><name>a</name></member>"
       "</struct></value></param></params></methodResponse>",
       "one <name> and one <value>"},
      {"<methodResponse><params><param><value><struct><value>1</value></struct></value>"
       "</param></params></methodResponse>",
       "unexpected <value> in <struct>"},
      {"<methodResponse><params><param><value><struct>junk</struct></value></param>"
       "</params></methodResponse>",
       "unexpected text in <struct>"},
      {"<methodResponse><fault><value><struct><member><name>faultString</name>"
       "<value>x</value></member></struct></value></fault></methodResponse>",
       "faultCode"},
      {"<methodResponse><fault><value><int>1</int></value></fault></methodResponse>", "faultCode"},
      {"<methodResponse><other/></methodResponse>", "unexpected <other>"},
      {"<methodResponse><params><param><value>1</value></param></params></methodResponse>"
       "<methodResponse/>",
       "invalid XML-RPC response"},
      {"<methodResponse><params><param><value>\xff\xfe</value></param></params>"
       "</methodResponse>",
       "invalid XML-RPC response"},
      {"<methodResponse><params><param><value>&#0;</value></param></params>"
       "</methodResponse>",
       "invalid XML-RPC response"},
  };
  for (const auto& [document, fragment] : cases) {
    const Response response = decode_quietly(document);
    EXPECT_EQ(response.kind, Response::Kind::error) << document;
    EXPECT_THAT(response.error, HasSubstr(fragment)) << document;
  }
}

TEST(DecodeResponse, LibxmlMessageIsInTheErrorText) {
  const Response response = decode_quietly("<methodResponse><params>");
  ASSERT_EQ(response.kind, Response::Kind::error);
  EXPECT_THAT(response.error, HasSubstr("invalid XML-RPC response: "));
  EXPECT_THAT(response.error, HasSubstr("line 1"));
  EXPECT_GT(response.error.size(), std::string("invalid XML-RPC response: ").size() + 10);
}

TEST(DecodeResponse, EveryTruncationIsAnErrorNeverACrash) {
  for (const std::string& document :
       {std::string(samples::kAllProcessInfo), std::string(samples::kTrue),
        std::string(samples::kBadNameFault)}) {
    const std::size_t complete = document.rfind("</methodResponse>") + 17;
    for (std::size_t length = 0; length < complete; ++length) {
      const Response response = decode_quietly(document.substr(0, length));
      ASSERT_EQ(response.kind, Response::Kind::error) << "length " << length;
      EXPECT_FALSE(response.error.empty()) << "length " << length;
    }
    // The final newline is optional.
    EXPECT_NE(decode_quietly(document.substr(0, complete)).kind, Response::Kind::error);
  }
}

TEST(DecodeResponse, DeepNestingIsRefused) {
  for (const int depth : {70, 300, 5000}) {
    std::string value;
    for (int i = 0; i < depth; ++i) {
      value += "<value><array><data>";
    }
    value += "<value>x</value>";
    for (int i = 0; i < depth; ++i) {
      value += "</data></array></value>";
    }
    const Response response = decode_quietly(wrap(value));
    EXPECT_EQ(response.kind, Response::Kind::error) << depth;
    EXPECT_FALSE(response.error.empty());
  }
}

// ---------------------------------------------------------------------------------------
// decode_response: hostile documents

void expect_refused(const std::string& document) {
  const Response response = decode_quietly(document);
  EXPECT_EQ(response.kind, Response::Kind::error) << document;
  EXPECT_THAT(response.error, HasSubstr("refused")) << document;
  EXPECT_THAT(response.error, ::testing::Not(HasSubstr("root:"))) << document;
}

TEST(DecodeResponse, BillionLaughsIsRefused) {
  std::string document = "<?xml version='1.0'?>\n<!DOCTYPE lolz [\n<!ENTITY lol \"lol\">\n";
  std::string previous = "lol";
  for (int i = 1; i <= 9; ++i) {
    const std::string name = "lol" + std::to_string(i);
    document += "<!ENTITY " + name + " \"";
    for (int j = 0; j < 10; ++j) {
      document += "&" + previous + ";";
    }
    document += "\">\n";
    previous = name;
  }
  document +=
      "]>\n<methodResponse><params><param><value><string>&lol9;</string></value>"
      "</param></params></methodResponse>\n";
  expect_refused(document);
}

TEST(DecodeResponse, ExternalEntitiesAreRefused) {
  expect_refused(
      "<?xml version='1.0'?>\n<!DOCTYPE r [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n"
      "<methodResponse><params><param><value><string>&xxe;</string></value></param>"
      "</params></methodResponse>\n");
  expect_refused(
      "<?xml version='1.0'?>\n<!DOCTYPE r [<!ENTITY % p SYSTEM \"file:///etc/passwd\"> %p;]>\n"
      "<methodResponse><params><param><value><string>x</string></value></param>"
      "</params></methodResponse>\n");
  expect_refused(
      "<?xml version='1.0'?>\n<!DOCTYPE methodResponse SYSTEM \"file:///etc/passwd\">\n"
      "<methodResponse><params><param><value><string>x</string></value></param>"
      "</params></methodResponse>\n");
  expect_refused(
      "<?xml version='1.0'?>\n<!DOCTYPE methodResponse SYSTEM "
      "\"http://127.0.0.1:1/evil.dtd\">\n<methodResponse><params><param><value>"
      "<string>x</string></value></param></params></methodResponse>\n");
}

TEST(DecodeResponse, AnyDoctypeIsRefused) {
  expect_refused(
      "<?xml version='1.0'?>\n<!DOCTYPE methodResponse>\n<methodResponse><params><param>"
      "<value><string>x</string></value></param></params></methodResponse>\n");
  expect_refused(
      "<!DOCTYPE methodResponse [<!ATTLIST value type CDATA \"string\">]>"
      "<methodResponse><params><param><value>x</value></param></params></methodResponse>");
}

TEST(DecodeResponse, UndeclaredEntityReferenceIsAnError) {
  const Response response = decode_quietly(
      "<methodResponse><params><param><value><string>&xxe;</string></value></param>"
      "</params></methodResponse>");
  EXPECT_EQ(response.kind, Response::Kind::error);
  EXPECT_THAT(response.error, HasSubstr("xxe"));
}

TEST(DecodeResponse, OversizedDocumentIsRefusedUnread) {
  const std::string prefix = "<methodResponse><params><param><value><string>";
  const std::string suffix = "</string></value></param></params></methodResponse>";
  std::string document = prefix;
  document.append(kMaxResponseBytes - prefix.size() - suffix.size(), 'a');
  document += suffix;
  ASSERT_EQ(document.size(), kMaxResponseBytes);
  const Response fits = decode_quietly(document);
  ASSERT_EQ(fits.kind, Response::Kind::value) << fits.error;
  EXPECT_EQ(std::get<std::string>(fits.value.v).size(),
            kMaxResponseBytes - prefix.size() - suffix.size());

  document.insert(prefix.size(), "a");
  const Response too_big = decode_quietly(document);
  EXPECT_EQ(too_big.kind, Response::Kind::error);
  EXPECT_THAT(too_big.error, HasSubstr("too large"));
}

// ---------------------------------------------------------------------------------------
// Value

TEST(Value, MemberAndEquality) {
  const Value s(Struct{{"a", Value(1)}, {"b", Value("x")}, {"a", Value(2)}});
  ASSERT_NE(s.member("a"), nullptr);
  EXPECT_EQ(*s.member("a"), Value(2));  // the last of duplicates, as Python's dict
  EXPECT_EQ(*s.member("b"), Value("x"));
  EXPECT_EQ(s.member("c"), nullptr);
  EXPECT_EQ(Value(1).member("a"), nullptr);
  EXPECT_EQ(Value(1), Value(std::int64_t{1}));
  EXPECT_FALSE(Value(1) == Value(true));
  EXPECT_FALSE(Value("1") == Value(1));
  EXPECT_EQ(Value(Array{Value(), Value(1.5)}), Value(Array{Value(), Value(1.5)}));
  EXPECT_FALSE(Value(Array{Value(1)}) == Value(Array{Value(2)}));
}

}  // namespace
}  // namespace httpok::xmlrpc
