#!/usr/bin/env python3
"""httpok's benchmark, side by side with its baselines in the same run.

Run by scripts/bench, which builds the binaries and installs nginx. This machine is shared
and noisy: every figure is the median of several runs, and the targets are ratios to a
baseline measured in the same run (or bounds the issue sets). httpok is driven as
supervisord drives it, over its stdin and stdout, with TICK events as fast as it answers;
a round ends on httpok's own --log-rounds line. CPU is the process's own (all threads,
from /proc/PID/task/*/schedstat, in nanoseconds). The figures of one TICK per probe are
driven by bench/tick_driver.c, the rest from here; each of them also gives the floor
inside the event protocol (floor_http --listen, floor_tls --listen): the floor's own
probe, one per TICK, which is what any listener must add to the floor.
"""

import argparse
import datetime
import json
import os
import platform
import select
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(argv, **kw):
    done = subprocess.run(argv, capture_output=True, text=True, **kw)
    if done.returncode != 0:
        raise SystemExit(f"bench: {' '.join(argv)} exited with {done.returncode}:\n" +
                         done.stderr[-3000:])
    return done


class Pki:
    """A private CA and an ECDSA P-256 leaf for 127.0.0.1, made with the openssl tool."""

    def __init__(self, d):
        self.ca = os.path.join(d, "ca.pem")
        self.cert = os.path.join(d, "leaf.pem")
        self.key = os.path.join(d, "leaf.key")
        ca_key = os.path.join(d, "ca.key")
        csr = os.path.join(d, "leaf.csr")
        ext = os.path.join(d, "leaf.ext")
        run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", ca_key])
        run(["openssl", "req", "-x509", "-new", "-key", ca_key, "-subj", "/CN=httpok bench CA",
             "-days", "2", "-out", self.ca])
        run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", self.key])
        run(["openssl", "req", "-new", "-key", self.key, "-subj", "/CN=127.0.0.1", "-out", csr])
        with open(ext, "w") as f:
            f.write("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
                    "extendedKeyUsage=serverAuth\n")
        run(["openssl", "x509", "-req", "-in", csr, "-CA", self.ca, "-CAkey", ca_key,
             "-CAcreateserial", "-days", "2", "-extfile", ext, "-out", self.cert])


