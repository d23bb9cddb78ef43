// SPDX-License-Identifier: GPL-2.0
/*
 * The loader library on real interfaces: pin, attach (native, generic),
 * what `ip link` and `tc` show, reopening reuses the pinned state, detach
 * and unpin.  Runs in private network and mount namespaces with its own
 * bpffs, so it touches nothing of the host.
 */
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <cmocka.h>

#include "helpers_dp.h"

static struct hn_t_net net;
static char bpffs[] = "/tmp/hn-dp-test.XXXXXX";
static char pin_dir[64];

/* Does the output of @cmd contain @what? */
static int shows(const char *cmd, const char *what)
{
	char line[1024];
	int found = 0;
	FILE *p = popen(cmd, "r");

	if (!p)
		return 0;
	while (fgets(line, sizeof(line), p))
		if (strstr(line, what))
			found = 1;
	pclose(p);
	return found;
}

static void test_attach_reopen_detach(void **state)
{
	struct hn_dp_config cfg = { .node_id = 10, .stale_ns = 1000000000 };
	struct hn_dp_neigh nb = { .node = 20 }, got;
	struct hn_dp *dp;
	char err[512] = "", path[128];
	__u64 e1, e2;

	if (hn_dp_open(&dp, pin_dir, err, sizeof(err)))
		fail_msg("open: %s", err);
	assert_int_equal(hn_dp_pin(dp, err, sizeof(err)), 0);
	snprintf(path, sizeof(path), "%s/hn_xdp", pin_dir);
	assert_int_equal(access(path, F_OK), 0);
	snprintf(path, sizeof(path), "%s/hn_routes", pin_dir);
	assert_int_equal(access(path, F_OK), 0);

	if (hn_dp_attach(dp, "hnt0", 0, err, sizeof(err)))
		fail_msg("%s", err);
	assert_true(shows("ip -d link show dev hnt0", "prog/xdp id"));
	assert_true(shows("tc filter show dev hnt0 ingress", "hn_tc_ingress"));
	if (hn_dp_attach(dp, "hnt2", HN_DP_ATTACH_GENERIC, err, sizeof(err)))
		fail_msg("%s", err);
	assert_true(shows("ip -d link show dev hnt2", "xdpgeneric"));

	assert_int_equal(hn_dp_attach(dp, "nosuchdev", 0, err, sizeof(err)),
			 -ENODEV);
	assert_non_null(strstr(err, "nosuchdev"));

	assert_int_equal(hn_dp_set_config(dp, &cfg, err, sizeof(err)), 0);
	nb.ifindex = net.out_ifindex;
	assert_int_equal(hn_dp_set_neigh(dp, 5, &nb, err, sizeof(err)), 0);
	/* the port MAC comes from the interface */
	assert_int_equal(hn_dp_get_neigh(dp, 5, &got), 0);
	assert_memory_equal(got.port_mac, net.out_mac, 6);
	assert_int_equal(hn_dp_get_epoch(dp, &e1), 0);
	hn_dp_close(dp);

	/* a restart finds the state the attached program forwards with */
	if (hn_dp_open(&dp, pin_dir, err, sizeof(err)))
		fail_msg("reopen: %s", err);
	assert_int_equal(hn_dp_get_epoch(dp, &e2), 0);
	assert_true(e2 == e1);
	assert_int_equal(hn_dp_get_neigh(dp, 5, &got), 0);
	assert_int_equal(got.node, 20);
	memset(&cfg, 0, sizeof(cfg));
	assert_int_equal(hn_dp_get_config(dp, &cfg), 0);
	assert_int_equal(cfg.node_id, 10);
	assert_true(shows("ip -d link show dev hnt0", "prog/xdp id"));

	assert_int_equal(hn_dp_detach(dp, "hnt0", err, sizeof(err)), 0);
	assert_int_equal(hn_dp_detach(dp, "hnt2", err, sizeof(err)), 0);
	assert_false(shows("ip -d link show dev hnt0", "prog/xdp"));
	assert_false(shows("ip -d link show dev hnt2", "prog/xdp"));
	assert_false(shows("tc filter show dev hnt0 ingress", "hn_tc_ingress"));
	if (hn_dp_unpin(dp, err, sizeof(err)))
		fail_msg("unpin: %s", err);
	snprintf(path, sizeof(path), "%s/hn_routes", pin_dir);
	assert_int_not_equal(access(path, F_OK), 0);
	hn_dp_close(dp);
}

/* Bad input is refused with a message, never written. */
static void test_validation(void **state)
{
	struct hn_rt_model m = { .shift1 = 31 };
	struct hn_dp_route rt = { .n_cand = 2, .def = 2 };
	struct hn_dp_task t = { .n_host = 9 };
	struct hn_dp_neigh nb = { .node = 1 };
	struct hn_dp *dp;
	char err[512] = "";

	assert_int_equal(hn_dp_open(&dp, NULL, err, sizeof(err)), 0);
	assert_int_equal(hn_dp_install_model(dp, &m, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "shift"));
	m.shift1 = 4;
	m.b1[3] = (1 << 30) + 1;
	assert_int_equal(hn_dp_install_model(dp, &m, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(hn_dp_get_model(dp, &m), -ENOENT);
	assert_int_equal(hn_dp_set_route(dp, 5, &rt, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(hn_dp_set_task(dp, 5, &t, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(hn_dp_set_neigh(dp, 64, &nb, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(hn_dp_set_neigh(dp, 1, &nb, err, sizeof(err)),
			 -EINVAL);	/* no ifindex */
	hn_dp_close(dp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_attach_reopen_detach),
		cmocka_unit_test(test_validation),
	};
	int ret;

	hn_t_need_bpf();
	hn_t_netns(&net);
	if (unshare(CLONE_NEWNS) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    !mkdtemp(bpffs) || mount("bpf", bpffs, "bpf", 0, "mode=0700")) {
		printf("SKIPPED: cannot mount a private bpffs: %s\n",
		       strerror(errno));
		return 77;
	}
	snprintf(pin_dir, sizeof(pin_dir), "%s/hypernet", bpffs);
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	umount(bpffs);
	rmdir(bpffs);
	return ret;
}
