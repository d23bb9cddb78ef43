// SPDX-License-Identifier: GPL-2.0
/*
 * kmod-bad: the module's negative tests, run inside the QEMU guest by
 * guest_kmod.sh on a hypernet device with nothing else going on:
 *
 *   kmod-bad frames DEV [-s SEED] [-S ID] [-t MS]
 *       bad frames and fragments (kmod_bad_frames.c)
 *   kmod-bad genl DEV [-s SEED] [-S ID] [-t MS]
 *       bad genl requests (kmod_bad_genl.c)
 *
 * A 40x8 stage of SEED's random parameters is loaded first, as stage ID.  One "PASS
 * name" / "FAIL name: why" line per case; exit status 0 only if every case
 * passed, 1 if one failed or the device could not be driven, 2 on usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kmod_bad.h"

struct stage bad_stage;
uint32_t bad_id = 0x70000000;

int sentinel(void)
{
	return run_tensors(&bad_stage, 1, 0, bad_id++, NULL);
}

void bad_case(const char *name, const uint8_t *buf, size_t len, int stat,
	      uint64_t want)
{
	uint64_t a[__HNET_STATS_A_MAX], b[__HNET_STATS_A_MAX];
	bool ok;

	if (get_stats(a) || frame_send(buf, len) || sentinel() ||
	    get_stats(b)) {
		result(false, name, "could not run");
		return;
	}
	ok = b[stat] - a[stat] == want;
	result(ok, name, "%s +%llu (want +%llu)", hn_genl_stat_names[stat],
	       (unsigned long long)(b[stat] - a[stat]),
	       (unsigned long long)want);
}

/* The device up, its stage loaded: 0, or what main() returns. */
static int bad_setup(void)
{
	rng_state = o.seed;
	o.layers = "40x8:5r";
	if (stage_parse(o.layers, &bad_stage))
		return 2;
	stage_random(&bad_stage);
	if (genl_up() || pkt_open() || load_stage(&bad_stage))
		return 1;
	return 0;
}

static void usage(void)
{
	fputs("Usage: kmod-bad frames|genl DEV [-s SEED] [-S ID] [-t MS]\n"
	      "  frames    bad frames and fragments: the device's counters\n"
	      "  genl      bad genl requests: errors and extack messages\n"
	      "  -s SEED   random seed of the stage and the data\n"
	      "  -S ID     stage id\n"
	      "  -t MS     result timeout\n",
	      stderr);
}

int main(int argc, char **argv)
{
	const char *cmd;
	int c, ret;

	cmd = dev_args(argc, argv);
	if (!cmd) {
		usage();
		return 2;
	}
	while ((c = getopt(argc, argv, "s:S:t:")) != -1)
		if (dev_opt(c, optarg)) {
			usage();
			return 2;
		}
	if (strcmp(cmd, "frames") && strcmp(cmd, "genl")) {
		usage();
		return 2;
	}
	ret = bad_setup();
	if (ret)
		return ret;
	return !strcmp(cmd, "frames") ? bad_frames() : bad_genl();
}
