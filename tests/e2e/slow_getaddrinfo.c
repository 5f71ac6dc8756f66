/* An LD_PRELOAD stand-in for a name server that never answers: getaddrinfo() of the host
 * named by SLOW_DNS_HOST touches the file SLOW_DNS_MARK, then blocks for 10 s (as glibc
 * does, waiting out its time-outs) and fails. Every other name goes to the real resolver.
 * A fake, because an unanswering name server cannot be set up on loopback without
 * changing the machine's /etc/resolv.conf. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef int (*getaddrinfo_fn)(const char*, const char*, const struct addrinfo*, struct addrinfo**);

int getaddrinfo(const char* node, const char* service, const struct addrinfo* hints,
                struct addrinfo** res) {
  const char* slow = getenv("SLOW_DNS_HOST");
  if (node != NULL && slow != NULL && strcmp(node, slow) == 0) {
    const char* mark = getenv("SLOW_DNS_MARK");
    if (mark != NULL) {
      const int fd = open(mark, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
      if (fd >= 0)
        close(fd);
    }
    sleep(10);
    return EAI_AGAIN;
  }
  /* POSIX's way around ISO C's ban on object-to-function pointer casts. */
  getaddrinfo_fn real;
  void* symbol = dlsym(RTLD_NEXT, "getaddrinfo");
  if (symbol == NULL)
    return EAI_SYSTEM;
  memcpy(&real, &symbol, sizeof real);
  return real(node, service, hints, res);
}
