// libFuzzer target: URLs (the http library's parse_url). A URL that parses gives a host
// and a port, and building its request never fails; parsing is deterministic.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "httpok/http.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(bytes), size);
  auto url = httpok::parse_url(text);
  if (!url)
    return 0;
  if (url.value().port == 0)
    __builtin_trap();
  const std::string request = httpok::build_request(url.value(), "GET", {});
  if (request.find("\r\n\r\n") != request.size() - 4)
    __builtin_trap();  // the URL smuggled a line break into the request
  return 0;
}
