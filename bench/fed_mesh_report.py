#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""bench/fed_mesh.sh's logs -> the JSON of $O/bench/fed-mesh.json.

usage: fed_mesh_report.py LOGDIR "A B ..." "LOAD... NPROC" "H1 H2 H3"

LOGDIR holds, per node N: trainer-N.log (the trainer's lines, each after
the realtime it was written), calls-N.log (the stamped hnctl calls:
"submit T0 T1 RC ROUND SIZE", "fetch T0 T1 RC ROUND", "bytes T ROUND|end
FED_BYTES_TX"), agent-N.log (hypernetd's log, stamped); and poll.log
(the round's aggregator's `campaign status -j`, "T ID JSON").

A round at a node runs: local training, hand-in (submit), wait, fetch,
apply and gate, install; its next round begins when that is done.  The
round's wall time runs from the end of the previous round at the last
node (round 1: from the first trainer's start) to the end of this one at
the last node, and splits at the instants when
  training    the last node handed its update in;
  masking     the aggregator had every masked input (polled);
  secagg      the aggregator completed the round (its log: consistency,
              unmasking, the signed result);
  delivery    the last node fetched the sum;
  gate        the last node applied, gated (validation set) and saved it;
  install     the last node quantised and installed it (files).
Each boundary is clamped between its neighbours.  The key exchange
(adverts and shares) overlaps local training: the agent starts round R
as soon as it has R-1's result.
"""
import datetime
import json
import re
import statistics
import sys

RE_ROUND = re.compile(
    r"^round (\d+): (-?\d+) summed, loss [-0-9.naif]+, validation ([0-9.]+)"
    r" -> ([0-9.]+), (accepted|refused), model ([0-9a-f]+) \(([0-9.]+) s\)")
# an agent's line: "2026-12-08T03:12:01.615Z hypernetd node 5 info: fed: ..."
RE_AGENT = re.compile(r"^(\S+Z) hypernetd node \d+ \w+: fed: (.*)$")
RE_DONE = re.compile(r"^round (\d+)(?: \(sub-round \d+\))? complete "
                     r"\(aggregator (\d+), attempt \d+\): (\d+) updates")
RE_AGG = re.compile(r"^aggregating round (\d+) attempt \d+")
AFTER_MASKED = ("consistency", "unmasking")


def log_time(stamp):
    """Unix seconds of an agent's log stamp (UTC, milliseconds)."""
    t = datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ")
    return t.replace(tzinfo=datetime.timezone.utc).timestamp()


def stamped(path):
    """(time, text) of each stamped line of @path."""
    out = []
    with open(path) as f:
        for line in f:
            t, _, rest = line.rstrip("\n").partition(" ")
            try:
                out.append((float(t), rest))
            except ValueError:
                pass
    return out


def trainer(path):
    """Round start, line time, decision per round; the done time."""
    t0, line, dec, done = {}, {}, {}, None
    for t, text in stamped(path):
        m = RE_ROUND.match(text)
        if m:
            r = int(m.group(1))
            line[r] = t
            t0[r] = t - float(m.group(7))
            dec[r] = (int(m.group(2)), float(m.group(3)), float(m.group(4)),
                      m.group(5), m.group(6))
        elif text.startswith("campaign done"):
            done = t
    return t0, line, dec, done


def calls(path):
    """First successful submit and fetch per round, bytes samples."""
    sub, fetch, size, nbytes = {}, {}, {}, {}
    with open(path) as f:
        for line in f:
            w = line.split()
            if w[0] in ("submit", "fetch") and w[3] == "0":
                r = int(w[4])
                d = sub if w[0] == "submit" else fetch
                d.setdefault(r, float(w[2]))
                if w[0] == "submit":
                    size[r] = int(w[5])
            elif w[0] == "bytes":
                nbytes[w[2] if w[2] == "end" else int(w[2])] = int(w[3])
    return sub, fetch, size, nbytes


def agent(path):
    """Per round: (time, aggregator, summed) of the completion line, and
    when this node began aggregating it."""
    done, agg = {}, {}
    with open(path) as f:
        for line in f:
            m = RE_AGENT.match(line.rstrip("\n"))
            if not m:
                continue
            t, msg = log_time(m.group(1)), m.group(2)
            d = RE_DONE.match(msg)
            if d:
                done.setdefault(int(d.group(1)),
                                (t, int(d.group(2)), int(d.group(3))))
            a = RE_AGG.match(msg)
            if a:
                agg[int(a.group(1))] = t
    return done, agg


def poll(path):
    """Per round: when the aggregator had every masked input (halfway
    between the last sample collecting them and the next one), when it
    began collecting them; the median interval between samples."""
    last_in, after, begin, times = {}, {}, {}, []
    for t, text in stamped(path):
        _, _, js = text.partition(" ")
        try:
            st = json.loads(js)["round"]
        except (ValueError, KeyError, TypeError):
            continue
        times.append(t)
        r, ph = st["round"], st["aggregating"]
        if ph == "masked-inputs":
            begin.setdefault(r, t)
            last_in[r] = t
        for q in last_in:
            if q not in after and t > last_in[q] and \
                    (q < r or ph in AFTER_MASKED):
                after[q] = t
    ends = {q: (last_in[q] + after[q]) / 2 for q in after}
    gaps = [b - a for a, b in zip(times, times[1:])]
    return ends, begin, med(gaps)


def clamp(v, lo, hi):
    if v is None:
        return lo
    return min(max(v, lo), hi)


def med(v):
    return round(statistics.median(v), 3) if v else None


def main():
    logdir, nodes = sys.argv[1], sys.argv[2].split()
    load = sys.argv[3].split()
    shape = [int(x) for x in sys.argv[4].split()]
    ids = {n: i + 1 for i, n in enumerate(nodes)}
    tr = {n: trainer("%s/trainer-%s.log" % (logdir, n)) for n in nodes}
    cl = {n: calls("%s/calls-%s.log" % (logdir, n)) for n in nodes}
    ag = {n: agent("%s/agent-%s.log" % (logdir, n)) for n in nodes}
    masked_end, masked_begin, poll_s = poll(logdir + "/poll.log")
    rounds = sorted(tr[nodes[0]][2])
    last = rounds[-1]
    by_id = {i: n for n, i in ids.items()}

    agg_of, agg_done, summed = {}, {}, {}
    for r in rounds:
        for n in nodes:
            if r in ag[n][0]:
                t, a, s = ag[n][0][r]
                agg_of[r], summed[r] = a, s
        a = by_id[agg_of[r]]
        agg_done[r] = ag[a][0][r][0]

    def end_of(r):
        if r == last:
            return max(tr[n][3] for n in nodes)
        return max(tr[n][0][r + 1] for n in nodes)

    per_round, walls = [], []
    shares = {k: [] for k in ("training", "masking", "secagg", "delivery",
                              "gate", "install")}
    start = min(tr[n][0][1] for n in nodes)
    for r in rounds:
        end = end_of(r)
        t_train = clamp(max(cl[n][0][r] for n in nodes), start, end)
        t_agg = clamp(agg_done[r], t_train, end)
        t_masked = clamp(masked_end.get(r), t_train, t_agg)
        t_deliv = clamp(max(cl[n][1][r] for n in nodes), t_agg, end)
        t_gate = clamp(max(tr[n][1][r] for n in nodes), t_deliv, end)
        ph = {"training": t_train - start, "masking": t_masked - t_train,
              "secagg": t_agg - t_masked, "delivery": t_deliv - t_agg,
              "gate": t_gate - t_deliv, "install": end - t_gate}
        wall = end - start
        walls.append(wall)
        for k, v in ph.items():
            shares[k].append(v / wall)
        a = by_id[agg_of[r]]
        kx = None
        if r in ag[a][1] and r in masked_begin:
            kx = round(masked_begin[r] - ag[a][1][r], 3)
        d = tr[nodes[0]][2][r]
        per_round.append({
            "round": r, "wall_s": round(wall, 3),
            "phases_s": {k: round(v, 3) for k, v in ph.items()},
            "aggregator": agg_of[r], "summed": summed[r],
            "key_exchange_s": kx,
            "node_train_s_median": med([cl[n][0][r] - tr[n][0][r]
                                        for n in nodes]),
            "node_gate_s_median": med([tr[n][1][r] - cl[n][1][r]
                                       for n in nodes]),
            "node_install_s_median": med([
                (tr[n][0][r + 1] if r < last else tr[n][3]) - tr[n][1][r]
                for n in nodes]),
            "validation_before": d[1], "validation": d[2],
            "decision": d[3]})
        start = end

    # bytes: each node's FED bytes between its fetches of R-1 and R (the
    # last round: up to the final sample, after the resends settled)
    def window(n, r):
        b = cl[n][3]
        hi = b["end"] if r == last else b[r]
        return hi - (b[r - 1] if r > 1 else 0)

    plain = cl[nodes[0]][2][1] - 12  # HNFV: 12 bytes of header
    nonagg = {}
    for r in rounds:
        nonagg[r] = [window(n, r) for n in nodes
                     if ids[n] != agg_of[r] and
                     (r == 1 or ids[n] != agg_of[r - 1])]
    agg_x = []
    for r in rounds:
        a = by_id[agg_of[r]]
        if r == last:
            agg_x.append(window(a, r) / plain)
        elif agg_of[r + 1] != agg_of[r] and nonagg[r + 1]:
            agg_x.append((window(a, r) + window(a, r + 1) -
                          statistics.median(nonagg[r + 1])) / plain)
    nx = [w / plain for r in rounds for w in nonagg[r]]
    n = len(nodes)
    alike = len({tuple(sorted(tr[m][2].items())) for m in nodes}) == 1
    out = {
        "nodes": n, "topology": "2x%d ladder" % (n // 2),
        "partition": "dir:0.5", "rounds": len(rounds),
        "local_steps": 40, "batch": 32, "lr": 0.003, "clip": 4,
        "shape": "784-%d-%d | %d-10" % tuple(shape),
        "weights": (plain // 4) - 1,
        "round_s_median": med(walls), "round_s_max": round(max(walls), 3),
        "round_s": [round(w, 3) for w in walls],
        "phase_share_median": {k: med(v) for k, v in shares.items()},
        "secagg_expansion_nonagg_median": med(nx),
        "secagg_expansion_nonagg_max": round(max(nx), 3) if nx else None,
        "secagg_expansion_agg": [round(x, 3) for x in agg_x],
        "secagg_expansion_mean_node": (
            round((statistics.median(agg_x) + (n - 1) *
                   statistics.median(nx)) / n, 3) if agg_x and nx else None),
        "plain_update_bytes": plain,
        "validation": [p["validation"] for p in per_round],
        "poll_s_median": poll_s,
        "all_nodes_decide_alike": alike,
        "per_round": per_round,
        "load_avg_start": [float(x) for x in load[0:3]],
        "load_avg_end": [float(x) for x in load[3:6]],
        "cpus": int(load[6]),
        "note": "shared machine, everything niced (nice 19), the trainers "
                "share its CPUs: wall times are this machine's; round 1 "
                "includes the trainers' start skew; phases from the "
                "programs' own stamped output (fed_mesh_report.py)",
    }
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
