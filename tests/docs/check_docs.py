#!/usr/bin/env python3
"""The man pages against the code: every long option of the command line (the option
table in src/config/cli.cpp) is in httpok(1), every config key (the key tables in
src/config/config_file.cpp) is an entry of httpok.conf(5), and groff -ww prints no
warning for either page.

    check_docs.py SOURCE_ROOT
"""

import pathlib
import re
import shutil
import subprocess
import sys


def main():
    root = pathlib.Path(sys.argv[1])
    cli = (root / "src/config/cli.cpp").read_text()
    config_file = (root / "src/config/config_file.cpp").read_text()
    page1 = (root / "man/httpok.1").read_text()
    page5 = (root / "man/httpok.conf.5").read_text()
    problems = []

    options = re.findall(r"\{k\w+,\s*'(?:\\0|.)',\s*\"([^\"]+)\"", cli)
    if len(options) < 30:
        problems.append(f"found only {len(options)} options in cli.cpp: the pattern is stale")
    for name in options:
        if "\\-\\-" + name.replace("-", "\\-") not in page1:
            problems.append(f"httpok(1) does not describe --{name}")

    keys = []
    for table in ("kTargetKeys", "kGlobalKeys"):
        match = re.search(table + r"\{(.*?)\};", config_file, re.S)
        if match is None:
            problems.append(f"no {table} in config_file.cpp")
            continue
        keys += re.findall(r"\"([a-z_]+)\"", match.group(1))
    keys.append("files")  # [include]
    # An entry is a bold line naming the key: ".B key" or ".BR a \", \" b" for a group.
    entries = set()
    for line in page5.splitlines():
        if line.startswith((".B ", ".BR ")):
            text = re.sub(r"\\-\\-[a-z\\-]+", "", line.split(" ", 1)[1])  # not --options
            entries.update(re.findall(r"[a-z_]+", text))
    for key in sorted(set(keys)):
        if key not in entries:
            problems.append(f"httpok.conf(5) has no entry for {key}")

    groff = shutil.which("groff")
    if groff is None:
        print("groff is not installed: the warning check is skipped")
    else:
        for page in ("man/httpok.1", "man/httpok.conf.5"):
            run = subprocess.run([groff, "-ww", "-man", "-Tutf8", str(root / page)],
                                 capture_output=True, text=True)
            if run.returncode != 0 or run.stderr:
                problems.append(f"groff warns about {page}: {run.stderr.strip()}")

    for problem in problems:
        print(problem)
    print(f"{len(options)} options, {len(set(keys))} keys checked")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
