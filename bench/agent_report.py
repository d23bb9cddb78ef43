#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# Helpers of bench/agent.sh (`make bench-agent`): times out of hypernetd
# logs, the gap in a received stream, and the final JSON and table.
#
#   agent_report.py conv N LOG...            first/last "running", converged,
#                                            median node converged
#   agent_report.py routes K T0 LOG...       last node settled at K routes
#   agent_report.py lastwrite T1 LOG...      last route update up to T1
#   agent_report.py model G LOG...           last "model generation G ... installed"
#   agent_report.py downs T0 LOG...          "neighbour X down" lines from T0 on
#   agent_report.py writes T0 T1 LOG...      route updates logged in [T0, T1]
#   agent_report.py full K                   agents (JSON status lines on stdin)
#                                            with K routes
#   agent_report.py gap FILE SEQ0 COUNT      largest hole in a hn-pkt --print log
#   agent_report.py report RESULTS JSON KEY=VALUE...
#
# Log lines look like
# "2026-12-08T03:12:01.615Z hypernetd node 5 info: routes to 4 nodes";
# times are printed as unix seconds, "none" when the condition is not met.
import datetime
import json
import re
import sys

LINE = re.compile(r'^(\S+Z) hypernetd node (\d+) \w+: (.*)$')


def log_time(stamp):
    """Unix seconds of an agent's log stamp (UTC, milliseconds)."""
    t = datetime.datetime.strptime(stamp, '%Y-%m-%dT%H:%M:%S.%fZ')
    return t.replace(tzinfo=datetime.timezone.utc).timestamp()
ROUTES = re.compile(r'^routes to (\d+) nodes\b')


def events(path):
    """(time, message) of every log line of one agent."""
    out = []
    try:
        with open(path, errors='replace') as f:
            for line in f:
                m = LINE.match(line.rstrip('\n'))
                if m:
                    out.append((log_time(m.group(1)), m.group(3)))
    except OSError:
        pass
    return out


def settled(ev, k, t0=0.0):
    """When the route count last became k (from t0 on) and stayed so, if
    it did.  Later lines with the same count are rewrites of routes
    (other candidates, costs), not new destinations."""
    since = None
    for t, msg in ev:
        m = ROUTES.match(msg)
        if not m or t < t0:
            continue
        if int(m.group(1)) != k:
            since = None
        elif since is None:
            since = t
    return since


def last_write(ev, t1):
    """The last route update logged up to t1."""
    ts = [t for t, msg in ev if t <= t1 and ROUTES.match(msg)]
    return ts[-1] if ts else None


def fmt(v):
    return 'none' if v is None else '%.3f' % v


