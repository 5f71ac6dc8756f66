/* The floor for one TLS connection per probe: a minimal blocking OpenSSL client that
 * verifies the server against CAFILE, sends the request httpok sends, reads to EOF and
 * checks the status, COUNT times. With RESUME=1 it offers the session of the last
 * connection (as httpok does by default). Prints the CPU used per probe, in microseconds.
 * With --listen it is an event listener instead, one probe per event (floor_listen).
 *   floor_tls HOST PORT PATH COUNT CAFILE RESUME
 *   floor_tls --listen HOST PORT PATH CAFILE RESUME */
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "floor.h"

struct tls_probe {
  struct sockaddr_in addr;
  const char* host;
  char request[512];
  int length;
  SSL_CTX* ctx;
  int resume;
  SSL_SESSION* session;
  long resumed;
};

static void probe_once(void* context) {
  struct tls_probe* p = context;
  const int fd = floor_connect("floor_tls", &p->addr);
  SSL* ssl = SSL_new(p->ctx);
  SSL_set_fd(ssl, fd);
  X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), p->host);
  if (p->resume && p->session != NULL)
    SSL_set_session(ssl, p->session);
  if (SSL_connect(ssl) != 1) {
    fprintf(stderr, "floor_tls: handshake failed\n");
    ERR_print_errors_fp(stderr);
    exit(1);
  }
  if (SSL_write(ssl, p->request, p->length) != p->length) {
    fprintf(stderr, "floor_tls: write failed\n");
    exit(1);
  }
  static char buffer[16384];
  size_t got = 0;
  int n;
  char head[16] = {0};
  while ((n = SSL_read(ssl, buffer, sizeof buffer)) > 0) {
    floor_keep_head(head, sizeof head, &got, buffer, (size_t)n);
  }
  if (SSL_session_reused(ssl))
    ++p->resumed;
  if (p->resume) {
    SSL_SESSION* next = SSL_get1_session(ssl);
    if (p->session != NULL)
      SSL_SESSION_free(p->session);
    p->session = next;
  }
  SSL_shutdown(ssl);
  SSL_free(ssl);
  close(fd);
  floor_expect_200("floor_tls", head);
}

int main(int argc, char** argv) {
  const int listen = argc == 7 && strcmp(argv[1], "--listen") == 0;
  if (argc != 7) {
    fprintf(stderr,
            "usage: floor_tls HOST PORT PATH COUNT CAFILE RESUME | "
            "--listen HOST PORT PATH CAFILE RESUME\n");
    return 2;
  }
  char** args = argv + listen;
  const char* cafile = argv[5]; /* CAFILE and RESUME come last in both forms */
  const char* resume = argv[6];
  struct tls_probe p = {0};
  p.addr = floor_address("floor_tls", args[1], args[2]);
  p.host = args[1];
  p.ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_min_proto_version(p.ctx, TLS1_2_VERSION);
  if (SSL_CTX_load_verify_file(p.ctx, cafile) != 1) {
    fprintf(stderr, "floor_tls: cannot load %s\n", cafile);
    return 2;
  }
  SSL_CTX_set_verify(p.ctx, SSL_VERIFY_PEER, NULL);
  SSL_CTX_set_session_cache_mode(p.ctx, SSL_SESS_CACHE_CLIENT);
  p.length = floor_request(p.request, sizeof p.request, args[1], args[2], args[3]);
  p.resume = atoi(resume);
  if (listen)
    return floor_listen("floor_tls", probe_once, &p);
  const long count = atol(argv[4]);
  const double start = cpu_us();
  for (long i = 0; i < count; ++i)
    probe_once(&p);
  printf("%.2f\n", (cpu_us() - start) / (double)count);
  fprintf(stderr, "floor_tls: %ld of %ld resumed\n", p.resumed, count);
  return 0;
}
