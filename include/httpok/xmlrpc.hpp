// XML-RPC encoding and decoding: pure functions, no I/O. Decoding uses libxml2 with
// network access off, no entity expansion, no DTD loading and a size cap.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace httpok::xmlrpc {

struct Value;
using Array = std::vector<Value>;
using Member = std::pair<std::string, Value>;
using Struct = std::vector<Member>;  // in document order
struct Nil {
  bool operator==(const Nil&) const = default;
};

struct Value {
  std::variant<Nil, std::int64_t, bool, std::string, double, Array, Struct> v;

  Value() = default;
  Value(std::int64_t i) : v(i) {}              // NOLINT
  Value(int i) : v(std::int64_t{i}) {}         // NOLINT
  Value(bool b) : v(b) {}                      // NOLINT
  Value(std::string s) : v(std::move(s)) {}    // NOLINT
  Value(const char* s) : v(std::string(s)) {}  // NOLINT
  Value(double d) : v(d) {}                    // NOLINT
  Value(Array a) : v(std::move(a)) {}          // NOLINT
  Value(Struct s) : v(std::move(s)) {}         // NOLINT

  // Struct member by name, or nullptr; of duplicate names the last wins, as in Python.
  const Value* member(std::string_view name) const;
  bool operator==(const Value&) const;
};

struct Fault {
  std::int64_t code = 0;
  std::string string;
  bool operator==(const Fault&) const = default;
};

// What a methodResponse decodes to: a value, a fault, or an error text (malformed,
// truncated, too large, or a forbidden construct such as a DTD or entity).
struct Response {
  enum class Kind { value, fault, error } kind = Kind::error;
  Value value;
  Fault fault;
  std::string error;
};

// Largest document decode_response accepts.
inline constexpr std::size_t kMaxResponseBytes = 4 * 1024 * 1024;

// A methodCall document byte for byte as Python's xmlrpc.client writes it (integers outside
// 32 bits, which Python refuses, are sent as <i8>).
std::string encode_call(std::string_view method, const std::vector<Value>& params);
// Never writes anything anywhere; libxml2's messages end up in Response::error.
Response decode_response(std::string_view document);

// How Python 3 prints an xmlrpc.client.Fault: <Fault 30: 'FAILED'>.
std::string fault_text(const Fault& fault);

}  // namespace httpok::xmlrpc
