// stderr lines. stdout carries the supervisord protocol and nothing else, ever.
#pragma once

#include <string_view>

namespace httpok::log {

// Writes `text` and a newline to stderr in one write (retrying partial writes).
void line(std::string_view text) noexcept;
// Writes `text` as it is (no newline added).
void raw(std::string_view text) noexcept;

}  // namespace httpok::log
