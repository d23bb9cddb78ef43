# SPDX-License-Identifier: GPL-2.0
#
# What the benchmark scripts (bench/run.sh, bench/agent.sh) share, sourced
# after they set RESULTS: results lines and medians.

# put KEY VALUE: one "KEY VALUE" line of $RESULTS
put() { echo "$1 $2" >>"$RESULTS"; }

# Median of the numbers on stdin ("null" for none).
median()
{
	sort -g | awk '{ v[NR] = $1 } END {
		if (!NR) { print "null"; exit }
		if (NR % 2) print v[(NR + 1) / 2];
		else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