def cmd_conv(args):
    n, logs = int(args[0]), args[1:]
    starts, done = [], []
    for p in logs:
        ev = events(p)
        run = [t for t, msg in ev if msg.startswith('node ') and
               ' running on ' in msg]
        starts.append(run[-1] if run else None)
        done.append(settled(ev, n - 1))
    first = min((s for s in starts if s is not None), default=None)
    last = None if None in starts else max(starts)
    conv = None if None in done else max(done)
    # the median node: stragglers apart, how fast routes come
    med = None if None in done else sorted(done)[(len(done) - 1) // 2]
    print(fmt(first), fmt(last), fmt(conv), fmt(med))


def cmd_lastwrite(args):
    t1, logs = float(args[0]), args[1:]
    ts = [last_write(events(p), t1) for p in logs]
    print(fmt(None if None in ts else max(ts)))


def cmd_routes(args):
    k, t0, logs = int(args[0]), float(args[1]), args[2:]
    done = [settled(events(p), k, t0) for p in logs]
    print(fmt(None if None in done else max(done)))


def cmd_model(args):
    gen, logs = args[0], args[1:]
    pat = re.compile(r'^model generation %s from .* installed$' %
                     re.escape(gen))
    last = []
    for p in logs:
        ts = [t for t, msg in events(p) if pat.match(msg)]
        last.append(ts[0] if ts else None)
    print(fmt(None if None in last else max(last)))


def cmd_downs(args):
    t0, logs = float(args[0]), args[1:]
    print(sum(1 for p in logs for t, msg in events(p)
              if t >= t0 and re.match(r'^neighbour \d+ down: ', msg)))


def cmd_writes(args):
    """Route (re)writes logged in [T0, T1]: "lines routes-written"."""
    t0, t1, logs = float(args[0]), float(args[1]), args[2:]
    lines = written = 0
    for p in logs:
        for t, msg in events(p):
            m = re.match(r'^routes to \d+ nodes \((\d+) written', msg)
            if m and t0 <= t <= t1:
                lines += 1
                written += int(m.group(1))
    print(lines, written)


def cmd_full(args):
    k = int(args[0])
    n = 0
    for line in sys.stdin:
        try:
            n += json.loads(line).get('routes') == k
        except ValueError:
            pass
    print(n)


def cmd_gap(args):
    """Largest step between consecutive received seqs (1: no loss); the
    stream's end counts as received, so a stream that never came back
    shows its whole tail.  Prints: step lost unique."""
    path, seq0, count = args[0], int(args[1]), int(args[2])
    seqs = set()
    with open(path, errors='replace') as f:
        for line in f:
            m = re.search(r' seq (\d+) ', line)
            if m and seq0 <= int(m.group(1)) < seq0 + count:
                seqs.add(int(m.group(1)))
    prev, step = seq0 - 1, 0
    for s in sorted(seqs) + [seq0 + count]:
        step = max(step, s - prev)
        prev = s
    print(step, count - len(seqs), len(seqs))


# ---- report ----------------------------------------------------------------

TARGETS = [
    # key, comparison, bound or key of the bound, unit
    ('failover_traffic_ms', '<=', 50, 'ms'),
    ('failover_routes_ms', '<=', 1000, 'ms'),
    ('model_spread_32_s', '<=', 1, 's'),
    ('control_bytes_per_s_node', '<', 'batman_estimate_bytes_per_s_node',
     'B/s'),
]

ROWS = [
    ('converge_6_s', 's', '2x3 grid, last "running" -> all routes'),
    ('converge_6_all_s', 's', 'the same, median of every 2x3 start'),
    ('converge_16_s', 's', '4x4 grid, last "running" -> all routes'),
    ('converge_16_from_first_start_s', 's', '4x4 grid, from the first'),
    ('converge_32_s', 's', '4x8 grid, last "running" -> all routes'),
    ('converge_32_from_first_start_s', 's', '4x8 grid, from the first'),
    ('converge_32_median_node_s', 's', '4x8 grid, the median node'),
    ('converge_32_stable_s', 's', '4x8 grid, until the last route update'),
    ('start_spread_32_s', 's', 'first to last "running", 32 agents'),
    ('failover_traffic_ms', 'ms', 'transit killed: longest stream hole'),
    ('failover_kill_took_ms', 'ms', 'deleting its 3 veths took'),
    ('failover_silent_ms', 'ms', 'transit silenced (ports down): hole'),
    ('failover_routes_ms', 'ms', 'killed: all others at N-2 routes'),
    ('failover_silent_routes_ms', 'ms', 'silenced: all others at N-2'),
    ('neigh_down_after_converge_32', '', 'link flaps in the quiet 32'),
    ('route_updates_per_s_node_32', '/s', 'route map updates, quiet 32'),
    ('model_spread_32_s', 's', 'push at n1 -> last install, 32'),
    ('control_bytes_per_s_node', 'B/s', '32 nodes, quiet, Ethernet frames'),
    ('control_bytes_per_s_node_16', 'B/s', '16 nodes'),
    ('control_bytes_per_s_node_6', 'B/s', '6 nodes'),
    ('agent_tx_bytes_per_s_node', 'B/s', '32: the agents\' own frames'),
    ('batman_estimate_bytes_per_s_node', 'B/s', 'batman-adv, same 4x8 grid'),
]


def num(v):
    try:
        f = float(v)
    except ValueError:
        return v.strip('"')
    return int(f) if f.is_integer() and 'e' not in v and '.' not in v \
        else f


def cmd_report(args):
    results, out = args[0], args[1]
    data, meta = {}, {}
    with open(results) as f:
        for line in f:
            k, _, v = line.rstrip('\n').partition(' ')
            if k:
                data[k] = None if v in ('', 'null', 'none') else num(v)
    for kv in args[2:]:
        k, _, v = kv.partition('=')
        meta[k] = num(v)
    verdict = {}
    for key, op, bound, unit in TARGETS:
        v = data.get(key)
        b = data.get(bound) if isinstance(bound, str) else bound
        if not isinstance(v, (int, float)) or \
                not isinstance(b, (int, float)):
            verdict[key] = 'n/a'
        elif op == '<=':
            verdict[key] = 'PASS' if v <= b else 'MISS'
        else:
            verdict[key] = 'PASS' if v < b else 'MISS'
    doc = dict(data)
    doc['targets'] = {k: {'bound': (data.get(b) if isinstance(b, str)
                                    else b), 'op': op, 'result': verdict[k]}
                      for k, op, b, _ in TARGETS}
    doc['meta'] = meta
    with open(out, 'w') as f:
        json.dump(doc, f, indent=2, sort_keys=True)
        f.write('\n')

    bounds = {k: (op, b, u) for k, op, b, u in TARGETS}
    print('%-34s %12s %-4s %-6s %s' % ('key', 'value', 'unit', 'target',
                                       'what'))
    for key, unit, what in ROWS:
        v = data.get(key)
        vs = '-' if v is None else ('%.3f' % v if isinstance(v, float)
                                    else str(v))
        t = verdict.get(key, '')
        if key in bounds:
            op, b, _ = bounds[key]
            b = data.get(b) if isinstance(b, str) else b
            what += ' (%s %s)' % (op, b if b is not None else '?')
        print('%-34s %12s %-4s %-6s %s' % (key, vs, unit, t, what))
    print('results: %s' % out)


def main():
    cmds = {'conv': cmd_conv, 'routes': cmd_routes, 'model': cmd_model,
            'lastwrite': cmd_lastwrite,
            'downs': cmd_downs, 'writes': cmd_writes, 'full': cmd_full,
            'gap': cmd_gap,
            'report': cmd_report}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        sys.exit('usage: agent_report.py conv|routes|lastwrite|model|downs|'
                 'writes|full|gap|report ...')
    cmds[sys.argv[1]](sys.argv[2:])


if __name__ == '__main__':
    main()
