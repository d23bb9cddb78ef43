#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# The report of bench/learn.sh (`make bench-learn`): per run, delivery
# latency from the sinks' samples, loss from what the senders sent, the
# load every link carried, hops per frame and how the routers decided;
# then $(O)/bench/learn.json and a table with PASS/MISS per target.
#
#   learn_report.py LOGDIR OUT.json SIM.json|"" LIGHT HEAVY WARM_MS RUN_MS LEN
#                   [ROUNDS [LOSS_MS]]
#
# Runs are named POLICY-LOAD-rN (learned/ett/hops/ettload, light/heavy,
# round N);
# their files in LOGDIR are RUN.lat.SINK (latency samples, ns),
# RUN.recv.SINK, RUN.send.I.SRC-DST and RUN.warm.I.SRC-DST (hn-pkt -j),
# RUN.ports0/1 ("NODE PORT tx_bytes"), RUN.stats.NODE (hnctl -j stats),
# RUN.routes.NODE (hnctl -j routes), RUN.qdisc0/1 (tc -s -j qdisc of W)
# and RUN.neigh.jsonl.  Targets and headline keys use the rounds pooled.
#
# Lost frames are priced in: the figure of merit of a policy at a load is
# the mean cost of a frame sent, a delivered frame costing its one-way
# delivery time and a lost one LOSS_MS (100) or the slowest delivery any
# policy made at that load in the run, whichever is larger (so losing a
# frame never costs less than delivering it late; hn-train eval prices
# loss the same way).  Mean and p99 of delivered frames and the loss are
# reported beside it.
import glob
import hashlib
import json
import os
import sys

PHASES = ('learned', 'ett', 'hops', 'ettload')
LOADS = ('light', 'heavy')
# key: (target, higher is better), issue 14's targets
TARGETS = {
    'lab_gain_vs_ett': (0.10, True),
    'lab_light_loss_vs_ett': (0.05, False),
    # held-out topologies against ETT, lost frames charged (hn-train eval)
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
    """Latency, loss and hops over the runs named, pooled."""
    lat, sent, warm, fwd = [], 0, 0, 0
    for run in runs:
        for path in glob.glob(os.path.join(logs, run + '.lat.*')):
            with open(path) as f:
                lat.extend(int(x) for x in f if x.strip())
        for path in glob.glob(os.path.join(logs, run + '.send.*')):
            sent += (load_json(path) or {}).get('rounds', 0)
        for path in glob.glob(os.path.join(logs, run + '.warm.*')):
            warm += (load_json(path) or {}).get('rounds', 0)
        for path in glob.glob(os.path.join(logs, run + '.stats.*')):
            j = load_json(path) or {}
            fwd += sum(j.get(k, 0) for k in ('fwd_redirect', 'fwd_tx')
                       if isinstance(j.get(k), int))
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
        'sum_us': sum(lat) / 1e3,
        # links crossed per frame sent: every router's unicast forwards
        # (the source's own included; the sink's router passes it up),
        # over the warm-up and the measured frames alike
        'hops': round(fwd / (sent + warm), 3) if sent + warm else None,
    }


def priced(x, penalty_us):
    """Mean cost of a frame sent: delivered ones their time, lost ones
    penalty_us (module comment)."""
    if not x['sent']:
        return None
    lost = max(0, x['sent'] - x['received'])
    return round((x['sum_us'] + lost * penalty_us) / x['sent'], 1)


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


def ratio(base, x, worse=False):
    """1 - x/base (a gain), or x/base - 1 (how much worse) if worse."""
    if not base or x is None:
        return None
    return round(x / base - 1 if worse else 1 - x / base, 4)


