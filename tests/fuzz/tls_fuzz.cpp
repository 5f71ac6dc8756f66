// libFuzzer target: the TLS record path (the tls library's ClientSession over its memory
// BIOs), fed arbitrary bytes as the server's. The first byte chooses the size of the
// pieces the rest arrives in, and whether the connection then ends. Whatever comes, a
// failure has a text, and the session never asks for more once it has failed.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "httpok/tls.hpp"

namespace {

std::shared_ptr<httpok::tls::ClientContext> context() {
  static const std::shared_ptr<httpok::tls::ClientContext> made = [] {
    httpok::TlsOptions options;  // verified against the system store, as by default
    auto created = httpok::tls::ClientContext::create(options);
    return created ? created.value() : nullptr;
  }();
  return made;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  if (size == 0 || context() == nullptr)
    return 0;
  const std::size_t piece = 1 + bytes[0] % 64;
  const bool eof = (bytes[0] & 0x80) != 0;
  std::string_view server(reinterpret_cast<const char*>(bytes + 1), size - 1);
  httpok::tls::ClientSession session(context(), "localhost", 443);
  using httpok::tls::Status;
  Status status = session.handshake();  // the ClientHello
  (void)session.take_output();
  char plain[4096];
  while (status != Status::error && status != Status::closed_clean &&
         status != Status::closed_abrupt) {
    if (server.empty()) {
      if (!eof)
        break;
      session.feed_eof();
    } else {
      const std::size_t n = std::min(piece, server.size());
      session.feed(server.substr(0, n));
      server.remove_prefix(n);
    }
    if (!session.handshake_done()) {
      status = session.handshake();
    } else {
      std::size_t got = 0;
      status = session.read(plain, sizeof plain, got);
      if (status == Status::ok && got == 0)
        __builtin_trap();  // ok means bytes
    }
    (void)session.take_output();
    if (server.empty() && eof && status == Status::want_more)
      break;  // fed EOF once; what it gives is what it gives
  }
  if (status == Status::error && session.error_text().empty())
    __builtin_trap();
  return 0;
}
