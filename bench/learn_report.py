#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# The report of bench/learn.sh (`make bench-learn`): per run, delivery
# latency from the sinks' samples, loss from what the senders sent, the
# load every link carried and how the routers decided; then
# $(O)/bench/learn.json and a table with PASS/MISS per target.
#
#   learn_report.py LOGDIR OUT.json SIM.json|"" LIGHT HEAVY WARM_MS RUN_MS LEN
#                   [ROUNDS]
#
# Runs are named PHASE-LOAD-rN (shortest/learned, light/heavy, round N);
# their files in LOGDIR are RUN.lat.SINK (latency samples, ns),
# RUN.recv.SINK and RUN.send.I.SRC-DST (hn-pkt -j), RUN.ports0/1 ("NODE
# PORT tx_bytes"), RUN.stats.NODE (hnctl -j stats), RUN.routes.NODE
# (hnctl -j routes), RUN.qdisc0/1 (tc -s -j qdisc of W) and
# RUN.neigh.jsonl.  Targets and headline keys use the rounds pooled.
import glob
import hashlib
import json
import os
import sys

PHASES = ('shortest', 'learned')
LOADS = ('light', 'heavy')
# key: (target, higher is better); the issue asks 30 % in simulation,
# 20 % on the real mesh, and at most 5 % worse at light load in both
TARGETS = {
    'lab_heavy_gain': (0.20, True),
    'lab_light_loss': (0.05, False),
    'sim_heavy_gain': (0.30, True),
    'sim_light_loss': (0.05, False),
    # issue 14: held-out topologies against ETT, lost frames charged
    'sim_gain_vs_ett': (0.15, True),
    'sim_light_loss_vs_ett': (0.02, False),
    'sim_gap_closed': (0.30, True),
    'sim_failure_loss_learned': (0.03, False),
    'train_seconds': (300, False),
}
SIM_KEYS = ('sim_heavy_gain', 'sim_light_loss', 'sim_gain_vs_ett',
            'sim_light_loss_vs_ett', 'sim_gap_closed',
            'sim_failure_loss_learned', 'sim_failure_loss_ett',
            'train_seconds')
# hn-train eval's per-scenario list: in its own JSON, not repeated here
SIM_SKIP = ('scenarios',)


def load_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def pct(xs, p):
    """Nearest-rank percentile of sorted xs."""
    if not xs:
        return None
    k = max(1, min(len(xs), int(p / 100.0 * len(xs) + 0.999999)))
    return xs[k - 1]


def ports(path):
    out = {}
    try:
        with open(path) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 3 and parts[2].isdigit():
                    out[(parts[0], parts[1])] = int(parts[2])
    except OSError:
        pass
    return out


def qdrops(path):
    out = {}
    for q in load_json(path) or []:
        if q.get('kind') == 'tbf' and 'dev' in q:
            out[q['dev']] = q.get('drops', 0)
    return out


def delivery(logs, runs):
    """Latency and loss over the runs named, pooled."""
    lat, sent = [], 0
    for run in runs:
        for path in glob.glob(os.path.join(logs, run + '.lat.*')):
            with open(path) as f:
                lat.extend(int(x) for x in f if x.strip())
        for path in glob.glob(os.path.join(logs, run + '.send.*')):
            sent += (load_json(path) or {}).get('rounds', 0)
    lat.sort()
    got = len(lat)
    return {
        'sent': sent,
        'received': got,
        'loss': round(1 - got / sent, 4) if sent else None,
        'mean_us': round(sum(lat) / got / 1e3, 1) if got else None,
        'p50_us': round(pct(lat, 50) / 1e3, 1) if got else None,
        'p99_us': round(pct(lat, 99) / 1e3, 1) if got else None,
        'max_us': round(lat[-1] / 1e3, 1) if got else None,
    }


