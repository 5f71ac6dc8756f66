// libFuzzer target: XML-RPC responses (the xmlrpc library's decode_response, libxml2 with
// no entities and no DTD). A document decodes to exactly one of a value, a fault or an
// error with its text; decoding it again gives the same.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "httpok/xmlrpc.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  const std::string_view document(reinterpret_cast<const char*>(bytes), size);
  const httpok::xmlrpc::Response first = httpok::xmlrpc::decode_response(document);
  if (first.kind == httpok::xmlrpc::Response::Kind::error && first.error.empty())
    __builtin_trap();
  const httpok::xmlrpc::Response again = httpok::xmlrpc::decode_response(document);
  if (again.kind != first.kind || again.error != first.error)
    __builtin_trap();
  return 0;
}
