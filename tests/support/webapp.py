#!/usr/bin/env python3
"""A tiny web app for integration tests (stdlib only).

    webapp.py PORT [HANG_FILE] [CERT_FILE KEY_FILE]

Listens on 127.0.0.1:PORT. GET / answers 200 "ok"; GET /status/NNN answers NNN with the
body "status NNN"; anything else 404. While HANG_FILE exists, every request is held
without an answer (the connection stays open); once the file is removed, held
connections are closed unanswered and new requests are answered again. With CERT_FILE
and KEY_FILE it serves HTTPS with that certificate. When WEBAPP_SIGNAL_LOG names a file,
each SIGUSR1 or SIGQUIT it receives appends its name and a newline there.
"""

import http.server
import os
import signal
import ssl
import sys
import time


class Handler(http.server.BaseHTTPRequestHandler):
    hang_file = None

    def do_GET(self):
        if self.hang_file and os.path.exists(self.hang_file):
            while os.path.exists(self.hang_file):
                time.sleep(0.05)
            self.close_connection = True
            return
        if self.path == "/":
            self.answer(200, b"ok")
        elif self.path.startswith("/status/") and self.path[8:].isdigit():
            code = int(self.path[8:])
            self.answer(code, b"status %d" % code)
        else:
            self.answer(404, b"not found")

    def answer(self, code, body):
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def record_signals(path):
    def handler(signum, _frame):
        with open(path, "a") as log:
            log.write(signal.Signals(signum).name[3:] + "\n")

    for signum in (signal.SIGUSR1, signal.SIGQUIT):
        signal.signal(signum, handler)


def main():
    if os.environ.get("WEBAPP_SIGNAL_LOG"):
        record_signals(os.environ["WEBAPP_SIGNAL_LOG"])
    if len(sys.argv) not in (2, 3, 5):
        sys.exit("usage: webapp.py PORT [HANG_FILE] [CERT_FILE KEY_FILE]")
    Handler.hang_file = sys.argv[2] if len(sys.argv) >= 3 else None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
    server.daemon_threads = True
    if len(sys.argv) == 5:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(sys.argv[3], sys.argv[4])
        server.socket = context.wrap_socket(server.socket, server_side=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