def one_run(logs, run, secs):
    flows = {}
    for path in glob.glob(os.path.join(logs, run + '.send.*')):
        j = load_json(path) or {}
        flow = path.rsplit('.', 1)[1]
        flows[flow] = {'sent': j.get('rounds', 0),
                       'rate_fps': j.get('rate_fps'),
                       'pace_resets': j.get('pace_resets')}
    for path in glob.glob(os.path.join(logs, run + '.recv.*')):
        sink = path.rsplit('.', 1)[1]
        j = load_json(path) or {}
        lj = j.get('latency') or {}
        for src, mean in (lj.get('srcs_mean_us') or {}).items():
            for flow in flows:
                s, d = flow.split('-')
                if d == sink and src == SRC_ID.get(s):
                    flows[flow]['mean_us'] = round(mean, 1)
    res = delivery(logs, [run])
    res['flows'] = flows
    # which links carried the traffic: Mbit/s out of each router port
    p0 = ports(os.path.join(logs, run + '.ports0'))
    p1 = ports(os.path.join(logs, run + '.ports1'))
    links = {}
    for k, v in p1.items():
        if k in p0 and not k[1].endswith('-in') and secs:
            mbps = (v - p0[k]) * 8 / secs / 1e6
            if mbps >= 0.05:
                links[k[1]] = round(mbps, 2)
    res['link_mbps'] = dict(sorted(links.items()))
    # frames W's tbf dropped per link direction ("f>i": F towards I; the
    # tbf on W's "wi-f" shapes what reaches I's port i-f)
    q0 = qdrops(os.path.join(logs, run + '.qdisc0'))
    q1 = qdrops(os.path.join(logs, run + '.qdisc1'))
    drops = {}
    for dev, v in q1.items():
        d = v - q0.get(dev, 0)
        if d > 0 and dev.startswith('w') and '-' in dev:
            to, frm = dev[1:].split('-', 1)
            drops['%s>%s' % (frm.upper(), to.upper())] = d
    res['queue_drops'] = dict(sorted(drops.items()))
    # how the routers decided, summed over the nine
    dec = {}
    for path in glob.glob(os.path.join(logs, run + '.stats.*')):
        j = load_json(path) or {}
        for k in ('fb_no_model', 'fb_margin', 'fb_stale', 'cache_hit',
                  'fwd_redirect', 'drop_no_live'):
            if isinstance(j.get(k), int):
                dec[k] = dec.get(k, 0) + j[k]
    res['decisions'] = dec
    res['default_paths'] = default_paths(logs, run, flows)
    chg, flips, series = churn(samples(os.path.join(logs,
                                                    run + '.neigh.jsonl')))
    res['feature_changes'] = chg
    res['dominant_port_changes'] = flips
    # the first source's router: where its flow's path begins
    res['trace_A'] = series.get('A', [])
    return res


def default_paths(logs, run, flows):
    """Each flow's path along the routes' default next hops at the start
    of the run: what the shortest path does (data-plane neighbour
    indexes mapped to nodes through the first neighbour sample)."""
    names = {v: k for k, v in SRC_ID.items()}
    nb = {}
    for j in (samples(os.path.join(logs, run + '.neigh.jsonl')) or {}).values():
        for e in ((j[0].get('neigh') or {}).get('dataplane') or []):
            nb[(j[0]['node'], e.get('index'))] = names.get(str(e.get('node')))
    routes = {}
    for path in glob.glob(os.path.join(logs, run + '.routes.*')):
        node = path.rsplit('.', 1)[1]
        for rt in load_json(path) or []:
            routes[(node, str(rt.get('dst')))] = rt.get('default_neigh')
    out = {}
    for flow in flows:
        src, dst = flow.split('-')
        hops, cur = [src], src
        while cur != dst and cur and len(hops) < 10:
            cur = nb.get((cur, routes.get((cur, SRC_ID.get(dst)))))
            hops.append(cur or '?')
        out[flow] = ''.join(hops)
    return out


def samples(path):
    """The once-a-second samples of one run, by node, in time order."""
    by = {}
    try:
        with open(path) as f:
            for line in f:
                try:
                    j = json.loads(line)
                except ValueError:
                    continue
                by.setdefault(j.get('node'), []).append(j)
    except OSError:
        pass
    return by


def churn(by):
    """Per node: how many (neighbour, second) feature vectors differed
    from the second before, and how often the port carrying most of the
    node's outgoing traffic changed (a route flap, when one flow
    dominates the node).  Plus a per-second trace of the busiest node:
    Mbit/s out of each port and each neighbour's features."""
    feat_chg, flips, series = {}, {}, {}
    for node, ss in by.items():
        last = {}
        dom = None
        for a, b in zip(ss, ss[1:]):
            dt = b['t'] - a['t']
            rates = {p: (b['tx'].get(p, 0) - a['tx'].get(p, 0)) * 8 / dt / 1e6
                     for p in b.get('tx', {}) if not p.endswith('-in')
                     and p in a.get('tx', {})} if dt > 0 else {}
            busy = {p: r for p, r in rates.items() if r >= 0.2}
            if busy:
                top = max(busy, key=busy.get)
                if dom is not None and top != dom:
                    flips[node] = flips.get(node, 0) + 1
                dom = top
            nb = (b.get('neigh') or {}).get('dataplane') or []
            feats = {}
            for e in nb:
                f = e.get('feat') or {}
                feats[e.get('dev')] = f
                key = e.get('node')
                if key in last and last[key] != f:
                    feat_chg[node] = feat_chg.get(node, 0) + 1
                last[key] = f
            series.setdefault(node, []).append({
                't': round(b['t'] - ss[0]['t'], 1),
                'mbps': {p: round(r, 2) for p, r in sorted(rates.items())},
                'feat': {p: [f.get(k) for k in ('delay', 'loss', 'load')]
                         for p, f in sorted(feats.items())}})
    return feat_chg, flips, series


def fmt(v, unit=''):
    if v is None:
        return 'null'
    if isinstance(v, float):
        return '%.3f%s' % (v, unit) if abs(v) < 10 else '%.1f%s' % (v, unit)
    return '%s%s' % (v, unit)


SRC_ID = {}


