/* An LD_PRELOAD stand-in for a file system that hangs (an NFS server gone away): stat()
 * of the path named by SLOW_STAT_PATH blocks for 10 s, then fails with ENOENT. Every
 * other path goes to the real stat(). A fake, because a hanging mount cannot be made
 * here without privileges over the machine's mounts. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef int (*stat_fn)(const char*, struct stat*);

int stat(const char* path, struct stat* out) {
  const char* slow = getenv("SLOW_STAT_PATH");
  if (slow != NULL && strcmp(path, slow) == 0) {
    sleep(10);
    errno = ENOENT;
    return -1;
  }
  /* POSIX's way around ISO C's ban on object-to-function pointer casts. */
  stat_fn real;
  void* symbol = dlsym(RTLD_NEXT, "stat");
  if (symbol == NULL) {
    errno = ENOSYS;
    return -1;
  }
  memcpy(&real, &symbol, sizeof real);
  return real(path, out);
}
