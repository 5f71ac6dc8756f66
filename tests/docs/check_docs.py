#!/usr/bin/env python3
"""The man pages against the code: every long option of the command line (the option
table in src/config/cli.cpp) is in httpok(1), as an entry and in the plain-text list of
its opening comment, every config key (the key tables in
src/config/config_file.cpp) is an entry of httpok.conf(5), and groff -ww prints no
warning for either page.

    check_docs.py SOURCE_ROOT
"""

import pathlib
import re
import shutil
import subprocess
import sys


def entry_heads(page):
    """The head lines of the page's entries: the line after each .TP or .TQ."""
    lines = page.splitlines()
    return [lines[i + 1] for i, line in enumerate(lines[:-1]) if line in (".TP", ".TQ")]


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
    heads1 = entry_heads(page1)
    for name in options:
        # The whole option, as the head of an entry: "--body" is not "--body-absent".
        pattern = re.escape("\\-\\-" + name.replace("-", "\\-")) + r"(?=[= \",\\]|$)"
        if not any(re.search(pattern, head) for head in heads1):
            problems.append(f"httpok(1) has no entry for --{name}")

    # The comment at the top lists every long option in plain text, for grep.
    listed = set(re.findall(r"--([a-z_-]+)",
                            "".join(l for l in page1.splitlines() if l.startswith('.\\"'))))
    for name in options:
        if name not in listed:
            problems.append(f"httpok(1)'s plain-text option list (the comment at its top) "
                            f"has no --{name}")

    keys = []
    for table in ("kTargetKeys", "kGlobalKeys"):
        match = re.search(table + r"\{(.*?)\};", config_file, re.S)
        if match is None:
            problems.append(f"no {table} in config_file.cpp")
            continue
        keys += re.findall(r"\"([a-z_]+)\"", match.group(1))
    keys.append("files")  # [include]
    heads5 = entry_heads(page5)
    for key in sorted(set(keys)):
        if key == "files":  # inside the [include] entry
            found = re.search(r"^\.B files$", page5, re.M) is not None
        else:
            found = any(re.search(r"(?<![\w\\-])" + re.escape(key) + r"(?![\w\\])", head)
                        for head in heads5)
        if not found:
            problems.append(f"httpok.conf(5) has no entry for {key}")

    skipped = False
    groff = shutil.which("groff")
    if groff is None:
        print("groff is not installed: the warning check is skipped")
        skipped = True
    else:
        for page in ("man/httpok.1", "man/httpok.conf.5"):
            run = subprocess.run([groff, "-ww", "-man", "-Tutf8", str(root / page)],
                                 capture_output=True, text=True)
            if run.returncode != 0 or run.stderr:
                problems.append(f"groff warns about {page}: {run.stderr.strip()}")

    for problem in problems:
        print(problem)
    print(f"{len(options)} options, {len(set(keys))} keys checked")
    if problems:
        return 1
    return 77 if skipped else 0  # 77: meson's "skipped"


if __name__ == "__main__":
    sys.exit(main())
