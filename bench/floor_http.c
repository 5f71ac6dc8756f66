/* The floor for one connection per probe: a minimal blocking HTTP client. It connects,
 * writes the request httpok sends, reads to EOF, checks the status, and closes, COUNT
 * times; then prints the CPU it used (user + system) per probe, in microseconds.
 *   floor_http HOST PORT PATH COUNT */
#include "floor.h"

int main(int argc, char** argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: floor_http HOST PORT PATH COUNT\n");
    return 2;
  }
  const struct sockaddr_in addr = floor_address("floor_http", argv[1], argv[2]);
  char request[512];
  const int length = floor_request(request, sizeof request, argv[1], argv[2], argv[3]);
  const long count = atol(argv[4]);
  char buffer[16384];
  const double start = cpu_us();
  for (long i = 0; i < count; ++i) {
    const int fd = floor_connect("floor_http", &addr);
    if (write(fd, request, (size_t)length) != length) {
      perror("floor_http: write");
      return 1;
    }
    size_t got = 0;
    ssize_t n;
    char head[16] = {0};
    while ((n = read(fd, buffer, sizeof buffer)) > 0) {
      floor_keep_head(head, sizeof head, &got, buffer, (size_t)n);
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
