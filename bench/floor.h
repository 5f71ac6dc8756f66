/* What the two baselines share: their CPU clock, the address, the request httpok sends,
 * and a connected socket (TCP_NODELAY, as httpok: no small write waits for an ACK). */
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

/* User + system CPU of this process so far, in microseconds. */
static double cpu_us(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 + ru.ru_utime.tv_usec +
         ru.ru_stime.tv_usec;
}

/* HOST (IPv4) and PORT as an address; exits 2 on a bad HOST. */
static struct sockaddr_in floor_address(const char* name, const char* host, const char* port) {
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons((unsigned short)atoi(port));
  if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
    fprintf(stderr, "%s: HOST must be an IPv4 address\n", name);
    exit(2);
  }
  return addr;
}

/* httpok's request for PATH on HOST:PORT into `out`; returns its length. */
static int floor_request(char* out, size_t size, const char* host, const char* port,
                         const char* path) {
  return snprintf(out, size,
                  "GET %s HTTP/1.1\r\nHost: %s:%s\r\nUser-Agent: httpok\r\n"
                  "Accept-Encoding: identity\r\nConnection: close\r\n\r\n",
                  path, host, port);
}

/* A socket connected to `addr`; exits 1 when that fails. */
static int floor_connect(const char* name, const struct sockaddr_in* addr) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  const int one = 1;
  if (fd < 0 || setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0 ||
      connect(fd, (const struct sockaddr*)addr, sizeof *addr) != 0) {
    fprintf(stderr, "%s: ", name);
    perror("connect");
    exit(1);
  }
  return fd;
}

/* Exits 1 unless the answer's first bytes are a 200's status line. */
static void floor_expect_200(const char* name, const char* head) {
  if (strncmp(head, "HTTP/1.1 200", 12) != 0) {
    fprintf(stderr, "%s: unexpected answer '%s'\n", name, head);
    exit(1);
  }
}

/* Keeps the first bytes of an answer, for its status line. */
static void floor_keep_head(char* head, size_t size, size_t* got, const char* bytes, size_t n) {
  if (*got < size - 1) {
    const size_t room = size - 1 - *got;
    memcpy(head + *got, bytes, n < room ? n : room);
  }
  *got += n;
}

/* The floor with supervisord's event protocol around it: what any event listener must
 * add to a probe. Writes READY, then for each event on stdin (header line, then `len`
 * bytes of payload) writes the acknowledgement and READY in one write, runs `probe`
 * once, and writes a line on stderr as httpok's --log-rounds does (tick_driver waits for
 * it). Returns at the end of stdin; exits 1 on a malformed event. */
static int floor_listen(const char* name, void (*probe)(void*), void* context) {
  static char in[8192];
  size_t have = 0;
  const char ack[] = "RESULT 2\nOKREADY\n";
  const char round[] = "round of 1 check ended\n";
  if (write(1, "READY\n", 6) != 6)
    return 1;
  for (;;) {
    char* newline;
    while ((newline = memchr(in, '\n', have)) == NULL) {
      if (have == sizeof in) {
        fprintf(stderr, "%s: an event header longer than %zu bytes\n", name, sizeof in);
        return 1;
      }
      const ssize_t n = read(0, in + have, sizeof in - have);
      if (n == 0 && have == 0)
        return 0; /* the end of stdin, between events */
      if (n <= 0)
        return 1;
      have += (size_t)n;
    }
    *newline = '\0';
    const char* len_text = strstr(in, " len:"); /* a token of its own, never the first */
    if (len_text == NULL) {
      fprintf(stderr, "%s: an event without len\n", name);
      exit(1);
    }
    const size_t frame = (size_t)(newline + 1 - in) + (size_t)atol(len_text + 5);
    if (frame > sizeof in) {
      fprintf(stderr, "%s: an event larger than %zu bytes\n", name, sizeof in);
      return 1;
    }
    while (have < frame) {
      const ssize_t n = read(0, in + have, sizeof in - have);
      if (n <= 0)
        return 1;
      have += (size_t)n;
    }
    memmove(in, in + frame, have - frame);
    have -= frame;
    if (write(1, ack, sizeof ack - 1) != (ssize_t)(sizeof ack - 1))
      return 1;
    probe(context);
    if (write(2, round, sizeof round - 1) != (ssize_t)(sizeof round - 1))
      return 1;
  }
}
