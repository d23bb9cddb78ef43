#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Mutation testing of HyperNet (`make mutate`, Documentation/testing.rst).

Plants each mutant of tests/mutate/mutants.txt, one at a time, in a copy
of the tree (never in the tree itself), rebuilds what its tests need in
the copy's own build directory, runs those tests and reports whether they
caught it (killed) or not (survived), then the share killed.

  mutate.py [--only PATTERN] [--keep] [--min PERCENT] [--jobs N]
  mutate.py --check     every mutant matches its file exactly once
  mutate.py --list      the table

A mutant names a code snippet, not a line: it must occur exactly once in
its file, so that it survives unrelated edits and an edit that changes it
shows up as an error naming the mutant.
"""
import argparse
import fnmatch
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TABLE = os.path.join(ROOT, "tests", "mutate", "mutants.txt")
KEYS = ("file", "tests", "kind", "why", "from", "to", "make", "timeout")
KINDS = ("off-by-one", "flipped-comparison", "wrong-constant",
         "missing-check", "swapped-operands", "dropped-statement",
         "wrong-operator", "wrong-variable")


class TableError(Exception):
    pass


def unescape(v):
    out, i = [], 0
    while i < len(v):
        c = v[i]
        if c == "\\" and i + 1 < len(v):
            n = v[i + 1]
            out.append({"n": "\n", "t": "\t", "\\": "\\", "s": " "}.get(
                n, "\\" + n))
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


def parse_table(path):
    """Blocks of `key: value` lines under a `[id]` header."""
    mutants, cur = [], None
    with open(path) as f:
        for lno, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            m = re.match(r"^\[([a-z0-9][a-z0-9.-]*)\]\s*$", line)
            if m:
                cur = {"id": m.group(1), "line": lno}
                mutants.append(cur)
                continue
            m = re.match(r"^([a-z]+):(.*)$", line)
            if not m or cur is None:
                raise TableError("%s:%d: expected '[id]' or 'key: value', "
                                 "got %r" % (path, lno, line))
            key, val = m.group(1), m.group(2).strip()
            if key not in KEYS:
                raise TableError("%s:%d: unknown key '%s' (keys: %s)" %
                                 (path, lno, key, ", ".join(KEYS)))
            if key in cur:
                raise TableError("%s:%d: [%s] has '%s' twice" %
                                 (path, lno, cur["id"], key))
            cur[key] = unescape(val) if key in ("from", "to") else val
    seen = set()
    for m in mutants:
        where = "%s:%d: [%s]" % (path, m["line"], m["id"])
        if m["id"] in seen:
            raise TableError("%s: id used twice" % where)
        seen.add(m["id"])
        for k in ("file", "tests", "kind", "from", "to"):
            if k not in m:
                raise TableError("%s: no '%s'" % (where, k))
        if m["kind"] not in KINDS:
            raise TableError("%s: kind '%s' is not one of %s" %
                             (where, m["kind"], ", ".join(KINDS)))
        if not m["from"] or m["from"] == m["to"]:
            raise TableError("%s: 'from' empty or equal to 'to'" % where)
        m["tests"] = m["tests"].split()
    return mutants


def select(mutants, only):
    if not only:
        return mutants
    pats = [p for p in re.split(r"[,\s]+", only) if p]
    out = [m for m in mutants
           if any(fnmatch.fnmatch(m["id"], p if any(c in p for c in "*?[")
                                  else "*" + p + "*") for p in pats)]
    if not out:
        raise TableError("MUTANTS=%s matches no mutant id" % only)
    return out


def apply_text(m, text):
    n = text.count(m["from"])
    if n != 1:
        raise TableError(
            "mutant [%s] (%s, line %d of the table): its 'from' snippet "
            "occurs %d times in %s, must be exactly once; update the "
            "snippet to today's code" % (m["id"], m["file"], m["line"], n,
                                          m["file"]))
    return text.replace(m["from"], m["to"], 1)


def check(mutants, root):
    errors = 0
    for m in mutants:
        path = os.path.join(root, m["file"])
        try:
            with open(path) as f:
                apply_text(m, f.read())
            for t in m["tests"]:
                if not test_exists(root, t):
                    raise TableError("mutant [%s]: test '%s' matches no "
                                     "test of tests/" % (m["id"], t))
        except (TableError, OSError) as e:
            print("ERROR   %s" % e)
            errors += 1
    return errors


def test_names(root):
    names = set()
    for d, ext in (("tests/unit", ".c"), ("tests/bpf", ".c"),
                   ("tests/cli", ".sh"), ("tests/netns", ".sh"),
                   ("tests/qemu", ".sh")):
        for f in os.listdir(os.path.join(root, d)):
            if f.startswith("test_") and f.endswith(ext):
                names.add((f[:-len(ext)], d))
    return names


def test_exists(root, pat):
    return any(pat in n for n, _ in test_names(root))


def layer(root, pat):
    """Where the tests a pattern runs live ('unit' for tests/unit, ...)."""
    dirs = {d.split("/")[1] for n, d in test_names(root) if pat in n}
    return dirs


def make_targets(m, root, out):
    if "make" in m:
        return m["make"].replace("{O}", out).split()
    targets = []
    for t in m["tests"]:
        exact = [d for n, d in test_names(root) if n == t]
        dirs = layer(root, t)
        if exact and exact[0] in ("tests/unit", "tests/bpf"):
            targets.append("%s/tests/%s" % (out, t))
        elif dirs <= {"cli"}:
            targets += ["progs", "models"]
        elif dirs <= {"netns"}:
            targets += ["bpf", "progs", "models"]
        elif dirs <= {"qemu"}:
            targets += ["kmod", "progs", "models"]
        else:
            targets.append("all")
    return sorted(set(targets))


def timeout_of(m, root):
    if "timeout" in m:
        return int(m["timeout"])
    dirs = set()
    for t in m["tests"]:
        dirs |= layer(root, t)
    if "qemu" in dirs:
        return 1800
    if "netns" in dirs:
        return 900
    return 300


class Run:
    def __init__(self, args):
        self.args = args
        self.work = None
        self.tree = None
        self.current = None     # (path, original text) while planted
        self.child = None
        self.log = None

    # -- the copy ----------------------------------------------------------
    def copy_tree(self):
        base = os.environ.get("MUTATE_DIR") or tempfile.gettempdir()
        self.work = tempfile.mkdtemp(prefix="hn-mutate-", dir=base)
        self.tree = os.path.join(self.work, "tree")
        files = subprocess.run(
            ["git", "-C", ROOT, "ls-files", "-z", "--cached", "--others",
             "--exclude-standard"], check=True,
            stdout=subprocess.PIPE).stdout.decode().split("\0")
        n = 0
        for f in files:
            src = os.path.join(ROOT, f)
            if not f or not os.path.isfile(src):
                continue    # deleted but still in the index
            dst = os.path.join(self.tree, f)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copy2(src, dst)
            n += 1
        self.say("mutate: %d files copied to %s" % (n, self.tree))

    def cleanup(self):
        self.restore()
        if self.work and not self.args.keep:
            shutil.rmtree(self.work, ignore_errors=True)
        elif self.work:
            self.say("mutate: work tree kept in %s" % self.work)

    def on_signal(self, signum, frame):
        if self.child and self.child.poll() is None:
            try:
                os.killpg(self.child.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        self.say("mutate: interrupted (signal %d), cleaning up" % signum)
        self.cleanup()
        sys.exit(128 + signum)

    # -- planting ------------------------------------------------------------
    def plant(self, m):
        path = os.path.join(self.tree, m["file"])
        with open(path) as f:
            text = f.read()
        mutated = apply_text(m, text)
        self.current = (path, text)
        with open(path, "w") as f:
            f.write(mutated)

    def restore(self):
        if not self.current:
            return
        path, text = self.current
        # written anew, so its mtime moves and make rebuilds from it
        with open(path, "w") as f:
            f.write(text)
        self.current = None

    # -- running -------------------------------------------------------------
    def say(self, msg):
        print(msg, flush=True)
        if self.log:
            self.log.write(msg + "\n")
            self.log.flush()

    def sh(self, cmd, logf, timeout, env=None):
        """Run @cmd in the copy; (rc, seconds).  rc None: timed out."""
        t0 = time.time()
        e = {k: v for k, v in os.environ.items()
             if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES")}
        e["O"] = "build"
        if env:
            e.update(env)
        with open(logf, "a") as lf:
            lf.write("$ %s\n" % " ".join(cmd))
            lf.flush()
            self.child = subprocess.Popen(cmd, cwd=self.tree, env=e,
                                          stdout=lf, stderr=subprocess.STDOUT,
                                          start_new_session=True)
            try:
                rc = self.child.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                # TERM first: the netns tests remove what they made
                os.killpg(self.child.pid, signal.SIGTERM)
                try:
                    self.child.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(self.child.pid, signal.SIGKILL)
                    self.child.wait()
                rc = None
            self.child = None
        return rc, time.time() - t0

    def keep_logs(self, tests, logf):
        """The copy's logs of @tests next to @logf (the copy goes)."""
        for t in tests:
            src = os.path.join(self.tree, "build", "test-logs", t + ".log")
            if os.path.exists(src):
                shutil.copy(src, "%s.%s.log" % (logf[:-len(".log")], t))

    def build(self, targets, logf):
        # O comes from the environment: on the command line it would
        # reach the kernel's make too, where O means something else
        cmd = ["make", "-j%d" % self.args.jobs] + targets
        rc, _ = self.sh(cmd, logf, 3600)
        return rc == 0

    def tests(self, pats, logf, timeout):
        """'pass', 'fail' or 'timeout', and the first failing test."""
        for p in pats:
            start = os.path.getsize(logf) if os.path.exists(logf) else 0
            rc, _ = self.sh(["./tests/run-tests.sh"], logf, timeout,
                            {"TESTS": p})
            with open(logf) as f:
                f.seek(start)
                out = f.read()
            if rc is None:
                return "timeout", p
            m = re.search(r"check: (\d+) passed, (\d+) failed, (\d+) skipped",
                          out)
            if rc != 0:
                failed = re.findall(r"^FAIL\s+(\S+)", out, re.M)
                self.keep_logs(failed, logf)
                return "fail", failed[0] if failed else p
            if not m or int(m.group(1)) == 0:
                return "norun", p
        return "pass", None

    def main(self, mutants):
        a = self.args
        out_dir = os.path.join(ROOT, os.environ.get("O", "build"))
        logs = os.path.join(out_dir, "mutate-logs")
        shutil.rmtree(logs, ignore_errors=True)
        os.makedirs(logs)
        self.log = open(os.path.join(out_dir, "mutate.txt"), "w")
        t_start = time.time()
        self.copy_tree()
        if check(mutants, self.tree):
            raise TableError("the mutant table does not apply (see above)")

        # the tree as it is must build and pass every test used below
        pats = []
        for m in mutants:
            pats += [t for t in m["tests"] if t not in pats]
        targets = {"all"}
        for m in mutants:
            targets |= set(make_targets(m, self.tree, "build"))
        base_log = os.path.join(logs, "baseline.log")
        self.say("mutate: baseline build (%s) and tests (%s)" %
                 (" ".join(sorted(targets)), " ".join(pats)))
        if not self.build(sorted(targets), base_log):
            raise TableError("the unmutated tree does not build: %s" %
                             base_log)
        for p in pats:
            tmo = max(timeout_of(m, self.tree) for m in mutants
                      if p in m["tests"])
            res, which = self.tests([p], base_log, tmo)
            if res == "fail":
                # once more: a test that fails on the unmutated tree only
                # sometimes is flaky, and would kill mutants by luck
                self.say("mutate: WARNING: baseline TESTS=%s failed (%s), "
                         "running it again: a flaky test inflates kills "
                         "(log: %s)" % (p, which, base_log))
                res, which = self.tests([p], base_log, tmo)
            if res != "pass":
                raise TableError(
                    "baseline: TESTS=%s %s (%s) on the unmutated tree; "
                    "fix that first (log: %s)" %
                    (p, {"norun": "ran no test (all skipped?)"}.get(
                        res, res), which, base_log))
        self.say("mutate: baseline passes (%.0f s)" % (time.time() - t_start))

        results = []
        fmt = "%-9s %-28s %-34s %5s  %s"
        self.say(fmt % ("RESULT", "MUTANT", "FILE", "TIME", "CAUGHT BY"))
        for m in mutants:
            t0 = time.time()
            logf = os.path.join(logs, m["id"] + ".log")
            self.plant(m)
            try:
                if not self.build(make_targets(m, self.tree, "build"), logf):
                    res, which = "error", "does not build"
                else:
                    res, which = self.tests(m["tests"], logf,
                                            timeout_of(m, self.tree))
            finally:
                self.restore()
            status = {"fail": "KILLED", "timeout": "KILLED",
                      "pass": "SURVIVED"}.get(res, "ERROR")
            if res == "timeout":
                which = "%s (timed out)" % which
            if res == "norun":
                which = "TESTS=%s ran no test" % which
            results.append((m, status))
            self.say(fmt % (status, m["id"], m["file"],
                            "%.0fs" % (time.time() - t0),
                            which if status != "SURVIVED" else
                            "(%s)" % " ".join(m["tests"])))

        killed = sum(1 for _, s in results if s == "KILLED")
        errors = [m["id"] for m, s in results if s == "ERROR"]
        survived = [m["id"] for m, s in results if s == "SURVIVED"]
        counted = killed + len(survived)
        share = 100.0 * killed / counted if counted else 0.0
        self.say("")
        self.say("mutate: %d of %d killed (%.1f %%), %d survived%s, "
                 "%d errors; %.0f s (logs: %s)" %
                 (killed, counted, share, len(survived),
                  (": " + " ".join(survived)) if survived else "",
                  len(errors), time.time() - t_start, logs))
        if errors:
            self.say("mutate: ERROR: %s: fix the table" % " ".join(errors))
        ok = not errors and share >= a.min
        if not ok and share < a.min:
            self.say("mutate: FAIL: below %g %% killed" % a.min)
        return 0 if ok else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", default=os.environ.get("MUTANTS", ""),
                    help="mutant ids matching (substring or glob; "
                         "comma-separated)")
    ap.add_argument("--check", action="store_true",
                    help="only check that every mutant applies")
    ap.add_argument("--list", action="store_true", help="list the table")
    ap.add_argument("--keep", action="store_true",
                    help="keep the work tree (default: removed)")
    ap.add_argument("--min", type=float,
                    default=float(os.environ.get("MUTATE_MIN", "90")),
                    help="fail below this share killed (default 90)")
    ap.add_argument("--jobs", type=int,
                    default=int(os.environ.get("MUTATE_JOBS", "2")))
    ap.add_argument("--table", default=TABLE)
    a = ap.parse_args()
    try:
        mutants = select(parse_table(a.table), a.only)
        if a.list:
            for m in mutants:
                print("%-28s %-18s %-34s %s" % (m["id"], m["kind"], m["file"],
                                                " ".join(m["tests"])))
            return 0
        if a.check:
            errors = check(mutants, ROOT)
            files = sorted({m["file"] for m in mutants})
            print("mutate: %d mutants in %d files, %d errors" %
                  (len(mutants), len(files), errors))
            return 1 if errors else 0
        run = Run(a)
        signal.signal(signal.SIGINT, run.on_signal)
        signal.signal(signal.SIGTERM, run.on_signal)
        signal.signal(signal.SIGHUP, run.on_signal)
        try:
            return run.main(mutants)
        finally:
            run.cleanup()
    except TableError as e:
        print("mutate: ERROR: %s" % e, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
