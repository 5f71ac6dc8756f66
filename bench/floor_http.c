/* The floor for one connection per probe: a minimal blocking HTTP client. It connects,
 * writes the request httpok sends, reads to EOF, checks the status, and closes, COUNT
 * times; then prints the CPU it used (user + system) per probe, in microseconds. With
 * --listen it is an event listener instead, one probe per event (floor_listen).
 *   floor_http HOST PORT PATH COUNT
 *   floor_http --listen HOST PORT PATH */
#include "floor.h"

struct http_probe {
  struct sockaddr_in addr;
  char request[512];
  int length;
};

static void probe_once(void* context) {
  const struct http_probe* p = context;
  const int fd = floor_connect("floor_http", &p->addr);
  if (write(fd, p->request, (size_t)p->length) != p->length) {
    perror("floor_http: write");
    exit(1);
  }
  static char buffer[16384];
  size_t got = 0;
  ssize_t n;
  char head[16] = {0};
  while ((n = read(fd, buffer, sizeof buffer)) > 0) {
    floor_keep_head(head, sizeof head, &got, buffer, (size_t)n);
  }
  close(fd);
  floor_expect_200("floor_http", head);
}

int main(int argc, char** argv) {
  const int listen = argc == 5 && strcmp(argv[1], "--listen") == 0;
  if (argc != 5) {
    fprintf(stderr, "usage: floor_http HOST PORT PATH COUNT | --listen HOST PORT PATH\n");
    return 2;
  }
  char** args = argv + listen;
  struct http_probe p;
  p.addr = floor_address("floor_http", args[1], args[2]);
  p.length = floor_request(p.request, sizeof p.request, args[1], args[2], args[3]);
  if (listen)
    return floor_listen("floor_http", probe_once, &p);
  const long count = atol(argv[4]);
  const double start = cpu_us();
  for (long i = 0; i < count; ++i)
    probe_once(&p);
  printf("%.2f\n", (cpu_us() - start) / (double)count);
  return 0;
}
