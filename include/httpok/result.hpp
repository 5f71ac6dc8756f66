// Small value types shared by every module.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace httpok {

// Either a value or an error text; used on the event path instead of exceptions.
template <class T, class E = std::string>
class Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT
  static Result failure(E error) { return Result(std::in_place_index<1>, std::move(error)); }

  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }
  const T& value() const& { return std::get<0>(v_); }
  T& value() & { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const E& error() const& { return std::get<1>(v_); }

 private:
  template <std::size_t I, class V>
  Result(std::in_place_index_t<I> tag, V&& v) : v_(tag, std::forward<V>(v)) {}
  std::variant<T, E> v_;
};

}  // namespace httpok
