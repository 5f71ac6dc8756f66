#!/usr/bin/env python3
"""httpok's soak test: 200 targets for a while, faster than real time, and nothing grows.

    soak.py --httpok BINARY [--seconds N] [--valgrind]

Starts Debian's nginx on loopback (http, and https from a private CA; bench/bench.py's),
a port that accepts and never answers, and a port that refuses, then runs httpok over its
stdin and stdout as supervisord does, on a config file of 200 targets: healthy http and
https ones, failing ones (a wrong status, a missing body text, a refused connection: each
failure mails, through a shell, and asks a supervisord that is not there), hanging ones
(timeout 1 s) and ones on their own 1 s clock. A TICK goes in as soon as the last one's
checks ended (httpok's --log-rounds), with a PROCESS_STATE event between TICKs, and during
the warm-up (all along under valgrind) every tenth TICK a SIGHUP rereads the file.

It fails when an event goes unanswered or out of order (every event gets its RESULT, then
READY, and nothing else is ever written on stdout), when httpok exits, and when, after a
warm-up (a third of the run, at least 10 s), its RSS or its open file descriptors grow by
more than 1 % (RSS by 0.25 MB as well: two of malloc's heap steps): the median of the last
quarter of the samples against that of the first quarter after the warm-up (one sample per
round, at its end). --valgrind runs httpok
under valgrind (memcheck, --error-exitcode=1, every leak kind but "still reachable") with
a quarter of the targets (49) instead, and fails on any error it reports; RSS under valgrind means nothing,
so it is not checked then.
"""

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), "bench"))
import bench  # noqa: E402  (the nginx, certificates and listener driver of the benchmark)

PROTOCOL = b"RESULT 2\nOK" + b"READY\n"


def process_state(serial):
    body = "processname:app groupname:app from_state:STARTING pid:4242"
    return (f"ver:3.0 server:supervisor serial:{serial} pool:httpok poolserial:{serial} "
            f"eventname:PROCESS_STATE_RUNNING len:{len(body)}\n{body}").encode()


def targets(nginx, pki, silent_port, refused_port, scale):
    """(name, lines) of each target: 200 at scale 1.0."""
    out = []

    def add(kind, count, lines):
        for i in range(max(1, round(count * scale))):
            out.append((f"{kind}{i}", lines))

    add("http", 110, f"url = {nginx.url()}\n")
    add("https", 30, f"url = {nginx.https_url()}\ncafile = {pki.ca}\n")
    add("interval", 20, f"url = {nginx.url('/every')}\ninterval = 1\n")
    add("status", 10, f"url = {nginx.url('/wrong')}\ncodes = 404\n")
    add("body", 10, f"url = {nginx.url('/body')}\nbody = not in the page\n")
    add("refused", 10, f"url = http://127.0.0.1:{refused_port}/\n")
    add("hang", 10, f"url = http://127.0.0.1:{silent_port}/\ntimeout = 1\n")
    return out


def write_config(path, all_targets):
    with open(path, "w") as f:
        f.write("[httpok]\ntimeout = 5\nemail = ops@example.com\n"
                "sendmail_program = cat >/dev/null\nprograms = app\n\n")
        for name, lines in all_targets:
            f.write(f"[target:{name}]\n{lines}\n")


class Driven(bench.Listener):
    """The bench's listener, checking the protocol of every event, not only of TICKs."""

    def event(self, frame):
        self.proc.stdin.write(frame)
        self.proc.stdin.flush()
        self._wait(lambda: len(self.out) >= len(PROTOCOL), 60, "answer")
        self.check_out()

    def round(self, timeout=60):
        """One TICK, answered (RESULT, then READY) and its checks ended (--log-rounds)."""
        self.serial += 1
        self.err = b""
        self.proc.stdin.write(bench.tick(self.serial))
        self.proc.stdin.flush()
        marker = b'"event":"round"'
        self._wait(lambda: marker in self.err and self.err.endswith(b"\n") and
                   len(self.out) >= len(PROTOCOL), timeout, "end of round")
        self.check_out()

    def check_out(self):
        if self.out != PROTOCOL:
            raise SystemExit(f"soak: httpok answered {self.out!r}, not {PROTOCOL!r}")
        self.out = b""

    def open_fds(self):
        return len(os.listdir(f"/proc/{self.proc.pid}/fd"))


