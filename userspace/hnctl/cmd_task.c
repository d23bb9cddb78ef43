// SPDX-License-Identifier: GPL-2.0
/*
 * hnctl dp task: anycast task classes (hn_tasks) and the hosts that
 * serve them, listed from the pins, set and removed through the loader.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <hypernet/route.h>
#include "hnctl.h"

/* ---- list --------------------------------------------------------------- */

static void host_json(const struct hn_dp_host *h)
{
	jsonw_obj_open(&hn_jw);
	jsonw_kv_u64(&hn_jw, "node", h->node);
	jsonw_kv_u64(&hn_jw, "load", h->load);
	jsonw_kv_u64(&hn_jw, "capacity", h->capacity);
	jsonw_obj_close(&hn_jw);
}

static void task_json(__u32 id, const union hn_walk_entry *e)
{
	__u32 i;

	hn_json_keyed_open("task", id, "hosts");
	for (i = 0; i < e->task.n_host && i < HN_DP_MAX_CAND; i++)
		host_json(&e->task.host[i]);
	jsonw_arr_close(&hn_jw);
	jsonw_obj_close(&hn_jw);
}

static void task_text(__u32 id, const union hn_walk_entry *e)
{
	__u32 i;

	printf("task %u hosts", id);
	for (i = 0; i < e->task.n_host && i < HN_DP_MAX_CAND; i++)
		printf(" %u:%u:%u", e->task.host[i].node, e->task.host[i].load,
		       e->task.host[i].capacity);
	printf("\n");
}

static const struct hn_walk task_walk = { HN_WALK_TASKS, task_json, task_text };

/* A walk that fails midway ends the list, as the end of the map would. */
static int task_list(int argc, char **argv)
{
	int shown;

	hn_walk_list(&task_walk, &shown);
	hn_msg[0] = '\0';
	hn_list_close(shown,
		      "no tasks ('hnctl task set ID host NODE[:load:cap]...')",
		      "(NODE:load:capacity, scaled 0..127)");
	return 0;
}

/* ---- set ---------------------------------------------------------------- */

/* Host "NODE[:LOAD:CAP]" into @t: 0, -1 with the usage, 1 without. */
static int task_host(const char *arg, struct hn_dp_task *t)
{
	unsigned long long node, load = 0, cap = 64;
	char buf[64], *p1, *p2;

	snprintf(buf, sizeof(buf), "%s", arg);
	p1 = strchr(buf, ':');
	if (p1) {
		*p1++ = 0;
		p2 = strchr(p1, ':');
		if (!p2) {
			hn_err("task set: host NODE:LOAD:CAP needs both LOAD and CAP");
			return -1;
		}
		*p2++ = 0;
		if (hn_parse_num("load", p1, HN_FEAT_MAX, &load) ||
		    hn_parse_num("capacity", p2, HN_FEAT_MAX, &cap))
			return -1;
	}
	if (hn_parse_num("host", buf, UINT32_MAX, &node) || !node)
		return -1;
	if (t->n_host == HN_DP_MAX_CAND) {
		hn_err("task set: at most %d hosts", HN_DP_MAX_CAND);
		return 1;
	}
	t->host[t->n_host].node = node;
	t->host[t->n_host].load = load;
	t->host[t->n_host].capacity = cap;
	t->n_host++;
	return 0;
}

/* "task set ID host NODE[:load:cap]...", written through the loader */
static int task_set(int argc, char **argv)
{
	unsigned long long v;
	struct hn_dp_task t;
	int i, ret;

	memset(&t, 0, sizeof(t));
	if (argc < 4 || hn_parse_num("task", argv[1], UINT32_MAX, &v))
		goto usage;
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "host") || hn_need_arg(i, argc, argv))
			goto usage;
		ret = task_host(argv[++i], &t);
		if (ret < 0)
			goto usage;
		if (ret)
			return 1;
	}
	return hn_dp_set_task(hn_loader(false), v, &t, HN_MSG);
usage:
	hn_hint("hnctl task set ID host NODE[:load:cap]...  (load, cap: 0..127)");
	return 1;
}

/* ---- the words ---------------------------------------------------------- */

const struct hn_keyed hn_task_words = {
	"hnctl dp task",
	task_list,
	"every anycast task (the default)",
	task_set,
	"ID host NODE[:load:cap]...",
	"hosts of task class ID",
	"writing the task",
	"ID",
	"remove a task class",
	"task",
	UINT32_MAX,
	hn_dp_del_task,
	"task",
	"removing the task",
};
