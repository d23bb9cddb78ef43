#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# hn-train eval's command line (tools/hn-train/eval.c), and train's
# --split-step: bad arguments are refused with exit code 2 and a
# message naming the argument; a tiny
# scenario runs and writes JSON with the issue's target keys, each equal
# to what the held-out cells give, the topologies split into trained /
# new-size / new-family, every scenario's figure of merit charging each
# lost frame its timeout, and the held-out figures pooled from held-out
# scenarios only.
# Exits 0 when all pass, 77 (SKIPPED) without hn-train or python3.
set -u
cd "$(dirname "$0")/../.."
O=${O:-build}
[[ $O = /* ]] || O=$PWD/$O
HNT=$O/bin/hn-train

[ -x "$HNT" ] || { echo "SKIPPED: no $HNT: run make first"; exit 77; }
. tests/cli/lib.sh
cli_need_python
cli_scratch train-eval

run 2 "--load 0: a load is a number in (0, 4]" "$HNT" eval --load 0
run 2 "--load x1: a load is a number" "$HNT" eval --load 0.5,x1
run 2 "--load 0.5: named twice" "$HNT" eval --load 0.5,1,0.5
run 2 "--topo grid:4@1: named twice" "$HNT" eval --topo grid:4,grid:4@1
run 2 "--topo torus:3: bad topology 'torus:3'" "$HNT" eval --topo torus:3
run 2 "--topo rgg:99: bad topology" "$HNT" eval --topo rgg:99
run 2 "--topo rgg:32@x: the seed after @ is a number" \
	"$HNT" eval --topo rgg:32@x
run 2 "--topo full: an option follows its topology" \
	"$HNT" eval --topo full,rgg:16
run 2 "bad topology option 'drift=x'" "$HNT" eval --topo rgg:16,drift=x
run 2 "--policy foo: unknown policy (learned, ett, ett-load, hops" \
	"$HNT" eval --policy foo
run 2 "--policy etx: named twice" "$HNT" eval --policy etx,etx
run 2 "--traffic lab: unknown traffic (uniform, hotspot, burst)" \
	"$HNT" eval --traffic lab
run 2 "--fail 20: rgg:16 has 16 nodes" "$HNT" eval --topo rgg:16 --fail 20
run 2 "--fail sometimes: auto, none or a node index" \
	"$HNT" eval --fail sometimes
run 2 "--seeds 0: 1 to 16" "$HNT" eval --seeds 0
run 2 "--duration-ms 10: 500 to 600000" "$HNT" eval --duration-ms 10
run 2 "--loss-timeout-ms 0: above 0" "$HNT" eval --loss-timeout-ms 0
run 2 "argument stray: unexpected" "$HNT" eval stray
run 2 "usage: hn-train eval" "$HNT" eval --no-such-option
run 0 "--topo SPEC[,OPTION...][@SEED]" "$HNT" eval --help
# training's split step is refused the same way
run 2 "--split-step 257: 0 (move at once) to 256" "$HNT" train --split-step 257
run 2 "--split-step x: 0 (move at once) to 256" "$HNT" train --split-step x
run 1 "hn-train eval: $tmp/none.txt" "$HNT" eval --model "$tmp/none.txt" \
	--topo grid:3 --load 0.5 --duration-ms 500

# one trained (with a simulator option), one new-size and one
# new-family topology, two loads
run 0 "held_out: 2 topologies" "$HNT" eval --topo rgg:16,full@1,rgg:32 \
	--topo cluster:12 --topo-seed 3 --load 0.5,1.0 --traffic uniform \
	--duration-ms 1200 --policy learned,ett,hops --loss-timeout-ms 50 \
	--json "$tmp/e.json" --report "$tmp/e.md" -j 2

if python3 - "$tmp/e.json" <<'EOF'; then
import json, math, sys

d = json.load(open(sys.argv[1]))
errs = []
for k in ('sim_gain_vs_ett', 'sim_light_loss_vs_ett', 'sim_gap_closed',
          'sim_gain_vs_ett_geomean', 'sim_scenarios_won_vs_ett',
          'sim_scenarios_lost_vs_ett', 'sim_gap_load',
          'sim_heavy_loss_learned', 'sim_heavy_loss_ett',
          'sim_failure_loss_learned', 'sim_failure_loss_ett',
          'sim_heavy_gain', 'sim_light_loss', 'sim_failure_lost_learned',
          'sim_failure_lost_shortest', 'loss_timeout_ms', 'splits',
          'scenarios', 'topologies'):
    if k not in d:
        errs.append('missing key ' + k)
# options after a comma keep the shape: still trained
want = [('rgg:16,full', 1, 'trained'), ('rgg:32', 3, 'new-size'),
        ('cluster:12', 3, 'new-family')]
got = [(t['spec'], t['seed'], t['split']) for t in d['topologies']]
if got != want:
    errs.append('topologies %s, want %s' % (got, want))
if d['policies'] != ['learned', 'ett', 'hops']:
    errs.append('policies %s' % d['policies'])
# 3 topologies x 2 loads + 3 failures (figures: 6 significant digits)
if len(d['scenarios']) != 9:
    errs.append('%d scenarios, want 9' % len(d['scenarios']))
pool = {}
for s in d['scenarios']:
    if s['loss_timeout_us'] < 50000:
        errs.append('timeout %s below --loss-timeout-ms' % s['loss_timeout_us'])
    for p, c in s['policies'].items():
        fom = c['mean_us'] * (1 - c['loss']) + c['loss'] * s['loss_timeout_us']
        if not math.isclose(c['fom_us'], fom, rel_tol=1e-4, abs_tol=1e-3):
            errs.append('scenario fom %s != %s' % (c['fom_us'], fom))
        held = d['topologies'][s['topo']]['held_out']
        if not s['failure'] and s['load'] == 1.0 and held and p in ('learned', 'hops'):
            pool.setdefault(p, []).append(c['fom_us'])
ho = d['splits']['held_out']
if ho['topologies'] != 2 or d['splits']['trained']['topologies'] != 1:
    errs.append('split sizes %s / %s' % (ho['topologies'],
                d['splits']['trained']['topologies']))
row = [r for r in ho['by_load'] if r['load'] == 1.0][0]
if row['policies']['learned']['scenarios'] != 2:
    errs.append('held-out load 1.0 pools %s scenarios'
                % row['policies']['learned']['scenarios'])
g = 1 - row['policies']['learned']['fom_us'] / row['policies']['hops']['fom_us']
if not math.isclose(g, d['sim_heavy_gain'], rel_tol=1e-4, abs_tol=1e-6):
    errs.append('sim_heavy_gain %s, held-out cells give %s'
                % (d['sim_heavy_gain'], g))
lo, hi = min(pool['learned']) , max(pool['learned'])
if not lo - 1e-6 <= row['policies']['learned']['fom_us'] <= hi + 1e-6:
    errs.append('held-out pooled fom outside its scenarios')
def close(a, b):
    return a is not None and math.isclose(a, b, rel_tol=1e-3, abs_tol=1e-4)
lp, ep = row['policies']['learned'], row['policies']['ett']
if not close(d['sim_gain_vs_ett'], 1 - lp['fom_us'] / ep['fom_us']):
    errs.append('sim_gain_vs_ett %s' % d['sim_gain_vs_ett'])
if d['sim_scenarios_won_vs_ett'] != lp['wins'] or \
        d['sim_scenarios_lost_vs_ett'] != lp['losses'] or \
        not close(d['sim_gain_vs_ett_geomean'], 1 - lp['geomean_ratio']):
    errs.append('per-scenario keys against ETT')
if not close(d['sim_heavy_loss_learned'], lp['loss']) or \
        not close(d['sim_heavy_loss_ett'], ep['loss']):
    errs.append('heavy-load loss keys')
# load 1.0 is the max concurrent flow: no finite bound; the gap at 0.5
half = [r for r in ho['by_load'] if r['load'] == 0.5][0]
if row['bound_us'] is not None or half['bound_us'] is None:
    errs.append('bounds %s at 1.0, %s at 0.5' % (row['bound_us'], half['bound_us']))
else:
    fe = half['policies']['ett']['fom_us']
    fl = half['policies']['learned']['fom_us']
    # ETT at or under the bound (a short run): no gap to close
    want = (fe - fl) / (fe - half['bound_us']) if fe > half['bound_us'] else None
    if d['sim_gap_load'] != 0.5 or (want is None and d['sim_gap_closed'] is not None) \
            or (want is not None and not close(d['sim_gap_closed'], want)):
        errs.append('sim_gap_closed %s at %s, want %s' % (d['sim_gap_closed'],
                    d['sim_gap_load'], want))
v = max(r['policies']['learned']['fom_us'] / r['policies']['ett']['fom_us'] - 1
        for r in ho['by_load'] if r['load'] <= 0.7)
if not close(d['sim_light_loss_vs_ett'], v):
    errs.append('sim_light_loss_vs_ett %s, want %s' % (d['sim_light_loss_vs_ett'], v))
f = ho['failure']['policies']
if not close(d['sim_failure_loss_learned'], f['learned']['loss']) or \
        not close(d['sim_failure_loss_ett'], f['ett']['loss']):
    errs.append('failure loss keys')
for c in row['policies'].values():
    if c['wins'] + c['ties'] + c['losses'] != c['scenarios']:
        errs.append('wins/ties/losses do not add up')
for e in errs:
    print('FAIL: ' + e)
sys.exit(1 if errs else 0)
EOF
	echo "ok:   eval JSON: keys, split, figure of merit, held-out pooling"
else
	failed=1
fi
grep -q "## Held-out topologies" "$tmp/e.md" &&
	grep -q "| cluster:12@3 | 12 |" "$tmp/e.md" ||
	{ echo "FAIL: report lacks the held-out section or suite"; failed=1; }

# the report's plot link works from the report's directory, not the cwd
# eval ran in (make eval-model: build/eval/learned.md links learned.svg)
plot_link()
{
	local md=$1 l
	l=$(sed -n 's/^!\[figure of merit against load\](\(.*\))$/\1/p' "$md")
	[ -n "$l" ] ||
		l=$(sed -n 's/^No plot .*its data is in `\(.*\)`\.$/\1/p' "$md")
	echo "$l"
}
for pl in out/fig.svg plots/fig.svg; do
	mkdir -p "$tmp/w/out" "$tmp/w/plots"
	(cd "$tmp/w" && "$HNT" eval --model "$OLDPWD/models/route-default.txt" \
		--topo grid:3 --load 0.5 --duration-ms 500 --policy learned,hops \
		--report out/r.md --plot "$pl" >/dev/null 2>&1) ||
		{ echo "FAIL: eval --plot $pl"; failed=1; continue; }
	l=$(plot_link "$tmp/w/out/r.md")
	if [ -n "$l" ] && [ -e "$tmp/w/out/$l" ]; then
		echo "ok:   --report out/r.md --plot $pl links '$l'"
	else
		echo "FAIL: --report out/r.md --plot $pl links '$l': not there"
		failed=1
	fi
	rm -rf "$tmp/w"
done

exit $failed
