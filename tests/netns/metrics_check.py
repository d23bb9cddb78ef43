#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Strict checker of a Prometheus text (0.0.4) or OpenMetrics 1.0 exposition.

Usage: metrics_check.py prometheus|openmetrics < TEXT
Checks: every line is a HELP, TYPE, sample or (OpenMetrics) the one
closing "# EOF"; each family has one HELP and one TYPE line before its
samples and its samples all together; names and label names are legal,
label values properly quoted and escaped, values numbers; counter samples
end in _total (the TYPE line naming the family without it in
OpenMetrics, with it in Prometheus text) and are never negative; no
sample repeats a name and label set.  Prints each sample as
"NAME{LABELS} VALUE", labels sorted, and exits 0; else says why on
stderr and exits 1.
"""
import math
import re
import sys

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LNAME = r"[a-zA-Z_][a-zA-Z0-9_]*"
LVALUE = r'"(?:[^"\\\n]|\\[\\"n])*"'
SAMPLE = re.compile(r"^(%s)(\{(?:%s=%s(?:,%s=%s)*)?\})? (\S+)$" %
                    (NAME, LNAME, LVALUE, LNAME, LVALUE))
LABEL = re.compile(r"(%s)=(%s)" % (LNAME, LVALUE))
TYPES = {"prometheus": {"counter", "gauge", "histogram", "summary",
                        "untyped"},
         "openmetrics": {"counter", "gauge", "histogram", "gaugehistogram",
                         "stateset", "info", "summary", "unknown"}}


def fail(n, why, line):
    sys.stderr.write("line %d: %s: %r\n" % (n, why, line))
    sys.exit(1)


def number(s):
    if s in ("+Inf", "-Inf", "NaN"):
        return float(s.replace("Inf", "inf").replace("NaN", "nan"))
    if not re.match(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$", s):
        raise ValueError(s)
    return float(s)


def main():
    fmt = sys.argv[1] if len(sys.argv) == 2 else ""
    if fmt not in TYPES:
        sys.exit("usage: metrics_check.py prometheus|openmetrics")
    om = fmt == "openmetrics"
    text = sys.stdin.read()
    if om and not text.endswith("# EOF\n"):
        fail(text.count("\n"), "does not end with '# EOF'", text[-20:])
    if not text.endswith("\n"):
        fail(text.count("\n") + 1, "no newline at the end", text[-20:])
    lines = text[:-1].split("\n")
    if om:
        lines.pop()  # the checked '# EOF'
    help_, type_, done, seen, out = {}, {}, set(), set(), []
    cur = None  # the family whose lines these are
    for n, line in enumerate(lines, 1):
        m = re.match(r"^# (HELP|TYPE) (%s) (.*)$" % NAME, line)
        if m:
            kind, fam, rest = m.groups()
            if fam != cur:
                if fam in done:
                    fail(n, "family %s split up" % fam, line)
                if cur:
                    done.add(cur)
                cur = fam
            d = help_ if kind == "HELP" else type_
            if fam in d:
                fail(n, "second %s for %s" % (kind, fam), line)
            if kind == "TYPE" and rest not in TYPES[fmt]:
                fail(n, "unknown type %s" % rest, line)
            if fam in seen:
                fail(n, "%s after samples" % kind, line)
            d[fam] = rest
            continue
        if line.startswith("#"):
            fail(n, "not HELP or TYPE (or a second EOF)", line)
        m = SAMPLE.match(line)
        if not m:
            fail(n, "not a sample", line)
        name, labels, value = m.group(1), m.group(2) or "", m.group(3)
        if cur is None or cur not in type_ or cur not in help_:
            fail(n, "sample before its family's HELP and TYPE", line)
        t = type_[cur]
        if t == "counter":
            want = cur + "_total" if om else cur
            if not want.endswith("_total"):
                fail(n, "counter family %s does not end in _total" % cur,
                     line)
        else:
            want = cur
        if name != want:
            fail(n, "sample %s in family %s (want %s)" % (name, cur, want),
                 line)
        try:
            v = number(value)
        except ValueError:
            fail(n, "value is not a number", line)
        if t == "counter" and (v < 0 or math.isnan(v)):
            fail(n, "negative counter", line)
        pairs = LABEL.findall(labels)
        names = [p[0] for p in pairs]
        if len(set(names)) != len(names):
            fail(n, "label given twice", line)
        key = name
        if pairs:
            key += "{%s}" % ",".join("%s=%s" % p for p in sorted(pairs))
        if key in seen:
            fail(n, "sample repeated", line)
        seen.add(key)
        seen.add(cur)
        out.append("%s %s" % (key, value))
    for fam in type_:
        if fam not in help_:
            fail(0, "no HELP for %s" % fam, fam)
    print("\n".join(out))


main()
