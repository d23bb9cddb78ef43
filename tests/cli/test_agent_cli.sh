#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# hypernetd's command line and config file, checked with --check (which
# parses and validates, then exits without touching the system), and
# hnctl's agent commands with no agent running.  Needs no root.  Exits 0
# when all pass, 77 (SKIPPED) when nothing is built.
set -u
cd "$(dirname "$0")/../.."
O=${O:-build}
[[ $O = /* ]] || O=$PWD/$O
HND=$O/bin/hypernetd
HNCTL=$O/bin/hnctl

[ -x "$HND" ] || { echo "SKIPPED: no $HND: run make first"; exit 77; }
[ -x "$HNCTL" ] || { echo "SKIPPED: no $HNCTL: run make first"; exit 77; }

. tests/cli/lib.sh
cli_scratch agent-cli
KEY=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff

# conf TEXT [MODE]: the config, mode 0600 unless given (it holds a key)
conf()
{
	printf '%b' "$1" >"$tmp/c.conf"
	chmod "${2:-600}" "$tmp/c.conf"
}

good="node-id = 9\nport = eth0\nmesh-key = 1 $KEY\nstate-dir = $tmp/state\n"
conf "$good"
run 0 "configuration ok: node 9, 1 ports, 1 mesh keys" \
	"$HND" -c "$tmp/c.conf" --check
run 0 "node 12" "$HND" -c "$tmp/c.conf" -o node-id=12 --check
run 0 "2 ports" "$HND" -c "$tmp/c.conf" -o port=eth1 --check
run 2 "usage: hypernetd" "$HND" --bogus
run 2 "unexpected argument 'extra'" "$HND" -c "$tmp/c.conf" extra
run 2 "-o node-id: want KEY=VALUE" "$HND" -c "$tmp/c.conf" -o node-id
run 2 "-o hello-interval-ms: hello-interval-ms: '5' is not a number in 10..60000" \
	"$HND" -c "$tmp/c.conf" -o hello-interval-ms=5 --check
run 2 "No such file or directory" "$HND" -c "$tmp/missing.conf" --check
run 2 "not a regular file" "$HND" -c /dev/null --check
run 2 "no node-id" "$HND" --check
conf "node-id = 9\nport = eth0\n"
run 2 "no mesh key" "$HND" -c "$tmp/c.conf" --check
conf "${good}colour = blue\n"
run 2 "c.conf:5: unknown key 'colour'" "$HND" -c "$tmp/c.conf" --check
conf "${good}mesh-key = 2 nothex\n"
run 2 "c.conf:5: mesh-key 2: want 64 hex digits" \
	"$HND" -c "$tmp/c.conf" --check
conf "${good}port eth1\n"
run 2 "c.conf:5: want 'key = value'" "$HND" -c "$tmp/c.conf" --check
conf "${good}lsa-refresh-s = 50\n"
run 2 "lsa-lifetime-s (40) must exceed lsa-refresh-s (50)" \
	"$HND" -c "$tmp/c.conf" --check
# identity-key: a private key file (0600) made by hnctl keygen
"$HNCTL" keygen "$tmp/id.key" "$tmp/id.pub" >/dev/null
conf "${good}identity-key = $tmp/id.key\n"
run 0 "1 mesh keys, identity key" "$HND" -c "$tmp/c.conf" --check
chmod 644 "$tmp/id.key"
run 2 "identity-key: " "$HND" -c "$tmp/c.conf" --check
run 2 "chmod 600" "$HND" -c "$tmp/c.conf" --check
conf "${good}identity-key = $tmp/id.pub\n"
run 2 "identity-key: " "$HND" -c "$tmp/c.conf" --check
conf "${good}identity-key = $tmp/nokey\n"
run 2 "identity-key: $tmp/nokey" "$HND" -c "$tmp/c.conf" --check
printf '# id key\n3 %s\n' "$KEY" >"$tmp/keys"
chmod 600 "$tmp/keys"
conf "node-id = 9\nport = eth0\nmesh-key-file = $tmp/keys\n"
run 0 "1 mesh keys" "$HND" -c "$tmp/c.conf" --check
chmod 644 "$tmp/keys"
run 2 "accessible by group or others" "$HND" -c "$tmp/c.conf" --check
# secrets: a key in a config others can read, a key on the command line,
# a state-dir others can use
conf "$good" 644
run 2 "$tmp/c.conf: config with an inline mesh-key is accessible by group or others (mode 0644); refusing it: run 'chmod 600 $tmp/c.conf'" \
	"$HND" -c "$tmp/c.conf" --check
run 2 "or move the key (line 3) into a mesh-key-file" "$HND" -c "$tmp/c.conf" --check
conf "node-id = 9\nport = eth0\nmesh-key-file = $tmp/keys\n" 644
chmod 600 "$tmp/keys"
run 0 "configuration ok" "$HND" -c "$tmp/c.conf" --check
conf "$good"
run 2 "-o mesh-key: a key on the command line is visible to every local user" \
	"$HND" -c "$tmp/c.conf" -o "mesh-key=2 $KEY" --check
run 0 "2 mesh keys" "$HND" -c "$tmp/c.conf" -o "mesh-key-file=$tmp/keys" --check
mkdir -m 755 "$tmp/state"
run 2 "$tmp/state: state-dir is accessible by group or others (mode 0755); refusing it: run 'chmod 700 $tmp/state'" \
	"$HND" -c "$tmp/c.conf" --check
chmod 700 "$tmp/state"
run 0 "configuration ok" "$HND" -c "$tmp/c.conf" --check
conf "${good}port = eth1 # wan\n"
run 2 "port 'eth1 # wan': not an interface name" "$HND" -c "$tmp/c.conf" --check
conf "${good}hello-interval-ms = 0200\n"
run 0 "configuration ok" "$HND" -c "$tmp/c.conf" --check

# hnctl without an agent: a clear error and a hint, or the saved state
run 1 "hypernetd is not running" "$HNCTL" -S "$tmp/none.sock" agent
run 1 "start it" "$HNCTL" -S "$tmp/none.sock" model push "$tmp/c.conf"
run 1 "usage: hnctl topology [dot|json]" "$HNCTL" topology svg
run 1 "cannot be read" "$HNCTL" -S "$tmp/none.sock" -D "$tmp" topology
echo 'graph hypernet { }' >"$tmp/topology.dot"
run 0 "graph hypernet" "$HNCTL" -S "$tmp/none.sock" -D "$tmp" topology dot
run 1 "usage: hnctl agent [status|stats]" "$HNCTL" agent restart
# stage rates: checked before the agent is asked
run 1 "usage: hnctl agent hosts [STAGE]" "$HNCTL" agent hosts 0
run 1 "usage: hnctl agent hosts [STAGE]" "$HNCTL" agent hosts 2 3
run 1 "hypernetd is not running" "$HNCTL" -S "$tmp/none.sock" agent hosts 2
run 1 "usage: hnctl agent stage-rate STAGE" "$HNCTL" agent stage-rate 2
run 1 "busy: '1001'" "$HNCTL" agent stage-rate 2 500 1001
run 1 "hypernetd is not running" \
	"$HNCTL" -S "$tmp/none.sock" agent stage-rate 2 500 10 1
conf "${good}stages = 2\nstage-rate = 2 250000 100\nstage-dev = hnt0\n"
run 0 "configuration ok" "$HND" -c "$tmp/c.conf" --check
conf "${good}stage-rate = 2 250000\n"
run 2 "stage-rate for stage 2, which 'stages' does not list" \
	"$HND" -c "$tmp/c.conf" --check

if [ $failed -ne 0 ]; then
	echo "test_agent_cli: failures"
	exit 1
fi
echo "test_agent_cli: all checks passed"
