// SPDX-License-Identifier: GPL-2.0
/*
 * hypernetd's reload decisions (confdiff.c): what a new configuration
 * changes against the running one, which keys refuse the reload (and
 * that the refusal names them), that a config that does not parse or
 * check changes nothing, and the send key of mesh-key rotation
 * (mesh-key-send, "send ID" in a key file).  Applying them needs ports
 * and a data plane: tests/netns/test_agent_reload.sh does that.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../userspace/hypernetd/hypernetd.h"

#define K1 "1111111111111111111111111111111111111111111111111111111111111111"
#define K2 "2222222222222222222222222222222222222222222222222222222222222222"

/* the common part of every config here; each test adds lines */
#define BASE                          \
	"node-id = 5\n"               \
	"port = eth0\n"               \
	"port = eth1\n"               \
	"pin-dir = /sys/fs/bpf/hn5\n" \
	"state-dir = /var/lib/hn5\n"

static char conf_path[64], key_path[64];

/* @text into a file of mode 0600 (mkstemp), at @path. */
static void write_file(char *path, const char *text)
{
	int fd;

	strcpy(path, "/tmp/hn-test-reload.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

/* The running config: BASE, @extra and a key file holding @keys. */
static void running(struct hnd_config *c, const char *extra, const char *keys)
{
	char text[1024], err[512];

	if (conf_path[0]) {
		unlink(conf_path);
		unlink(key_path);
	}
	write_file(key_path, keys);
	snprintf(text, sizeof(text), BASE "mesh-key-file = %s\n%s", key_path,
		 extra);
	write_file(conf_path, text);
	hnd_config_defaults(c);
	assert_int_equal(hnd_config_load(c, conf_path, err, sizeof(err)), 0);
	assert_int_equal(hnd_config_check(c, err, sizeof(err)), 0);
}

/*
 * The files rewritten to BASE, @extra and @keys, then what a reload of
 * them against @run decides: its return, @out, @p and @err.
 */
static int reload(const struct hnd_config *run, const char *extra,
		  const char *keys, struct hnd_config *out,
		  struct hnd_reload_plan *p, char *err, size_t errlen)
{
	char text[1024];
	FILE *f;

	f = fopen(key_path, "w");
	assert_non_null(f);
	fputs(keys, f);
	fclose(f);
	snprintf(text, sizeof(text), BASE "mesh-key-file = %s\n%s", key_path,
		 extra);
	f = fopen(conf_path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	err[0] = 0;
	return hnd_reload_prepare(run, conf_path, NULL, NULL, 0, out, p, err,
				  errlen);
}

static int teardown(void **state)
{
	unlink(conf_path);
	unlink(key_path);
	return 0;
}

static void test_no_change(void **state)
{
	struct hnd_config run, next;
	struct hnd_reload_plan p;
	char err[1024];

	running(&run, "hello-interval-ms = 100\n", "1 " K1 "\n");
	assert_int_equal(reload(&run, "hello-interval-ms = 100\n", "1 " K1 "\n",
				&next, &p, err, sizeof(err)),
			 0);
	assert_int_equal(p.n_changed, 0);
	assert_int_equal(p.n_refused, 0);
	assert_false(p.keys);
	assert_int_equal(p.n_add + p.n_del, 0);
}

/* Timers and the data plane's settings change live. */
static void test_timers_live(void **state)
{
	struct hnd_config run, next;
	struct hnd_reload_plan p;
	char err[1024];

	running(&run, "", "1 " K1 "\n");
	assert_int_equal(reload(&run,
				"hello-interval-ms = 50\n"
				"lsa-refresh-s = 5\n"
				"margin-min = 7\n",
				"1 " K1 "\n", &next, &p, err, sizeof(err)),
			 0);
	assert_int_equal(p.n_changed, 3);
	assert_non_null(strstr(p.changed, "hello-interval-ms"));
	assert_non_null(strstr(p.changed, "lsa-refresh-s"));
	assert_non_null(strstr(p.changed, "margin-min"));
	assert_int_equal(next.hello_ms, 50);
	assert_int_equal(next.margin_min, 7);
	assert_false(p.keys);
}

/* Keys that cannot change refuse the reload, each named. */
static void test_fixed_refused(void **state)
{
	struct hnd_config run, next;
	struct hnd_reload_plan p;
	char err[1024];

	running(&run, "", "1 " K1 "\n");
	assert_int_equal(reload(&run,
				"node-id = 6\n"
				"control-socket = /run/other.sock\n"
				"hello-interval-ms = 50\n",
				"1 " K1 "\n", &next, &p, err, sizeof(err)),
			 -1);
	assert_int_equal(p.n_refused, 2);
	assert_non_null(strstr(err, "node-id"));
	assert_non_null(strstr(err, "control-socket"));
	assert_non_null(strstr(err, "nothing changed"));
	/* the live change beside them is not what the message blames */
	assert_null(strstr(err, "hello-interval-ms"));

	assert_int_equal(reload(&run, "xdp-mode = generic\n", "1 " K1 "\n",
				&next, &p, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "xdp-mode"));
	assert_int_equal(reload(&run, "stages = 3\n", "1 " K1 "\n", &next, &p,
				err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "stages"));
}

/* A file that does not parse or check is refused whole. */
static void test_bad_config_refused(void **state)
{
	struct hnd_config run, next;
	struct hnd_reload_plan p;
	char err[1024];

	running(&run, "", "1 " K1 "\n");
	assert_int_equal(reload(&run,
				"hello-interval-ms = 50\n"
				"lsa-refresh-s = soon\n",
				"1 " K1 "\n", &next, &p, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "lsa-refresh-s"));
	assert_non_null(strstr(err, "nothing changed"));
	/* whole-config rules too: lifetime must exceed the refresh */
	assert_int_equal(reload(&run, "lsa-refresh-s = 100\n", "1 " K1 "\n",
				&next, &p, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "lsa-lifetime-s"));
	/* no key left */
	assert_int_equal(
		reload(&run, "", "# none\n", &next, &p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no mesh key"));
	/* the running config, which the caller keeps, is untouched */
	assert_int_equal(run.hello_ms, 200);
	assert_int_equal(run.n_keys, 1);
}

static void test_ports_added_removed(void **state)
{
	struct hnd_config run, next;
	struct hnd_reload_plan p;
	char err[1024];

	running(&run, "", "1 " K1 "\n");
	/* BASE has eth0, eth1: the file's third port is new */
	assert_int_equal(reload(&run, "port = eth2\n", "1 " K1 "\n", &next, &p,
				err, sizeof(err)),
			 0);
	assert_int_equal(p.n_add, 1);
	assert_string_equal(p.add[0], "eth2");
	assert_int_equal(p.n_del, 0);
	assert_non_null(strstr(p.changed, "port"));

	running(&run, "port = eth2\nport = eth3\n", "1 " K1 "\n");
	assert_int_equal(reload(&run, "port = eth3\n", "1 " K1 "\n", &next, &p,
				err, sizeof(err)),
			 0);
	assert_int_equal(p.n_add, 0);
	assert_int_equal(p.n_del, 1);
	assert_string_equal(p.del[0], "eth2");
}

/* The same ports in another order: neither added nor removed. */
static void test_ports_reordered(void **state)
{
	struct hnd_config run, next;
	struct hnd_reload_plan p;
	char err[1024];

	running(&run, "port = eth2 5000\n", "1 " K1 "\n");
	assert_int_equal(reload(&run, "port = eth2 5000\n", "1 " K1 "\n", &next,
				&p, err, sizeof(err)),
			 0);
	assert_int_equal(p.n_changed, 0);
	/* eth2 to the front, by a config of its own (BASE lists eth0 first) */
	next = run;
	strcpy(next.ports[0], "eth2");
	next.port_kbps[0] = 5000;
	strcpy(next.ports[1], "eth0");
	next.port_kbps[1] = 0;
	strcpy(next.ports[2], "eth1");
	next.port_kbps[2] = 0;
	assert_int_equal(hnd_config_diff(&run, &next, &p), 0);
	assert_int_equal(p.n_add + p.n_del, 0);
	assert_int_equal(p.n_changed, 0);
	/* a capacity moved to another port is a change */
	next.port_kbps[0] = 0;
	next.port_kbps[1] = 5000;
	assert_int_equal(hnd_config_diff(&run, &next, &p), 0);
	assert_string_equal(p.changed, "port (capacity)");
}

/* private-domain naming a port that is not one refuses, as at start. */
static void test_private_domain(void **state)
{
	struct hnd_config run, next;
	struct hnd_reload_plan p;
	char err[1024];

	running(&run, "", "1 " K1 "\n");
	assert_int_equal(reload(&run, "private-domain = eth1\n", "1 " K1 "\n",
				&next, &p, err, sizeof(err)),
			 0);
	assert_non_null(strstr(p.changed, "private-domain"));
	assert_int_equal(reload(&run, "private-domain = eth7\n", "1 " K1 "\n",
				&next, &p, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "eth7"));
}

/*
 * Rotation: a second key accepted (the first still sends), then the send
 * key switched, then the old key removed.  Key order is no change.
 */
static void test_key_rotation_steps(void **state)
{
	struct hnd_config run, next;
	struct hnd_reload_plan p;
	char err[1024];

	running(&run, "", "1 " K1 "\n");
	assert_int_equal(hnd_config_send_key(&run)->id, 1);

	/* 1. accept key 2 too */
	assert_int_equal(reload(&run, "", "1 " K1 "\n2 " K2 "\n", &next, &p,
				err, sizeof(err)),
			 0);
	assert_true(p.keys);
	assert_string_equal(p.changed, "mesh-key");
	assert_int_equal(next.n_keys, 2);
	assert_int_equal(hnd_config_send_key(&next)->id, 1);
	run = next;

	/* 2. send with key 2: by a line of the key file */
	assert_int_equal(reload(&run, "", "1 " K1 "\n2 " K2 "\nsend 2\n", &next,
				&p, err, sizeof(err)),
			 0);
	assert_string_equal(p.changed, "mesh-key-send");
	assert_int_equal(hnd_config_send_key(&next)->id, 2);
	assert_memory_equal(hnd_config_send_key(&next)->key, next.keys[1].key,
			    32);
	run = next;

	/* the same by mesh-key-send in the config, keys reordered: no change */
	assert_int_equal(reload(&run, "mesh-key-send = 2\n",
				"2 " K2 "\n1 " K1 "\n", &next, &p, err,
				sizeof(err)),
			 0);
	assert_int_equal(p.n_changed, 0);
	assert_false(p.keys);

	/* 3. key 1 removed */
	assert_int_equal(
		reload(&run, "", "2 " K2 "\n", &next, &p, err, sizeof(err)), 0);
	assert_string_equal(p.changed, "mesh-key");
	assert_int_equal(next.n_keys, 1);
	assert_int_equal(hnd_config_send_key(&next)->id, 2);
}

/* A key's secret changed under the same id is a change too. */
static void test_key_secret_changed(void **state)
{
	struct hnd_config run, next;
	struct hnd_reload_plan p;
	char err[1024];

	running(&run, "", "1 " K1 "\n");
	assert_int_equal(
		reload(&run, "", "1 " K2 "\n", &next, &p, err, sizeof(err)), 0);
	assert_true(p.keys);
	assert_string_equal(p.changed, "mesh-key");
}

/* The send key must be one of the accepted keys. */
static void test_send_key_unknown(void **state)
{
	struct hnd_config run, next;
	struct hnd_reload_plan p;
	char err[1024];

	running(&run, "", "1 " K1 "\n2 " K2 "\n");
	assert_int_equal(reload(&run, "", "1 " K1 "\nsend 3\n", &next, &p, err,
				sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "mesh-key-send 3"));
	/* removing the key that still sends, without a new send key */
	running(&run, "mesh-key-send = 2\n", "1 " K1 "\n2 " K2 "\n");
	assert_int_equal(reload(&run, "mesh-key-send = 2\n", "1 " K1 "\n",
				&next, &p, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "mesh-key-send 2"));
	assert_int_equal(reload(&run, "mesh-key-send = x\n", "1 " K1 "\n",
				&next, &p, err, sizeof(err)),
			 -1);
}

/* -o settings are read again after the file, as at start. */
static void test_command_line_kept(void **state)
{
	static const char *const keys[] = { "hello-interval-ms" };
	static const char *const vals[] = { "70" };
	struct hnd_config run, next;
	struct hnd_reload_plan p;
	char err[1024];

	running(&run, "", "1 " K1 "\n");
	run.hello_ms = 70;
	run.verbose = 2;
	assert_int_equal(hnd_reload_prepare(&run, conf_path, keys, vals, 1,
					    &next, &p, err, sizeof(err)),
			 0);
	assert_int_equal(p.n_changed, 0);
	assert_int_equal(next.hello_ms, 70);
	assert_int_equal(next.verbose, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_no_change, teardown),
		cmocka_unit_test_teardown(test_timers_live, teardown),
		cmocka_unit_test_teardown(test_fixed_refused, teardown),
		cmocka_unit_test_teardown(test_bad_config_refused, teardown),
		cmocka_unit_test_teardown(test_ports_added_removed, teardown),
		cmocka_unit_test_teardown(test_ports_reordered, teardown),
		cmocka_unit_test_teardown(test_private_domain, teardown),
		cmocka_unit_test_teardown(test_key_rotation_steps, teardown),
		cmocka_unit_test_teardown(test_key_secret_changed, teardown),
		cmocka_unit_test_teardown(test_send_key_unknown, teardown),
		cmocka_unit_test_teardown(test_command_line_kept, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
