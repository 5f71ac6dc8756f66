/* The floor for one connection per probe: a minimal blocking HTTP client. It connects,
 * writes the request httpok sends, reads to EOF, checks the status, and closes, COUNT
 * times; then prints the CPU it used (user + system) per probe, in microseconds.
 *   floor_http HOST PORT PATH COUNT */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

static double cpu_us(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 + ru.ru_utime.tv_usec +
         ru.ru_stime.tv_usec;
}

int main(int argc, char** argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: floor_http HOST PORT PATH COUNT\n");
    return 2;
  }
  struct sockaddr_in addr = {0};
  addr.sin_family = AF_INET;
  addr.sin_port = htons((unsigned short)atoi(argv[2]));
  if (inet_pton(AF_INET, argv[1], &addr.sin_addr) != 1) {
    fprintf(stderr, "floor_http: HOST must be an IPv4 address\n");
    return 2;
  }
  char request[512];
  const int length = snprintf(request, sizeof request,
                              "GET %s HTTP/1.1\r\nHost: %s:%s\r\nUser-Agent: httpok\r\n"
                              "Accept-Encoding: identity\r\nConnection: close\r\n\r\n",
                              argv[3], argv[1], argv[2]);
  const long count = atol(argv[4]);
  char buffer[16384];
  const double start = cpu_us();
  for (long i = 0; i < count; ++i) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    const int one = 1; /* as httpok: no small write waits for an ACK (Nagle) */
    if (fd < 0 || setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0 ||
        connect(fd, (struct sockaddr*)&addr, sizeof addr) != 0) {
      perror("floor_http: connect");
      return 1;
    }
    if (write(fd, request, (size_t)length) != length) {
      perror("floor_http: write");
      return 1;
    }
    size_t got = 0;
    ssize_t n;
    char head[16] = {0};
    while ((n = read(fd, buffer, sizeof buffer)) > 0) {
      if (got < sizeof head - 1)
        memcpy(head + got, buffer, (size_t)n < sizeof head - 1 - got ? (size_t)n : sizeof head - 1 - got);
      got += (size_t)n;
    }
    close(fd);
    if (strncmp(head, "HTTP/1.1 200", 12) != 0) {
      fprintf(stderr, "floor_http: unexpected answer '%s'\n", head);
      return 1;
    }
  }
  printf("%.2f\n", (cpu_us() - start) / (double)count);
  return 0;
}
