// SPDX-License-Identifier: GPL-2.0
/*
 * The loader library on real interfaces: pin, attach (native, generic),
 * what `ip link` and `tc` show, reopening reuses the pinned state, detach
 * and unpin; the read-only view of the pins.  Runs in private network and mount namespaces with its own
 * bpffs, so it touches nothing of the host.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <cmocka.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

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

/*
 * The pinned decision table as a loader before the slots' stamps and the
 * clock's tick left it: both 0 (@fresh 0), or, after the reopen (@fresh
 * 1), checked: the tick set (the config has stale_ns) and neighbour
 * @idx's copies stamped as hn_neigh is (@seen).
 */
static void old_table(__u32 idx, __u64 seen, int fresh)
{
	struct hn_dp_decide_tab *t = malloc(sizeof(*t));
	char path[128];
	__u32 zero = 0, s;
	int fd;

	snprintf(path, sizeof(path), "%s/hn_decide", pin_dir);
	fd = bpf_obj_get(path);
	assert_true(fd >= 0);
	assert_non_null(t);
	assert_int_equal(bpf_map_lookup_elem(fd, &zero, t), 0);
	for (s = 0; s < HN_DP_SLOTS; s++) {
		if (fresh)
			assert_true(t->slot[s].nb[idx].last_seen_ns == seen);
		t->slot[s].nb[idx].last_seen_ns = 0;
	}
	if (fresh)
		assert_int_equal(t->tick, 1);
	t->tick = 0;
	if (!fresh)
		assert_int_equal(bpf_map_update_elem(fd, &zero, t, 0), 0);
	close(fd);
	free(t);
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
	old_table(5, got.last_seen_ns, 0);

	/* a restart finds the state the attached program forwards with */
	if (hn_dp_open(&dp, pin_dir, err, sizeof(err)))
		fail_msg("reopen: %s", err);
	assert_int_equal(hn_dp_get_epoch(dp, &e2), 0);
	assert_true(e2 == e1);
	assert_int_equal(hn_dp_get_neigh(dp, 5, &got), 0);
	assert_int_equal(got.node, 20);
	/* brought up to date in place, not rebuilt (the epoch stayed) */
	old_table(5, got.last_seen_ns, 1);
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
	assert_int_equal(hn_dp_set_task(dp, 5, &t, err, sizeof(err)), -EINVAL);
	assert_int_equal(hn_dp_set_neigh(dp, 64, &nb, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(hn_dp_set_neigh(dp, 1, &nb, err, sizeof(err)),
			 -EINVAL); /* no ifindex */
	hn_dp_close(dp);
}

/* Bit i set: fd i is open (fds below 1024). */
static void open_fds(unsigned char open[128])
{
	char path[64];
	int fd;

	memset(open, 0, 128);
	for (fd = 0; fd < 1024; fd++) {
		snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
		if (!access(path, F_OK))
			open[fd / 8] |= 1 << (fd % 8);
	}
}

/* The O_ACCMODE bits of fd @fd, from /proc/self/fdinfo. */
static int fd_accmode(int fd)
{
	char path[64], line[128];
	unsigned int flags = ~0U;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "flags: %o", &flags) == 1)
			break;
	fclose(f);
	return flags & O_ACCMODE;
}

/* Every fd the view opened is read-only: the kernel refuses writes. */
static void check_new_fds_read_only(const unsigned char before[128])
{
	unsigned char after[128];
	__u32 zero = 0;
	__u64 v = 1;
	int fd, n = 0;

	open_fds(after);
	for (fd = 0; fd < 1024; fd++) {
		if (!(after[fd / 8] & ~before[fd / 8] & (1 << (fd % 8))))
			continue;
		assert_int_equal(fd_accmode(fd), O_RDONLY);
		assert_int_not_equal(bpf_map_update_elem(fd, &zero, &v, 0), 0);
		assert_int_equal(errno, EPERM);
		n++;
	}
	assert_true(n >= 9); /* the maps the view reads */
}

/* A pin that is not the map the view expects is refused. */
static void check_foreign_pin(void)
{
	struct hn_dp_ro *ro;
	char dir[128], path[160], err[512] = "";
	int fd;

	snprintf(dir, sizeof(dir), "%s/foreign", bpffs);
	assert_int_equal(mkdir(dir, 0700), 0);
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, NULL, 4, 4, 1, NULL);
	assert_true(fd >= 0);
	snprintf(path, sizeof(path), "%s/hn_config", dir);
	assert_int_equal(bpf_obj_pin(fd, path), 0);
	close(fd);
	assert_int_equal(hn_dp_ro_open(&ro, dir, err, sizeof(err)), -EINVAL);
	assert_null(ro);
	assert_non_null(strstr(err, "hn_config is not this version's map"));
	unlink(path);
	rmdir(dir);
}

