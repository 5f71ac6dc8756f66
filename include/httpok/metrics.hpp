// The Prometheus text exposition format (pure): families with HELP and TYPE, samples with
// escaped label values, numbers as Prometheus writes them. What httpok reports is built
// by the app; this only writes it correctly.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace httpok {

// A label value with \, " and line feeds escaped, as the format requires.
std::string escape_label_value(std::string_view value);

// A sample value: integers without a fraction, others in the shortest text that reads
// back as the same number; NaN and the infinities as NaN, +Inf and -Inf.
std::string metric_value(double value);

class Exposition {
 public:
  using Labels = std::initializer_list<std::pair<std::string_view, std::string_view>>;
  // "# HELP name help" and "# TYPE name type"; every sample of `name` follows.
  void family(std::string_view name, std::string_view type, std::string_view help);
  void sample(std::string_view name, Labels labels, double value);
  const std::string& text() const noexcept { return text_; }

 private:
  std::string text_;
};

}  // namespace httpok
