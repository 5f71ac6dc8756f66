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

/* Keeps the first bytes of an answer, for its status line. */
static void floor_keep_head(char* head, size_t size, size_t* got, const char* bytes, size_t n) {
  if (*got < size - 1) {
    const size_t room = size - 1 - *got;
    memcpy(head + *got, bytes, n < room ? n : room);
  }
  *got += n;
}