class Nginx:
    """Debian's nginx on two loopback ports (http and https), one worker, no access log."""

    def __init__(self, d, pki):
        self.http_port = free_port()
        self.https_port = free_port()
        conf = os.path.join(d, "nginx.conf")
        temp = "".join(f"  {k}_temp_path {d}/{k};\n"
                       for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        with open(conf, "w") as f:
            f.write(f"""worker_processes 1;
error_log {d}/nginx-error.log;
pid {d}/nginx.pid;
events {{ worker_connections 30000; }}
worker_rlimit_nofile 65536;
http {{
  access_log off;
{temp}  server {{ listen 127.0.0.1:{self.http_port} backlog=16384;
    location / {{ return 200 "ok\\n"; }} }}
  server {{ listen 127.0.0.1:{self.https_port} ssl backlog=16384;
    ssl_certificate {pki.cert}; ssl_certificate_key {pki.key};
    ssl_session_cache shared:SSL:10m;
    location / {{ return 200 "ok\\n"; }} }}
}}
""")
        self.proc = subprocess.Popen(["nginx", "-c", conf, "-p", d, "-g", "daemon off;"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.error_log = os.path.join(d, "nginx-error.log")
        deadline = time.time() + 10
        while not (accepts(self.http_port) and accepts(self.https_port)):
            if self.proc.poll() is not None or time.time() > deadline:
                self.stop()
                with open(self.error_log, errors="replace") as f:
                    raise SystemExit("bench: nginx did not start: " + f.read()[-2000:])
            time.sleep(0.02)

    def url(self, path="/health"):
        return f"http://127.0.0.1:{self.http_port}{path}"

    def https_url(self, path="/health"):
        return f"https://127.0.0.1:{self.https_port}{path}"

    def stop(self):
        if self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class Silent:
    """A port that accepts connections (the kernel's backlog does) and never answers."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4096)
        self.port = self.sock.getsockname()[1]


def accepts(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def tick(serial):
    body = "when:1700000000"
    return (f"ver:3.0 server:supervisor serial:{serial} pool:httpok poolserial:{serial} "
            f"eventname:TICK_5 len:{len(body)}\n{body}").encode()


def listener_environment():
    """httpok's environment as supervisord starts it on a Debian host: OpenSSL's default
    trust store, not one a developer's shell may name (SSL_CERT_FILE makes OpenSSL load a
    whole bundle)."""
    env = dict(os.environ, SUPERVISOR_SERVER_URL="unix:///nonexistent/supervisor.sock",
               SUPERVISOR_PROCESS_NAME="httpok", SUPERVISOR_GROUP_NAME="httpok")
    for name in ("SSL_CERT_FILE", "SSL_CERT_DIR"):
        env.pop(name, None)
    return env


class Listener:
    """httpok as supervisord runs it: events on stdin, READY/RESULT on stdout. With
    httpok=False, a floor's --listen form, which takes no options and ends its round line
    with "round of 1 check ended"."""

    def __init__(self, argv, wrapper=(), httpok=True):
        env = listener_environment()
        self.started = time.perf_counter()
        self.httpok = httpok
        # How the bench sees a round end: httpok's round record in JSON.
        options = ["--log-rounds", "--log-format", "json"] if httpok else []
        self.proc = subprocess.Popen(list(wrapper) + argv[:1] + options + argv[1:],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=env)
        self.out = b""
        self.err = b""
        self.serial = 0
        self.ready_seconds = None
        self._wait(lambda: self.out.endswith(b"READY\n"), 30, "READY")
        self.ready_seconds = time.perf_counter() - self.started
        self.out = b""

    def _pump(self, timeout):
        fds = [f for f in (self.proc.stdout, self.proc.stderr) if f is not None]
        ready, _, _ = select.select(fds, [], [], timeout)
        for f in ready:
            chunk = os.read(f.fileno(), 1 << 16)
            if not chunk:
                raise SystemExit("bench: httpok exited: " + self.err.decode(errors="replace"))
            if f is self.proc.stdout:
                self.out += chunk
            else:
                self.err += chunk

    def _wait(self, done, timeout, what):
        deadline = time.perf_counter() + timeout
        while not done():
            left = deadline - time.perf_counter()
            if left <= 0:
                raise SystemExit(f"bench: no {what} from httpok within {timeout} s:\n" +
                                 self.err.decode(errors="replace")[-3000:])
            self._pump(left)

    def round(self, timeout=60):
        """One TICK; returns httpok's own round time in seconds (None for a floor)."""
        self.serial += 1
        self.err = b""
        self.proc.stdin.write(tick(self.serial))
        self.proc.stdin.flush()
        marker = b'"event":"round"' if self.httpok else b"round of "
        self._wait(lambda: marker in self.err and self.err.endswith(b"\n") and
                   self.out.endswith(b"READY\n"), timeout, "end of round")
        self.out = b""
        if not self.httpok:
            return None
        for line in self.err.splitlines():
            if marker in line:
                return json.loads(line)["duration_seconds"]
        raise SystemExit("bench: no round record")

    def reload(self, timeout=60):
        """SIGHUP; returns the seconds until httpok says it reloaded."""
        self.err = b""
        began = time.perf_counter()
        self.proc.send_signal(signal.SIGHUP)
        self._wait(lambda: b"reloaded" in self.err, timeout, "reload")
        return time.perf_counter() - began

    def cpu_seconds(self):
        total = 0
        task_dir = f"/proc/{self.proc.pid}/task"
        for task in os.listdir(task_dir):
            try:
                with open(f"{task_dir}/{task}/schedstat") as f:
                    total += int(f.read().split()[0])
            except OSError:
                pass  # a thread that just ended
        return total / 1e9

    def status(self, key):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
        return 0

    def rss_mb(self):
        return self.status("VmRSS") / 1024.0

    def peak_rss_mb(self):
        return self.status("VmHWM") / 1024.0

    def wakeups(self):
        return self.status("voluntary_ctxt_switches") + self.status("nonvoluntary_ctxt_switches")

    def close(self):
        try:  # communicate() closes stdin: the end of stdin ends httpok
            self.proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.communicate()


def write_config(path, urls, extra="", target_extra=""):
    with open(path, "w") as f:
        f.write("[httpok]\ntimeout = 10\n" + extra + "\n")
        for i, url in enumerate(urls):
            f.write(f"[target:t{i}]\nurl = {url}\n{target_extra}\n")


def median(values):
    return statistics.median(values)


class Bench:
    def __init__(self, args, work):
        self.args = args
        self.work = work
        self.httpok = args.httpok
        self.pki = Pki(work)
        self.nginx = Nginx(work, self.pki)  # stops itself when it cannot start
        self.figures = {}
        self.notes = []
        self.smoke = args.smoke

    def n(self, full, smoke):
        return smoke if self.smoke else full

    def floor(self, argv):
        return float(run(argv).stdout.strip()) * 1e-6  # seconds per probe

    def driven(self, argv, probes):
        """CPU per probe of a listener with one target, one TICK per probe, TICKs back to
        back: the next comes when the listener has said that the last one's check ended
        (httpok's --log-rounds line). bench/tick_driver.c sends them, as a supervisord
        that answers at once: see there why not this Python driver. The round line is one
        write more than httpok makes in service, so the figure is an upper bound. Returns
        the CPU in seconds and the peak RSS in MB."""
        out = run([self.args.tick_driver, str(self.n(50, 3)), str(probes), "round of "] + argv,
                  env=listener_environment())
        cpu_us, peak_kb = out.stdout.split()
        return float(cpu_us) * 1e-6, int(peak_kb) / 1024.0

    def one_tick_per_probe(self, name, ours, floor, listener, probes, target):
        """httpok (`ours`, with --log-rounds added), the floor and the floor inside the event
        protocol (`listener`: the floor's own probe, one per TICK) in turns. The machine's
        noise drifts, and the three of a turn share it: each figure is a median of the
        turns, and a ratio is the median of the turns' ratios. Many short turns rather than
        a few long ones, and each turn starts with the next of the three, so that neither a
        drift nor a place in the turn favours one of them."""
        runs = {"httpok": [], "floor": [], "listener": []}
        measure = {
            "httpok": lambda: self.driven(ours[:1] + ["--log-rounds"] + ours[1:], probes)[0],
            "floor": lambda: self.floor(floor),
            "listener": lambda: self.driven(listener, probes)[0],
        }
        order = list(measure)
        for turn in range(self.n(12, 1)):  # each of the three goes first 4 times
            for who in order[turn % 3:] + order[:turn % 3]:
                runs[who].append(measure[who]())
        self.add(name, "us", median(runs["httpok"]) * 1e6, median(runs["floor"]) * 1e6, target,
                 ratio=median([o / f for o, f in zip(runs["httpok"], runs["floor"])]))
        self.figures[name]["listener"] = median(runs["listener"]) * 1e6
        self.figures[name]["listener_ratio"] = median(
            [x / f for x, f in zip(runs["listener"], runs["floor"])])

    def add(self, name, unit, httpok, floor=None, target=None, kind="ratio", note="",
            ratio=None):
        figure = {"unit": unit, "httpok": httpok}
        if floor is not None:
            figure["floor"] = floor
            figure["ratio"] = ratio if ratio is not None else (httpok / floor if floor else None)
        if target is not None:
            figure["target"] = target
            figure["target_of"] = kind  # "ratio", or "bound": of the value itself
            value = figure["ratio"] if kind == "ratio" else httpok
            figure["met"] = value is not None and value <= target
        if note:
            figure["note"] = note
        self.figures[name] = figure

    # 1. CPU per plain-HTTP probe, one target, one TICK per probe.
    def http_probe(self):
        probes = self.n(1500, 20)
        where = ["127.0.0.1", str(self.nginx.http_port), "/health"]
        self.one_tick_per_probe("http_probe_cpu", [self.httpok, self.nginx.url()],
                                [self.args.floor_http] + where + [str(probes)],
                                [self.args.floor_http, "--listen"] + where, probes, 1.3)

    # 1b. --reuse-connection: one keep-alive connection per target for every check, in
    # rounds of 1 000 targets (where the cost of each TICK is shared, as it is in service),
    # against the floor's new connection per probe, which it must halve.
    def http_reuse(self):
        size, rounds = self.n(1000, 10), self.n(7, 2)
        conf = os.path.join(self.work, "reuse.conf")
        write_config(conf, [self.nginx.url(f"/t{i}") for i in range(size)],
                     target_extra="reuse_connection = true\n")
        ours, floors = [], []
        for _ in range(self.n(3, 1)):
            listener = Listener([self.httpok, "--config", conf])
            listener.round(120)  # warm-up: the connections are made
            before = listener.cpu_seconds()
            for _ in range(rounds):
                listener.round(120)
            ours.append((listener.cpu_seconds() - before) / (rounds * size))
            listener.close()
            floors.append(self.floor([self.args.floor_http, "127.0.0.1",
                                      str(self.nginx.http_port), "/health", str(self.n(3000, 20))]))
        self.add("http_reuse_probe_cpu_in_rounds_of_1000", "us", median(ours) * 1e6,
                 median(floors) * 1e6, 0.5,
                 note="reuse_connection, against the floor's new connection per probe")

    # 2. CPU per HTTPS probe, full handshake and resumed.
    def https_probe(self):
        probes = self.n(500, 10)
        where = ["127.0.0.1", str(self.nginx.https_port), "/health"]
        for name, resume, options in (("https_full_probe_cpu", 0, ["--no-session-resumption"]),
                                      ("https_resumed_probe_cpu", 1, [])):
            tls = [self.pki.ca, str(resume)]
            self.one_tick_per_probe(
                name, [self.httpok, "--cafile", self.pki.ca] + options + [self.nginx.https_url()],
                [self.args.floor_tls] + where + [str(probes)] + tls,
                [self.args.floor_tls, "--listen"] + where + tls, probes, 1.1)

    # 3. Rounds of 1, 100, 1 000 and 10 000 targets: time, CPU per probe, peak RSS.
    def scale(self):
        sizes = [1, 100, 1000, 10000] if not self.smoke else [1, 10]
        rounds = self.n(7, 2)
        floor_probe = self.floor([self.args.floor_http, "127.0.0.1", str(self.nginx.http_port),
                                  "/health", str(self.n(3000, 20))])
        self.scale_rows = []
        for size in sizes:
            conf = os.path.join(self.work, f"scale-{size}.conf")
            write_config(conf, [self.nginx.url(f"/t{i}") for i in range(size)])
            listener = Listener([self.httpok, "--config", conf])
            listener.round(120)  # warm-up
            times = []
            before = listener.cpu_seconds()
            for _ in range(rounds):
                times.append(listener.round(120))
            cpu = (listener.cpu_seconds() - before) / (rounds * size)
            peak = listener.peak_rss_mb()
            reload_s = listener.reload()  # the same file again: every target kept
            listener.close()
            row = {"targets": size, "round_s": median(times), "cpu_per_probe_us": cpu * 1e6,
                   "peak_rss_mb": peak, "floor_round_s": floor_probe * size}
            self.scale_rows.append(row)
            target = {1000: 0.15, 10000: 1.0}.get(size)
            self.add(f"round_{size}", "s", row["round_s"], target=target, kind="bound")
            self.add(f"rss_{size}", "MB", peak, target=24.0 if size == 10000 else None,
                     kind="bound")
            if size == 1000:
                self.add("http_probe_cpu_in_rounds_of_1000", "us", cpu * 1e6, floor_probe * 1e6,
                         1.1)
            if size == sizes[-1]:  # the loop waits for both: watch that they stay short
                self.add(f"exec_to_ready_{size}", "s", listener.ready_seconds,
                         note="start-up with that many targets")
                self.add(f"reload_{size}", "s", reload_s, note="SIGHUP to the reloaded line")

    # 4. 1 000 targets, 100 of which never answer, timeout 2 s.
    def hung(self):
        silent = Silent()
        size, hung = self.n(1000, 20), self.n(100, 2)
        urls = [self.nginx.url(f"/t{i}") for i in range(size - hung)]
        urls += [f"http://127.0.0.1:{silent.port}/h{i}" for i in range(hung)]
        conf = os.path.join(self.work, "hung.conf")
        write_config(conf, urls, target_extra="timeout = 2\ndry_run = true\n")
        listener = Listener([self.httpok, "--config", conf])
        times = [listener.round(60) for _ in range(self.n(3, 1))]
        listener.close()
        silent.sock.close()
        self.add("hung_round", "s", median(times), target=2.2, kind="bound",
                 note=f"{size} targets, {hung} never answer, timeout 2 s")

    # 5. Idle: 10 targets (http and https) over 60 s of TICK_5, and exec to READY.
    def idle(self):
        conf = os.path.join(self.work, "idle.conf")
        urls = [self.nginx.url(f"/i{i}") for i in range(5)]
        urls += [self.nginx.https_url(f"/i{i}") for i in range(5)]
        write_config(conf, urls, target_extra=f"cafile = {self.pki.ca}\n")
        # The floor: the minimal OpenSSL client as an event listener (floor_tls --listen),
        # from exec to its READY (it loads the CA file first). Started in turns with httpok,
        # which of the two goes first alternating from turn to turn; the ratio is the
        # median of the turns' ratios.
        floor_argv = [self.args.floor_tls, "--listen", "127.0.0.1", str(self.nginx.https_port),
                      "/health", self.pki.ca, "1"]
        starts, floor_starts = [], []
        pair = [([self.httpok, "--config", conf], starts, True), (floor_argv, floor_starts, False)]
        for turn in range(self.n(12, 1)):  # even: each of the two goes first as often
            for argv, times, ours in pair if turn % 2 == 0 else pair[::-1]:
                started = Listener(argv, httpok=ours)
                times.append(started.ready_seconds)
                started.close()
        listener = Listener([self.httpok, "--config", conf])
        seconds, period = self.n(60, 1), self.n(5.0, 0.5)
        before = listener.cpu_seconds()
        wake_before = listener.wakeups()
        began = time.perf_counter()
        end = began + seconds
        ticks = 0
        while time.perf_counter() < end:
            listener.round()
            ticks += 1
            time.sleep(period)
        cpu = listener.cpu_seconds() - before
        elapsed = time.perf_counter() - began
        wakeups = (listener.wakeups() - wake_before) / max(ticks, 1)  # the main thread's
        rss, private = listener.rss_mb(), listener.status("RssAnon") / 1024.0
        listener.close()
        # The floor's memory after three probes of one target.
        floor = Listener(floor_argv, httpok=False)
        for _ in range(3):
            floor.round()
        floor_rss, floor_private = floor.rss_mb(), floor.status("RssAnon") / 1024.0
        floor.close()
        self.add("idle_rss", "MB", rss, floor_rss, target=4.0, kind="bound",
                 note="10 targets, 5 https; floor: floor_tls --listen after 3 probes")
        self.add("idle_private_rss", "MB", private, floor_private,
                 note="RssAnon: the part of idle_rss that is the process's own; the rest "
                      "is shared libraries' pages, which every process that maps them shares")
        self.add("idle_cpu", "ms per 60 s", cpu * 1000 * 60 / elapsed)
        self.add("idle_wakeups_per_tick", "context switches", wakeups)
        self.add("exec_to_ready", "ms", median(starts) * 1000, median(floor_starts) * 1000,
                 target=10.0, kind="bound", note="floor: floor_tls --listen, exec to READY",
                 ratio=median([ours / floor for ours, floor in zip(starts, floor_starts)]))

    # 6. superlance's httpok, when it is on this machine.
    def superlance(self):
        found = shutil.which("httpok") and subprocess.run(
            [sys.executable, "-c", "import superlance.httpok"], capture_output=True).returncode == 0
        if not found:
            self.notes.append("superlance's httpok is not installed here: its figures are "
                              "skipped (Debian 12 does not package it)")
            return
        # superlance's httpok takes neither --log-rounds nor --log-format, and says nothing
        # when a check ends: it needs a driver of its own, paced by its RESULT lines.
        self.notes.append("superlance's httpok is installed, but the bench has no driver for "
                          "it yet: its figures are skipped")

    # 7. Instructions of a fixed workload under callgrind (does not drift with noise).
    def instructions(self):
        if shutil.which("valgrind") is None:
            self.notes.append("valgrind is not installed: no instruction count")
            return
        out = os.path.join(self.work, "callgrind.out")
        probes = self.n(1000, 5)
        listener = Listener([self.httpok, self.nginx.url()],
                            wrapper=["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out,
                                     "--log-file=" + out + ".log"])
        for _ in range(probes):
            listener.round(60)
        listener.close()
        total = None
        with open(out) as f:
            for line in f:
                if line.startswith("summary:") or line.startswith("totals:"):
                    total = int(line.split()[1])
        self.add("instructions", "Ir", float(total), note=f"start, {probes} probes, exit")

    def picture(self):
        if shutil.which("gnuplot") is None or not getattr(self, "scale_rows", None):
            self.notes.append("gnuplot is not installed: no picture")
            return
        data = os.path.join(self.work, "scale.dat")
        with open(data, "w") as f:
            for row in self.scale_rows:
                f.write(f"{row['targets']} {row['round_s']} {row['floor_round_s']} "
                        f"{row['peak_rss_mb']}\n")
        svg = os.path.join(self.args.out_dir, "only.svg" if self.args.only else "scale.svg")
        script = f"""set terminal svg size 800,480 dynamic background rgb 'white'
set output '{svg}'
set logscale xy
set xlabel 'targets'
set ylabel 'round time (s)'
set y2label 'peak RSS (MB)'
set y2tics
set logscale y2
set key top left
set grid
plot '{data}' using 1:2 with linespoints title 'httpok round time', \\
     '{data}' using 1:3 with linespoints title 'floor: CPU of N blocking probes', \\
     '{data}' using 1:4 axes x1y2 with linespoints title 'httpok peak RSS'
"""
        subprocess.run(["gnuplot"], input=script, text=True, check=True)

    def run_all(self):
        steps = [self.http_probe, self.http_reuse, self.https_probe, self.scale, self.hung,
                 self.idle,
                 self.superlance, self.instructions, self.picture]
        if self.args.only:
            wanted = self.args.only.split(",")
            unknown = set(wanted) - {step.__name__ for step in steps}
            if unknown:
                raise SystemExit("bench: no step " + ", ".join(sorted(unknown)))
            steps = [step for step in steps if step.__name__ in wanted]
        for step in steps:
            began = time.perf_counter()
            print(f"bench: {step.__name__} ...", file=sys.stderr, flush=True)
            step()
            print(f"bench: {step.__name__} took {time.perf_counter() - began:.1f} s",
                  file=sys.stderr, flush=True)


def table(results):
    lines = ["| figure | httpok | floor | ratio | target | met |", "| --- | --- | --- | --- | --- | --- |"]
    for name, f in results["figures"].items():
        def num(v):
            return "" if v is None else (f"{v:.3g}" if abs(v) < 1e6 else f"{v:.4g}")
        target = f.get("target")
        kind = "×" if f.get("target_of") == "ratio" else ""
        lines.append(f"| {name} ({f['unit']}) | {num(f['httpok'])} | {num(f.get('floor'))} | "
                     f"{num(f.get('ratio'))} | {'' if target is None else num(target) + kind} | "
                     f"{'' if 'met' not in f else ('yes' if f['met'] else 'NO')} |")
        if "listener" in f:  # the floor inside the event protocol, for scale
            lines.append(f"| {name}: floor with the event protocol ({f['unit']}) | "
                         f"{num(f['listener'])} | {num(f['floor'])} | "
                         f"{num(f['listener_ratio'])} | | |")
    return "\n".join(lines)


def compare(old_path, old, results):
    print(f"\nchange against {old_path} ({old.get('date', '?')}):")
    for name, f in results["figures"].items():
        before = old.get("figures", {}).get(name)
        if before is None or not before.get("httpok"):
            continue
        change = (f["httpok"] - before["httpok"]) / before["httpok"] * 100
        print(f"  {name}: {before['httpok']:.4g} -> {f['httpok']:.4g} {f['unit']} ({change:+.1f} %)")


def main():
    # Ended by a signal, the bench still stops its nginx (the finally below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser()
    parser.add_argument("--httpok", required=True)
    parser.add_argument("--floor-http", required=True)
    parser.add_argument("--floor-tls", required=True)
    parser.add_argument("--tick-driver", required=True)
    parser.add_argument("--out-dir", required=True)
    parser.add_argument("--smoke", action="store_true",
                        help="a few probes of each figure, to prove the bench runs")
    parser.add_argument("--compare", metavar="OLD.json")
    parser.add_argument("--only", metavar="STEP,...",
                        help="only these steps (http_probe, http_reuse, https_probe, scale, "
                             "hung, idle, superlance, instructions, picture); results go to "
                             "only.json")
    args = parser.parse_args()
    old = None
    if args.compare:  # read now: it may be the latest.json that this run replaces
        with open(args.compare) as f:
            old = json.load(f)
    os.makedirs(args.out_dir, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="httpok-bench-") as work:
        bench = Bench(args, work)
        try:
            bench.run_all()
        finally:
            bench.nginx.stop()
        results = {
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "machine": f"{platform.node()} {platform.machine()}, {os.cpu_count()} CPUs",
            "smoke": args.smoke,
            "figures": bench.figures,
            "scale": getattr(bench, "scale_rows", []),
            "notes": bench.notes,
        }
    name = "smoke.json" if args.smoke else ("only.json" if args.only else "latest.json")
    with open(os.path.join(args.out_dir, name), "w") as f:
        json.dump(results, f, indent=2)
        f.write("\n")
    print(table(results))
    for note in results["notes"]:
        print("note: " + note)
    if args.compare:
        compare(args.compare, old, results)
    missed = [n for n, f in results["figures"].items() if f.get("met") is False]
    if missed and not args.smoke:
        print("targets missed: " + ", ".join(missed))


if __name__ == "__main__":
    main()
