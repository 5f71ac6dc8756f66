// The libuv implementation of Spawner: /bin/sh children with a stdin pipe, captured
// stdout and stderr pipes, and a deadline.
#pragma once

#include <uv.h>

#include <signal.h>

#include <chrono>
#include <cstddef>
#include <string>
#include <unordered_set>

#include "httpok/spawn.hpp"

namespace httpok {

struct UvSpawnerOptions {
  // The shell that runs the command line (`<shell> -c <line> <name> <args...>`).
  std::string shell = "/bin/sh";
  // At most this many bytes of the child's stdout are kept; the rest is read and dropped so
  // that a chatty child never blocks on a full pipe.
  std::size_t max_stdout = std::size_t{1} << 20;
  // At the deadline the child's process group gets SIGTERM (gdb/gcore detach cleanly from
  // their target on it); SIGKILL follows after this grace, and after another grace the
  // output pipes are abandoned in case a descendant escaped the group and still holds them.
  std::chrono::milliseconds kill_grace{2000};
  // Sends a signal (kill(2)). Tests replace it: a process that outlives SIGKILL (stuck in
  // the kernel, say writing a core to a hung disk) cannot be made on purpose.
  int (*send_signal)(pid_t pid, int sig) = ::kill;
};

// Runs child processes on one libuv loop, each as the leader of its own process group so
// that a deadline kills the whole pipeline, not just the shell.
//
// Owned by whoever owns the loop (the app). Each run() creates a child object that owns
// its four uv handles; the spawner only keeps a list of them. The callback of run() is
// called exactly once, from the loop, after the process has exited and every handle of
// that child is closed; the callback must not throw and may destroy the spawner.
//
// Once a child has exited, its output is waited for only briefly (a descendant that left
// its group may hold the pipe): the result is then the exit status, not a time-out.
//
// A child that is still there a grace after SIGKILL (uninterruptible sleep) is reported
// at once as timed out, so that whoever waits for it can go on; its handles stay until it
// exits (or the spawner is destroyed), and no second callback comes.
//
// Destroying the spawner stops every child still running (SIGTERM, up to 0.1 s, then
// SIGKILL and up to 0.05 s for it to take; it never blocks longer), closes their handles
// and drops their callbacks: none is called afterwards. The loop must run once more after
// that so the close callbacks free the memory, and then it can be closed.
//
// The constructor sets SIGPIPE to SIG_IGN (when it is at its default): a child that exits
// without reading its stdin would otherwise kill this process on the next write.
class UvSpawner final : public Spawner {
 public:
  explicit UvSpawner(uv_loop_t* loop, UvSpawnerOptions options = {});
  ~UvSpawner() override;
  UvSpawner(const UvSpawner&) = delete;
  UvSpawner& operator=(const UvSpawner&) = delete;

  void run(SpawnRequest request, Callback done) override;

  // Children not finished yet (one that outlived SIGKILL stays here after its callback).
  std::size_t pending() const noexcept { return children_.size(); }

 private:
  class Child;
  uv_loop_t* loop_;
  UvSpawnerOptions options_;
  std::unordered_set<Child*> children_;
};

}  // namespace httpok
