#!/usr/bin/env python3
"""What scripts/test reports about a meson test run, from meson-logs/testlog.json and the
GoogleTest XML reports (GTEST_OUTPUT=xml:BUILD/gtest-xml/, one file per test binary).

    test_report.py count BUILD       prints "PASSED FAILED SKIPPED" test cases: each
                                     GoogleTest case of every suite, and each other meson
                                     test as one case; a binary that died before writing
                                     its report is one failed case (meson says which)
    test_report.py slowest BUILD...  the ten slowest meson tests of these builds
"""

import json
import pathlib
import sys
import xml.etree.ElementTree as ET


def meson_tests(build):
    log = pathlib.Path(build) / "meson-logs" / "testlog.json"
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


def gtest_cases(report):
    """(passed, failed, skipped) of one GoogleTest XML report, or None when unreadable."""
    try:
        root = ET.parse(report).getroot()
    except (ET.ParseError, OSError):
        return None
    passed = failed = skipped = 0
    for case in root.iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            failed += 1
        elif case.get("result") == "skipped" or case.find("skipped") is not None:
            skipped += 1
        elif case.get("status", "run") == "run":
            passed += 1
    return passed, failed, skipped


def count(build):
    passed = failed = skipped = 0
    reports = pathlib.Path(build) / "gtest-xml"
    for test in meson_tests(build):
        result = test.get("result")
        ok = result in ("OK", "EXPECTEDFAIL")
        cmd = test.get("command") or test.get("cmd") or []
        report = reports / (pathlib.Path(cmd[0]).name + ".xml") if cmd else None
        cases = gtest_cases(report) if report is not None and report.exists() else None
        if cases is None:
            if result == "SKIP":
                skipped += 1
            elif ok:
                passed += 1
            else:
                failed += 1
            continue
        p, f, s = cases
        if not ok and f == 0:
            f = 1  # the binary failed after its cases passed (a leak report, a crash at exit)
        passed, failed, skipped = passed + p, failed + f, skipped + s
    print(passed, failed, skipped)


def slowest(builds):
    rows = []
    for build in builds:
        for test in meson_tests(build):
            rows.append((test.get("duration", 0.0), f"{build}: {test.get('name')}",
                         test.get("result")))
    rows.sort(reverse=True)
    for duration, name, result in rows[:10]:
        print(f"  {duration:7.1f} s  {name} ({result})")


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "count":
        count(sys.argv[2])
    elif len(sys.argv) >= 3 and sys.argv[1] == "slowest":
        slowest(sys.argv[2:])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
