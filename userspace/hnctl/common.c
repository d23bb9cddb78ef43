// SPDX-License-Identifier: GPL-2.0
/*
 * What hnctl's command families share: messages, argument parsing, and
 * the two handles on the data plane, opened on first use and closed by
 * main() after the command.  A command cannot go on without the handle it
 * asks for, so a handle that cannot be opened ends the process (exit 1,
 * as a failed command), after saying why and what to try.
 */
#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hnctl.h"

char hn_msg[512];

static struct hn_dp_ro *view;
static struct hn_dp *loader;

/* ---- messages ----------------------------------------------------------- */

static void say(const char *prefix, const char *fmt, va_list ap)
{
	fputs(prefix, stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void hn_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say("hnctl: ", fmt, ap);
	va_end(ap);
}

void hn_hint(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say("hint: ", fmt, ap);
	va_end(ap);
}

/* ---- arguments ---------------------------------------------------------- */

int hn_parse_u64(const char *s, unsigned long long max, unsigned long long *v)
{
	char *end;

	if (!s || !*s || *s == '-')
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &end, 0);
	if (errno || *end || *v > max)
		return -EINVAL;
	return 0;
}

int hn_need_arg(int i, int argc, char **argv)
{
	if (i + 1 >= argc) {
		hn_err("'%s' needs a value", argv[i]);
		return -1;
	}
	return 0;
}

int hn_parse_num(const char *what, const char *s, unsigned long long max,
		 unsigned long long *v)
{
	if (hn_parse_u64(s, max, v)) {
		hn_err("%s: '%s' is not a number in [0, %llu]", what, s, max);
		return -1;
	}
	return 0;
}

int hn_parse_ifindex(const char *dev, __u32 *ifindex)
{
	*ifindex = if_nametoindex(dev);
	if (!*ifindex) {
		hn_err("no interface '%s' in this network namespace", dev);
		hn_hint("'ip -br link' lists the interfaces");
		return -1;
	}
	return 0;
}

/* ---- names -------------------------------------------------------------- */

static struct hn_names *names;
static bool names_read;

const struct hn_names *hn_node_names(void)
{
	const char *path = hn_names_path ? hn_names_path : HN_NAMES_FILE;
	char err[512];
	int ret;

	if (names_read)
		return names;
	names_read = true;
	ret = hn_names_load(&names, path, err, sizeof(err));
	if (ret == -ENOENT && !hn_names_path)
		return NULL;
	if (ret == -ENOENT) {
		hn_err("no names file %s", path);
		hn_hint("-n FILE: lines of NODE_ID NAME");
		exit(1);
	}
	if (ret) {
		hn_err("%s (nodes shown by id)", err);
		hn_hint("a names file has lines of NODE_ID NAME (hnctl(8))");
	}
	return names;
}

const char *hn_node(__u32 id, char buf[HN_NODE_STRLEN])
{
	return hn_fmt_node(hn_node_names(), id, buf);
}

void hn_json_name(__u32 id)
{
	const char *name = hn_names_get(hn_node_names(), id);

	if (name) {
		jsonw_kv_str(&hn_jw, "name", name);
	} else {
		jsonw_name(&hn_jw, "name");
		jsonw_null(&hn_jw);
	}
}

const char *hn_fmt_hop(struct hn_dp_ro *ro, __u32 idx, char *buf, size_t len)
{
	char node[HN_NODE_STRLEN], dev[IF_NAMESIZE];
	struct hn_dp_neigh nb;

	if (idx >= HN_DP_MAX_NEIGH || hn_dp_ro_neigh(ro, idx, &nb, NULL, 0) ||
	    !nb.valid)
		snprintf(buf, len, "#%u", idx);
	else
		snprintf(buf, len, "%s/%s", hn_node(nb.node, node),
			 hn_ifname(nb.ifindex, dev));
	return buf;
}

/* ---- output ------------------------------------------------------------- */

const char *hn_ifname(__u32 ifindex, char buf[IF_NAMESIZE])
{
	if (!ifindex)
		return "-";
	if (!if_indextoname(ifindex, buf))
		snprintf(buf, IF_NAMESIZE, "if%u", ifindex);
	return buf;
}

void hn_fmt_mac(const __u8 *m, char buf[18])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2],
		 m[3], m[4], m[5]);
}

void hn_list_open(void)
{
	if (hn_json)
		jsonw_arr_open(&hn_jw);
}

void hn_list_close(int shown, const char *none, const char *legend)
{
	if (hn_json)
		jsonw_arr_close(&hn_jw);
	else if (!shown)
		printf("%s\n", none);
	else if (legend)
		printf("%s\n", legend);
}

static int walk_next(struct hn_dp_ro *ro, enum hn_walk_map map,
		     const __u32 *prev, __u32 *key, union hn_walk_entry *e)
{
	if (map == HN_WALK_ROUTES)
		return hn_dp_ro_next_route(ro, prev, key, &e->route, HN_MSG);
	return hn_dp_ro_next_task(ro, prev, key, &e->task, HN_MSG);
}

int hn_walk_list(const struct hn_walk *w, int *shown)
{
	void (*show)(__u32, const union hn_walk_entry *) = hn_json ? w->json :
								     w->text;
	struct hn_dp_ro *ro = hn_view();
	union hn_walk_entry e;
	__u32 key, *prev = NULL;
	int ret;

	*shown = 0;
	hn_list_open();
	while (!(ret = walk_next(ro, w->map, prev, &key, &e))) {
		show(key, &e);
		prev = &key;
		(*shown)++;
	}
	return ret;
}

