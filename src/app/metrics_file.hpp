// --metrics-file: the text written atomically, off the loop (a temporary file in the same
// directory, fsync, rename, mode 0644), one write at a time. App-internal.
#pragma once

#include <uv.h>

#include <functional>
#include <optional>
#include <string>

namespace httpok {

// Owned by the app. `report` gets the end of every write: an error text, or "" when it
// succeeded. Destroying it drops the write under way (it ends on its own in the
// thread pool) and any waiting.
class MetricsFile {
 public:
  MetricsFile(uv_loop_t* loop, std::string path, std::function<void(const std::string&)> report);
  ~MetricsFile();
  MetricsFile(const MetricsFile&) = delete;
  MetricsFile& operator=(const MetricsFile&) = delete;

  // Writes `text` now, or after the write under way (a later text replaces a waiting one).
  void write(std::string text);

 private:
  struct Job;
  void start(std::string text);
  void finished(std::string error);

  uv_loop_t* loop_;
  std::string path_;
  std::function<void(const std::string&)> report_;
  Job* job_ = nullptr;  // the write under way
  std::optional<std::string> next_;
};

}  // namespace httpok
