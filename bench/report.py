# SPDX-License-Identifier: GPL-2.0
"""Turn bench/run.sh's "key value" lines into dataplane.json and a table.

Usage: python3 bench/report.py RESULTS JSON [key=value ...]
"""
import json
import sys

REQUIRED = ("plain_ns", "cache_hit_ns", "decide_k4_ns", "decide_k8_ns",
            "live_plain_mpps", "live_cache_mpps", "live_decide_k8_mpps",
            "live_kernel_ipv4_mpps", "verifier_insns")


def num(v):
    if v in ("null", "", None):
        return None
    if v.startswith('"'):
        return v.strip('"')
    try:
        f = float(v)
    except ValueError:
        return v
    return int(f) if f.is_integer() and "." not in v else f


def ratio(a, b):
    if a is None or b is None or not b:
        return None
    return round(a / b, 3)


def diff(a, b):
    if a is None or b is None:
        return None
    return round(a - b, 2)


def median(v):
    v = sorted(v)
    n = len(v)
    if not n:
        return None
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


def runs_of(r, key):
    """The per-round list at KEY, None where that round failed."""
    v = r.get(key)
    if not isinstance(v, str) or not v:
        return None
    return [None if x == "null" else float(x) for x in v.split()]


def prog_stats(r, pfx):
    """The stats method (bench/run.sh, kernels without live frames): the
    router program's ns a run per window (run_time_ns / run_cnt), its
    median per case, and what each HyperNet case adds to the plain
    forward: the median over rounds of its ns minus plain's in the same
    round."""
    plain = runs_of(r, pfx + "_plain_prog_ns_runs")
    if plain is None:
        return
    for case in ("plain", "cache", "decide_k8"):
        v = runs_of(r, "%s_%s_prog_ns_runs" % (pfx, case))
        if v is None:
            continue
        m = median([x for x in v if x is not None])
        r["%s_%s_prog_ns" % (pfx, case)] = None if m is None else round(m, 2)
        if case == "plain" or len(v) != len(plain):
            continue
        d = median([a - b for a, b in zip(v, plain)
                    if a is not None and b is not None])
        r["%s_%s_add_ns" % (pfx, case)] = None if d is None else round(d, 2)


