#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# The summary of `make bench-fed-poison` (bench/fed.mk): reads the runs'
# JSON lines (hn-fmnist fed --json, each with "run" added: clean-def,
# ATTACK-def, clean-nodef, ATTACK-nodef, drop30-def, drop30-nodef) on
# stdin and prints one JSON line:
#
#   poison20_drop_max            max over the attacks of the defended
#                                clean run's int8 accuracy minus the
#                                defended attacked run's (target <= 0.02)
#   poison20_drop_max_nodefence  the same without the defence
#   poison20_drop                per attack, {"defence": .., "none": ..}
#   defence_cost                 undefended clean minus defended clean
#   dropout30_exact              every secure-aggregation round of both
#                                dropout runs equalled its plain sum
#
#   fed_poison.py FRAC < runs.jsonl
import json
import sys


def main():
    frac = float(sys.argv[1])
    runs = {}
    for line in sys.stdin:
        line = line.strip()
        if line:
            r = json.loads(line)
            runs[r['run']] = r
    acc = {k: r['fed_acc'] for k, r in runs.items()}
    attacks = sorted({k.split('-')[0] for k in runs} -
                     {'clean', 'drop30'})
    drops = {a: {'defence': acc['clean-def'] - acc[a + '-def'],
                 'none': acc['clean-nodef'] - acc[a + '-nodef']}
             for a in attacks}
    clean = runs['clean-def']
    out = {
        'bench': 'poison',
        'poison_frac': frac,
        'poisoned': runs[attacks[0] + '-def']['poisoned'],
        'nodes': clean['nodes'],
        'partition': clean['partition'],
        'rounds': clean['rounds'],
        'rounds_note': 'poisoning runs use %d rounds, not the 50 of '
                       'fed_acc_dir05' % clean['rounds'],
        'groups': clean['groups'],
        'rule': clean['rule'],
        'max_drop': clean['max_drop'],
        'valset_sha256': clean['valset_sha256'],
        'clean_acc_defence': acc['clean-def'],
        'clean_acc_nodefence': acc['clean-nodef'],
        'defence_cost': acc['clean-nodef'] - acc['clean-def'],
        'poison20_drop_max': max(d['defence'] for d in drops.values()),
        'poison20_drop_max_nodefence': max(d['none']
                                           for d in drops.values()),
        'poison20_drop': drops,
        'attacked_acc': {k: acc[k] for k in sorted(acc)
                         if not k.startswith(('clean', 'drop30'))},
        'gate_refused': {k: r['gate_refused'] for k, r in runs.items()
                         if 'gate_refused' in r and
                         not k.startswith('drop30')},
        'secagg_exact': all(r['secagg_exact'] for r in runs.values()),
        'dropout30_exact': all(runs[k]['secagg_exact'] and
                               runs[k]['dropout'] >= 0.3
                               for k in ('drop30-def', 'drop30-nodef')),
    }
    print(json.dumps(out, sort_keys=False, separators=(',', ':')))


if __name__ == '__main__':
    main()
