// The text -h prints (modelled on superlance's docstring, which is what its -h prints)
// and the --version line.
#include "httpok/config.hpp"
#include "httpok_version.h"

namespace httpok {

std::string usage_text() {
  return R"(httpok [-p processname] [-a] [-g gcore_program] [-d coredir] [-t timeout]
       [-c status_code] [-b inbody] [-m mail_address] [-s sendmail] [-e | -E]
       [-n name] [more options] URL

Run as a supervisord event listener: on every TICK event, GET the URL, and when
the answer is not as expected (or there is none), restart the selected
supervisord processes that are RUNNING.

Options:

-p, --program NAME
      A supervisord process to restart, by name or as group_name:process_name.
      May be given more than once.

-a, --any
      Restart every RUNNING process of this supervisord (except this listener).
      Overrides -p.

-t, --timeout SECONDS
      How long the whole check may take: name lookup, connect, TLS, request
      and response. A whole number from 1 to 86400. Default: 10.

-c, --code STATUS
      An expected HTTP status code (100 to 999), or ours: a range (200-299),
      a class (2xx), or a list of these (200,304). May be given more than
      once. Default: 200.

-b, --body TEXT
      Text the response body must contain. Default: the body is not checked.

-m, --email ADDRESS
      Mail a report to this address whenever the check fails and httpok
      acts. Default: no mail.

-s, --sendmail_program COMMAND
      The shell command that sends the mail (headers and message on its
      standard input). Default: "/usr/sbin/sendmail -t -i".

-d, --coredir DIR
      Before restarting a process, write a core file of it into this
      directory with the gcore program; its output goes into the mail.
      Default: no core files.

-g, --gcore COMMAND
      The gcore program, a shell command to which a file name and a pid are
      added. Default: "/usr/bin/gcore -o".

-e, --eager
      Check the URL even when no selected process is RUNNING (the default).

-E, --not-eager
      Check the URL only when at least one selected process is RUNNING.

-n, --name NAME
      A name for this httpok, shown in the mail subject.

-h, --help
      Print this text and exit.

Options of this implementation (not in superlance's httpok):

--version
      Print the version and exit.

--max-body BYTES
      Read at most this much of the response body; a -b match must lie
      inside it. A whole number, optionally followed by K or M (1024 and
      1048576 bytes), from 1 to 1024M. Default: 1M.

--rpc-timeout SECONDS
      Time limit of getAllProcessInfo, the call that lists supervisord's
      processes (1 to 86400). Default: 30.

--wait-timeout SECONDS
      Time limit of stopProcess and startProcess, which supervisord answers
      only once the process has stopped (stopwaitsecs) or started
      (startsecs) (1 to 86400). Default: 300.

--action-timeout SECONDS
      Time limit of each gcore and sendmail run (1 to 86400). Default: 60.

--config FILE
      Read the targets (URLs, expectations, programs) and global settings
      from FILE, an INI file (see httpok.conf(5)). A URL given as well is one
      more target, named "default".

--check-config
      Print the resolved configuration (passwords masked) and exit 0, or
      the error and exit 2.

--once
      Check every URL once, concurrently, print one line per target ("api
      OK 200 12.4 ms" or "api FAIL ...") and exit: 0 when all passed, 1 when
      any failed, 2 on a configuration error. No supervisord is needed.

--method GET|HEAD
      The request's method. Default: GET.

--header "NAME: VALUE"
      Send this header line too (may be given more than once); a Host,
      User-Agent, Accept-Encoding or Authorization line replaces httpok's.

--body-absent TEXT
      Fail the check when the body holds this text (a maintenance page).

--body-regex PATTERN
      The body must match this regular expression (PCRE2, UTF-8), searched in
      the first --max-body bytes.

--unix-socket PATH
      Connect to this UNIX socket instead of the URL's host and port; the
      URL still gives the Host header and the path.

--fails N
      Restart only after N failed checks in a row (1 to 10000). Default: 1.

--rises N
      A target whose failure started its restart sequence has recovered after
      N good checks in a row (1 to 10000); httpok then logs "recovered after
      ...". Default: 1.

--revive
      Start a process of the target that is FATAL or EXITED (startProcess)
      instead of writing "not in RUNNING state"; a STOPPED one stays stopped.

--dry-run
      Check and decide as usual, but write "dry run: would restart NAME"
      instead of running gcore, stopProcess and startProcess; the mail subject
      starts with [dry run].

--metrics-file PATH
      Write Prometheus metrics here (the text format, for node_exporter's
      textfile collector) after every round and at least every 60 s.

--presignal SIGNAL, --presignal-wait SECONDS
      Before stopping a RUNNING process (after gcore), send it this signal
      through supervisord (QUIT for a JVM's thread dump, say), then wait
      (0 to 86400 s; default 5).

--notify-recovery
      Mail the "recovered" line too (to the target's address).

--log-format text|json, --log-timestamps
      json: one JSON object per line on stderr (level, target, event,
      message and fields; a restart's block is one object). With
      --log-timestamps each line starts with the UTC time. Default: text.

--log-rounds
      Write how long each round took once the last check a TICK started has
      ended: "round of 1000 checks ended 112.4 ms after the TICK".

--cert-expiry-days DAYS
      Warn (log, and mail with -m) at most once a day when a certificate the
      https server presents, or one of its verified chain, expires within
      DAYS days (0 to 3650). Never a restart. Default: 0, no warning.

--grace SECONDS
      A failed check does not count while one of the target's processes is
      starting, or has been RUNNING for less than this (0 to 86400); the log
      says: failure ignored, web started 12 s ago. Default: 0.

--max-restarts N, --restart-window SECONDS
      Stop restarting a program that httpok restarted N times within the
      window (log and mail "giving up on NAME" once), and resume once the
      window has slid past. Default: no limit; window 600.

--interval SECONDS
      Check the URL this often, on its own clock, TICK events or not (1 to
      86400). Default: on every TICK event.

--core-interval SECONDS
      With -d, write at most one core file per process in this time (0 to
      86400); a restart within it writes none. Default: 0, a core file on
      every restart.

--insecure
      For https: do not verify the server's certificate or host name.

--cafile FILE, --capath DIR
      For https: trust these CA certificates too (besides the system's).

--client-cert FILE, --client-key FILE
      For https: present this client certificate (both options are needed).

--tls-server-name NAME
      For https: send this name in SNI and verify the certificate against it
      instead of the URL's host.

--no-session-resumption
      For https: start every connection with a full handshake.

--reuse-connection
      Keep the connection open between checks (HTTP/1.1 keep-alive) instead of
      a new one each time; a request that fails on it before any answer is
      sent again on a new connection. Default: a new connection per check.

URL
      The http:// or https:// URL to GET (optional with --config).

Options must come before the URL. A long option may be abbreviated to a
unique prefix; a prefix that was unique among superlance's options keeps
that meaning (--a is --any, --t is --timeout).

A sample invocation:

httpok -p program1 -p group1:program2 http://localhost:8080/tasty
)";
}

std::string version_text() {
  return "httpok " HTTPOK_VERSION "\n";
}

}  // namespace httpok
