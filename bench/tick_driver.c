/* supervisord's side of one target, one TICK per probe, TICKs back to back: starts
 * PROGRAM with pipes on its stdin, stdout and stderr, waits for READY, then sends
 * WARMUP + COUNT TICK_5 events. After each it waits for a line holding MARKER on stderr
 * (httpok's --log-rounds line: the check has ended), then for READY on stdout. It prints
 * the CPU that PROGRAM used (user + system, all threads) per TICK of the last COUNT, in
 * microseconds, and PROGRAM's peak RSS in kB; it exits with 1 when PROGRAM fails or stays
 * silent for 60 s.
 *
 * The bench's Python driver spends about 50 µs on each TICK. PROGRAM's CPU falls idle in
 * that time, and on a virtual machine a wake-up from idle costs more than a probe. The
 * floors never idle that way, so driving PROGRAM from Python measured the driver's
 * slowness as much as PROGRAM. This driver answers at once, as a loaded supervisord
 * would. It reads stdout only once the round line is in, so the acknowledgement does
 * not wake it: one wake-up per TICK, as supervisord has in service (by the ack).
 *   tick_driver WARMUP COUNT MARKER PROGRAM [ARG...] */
#define _GNU_SOURCE /* memmem */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t child;

static void fail(const char* what) {
  fprintf(stderr, "tick_driver: %s\n", what);
  if (child > 0)
    kill(child, SIGKILL);
  exit(1);
}

/* What has come from one of PROGRAM's pipes and not been matched yet. */
struct pipe_in {
  int fd;
  char bytes[1 << 16];
  size_t size;
};

/* Reads from `in` until its bytes hold `text` followed by a newline; drops them up to
 * that newline. */
static void await_line(struct pipe_in* in, const char* text) {
  for (;;) {
    const size_t text_size = strlen(text);
    const char* found = memmem(in->bytes, in->size, text, text_size);
    const char* end =
        found != NULL ? memchr(found, '\n', in->size - (size_t)(found - in->bytes)) : NULL;
    if (end != NULL) {
      const size_t used = (size_t)(end + 1 - in->bytes);
      memmove(in->bytes, end + 1, in->size - used);
      in->size -= used;
      return;
    }
    if (in->size > sizeof in->bytes / 2) { /* keep only a tail: the marker's line, or less */
      const size_t keep = found != NULL ? in->size - (size_t)(found - in->bytes) : text_size;
      if (keep >= sizeof in->bytes / 2)
        fail("a line of more than 32 kB");
      memmove(in->bytes, in->bytes + in->size - keep, keep);
      in->size = keep;
    }
    struct pollfd pfd = {in->fd, POLLIN, 0};
    const int ready = poll(&pfd, 1, 60000);
    if (ready == 0)
      fail("no answer within 60 s");
    if (ready < 0 && errno != EINTR)
      fail("poll failed");
    if (ready <= 0)
      continue;
    const ssize_t n = read(in->fd, in->bytes + in->size, sizeof in->bytes - in->size);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      fail("the program ended");
    in->size += (size_t)n;
  }
}

/* CPU of PROGRAM so far, all threads, in nanoseconds. */
static long long cpu_ns(void) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/task", (int)child);
  DIR* dir = opendir(path);
  if (dir == NULL)
    fail("cannot read the program's /proc entry");
  long long total = 0;
  const struct dirent* entry;
  while ((entry = readdir(dir)) != NULL) {
    if (entry->d_name[0] == '.')
      continue;
    char file[400];
    snprintf(file, sizeof file, "%s/%s/schedstat", path, entry->d_name);
    FILE* f = fopen(file, "r");
    long long ns = 0;
    if (f != NULL) { /* a thread that just ended has none */
      if (fscanf(f, "%lld", &ns) == 1)
        total += ns;
      fclose(f);
    }
  }
  closedir(dir);
  return total;
}

/* PROGRAM's peak RSS so far (VmHWM), in kB. */
static long peak_rss_kb(void) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/status", (int)child);
  FILE* f = fopen(path, "r");
  if (f == NULL)
    fail("cannot read the program's /proc entry");
  char line[256];
  long kb = 0;
  while (fgets(line, sizeof line, f) != NULL) {
    if (sscanf(line, "VmHWM: %ld", &kb) == 1)
      break;
  }
  fclose(f);
  return kb;
}

static void write_all(int fd, const char* bytes, size_t size) {
  while (size > 0) {
    const ssize_t n = write(fd, bytes, size);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      fail("cannot write to the program");
    bytes += n;
    size -= (size_t)n;
  }
}

int main(int argc, char** argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: tick_driver WARMUP COUNT MARKER PROGRAM [ARG...]\n");
    return 2;
  }
  const long warmup = atol(argv[1]);
  const long count = atol(argv[2]);
  const char* marker = argv[3];
  signal(SIGPIPE, SIG_IGN);
  int in[2], out[2], err[2];
  if (pipe(in) != 0 || pipe(out) != 0 || pipe(err) != 0)
    fail("pipe failed");
  child = fork();
  if (child < 0)
    fail("fork failed");
  if (child == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    dup2(err[1], 2);
    for (int fd = 3; fd < 16; ++fd)
      close(fd);
    execv(argv[4], argv + 4);
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  close(err[1]);
  static struct pipe_in stdout_in, stderr_in;
  stdout_in.fd = out[0];
  stderr_in.fd = err[0];
  await_line(&stdout_in, "READY");
  long long before = 0;
  for (long i = 0; i < warmup + count; ++i) {
    if (i == warmup)
      before = cpu_ns();
    char tick[256];
    const char* body = "when:1700000000";
    const int n = snprintf(tick, sizeof tick,
                           "ver:3.0 server:supervisor serial:%ld pool:httpok poolserial:%ld "
                           "eventname:TICK_5 len:%zu\n%s",
                           i + 1, i + 1, strlen(body), body);
    write_all(in[1], tick, (size_t)n);
    await_line(&stderr_in, marker);
    await_line(&stdout_in, "READY");
  }
  const long long used = cpu_ns() - before;
  const long peak = peak_rss_kb();
  close(in[1]); /* the end of stdin ends httpok */
  int status = 0;
  if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    child = 0;
    fail("the program did not exit with 0");
  }
  printf("%.2f %ld\n", (double)used / 1e3 / (double)(count > 0 ? count : 1), peak);
  return 0;
}