/* What the view reads is what the loader wrote. */
static void check_view_reads(struct hn_dp *dp, struct hn_dp_ro *ro)
{
	struct hn_dp_config cfg, cfg_ro;
	struct hn_dp_neigh nb, nb_ro;
	struct hn_dp_stats st, st_ro;
	struct hn_dp_route rt;
	struct hn_dp_task t;
	struct hn_dp_trace *tr;
	struct hn_dp_xdp_state xs;
	char err[512] = "";
	__u32 key, *prev = NULL;
	__u64 e, e_ro;
	int n, c;

	assert_int_equal(hn_dp_get_config(dp, &cfg), 0);
	assert_int_equal(hn_dp_ro_config(ro, &cfg_ro, err, sizeof(err)), 0);
	assert_memory_equal(&cfg, &cfg_ro, sizeof(cfg));
	assert_int_equal(hn_dp_get_epoch(dp, &e), 0);
	assert_int_equal(hn_dp_ro_epoch(ro, &e_ro, err, sizeof(err)), 0);
	assert_true(e == e_ro);
	assert_int_equal(hn_dp_get_neigh(dp, 3, &nb), 0);
	assert_int_equal(hn_dp_ro_neigh(ro, 3, &nb_ro, err, sizeof(err)), 0);
	assert_memory_equal(&nb, &nb_ro, sizeof(nb));
	assert_int_equal(
		hn_dp_ro_next_route(ro, NULL, &key, &rt, err, sizeof(err)), 0);
	assert_int_equal(key, 7);
	assert_int_equal(rt.n_cand, 1);
	assert_int_equal(hn_dp_ro_next_route(ro, &key, &key, &rt, err,
					     sizeof(err)),
			 -ENOENT);
	assert_int_equal(
		hn_dp_ro_next_task(ro, NULL, &key, &t, err, sizeof(err)), 0);
	assert_int_equal(key, 9);
	assert_int_equal(t.host[0].node, 30);
	while (!hn_dp_ro_next_group(ro, prev, &key, err, sizeof(err))) {
		prev = &key;
		if (key == 42)
			break;
	}
	assert_int_equal(key, 42);
	assert_int_equal(hn_dp_get_stats(dp, &st), 0);
	assert_int_equal(hn_dp_ro_stats(ro, &st_ro, err, sizeof(err)), 0);
	assert_memory_equal(&st, &st_ro, sizeof(st));
	assert_true(st.pass_other >= 1);
	assert_int_equal(hn_dp_ro_traces(ro, &tr, &n, err, sizeof(err)), 0);
	assert_int_equal(n, libbpf_num_possible_cpus());
	for (c = 0; c < n; c++)
		assert_true(tr[c].seq == 0); /* tracing is off */
	free(tr);
	assert_int_equal(hn_dp_ro_xdp_query(ro, net.in_ifindex, &xs), 0);
	assert_int_not_equal(xs.our_id, 0);
}

/* Drive one frame through XDP, for a counter to read. */
static void run_frame(struct hn_dp *dp)
{
	__u8 in[64] = { [12] = 0x08, [13] = 0x00 }, out[128];
	size_t olen = sizeof(out);
	__u32 verdict;

	assert_int_equal(hn_t_run(hn_dp_xdp_fd(dp), net.in_ifindex, in,
				  sizeof(in), out, &olen, &verdict),
			 0);
}

/*
 * The read-only view: it creates nothing where there are no pins, opens
 * every map read-only, refuses a foreign pin, and reads back what the
 * loader wrote.
 */
static void test_ro_view(void **state)
{
	struct hn_dp_config cfg = { .node_id = 10 };
	struct hn_dp_neigh nb = { .node = 20 };
	struct hn_dp_route rt = { .n_cand = 1, .cand = { { .neigh = 3 } } };
	struct hn_dp_task t = { .n_host = 1, .host = { { .node = 30 } } };
	unsigned char before[128];
	char dir[128], err[512] = "";
	struct hn_dp_ro *ro;
	struct hn_dp *dp;

	snprintf(dir, sizeof(dir), "%s/ro", bpffs);
	assert_int_equal(hn_dp_ro_open(&ro, dir, err, sizeof(err)), -ENOENT);
	assert_null(ro);
	assert_non_null(strstr(err, "cannot open pinned map"));
	assert_int_not_equal(access(dir, F_OK), 0); /* created nothing */
	check_foreign_pin();

	if (hn_dp_open(&dp, dir, err, sizeof(err)))
		fail_msg("open: %s", err);
	if (hn_dp_attach(dp, "hnt0", 0, err, sizeof(err)))
		fail_msg("%s", err);
	nb.ifindex = net.out_ifindex;
	assert_int_equal(hn_dp_set_config(dp, &cfg, err, sizeof(err)), 0);
	assert_int_equal(hn_dp_set_neigh(dp, 3, &nb, err, sizeof(err)), 0);
	assert_int_equal(hn_dp_set_route(dp, 7, &rt, err, sizeof(err)), 0);
	assert_int_equal(hn_dp_set_task(dp, 9, &t, err, sizeof(err)), 0);
	assert_int_equal(hn_dp_join(dp, 42), 0);
	run_frame(dp);

	open_fds(before);
	if (hn_dp_ro_open(&ro, dir, err, sizeof(err)))
		fail_msg("view: %s", err);
	check_new_fds_read_only(before);
	check_view_reads(dp, ro);
	hn_dp_ro_close(ro);

	assert_int_equal(hn_dp_detach(dp, "hnt0", err, sizeof(err)), 0);
	assert_int_equal(hn_dp_unpin(dp, err, sizeof(err)), 0);
	hn_dp_close(dp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_attach_reopen_detach),
		cmocka_unit_test(test_validation),
		cmocka_unit_test(test_ro_view),
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