def headline(res, names, loss_ms, rounds):
    """Pooled figures per policy and load, priced loss, the target keys."""
    r = res['pooled']
    for (ph, ld), runs in names.items():
        r['%s-%s' % (ph, ld)] = delivery(res['logs'], runs)
    pen = {}
    for ld in LOADS:
        worst = max([r['%s-%s' % (ph, ld)]['max_us'] or 0 for ph in PHASES])
        pen[ld] = max(loss_ms * 1000.0, worst)
        for ph in PHASES:
            x = r['%s-%s' % (ph, ld)]
            x['cost_us'] = priced(x, pen[ld])
            for k in ('cost_us', 'mean_us', 'p99_us', 'loss', 'hops'):
                res['lab_%s_%s_%s' % (ld, ph, k)] = x[k]
    res['lab_loss_penalty_us'] = pen

    def c(ph, ld):
        return r['%s-%s' % (ph, ld)]['cost_us']
    res['lab_gain_vs_ett'] = ratio(c('ett', 'heavy'), c('learned', 'heavy'))
    res['lab_light_loss_vs_ett'] = ratio(c('ett', 'light'),
                                         c('learned', 'light'), True)
    res['lab_gain_vs_hops'] = ratio(c('hops', 'heavy'), c('learned', 'heavy'))
    res['lab_ett_gain_vs_hops'] = ratio(c('hops', 'heavy'), c('ett', 'heavy'))
    # the load-aware baseline (route-metric = ett-load)
    res['lab_gain_vs_ettload'] = ratio(c('ettload', 'heavy'),
                                       c('learned', 'heavy'))
    res['lab_light_loss_vs_ettload'] = ratio(c('ettload', 'light'),
                                             c('learned', 'light'), True)
    res['lab_ettload_gain_vs_ett'] = ratio(c('ett', 'heavy'),
                                           c('ettload', 'heavy'))
    # the same per round (priced as pooled): how much of it is noise
    res['lab_by_round'] = []
    for rd in range(1, rounds + 1):
        x = res['runs']

        def cr(ph, ld):
            return priced(x['%s-%s-r%d' % (ph, ld, rd)], pen[ld])
        res['lab_by_round'].append({
            'gain_vs_ett': ratio(cr('ett', 'heavy'), cr('learned', 'heavy')),
            'light_loss_vs_ett': ratio(cr('ett', 'light'),
                                       cr('learned', 'light'), True)})


def verdicts(res):
    verdict = {}
    for k, (b, up) in TARGETS.items():
        v = res.get(k)
        if isinstance(v, (int, float)):
            verdict[k] = 'PASS' if (v >= b if up else v <= b) else 'MISS'
        else:
            verdict[k] = 'n/a'
    res['verdict'] = verdict


def table(res, rounds, out, logs):
    r = res['pooled']
    print()
    print('%-18s %10s %10s %10s %8s %6s %9s' %
          ('run', 'cost us', 'mean us', 'p99 us', 'loss', 'hops', 'frames'))
    for ld in LOADS:
        for ph in PHASES:
            rows = [('%s/%s r%d' % (ph, ld, rd),
                     res['runs']['%s-%s-r%d' % (ph, ld, rd)])
                    for rd in range(1, rounds + 1)]
            rows.append(('%s/%s' % (ph, ld), r['%s-%s' % (ph, ld)]))
            for label, x in rows[-1:] if rounds == 1 else rows:
                cost = priced(x, res['lab_loss_penalty_us'][ld])
                print('%-18s %10s %10s %10s %8s %6s %9s' %
                      (label, fmt(cost), fmt(x['mean_us']), fmt(x['p99_us']),
                       fmt(x['loss']), fmt(x['hops']), x['received']))
    print('(cost: mean per frame sent, a lost frame priced at %s us light, '
          '%s us heavy)' % (fmt(res['lab_loss_penalty_us']['light']),
                            fmt(res['lab_loss_penalty_us']['heavy'])))
    print()
    print('%-24s %10s %10s  %s' % ('target', 'value', 'goal', 'verdict'))
    for k, (b, up) in TARGETS.items():
        print('%-24s %10s %10s  %s' % (k, fmt(res.get(k)),
                                       ('>= ' if up else '<= ') + str(b),
                                       res['verdict'][k]))
    for k in ('lab_gain_vs_hops', 'lab_ett_gain_vs_hops',
              'lab_gain_vs_ettload', 'lab_light_loss_vs_ettload',
              'lab_ettload_gain_vs_ett'):
        print('%-24s %10s' % (k, fmt(res.get(k))))
    print('per round (gain_vs_ett, light_loss_vs_ett): %s' %
          ' '.join('(%s, %s)' % (fmt(x['gain_vs_ett']),
                                 fmt(x['light_loss_vs_ett']))
                   for x in res['lab_by_round']))
    if not res['sim_available']:
        print('(no hn-train eval: sim_* keys are null)')
    print('\nwrote %s; logs in %s' % (out, logs))


def main():
    logs, out, sim, light, heavy, warm, runms, length = sys.argv[1:9]
    rounds = int(sys.argv[9]) if len(sys.argv) > 9 else 1
    loss_ms = float(sys.argv[10]) if len(sys.argv) > 10 else 100.0
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
           'pooled': {}, 'logs': logs}
    names = {}
    for rd in range(1, rounds + 1):
        for ph in PHASES:
            for ld in LOADS:
                name = '%s-%s-r%d' % (ph, ld, rd)
                res['runs'][name] = one_run(logs, name, secs)
                names.setdefault((ph, ld), []).append(name)
    headline(res, names, loss_ms, rounds)
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
    verdicts(res)
    with open(out, 'w') as f:
        json.dump(res, f, indent=1, sort_keys=True)
        f.write('\n')
    table(res, rounds, out, logs)


if __name__ == '__main__':
    main()