def main():
    res, meta = {}, {}
    with open(sys.argv[1]) as f:
        for line in f:
            k, _, v = line.strip().partition(" ")
            if k:
                res[k] = num(v)
    for kv in sys.argv[3:]:
        k, _, v = kv.partition("=")
        meta[k] = v

    for k in REQUIRED:
        res.setdefault(k, None)
    r = res
    r["cache_hit_add_ns"] = diff(r["cache_hit_ns"], r["plain_ns"])
    r["decide_k8_add_ns"] = diff(r["decide_k8_ns"], r["plain_ns"])
    r["decide_k4_add_ns"] = diff(r["decide_k4_ns"], r["plain_ns"])
    r["decide_k8_over_hit_ns"] = diff(r["decide_k8_ns"], r["cache_hit_ns"])
    r["decide_miss_k8_add_ns"] = diff(r.get("decide_miss_k8_ns"),
                                      r["plain_ns"])
    r["live_cache_vs_plain"] = ratio(r["live_cache_mpps"],
                                     r["live_plain_mpps"])
    r["live_decide_k8_vs_plain"] = ratio(r["live_decide_k8_mpps"],
                                         r["live_plain_mpps"])
    r["live_cache_vs_kernel_ipv4"] = ratio(r["live_cache_mpps"],
                                           r["live_kernel_ipv4_mpps"])
    r["live_decide_k8_vs_kernel_ipv4"] = ratio(r["live_decide_k8_mpps"],
                                               r["live_kernel_ipv4_mpps"])
    r["live_plain_vs_kernel_ipv4"] = ratio(r["live_plain_mpps"],
                                           r["live_kernel_ipv4_mpps"])
    # Per-frame time of the whole pipeline and what each router adds to
    # it over the plain forward: comparable with the BPF_PROG_TEST_RUN
    # deltas, unlike the ratios, which the generator's and the sink's
    # share of the time dilutes.
    for pfx in ("live", "live2cpu"):
        p = r.get(pfx + "_plain_mpps")
        for case in ("plain", "cache", "decide_k8", "kernel_ipv4"):
            v = r.get("%s_%s_mpps" % (pfx, case))
            if v:
                r["%s_%s_ns_per_frame" % (pfx, case)] = round(1e3 / v, 1)
                if p:
                    r["%s_%s_add_ns" % (pfx, case)] = round(
                        1e3 / v - 1e3 / p, 1)
    # Paired per-round ratios (the cases take turns, so round i of every
    # case saw the same spell of machine load) and the best window of each
    # case (interference only ever slows a case down).
    for pfx in ("live", "live2cpu"):
        runs = {}
        for case in ("plain", "cache", "decide_k8", "kernel_ipv4"):
            v = r.get("%s_%s_mpps_runs" % (pfx, case))
            if isinstance(v, str) and v:
                runs[case] = [float(x) for x in v.split()]
                r["%s_%s_best_mpps" % (pfx, case)] = max(runs[case])
        for a, b in (("cache", "plain"), ("decide_k8", "plain"),
                     ("cache", "kernel_ipv4")):
            if a in runs and b in runs and len(runs[a]) == len(runs[b]):
                q = sorted(x / y for x, y in zip(runs[a], runs[b]) if y)
                if q:
                    n = len(q)
                    med = q[n // 2] if n % 2 else (q[n // 2 - 1] +
                                                    q[n // 2]) / 2
                    r["%s_%s_vs_%s_paired" % (pfx, a, b)] = round(med, 3)
    for pfx in ("live", "live2cpu", "live_softirq"):
        prog_stats(r, pfx)
    if r.get("live2cpu_plain_mpps") is not None:
        p = r["live2cpu_plain_mpps"]
        r["live2cpu_cache_vs_plain"] = ratio(r.get("live2cpu_cache_mpps"), p)
        r["live2cpu_decide_k8_vs_plain"] = ratio(
            r.get("live2cpu_decide_k8_mpps"), p)
        r["live2cpu_cache_vs_kernel_ipv4"] = ratio(
            r.get("live2cpu_cache_mpps"), r.get("live2cpu_kernel_ipv4_mpps"))
    r["meta"] = meta
    na = lambda v: "n/a" if v is None else v
    with open(sys.argv[2], "w") as f:
        json.dump(r, f, indent=2, sort_keys=True)
        f.write("\n")

    # Table routes skip the flow cache (dataplane.rst, Fast path): the
    # "cache" cases are one destination, decided by its table each frame.
    rows = [
        ("## BPF_PROG_TEST_RUN, ns per frame", None, None, None),
        ("plain L2 forward", r["plain_ns"], None, None),
        ("HyperNet, one destination", r["cache_hit_ns"],
         "+%s ns" % na(r["cache_hit_add_ns"]), ("<= +5 ns",
                                            r["cache_hit_add_ns"], 5, -1)),
        ("## BPF_PROG_TEST_RUN, deciding every frame (HN_DP_CFG_NO_CACHE)",
         None, None, None),
        ("HyperNet, decide, 1 candidate", r.get("decide_k1_ns"),
         "+%s ns" % na(diff(r.get("decide_k1_ns"), r["plain_ns"])), None),
        ("HyperNet, decide, 2 candidates", r.get("decide_k2_ns"),
         "+%s ns" % na(diff(r.get("decide_k2_ns"), r["plain_ns"])), None),
        ("HyperNet, decide, 4 candidates", r["decide_k4_ns"],
         "+%s ns" % na(r["decide_k4_add_ns"]), None),
        ("HyperNet, decide, 8 candidates", r["decide_k8_ns"],
         "+%s ns" % na(r["decide_k8_add_ns"]), ("<= +25 ns",
                                            r["decide_k8_add_ns"], 25, -1)),
        ("## BPF_PROG_TEST_RUN, 1024 destinations", None,
         None, None),
        ("HyperNet, 1024 dsts, 4 candidates", r.get("decide_miss_k4_ns"),
         "+%s ns" % na(diff(r.get("decide_miss_k4_ns"), r["plain_ns"])),
         None),
        ("HyperNet, 1024 dsts, 8 candidates", r.get("decide_miss_k8_ns"),
         "+%s ns" % na(r["decide_miss_k8_add_ns"]), None),
        ("## live, Mpps at the sink (whole pipeline on one CPU)", None, None,
         None),
        ("(a) plain XDP redirect", r["live_plain_mpps"], "1.000x", None),
        ("(b) HyperNet, one destination", r["live_cache_mpps"],
         "%sx" % na(r["live_cache_vs_plain"]),
         (">= 0.95x", r["live_cache_vs_plain"], 0.95, 1)),
        ("(c) HyperNet, decide every frame, K=8", r["live_decide_k8_mpps"],
         "%sx" % na(r["live_decide_k8_vs_plain"]),
         (">= 0.8x", r["live_decide_k8_vs_plain"], 0.8, 1)),
        ("(d) Linux IPv4 forwarding", r["live_kernel_ipv4_mpps"],
         "%sx" % na(r["live_plain_vs_kernel_ipv4"]) + " (a)/(d)", None),
        ("(b) / (d)", None, "%sx" % na(r["live_cache_vs_kernel_ipv4"]),
         (">= 3x", r["live_cache_vs_kernel_ipv4"], 3, 1)),
        ("(c) / (d)", None, "%sx" % na(r["live_decide_k8_vs_kernel_ipv4"]),
         None),
    ]
    rows += [
        ("## live, median of per-round ratios (paired)", None, None, None),
        ("(b) / (a)", None, "%sx" % na(r.get("live_cache_vs_plain_paired")),
         None),
        ("(c) / (a)", None,
         "%sx" % na(r.get("live_decide_k8_vs_plain_paired")), None),
        ("(b) / (d)", None,
         "%sx" % na(r.get("live_cache_vs_kernel_ipv4_paired")), None),
        ("## live, best window, Mpps", None, None, None),
        ("(a) plain", r.get("live_plain_best_mpps"), None, None),
        ("(b) one destination", r.get("live_cache_best_mpps"),
         "%sx" % na(ratio(r.get("live_cache_best_mpps"),
                          r.get("live_plain_best_mpps"))), None),
        ("(c) decide, K=8", r.get("live_decide_k8_best_mpps"),
         "%sx" % na(ratio(r.get("live_decide_k8_best_mpps"),
                          r.get("live_plain_best_mpps"))), None),
        ("(d) Linux IPv4", r.get("live_kernel_ipv4_best_mpps"),
         "(b)/(d) %sx" % na(ratio(r.get("live_cache_best_mpps"),
                                  r.get("live_kernel_ipv4_best_mpps"))),
         None),
        ("## live, ns per frame added over the plain forward", None, None,
         None),
        ("(b) HyperNet, one destination", r.get("live_cache_add_ns"), None,
         ("<= 5 ns", r.get("live_cache_add_ns"), 5, -1)),
        ("(c) HyperNet, decide, K=8", r.get("live_decide_k8_add_ns"), None,
         ("<= 20 ns", r.get("live_decide_k8_add_ns"), 20, -1)),
        ("(d) Linux IPv4 forwarding", r.get("live_kernel_ipv4_add_ns"), None,
         None),
    ]
    if r.get("live_method") == "prog_stats":
        rows += [
            ("## live, XDP program ns a frame (kernel BPF stats, AF_PACKET"
             " frames)", None, None, None),
            ("(a) plain XDP redirect", r.get("live_plain_prog_ns"), None,
             None),
            ("(b) HyperNet, one destination", r.get("live_cache_prog_ns"),
             "+%s ns" % na(r.get("live_cache_add_ns")), None),
            ("(c) HyperNet, decide every frame, K=8",
             r.get("live_decide_k8_prog_ns"),
             "+%s ns" % na(r.get("live_decide_k8_add_ns")), None),
            ("sink Mpps (a), generator-bound", r.get("live_plain_sink_mpps"),
             None, None),
        ]
        for pfx, what in (("live2cpu", "router and sink NAPI on CPU 1"),
                          ("live_softirq", "NAPI in softirq, one frame a"
                           " poll")):
            if r.get(pfx + "_plain_prog_ns") is None:
                continue
            rows += [
                ("## live, XDP program ns a frame, " + what, None, None,
                 None),
                ("(a) plain", r.get(pfx + "_plain_prog_ns"), None, None),
                ("(b) one destination", r.get(pfx + "_cache_prog_ns"),
                 "+%s ns" % na(r.get(pfx + "_cache_add_ns")), None),
                ("(c) decide, K=8", r.get(pfx + "_decide_k8_prog_ns"),
                 "+%s ns" % na(r.get(pfx + "_decide_k8_add_ns")), None),
            ]
    if r.get("live2cpu_plain_mpps") is not None:
        rows += [
            ("## live, Mpps, generator CPU 0, router + sink NAPI CPU 1", None,
             None, None),
            ("(a) plain", r["live2cpu_plain_mpps"], "1.000x", None),
            ("(b) one destination", r.get("live2cpu_cache_mpps"),
             "%sx" % na(r.get("live2cpu_cache_vs_plain")), None),
            ("(c) decide, K=8", r.get("live2cpu_decide_k8_mpps"),
             "%sx" % na(r.get("live2cpu_decide_k8_vs_plain")), None),
            ("(d) Linux IPv4", r.get("live2cpu_kernel_ipv4_mpps"),
             "(b)/(d) %sx" % na(r.get("live2cpu_cache_vs_kernel_ipv4")),
             None),
        ]
    print()
    print("%-46s %9s %16s  %-10s %s" % ("", "value", "vs baseline",
                                        "target", "met"))
    for name, val, rel, tgt in rows:
        if name.startswith("## "):
            print("\n" + name[3:])
            continue
        v = "n/a" if val is None else ("%.2f" % val if isinstance(
            val, float) else str(val))
        t, met = "", ""
        if tgt:
            t = tgt[0]
            if tgt[1] is None:
                met = "n/a"
            elif tgt[3] < 0:
                met = "yes" if tgt[1] <= tgt[2] else "NO"
            else:
                met = "yes" if tgt[1] >= tgt[2] else "NO"
        print("  %-44s %9s %16s  %-10s %s" % (name, v, rel or "", t, met))
    print("\n  a decision over a cache hit: %s ns + %s ns per candidate"
          " (fit over K = 1, 2, 4, 8)" % (r.get("decide_fixed_ns"),
                                         r.get("decide_per_cand_ns")))
    print("  verifier processed instructions (hn_xdp): %s" %
          r["verifier_insns"])
    if r.get("tr_checks_failed"):
        print("  WARNING: %s BPF_PROG_TEST_RUN checks failed" %
              r["tr_checks_failed"])
    print("\n  %s, %s CPUs, kernel %s; other work may share the machine"
          " (load before: %s)" % (meta.get("date"), meta.get("cpus"),
                                  meta.get("kernel"),
                                  meta.get("load_before")))
    print("  written: %s" % sys.argv[2])


if __name__ == "__main__":
    main()
