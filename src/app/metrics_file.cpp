#include "metrics_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace httpok {

// One write, in libuv's thread pool. Owned by itself: deleted in done(), on the loop.
struct MetricsFile::Job {
  uv_work_t request{};
  MetricsFile* owner = nullptr;  // null once the MetricsFile is gone
  std::string path;
  std::string text;
  std::string error;

  static void run(uv_work_t* req) {
    auto* job = static_cast<Job*>(req->data);
    job->error = write_atomically(job->path, job->text);
  }
  static void done(uv_work_t* req, int) {
    auto* job = static_cast<Job*>(req->data);
    MetricsFile* owner = job->owner;
    std::string error = std::move(job->error);
    delete job;
    if (owner != nullptr)
      owner->finished(std::move(error));
  }

  static std::string write_atomically(const std::string& path, const std::string& text) {
    const std::string temporary = path + ".tmp." + std::to_string(::getpid());
    const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
      return "cannot create " + temporary + ": " + std::strerror(errno);
    std::size_t written = 0;
    std::string error;
    while (written < text.size() && error.empty()) {
      const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
      if (n < 0 && errno != EINTR) {
        error = "cannot write " + temporary + ": " + std::strerror(errno);
      } else if (n > 0) {
        written += static_cast<std::size_t>(n);
      }
    }
    // The umask must not make it unreadable for the collector.
    if (error.empty() && (::fchmod(fd, 0644) != 0 || ::fsync(fd) != 0))
      error = "cannot write " + temporary + ": " + std::strerror(errno);
    if (::close(fd) != 0 && error.empty())
      error = "cannot write " + temporary + ": " + std::strerror(errno);
    if (error.empty() && ::rename(temporary.c_str(), path.c_str()) != 0)
      error = "cannot rename " + temporary + " to " + path + ": " + std::strerror(errno);
    if (!error.empty())
      ::unlink(temporary.c_str());
    return error;
  }
};

MetricsFile::MetricsFile(uv_loop_t* loop, std::string path,
                         std::function<void(const std::string&)> report)
    : loop_(loop), path_(std::move(path)), report_(std::move(report)) {}

MetricsFile::~MetricsFile() {
  if (job_ != nullptr)
    job_->owner = nullptr;
}

void MetricsFile::write(std::string text) {
  if (job_ != nullptr) {
    next_ = std::move(text);
    return;
  }
  start(std::move(text));
}

void MetricsFile::start(std::string text) {
  auto* job = new Job;
  job->request.data = job;
  job->owner = this;
  job->path = path_;
  job->text = std::move(text);
  if (uv_queue_work(loop_, &job->request, &Job::run, &Job::done) != 0) {
    delete job;
    report_("cannot queue the write of " + path_);
    return;
  }
  job_ = job;
}

void MetricsFile::finished(std::string error) {
  job_ = nullptr;
  report_(error);
  if (next_) {
    std::string text = std::move(*next_);
    next_.reset();
    start(std::move(text));
  }
}

}  // namespace httpok