def main():
    logs, out, sim, light, heavy, warm, runms, length = sys.argv[1:9]
    rounds = int(sys.argv[9]) if len(sys.argv) > 9 else 1
    for i, n in enumerate('ABCDEFGHI'):
        SRC_ID[n] = str(i + 1)
    secs = (int(warm) + int(runms)) / 1000.0 + 0.5
    try:
        with open(os.path.join(logs, 'model.txt'), 'rb') as f:
            model_sha = hashlib.sha256(f.read()).hexdigest()
    except OSError:
        model_sha = None
    try:
        with open(os.path.join(logs, 'topology')) as f:
            topo = f.read().strip()
    except OSError:
        topo = None
    res = {'topology': topo, 'model_txt_sha256': model_sha,
           'light_flows': light, 'heavy_flows': heavy,
           'warm_ms': int(warm), 'run_ms': int(runms),
           'payload_bytes': int(length), 'rounds': rounds, 'runs': {},
           'pooled': {}}
    names = {}
    for rd in range(1, rounds + 1):
        for ph in PHASES:
            for ld in LOADS:
                name = '%s-%s-r%d' % (ph, ld, rd)
                res['runs'][name] = one_run(logs, name, secs)
                names.setdefault((ph, ld), []).append(name)
    for (ph, ld), runs in names.items():
        res['pooled']['%s-%s' % (ph, ld)] = delivery(logs, runs)
    r = res['pooled']

    def m(ph, ld):
        return r['%s-%s' % (ph, ld)]['mean_us']

    def gain(sh, lh):
        return round(1 - lh / sh, 4) if sh and lh else None

    def worse(sl, ll):
        return round(ll / sl - 1, 4) if sl and ll else None
    res['lab_heavy_gain'] = gain(m('shortest', 'heavy'), m('learned', 'heavy'))
    res['lab_light_loss'] = worse(m('shortest', 'light'),
                                  m('learned', 'light'))
    # the same per round: how much of it is the host's noise
    res['lab_by_round'] = []
    for rd in range(1, rounds + 1):
        x = res['runs']

        def mr(ph, ld):
            return x['%s-%s-r%d' % (ph, ld, rd)]['mean_us']
        res['lab_by_round'].append({
            'heavy_gain': gain(mr('shortest', 'heavy'),
                               mr('learned', 'heavy')),
            'light_loss': worse(mr('shortest', 'light'),
                                mr('learned', 'light'))})
    for ph in PHASES:
        for ld in LOADS:
            x = r['%s-%s' % (ph, ld)]
            for k in ('mean_us', 'p99_us', 'loss'):
                res['lab_%s_%s_%s' % (ld, ph, k)] = x[k]
    simj = load_json(sim) if sim else None
    for k in SIM_KEYS:
        res[k] = None
    if isinstance(simj, dict):
        for k, v in simj.items():
            if k in SIM_SKIP:
                continue
            if k not in res or k in SIM_KEYS:
                res[k] = v
    res['sim_available'] = isinstance(simj, dict)
    verdict = {}
    for k, (b, up) in TARGETS.items():
        v = res.get(k)
        if isinstance(v, (int, float)):
            verdict[k] = 'PASS' if (v >= b if up else v <= b) else 'MISS'
        else:
            verdict[k] = 'n/a'
    fl, fs = res.get('sim_failure_lost_learned'), res.get('sim_failure_lost_shortest')
    verdict['sim_failure_fewer_lost'] = ('n/a' if None in (fl, fs) else
                                         'PASS' if fl < fs else 'MISS')
    res['verdict'] = verdict
    with open(out, 'w') as f:
        json.dump(res, f, indent=1, sort_keys=True)
        f.write('\n')

    print()
    print('%-20s %10s %10s %10s %8s %9s' %
          ('run', 'mean us', 'p50 us', 'p99 us', 'loss', 'frames'))
    for ld in LOADS:
        for ph in PHASES:
            rows = [('%s/%s r%d' % (ph, ld, rd),
                     res['runs']['%s-%s-r%d' % (ph, ld, rd)])
                    for rd in range(1, rounds + 1)]
            rows.append(('%s/%s' % (ph, ld), r['%s-%s' % (ph, ld)]))
            for label, x in rows[-1:] if rounds == 1 else rows:
                print('%-20s %10s %10s %10s %8s %9s' %
                      (label, fmt(x['mean_us']), fmt(x['p50_us']),
                       fmt(x['p99_us']), fmt(x['loss']), x['received']))
    print()
    print('%-24s %10s %10s  %s' % ('target', 'value', 'goal', 'verdict'))
    for k, (b, up) in TARGETS.items():
        print('%-24s %10s %10s  %s' % (k, fmt(res.get(k)),
                                       ('>= ' if up else '<= ') + str(b),
                                       verdict[k]))
    print('%-24s %10s %10s  %s' % ('sim_failure_lost', '%s/%s' % (fl, fs),
                                   'learned <', verdict['sim_failure_fewer_lost']))
    if not res['sim_available']:
        print('(no hn-train eval: sim_* keys are null)')
    print('\nwrote %s; logs in %s' % (out, logs))


if __name__ == '__main__':
    main()
