/* The floor for one TLS connection per probe: a minimal blocking OpenSSL client that
 * verifies the server against CAFILE, sends the request httpok sends, reads to EOF and
 * checks the status, COUNT times. With RESUME=1 it offers the session of the last
 * connection (as httpok does by default). Prints the CPU used per probe, in microseconds.
 *   floor_tls HOST PORT PATH COUNT CAFILE RESUME */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
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
  if (argc != 7) {
    fprintf(stderr, "usage: floor_tls HOST PORT PATH COUNT CAFILE RESUME\n");
    return 2;
  }
  struct sockaddr_in addr = {0};
  addr.sin_family = AF_INET;
  addr.sin_port = htons((unsigned short)atoi(argv[2]));
  if (inet_pton(AF_INET, argv[1], &addr.sin_addr) != 1) {
    fprintf(stderr, "floor_tls: HOST must be an IPv4 address\n");
    return 2;
  }
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  if (SSL_CTX_load_verify_file(ctx, argv[5]) != 1) {
    fprintf(stderr, "floor_tls: cannot load %s\n", argv[5]);
    return 2;
  }
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT);
  char request[512];
  const int length = snprintf(request, sizeof request,
                              "GET %s HTTP/1.1\r\nHost: %s:%s\r\nUser-Agent: httpok\r\n"
                              "Accept-Encoding: identity\r\nConnection: close\r\n\r\n",
                              argv[3], argv[1], argv[2]);
  const long count = atol(argv[4]);
  const int resume = atoi(argv[6]);
  SSL_SESSION* session = NULL;
  char buffer[16384];
  long resumed = 0;
  const double start = cpu_us();
  for (long i = 0; i < count; ++i) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    const int one = 1; /* as httpok: no small write waits for an ACK (Nagle) */
    if (fd < 0 || setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0 ||
        connect(fd, (struct sockaddr*)&addr, sizeof addr) != 0) {
      perror("floor_tls: connect");
      return 1;
    }
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
      if (got < sizeof head - 1)
        memcpy(head + got, buffer, (size_t)n < sizeof head - 1 - got ? (size_t)n : sizeof head - 1 - got);
      got += (size_t)n;
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