def growth(samples, what):
    """The median of the last quarter of `samples` against that of the first quarter: the
    growth as a fraction, and in the samples' unit."""
    quarter = max(1, len(samples) // 4)
    first = statistics.median(samples[:quarter])
    last = statistics.median(samples[-quarter:])
    print(f"soak: {what}: {first:g} -> {last:g} ({(last / first - 1) * 100:+.2f} %, "
          f"{len(samples)} samples)")
    return last / first - 1, last - first


# glibc's malloc grows its heap by 128 kB and more at a time (M_TOP_PAD): one such step
# after the warm-up is not a leak, and at 14 MB it is about 1 %. RSS must grow by more than
# 1 % and by more than two of them to fail.
RSS_ALLOWANCE_MB = 0.25


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--httpok", required=True)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--valgrind", action="store_true")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with tempfile.TemporaryDirectory(prefix="httpok-soak-") as work:
        pki = bench.Pki(work)
        nginx = bench.Nginx(work, pki)
        silent = bench.Silent()
        refused_port = bench.free_port()  # nothing listens there
        try:
            return soak(args, work, pki, nginx, silent, refused_port)
        finally:
            nginx.stop()


def soak(args, work, pki, nginx, silent, refused_port):
    all_targets = targets(nginx, pki, silent.port, refused_port, 0.25 if args.valgrind else 1.0)
    config = os.path.join(work, "httpok.conf")
    write_config(config, all_targets)
    wrapper = ()
    valgrind_log = os.path.join(work, "valgrind.log")
    if args.valgrind:
        wrapper = ("valgrind", "--error-exitcode=1", "--leak-check=full",
                   "--errors-for-leak-kinds=definite,indirect,possible",
                   "--show-leak-kinds=definite,indirect,possible", f"--log-file={valgrind_log}")
    listener = Driven([args.httpok, "--config", config], wrapper)
    started = time.monotonic()
    warm_up = max(10.0, args.seconds / 3)
    rss, fds = [], []
    ticks = events = 0
    serial = 1000000  # the listener's own serials are the TICKs' (1, 2, ...)
    while time.monotonic() - started < args.seconds:
        listener.round(timeout=120 if args.valgrind else 30)
        ticks += 1
        serial += 1
        listener.event(process_state(serial))
        events += 1
        # Reloads under load, during the warm-up (under valgrind, all along): each one
        # moves the heap about (the new configuration is built while the old one lives),
        # which shows in RSS for a while; the valgrind run proves they leak nothing.
        if ticks % 10 == 0 and (args.valgrind or time.monotonic() - started < warm_up):
            listener.proc.send_signal(signal.SIGHUP)
        if time.monotonic() - started >= warm_up:
            rss.append(listener.rss_mb())
            fds.append(listener.open_fds())
    listener.close()
    status = listener.proc.returncode
    print(f"soak: {len(all_targets)} targets, {time.monotonic() - started:.0f} s, {ticks} TICKs "
          f"and {events} PROCESS_STATE events, each answered once and in order; exit {status}")
    failed = []
    if status != 0:
        failed.append(f"httpok exited {status}")
        if args.valgrind and os.path.exists(valgrind_log):
            with open(valgrind_log, errors="replace") as f:
                print(f.read()[-6000:])
    if listener.out not in (b"",):
        failed.append(f"httpok wrote {listener.out!r} on stdout after the last event")
    if not args.valgrind:
        if len(rss) < 8:
            failed.append(f"only {len(rss)} samples after the warm-up: run longer")
        else:
            fraction, mb = growth(rss, "RSS (MB)")
            if fraction > 0.01 and mb > RSS_ALLOWANCE_MB:
                failed.append(f"RSS grew by more than 1 % and {RSS_ALLOWANCE_MB} MB")
            if growth(fds, "open file descriptors")[0] > 0.01:
                failed.append("open file descriptors grew by more than 1 %")
    if failed and rss:
        print("soak: the samples, RSS (MB): " + " ".join(f"{v:.2f}" for v in rss))
        print("soak: the samples, open file descriptors: " + " ".join(map(str, fds)))
    for failure in failed:
        print("soak: FAIL: " + failure)
    if not failed:
        print("soak: OK")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