void hn_json_keyed_open(const char *key, __u64 id, const char *array)
{
	jsonw_obj_open(&hn_jw);
	jsonw_kv_u64(&hn_jw, key, id);
	jsonw_name(&hn_jw, array);
	jsonw_arr_open(&hn_jw);
}

/* ---- the data plane ----------------------------------------------------- */

int hn_lib_fail(int ret, const char *what)
{
	if (hn_msg[0])
		hn_err("%s", hn_msg);
	else
		hn_err("%s: %s", what, strerror(-ret));
	hn_msg[0] = '\0';
	return 1;
}

struct hn_dp_ro *hn_view(void)
{
	int ret;

	if (view)
		return view;
	ret = hn_dp_ro_open(&view, hn_pin_dir, HN_MSG);
	if (!ret)
		return view;
	hn_lib_fail(ret, "opening the pinned maps");
	if (ret == -ENOENT)
		hn_hint("the data plane is not loaded under %s: 'hnctl attach DEV' loads it (or pass -P DIR)",
			hn_pin_dir);
	else if (ret == -EPERM || ret == -EACCES)
		hn_hint("reading BPF maps needs root (CAP_BPF)");
	exit(1);
}

/*
 * Only attach may create the data plane: anything else on a node that
 * was never attached is a mistake (wrong -P, or forgotten attach), not a
 * reason to pin a fresh set of maps.
 */
struct hn_dp *hn_loader(bool create)
{
	char path[512];
	int ret;

	if (loader)
		return loader;
	snprintf(path, sizeof(path), "%s/hn_config", hn_pin_dir);
	if (!create && access(path, F_OK)) {
		hn_err("no data plane pinned under %s", hn_pin_dir);
		hn_hint("'hnctl attach DEV...' loads it first (or pass -P DIR)");
		exit(1);
	}
	hn_msg[0] = '\0';
	ret = hn_dp_open(&loader, hn_pin_dir, HN_MSG);
	if (ret) {
		hn_lib_fail(ret, "loading the data plane");
		exit(1);
	}
	return loader;
}

void hn_handles_close(void)
{
	hn_names_free(names);
	names = NULL;
	names_read = false;
	hn_dp_ro_close(view);
	view = NULL;
	hn_dp_close(loader);
	loader = NULL;
}

/* The family hn_keyed() runs, for its del word (one command a process). */
static const struct hn_keyed *keyed;

static int keyed_del(int argc, char **argv)
{
	const struct hn_keyed *k = keyed;
	unsigned long long v;
	int ret;

	if (argc != 2 || hn_parse_num(k->key, argv[1], k->max, &v)) {
		hn_hint("%s del %s", k->what, k->key_arg);
		return 1;
	}
	ret = k->del(hn_loader(false), v);
	if (ret == -ENOENT) {
		hn_err("there is no %s %llu", k->none, v);
		hn_hint("'%s' lists them", k->what);
		return 1;
	}
	return ret ? hn_lib_fail(ret, k->fail) : 0;
}

static int keyed_set(int argc, char **argv)
{
	int ret = keyed->set(argc, argv);

	return ret < 0 ? hn_lib_fail(ret, keyed->set_fail) : ret;
}

int hn_keyed(const struct hn_keyed *k, int argc, char **argv)
{
	const struct hn_cmd words[] = {
		{ "list", k->list, "", k->list_help },
		{ "set", keyed_set, k->set_args, k->set_help },
		{ "del", keyed_del, k->key_arg, k->del_help },
		{ NULL },
	};

	keyed = k;
	return hn_family(k->what, words, argc, argv);
}

/* The family's word is the last of its name: "hnctl dp route". */
int cmd_keyed(int argc, char **argv)
{
	static const struct hn_keyed *const all[] = {
		&hn_neigh_words,
		&hn_route_words,
		&hn_task_words,
	};
	size_t i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (!strcmp(argv[0], strrchr(all[i]->what, ' ') + 1))
			return hn_keyed(all[i], argc, argv);
	hn_err("unknown command '%s'", argv[0]); /* main.c names only these */
	return 1;
}

int hn_take_opt(const char *what, const struct hn_kopt *o, int argc,
		char **argv, int *i)
{
	size_t n = strlen(o->name);
	const char *a = argv[*i];

	if (!strncmp(a, o->name, n) && a[n] == '=') {
		*o->val = a + n + 1;
		return 1;
	}
	if (strcmp(a, o->name) && (!o->alias || strcmp(a, o->alias)))
		return 0;
	if (*i + 1 >= argc) {
		hn_err("%s: %s needs a value", what, a);
		return -1;
	}
	*o->val = argv[++*i];
	return 1;
}

/* Options from @opts and exactly one FILE argument, after argv[0]. */
int hn_parse_kopts(const char *what, const char *usage, int argc, char **argv,
		   const struct hn_kopt *opts, const char **file)
{
	const struct hn_kopt *o;
	int i, r = 0;

	for (i = 1; i < argc; i++) {
		for (o = opts; o->name; o++) {
			r = hn_take_opt(what, o, argc, argv, &i);
			if (r)
				break;
		}
		if (r < 0)
			return -1;
		if (r)
			continue;
		if (argv[i][0] == '-' && argv[i][1]) {
			hn_err("%s: unknown option '%s'", what, argv[i]);
			hn_hint("usage: %s", usage);
			return -1;
		}
		if (*file) {
			hn_err("%s: one file at a time ('%s' and '%s')", what,
			       *file, argv[i]);
			return -1;
		}
		*file = argv[i];
	}
	return 0;
}
