/* The floor for one TLS connection per probe: a minimal blocking OpenSSL client that
 * verifies the server against CAFILE, sends the request httpok sends, reads to EOF and
 * checks the status, COUNT times. With RESUME=1 it offers the session of the last
 * connection (as httpok does by default). Prints the CPU used per probe, in microseconds.
 *   floor_tls HOST PORT PATH COUNT CAFILE RESUME */
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "floor.h"

int main(int argc, char** argv) {
  if (argc != 7) {
    fprintf(stderr, "usage: floor_tls HOST PORT PATH COUNT CAFILE RESUME\n");
    return 2;
  }
  const struct sockaddr_in addr = floor_address("floor_tls", argv[1], argv[2]);
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  if (SSL_CTX_load_verify_file(ctx, argv[5]) != 1) {
    fprintf(stderr, "floor_tls: cannot load %s\n", argv[5]);
    return 2;
  }
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT);
  char request[512];
  const int length = floor_request(request, sizeof request, argv[1], argv[2], argv[3]);
  const long count = atol(argv[4]);
  const int resume = atoi(argv[6]);
  SSL_SESSION* session = NULL;
  char buffer[16384];
  long resumed = 0;
  const double start = cpu_us();
  for (long i = 0; i < count; ++i) {
    const int fd = floor_connect("floor_tls", &addr);
    SSL* ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), argv[1]);
    if (resume && session != NULL)
      SSL_set_session(ssl, session);
    if (SSL_connect(ssl) != 1) {
      fprintf(stderr, "floor_tls: handshake failed\n");
      ERR_print_errors_fp(stderr);
      return 1;
    }
    if (SSL_write(ssl, request, length) != length) {
      fprintf(stderr, "floor_tls: write failed\n");
      return 1;
    }
    size_t got = 0;
    int n;
    char head[16] = {0};
    while ((n = SSL_read(ssl, buffer, sizeof buffer)) > 0) {
      floor_keep_head(head, sizeof head, &got, buffer, (size_t)n);
    }
    if (SSL_session_reused(ssl))
      ++resumed;
    if (resume) {
      SSL_SESSION* next = SSL_get1_session(ssl);
      if (session != NULL)
        SSL_SESSION_free(session);
      session = next;
    }
    SSL_shutdown(ssl);
    SSL_free(ssl);
    close(fd);
    if (strncmp(head, "HTTP/1.1 200", 12) != 0) {
      fprintf(stderr, "floor_tls: unexpected answer '%s'\n", head);
      return 1;
    }
  }
  printf("%.2f\n", (cpu_us() - start) / (double)count);
  fprintf(stderr, "floor_tls: %ld of %ld resumed\n", resumed, count);
  return 0;
}
