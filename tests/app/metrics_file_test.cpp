// --metrics-file's writer: a reader never sees a partial file, whatever the timing. The
// reader reads in a tight loop in another thread while the loop writes version after
// version; every read must be one whole version.
#include "metrics_file.hpp"

#include <sys/stat.h>
#include <uv.h>

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "support/test_support.hpp"

namespace httpok {
namespace {

// Version `n`: large (so no write of it is atomic by chance), its number at both ends.
std::string version(int n) {
  std::string text = "# begin " + std::to_string(n) + "\n";
  for (int line = 0; line < 4000; ++line)
    text += "httpok_probe_success{target=\"t" + std::to_string(line) + "\"} 1\n";
  return text + "# end " + std::to_string(n) + "\n";
}

TEST(MetricsFile, AReaderInATightLoopOnlyEverSeesWholeVersions) {
  test::TempDir dir;
  const std::string path = (dir / "httpok.prom").string();
  std::atomic<bool> stop{false};
  std::atomic<int> reads{0};
  std::mutex mutex;  // over bad and seen
  std::set<std::string> bad;
  std::set<int> seen;
  std::thread reader([&] {
    while (!stop) {
      std::ifstream in(path, std::ios::binary);
      if (!in)
        continue;  // not written yet
      const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
      ++reads;
      std::lock_guard<std::mutex> lock(mutex);
      const int n = text.rfind("# begin ", 0) == 0 ? std::atoi(text.c_str() + 8) : -1;
      if (n < 0 || text != version(n)) {
        bad.insert(text.substr(0, 40) + "... (" + std::to_string(text.size()) + " bytes)");
      } else {
        seen.insert(n);
      }
    }
  });
  uv_loop_t loop;
  ASSERT_EQ(uv_loop_init(&loop), 0);
  std::string errors;
  {
    MetricsFile file(&loop, path, [&](const std::string& error) { errors += error; });
    // A version a millisecond, 300 of them: most replace one still being written.
    struct Writer {
      MetricsFile* file;
      int next = 0;
    } writer{&file};
    uv_timer_t timer;
    uv_timer_init(&loop, &timer);
    timer.data = &writer;
    uv_timer_start(
        &timer,
        [](uv_timer_t* t) {
          auto* w = static_cast<Writer*>(t->data);
          w->file->write(version(w->next++));
          if (w->next == 300)
            uv_close(reinterpret_cast<uv_handle_t*>(t), nullptr);
        },
        1, 1);
    uv_run(&loop, UV_RUN_DEFAULT);  // until the last write has ended
  }
  // The last version is the one that stays.
  const bool last = test::wait_until(
      [&] {
        std::lock_guard<std::mutex> lock(mutex);
        return seen.count(299) == 1;
      },
      std::chrono::seconds(10));
  stop = true;
  reader.join();
  EXPECT_TRUE(last) << "last version seen: " << (seen.empty() ? -1 : *seen.rbegin())
                    << "; file: " << test::read_file_or_empty(path).substr(0, 20);
  EXPECT_EQ(uv_loop_close(&loop), 0);
  EXPECT_EQ(errors, "");  // no write failed
  EXPECT_TRUE(bad.empty()) << bad.size() << " partial reads, e.g. " << *bad.begin();
  EXPECT_GT(reads.load(), 10);
  EXPECT_GT(seen.size(), 2u);  // it read while versions were replaced
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0644u);
  // No temporary file is left beside it.
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    (void)entry;
    ++files;
  }
  EXPECT_EQ(files, 1u);
}

}  // namespace
}  // namespace httpok
