// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Seeded partition of a training set over federated nodes (partition.h).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "partition.h"

/* ---- the seeded generator ------------------------------------------- */

static uint64_t next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in (0, 1): never 0, so that its logarithm is finite. */
static double uniform(uint64_t *s)
{
	return ((next(s) >> 11) + 0.5) * 0x1p-53;
}

static double normal(uint64_t *s)
{
	double u = uniform(s), v = uniform(s);

	return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

/* Gamma(a, 1): Marsaglia and Tsang (2000); a < 1 through a + 1. */
static double gamma_draw(double a, uint64_t *s)
{
	double d, c, x, v, u;

	if (a < 1)
		return gamma_draw(a + 1, s) * pow(uniform(s), 1 / a);
	d = a - 1.0 / 3;
	c = 1 / sqrt(9 * d);
	for (;;) {
		x = normal(s);
		v = 1 + c * x;
		if (v <= 0)
			continue;
		v = v * v * v;
		u = uniform(s);
		if (log(u) < 0.5 * x * x + d - d * v + d * log(v))
			return d * v;
	}
}

/* Fisher-Yates over @a. */
static void shuffle(size_t *a, size_t n, uint64_t *s)
{
	size_t i, j, t;

	for (i = n; i > 1; i--) {
		j = next(s) % i;
		t = a[i - 1];
		a[i - 1] = a[j];
		a[j] = t;
	}
}

/* ---- arguments ---------------------------------------------------------- */

int hn_part_parse(const char *s, struct hn_part_opts *o, char *err,
		  size_t errlen)
{
	char *end;

	errno = 0;
	if (!strcmp(s, "iid")) {
		o->scheme = HN_PART_IID;
		return 0;
	}
	if (!strncmp(s, "dir:", 4)) {
		o->scheme = HN_PART_DIRICHLET;
		o->alpha = strtod(s + 4, &end);
		if (end == s + 4 || *end || errno || !isfinite(o->alpha) ||
		    o->alpha <= 0)
			return hn_seterr(err, errlen,
					 "%s: Dirichlet alpha must be > 0", s);
		return 0;
	}
	if (!strncmp(s, "classes:", 8)) {
		unsigned long k = strtoul(s + 8, &end, 10);

		o->scheme = HN_PART_CLASSES;
		if (end == s + 8 || *end || errno || !k ||
		    k > HN_PART_MAX_CLASSES || s[8] == '-')
			return hn_seterr(err, errlen,
					 "%s: classes per node must be 1..%u",
					 s, HN_PART_MAX_CLASSES);
		o->k = k;
		return 0;
	}
	return hn_seterr(err, errlen,
			 "%s: partition is iid, dir:ALPHA or classes:K", s);
}

const char *hn_part_name(const struct hn_part_opts *o, char *buf, size_t len)
{
	if (o->scheme == HN_PART_DIRICHLET)
		snprintf(buf, len, "dir:%g", o->alpha);
	else if (o->scheme == HN_PART_CLASSES)
		snprintf(buf, len, "classes:%u", o->k);
	else
		snprintf(buf, len, "iid");
	return buf;
}

static int check_args(const uint8_t *labels, size_t n, unsigned int n_classes,
		      const struct hn_part_opts *o, char *err, size_t errlen)
{
	size_t i;

	if (!n || !n_classes || n_classes > HN_PART_MAX_CLASSES)
		return hn_seterr(err, errlen,
				 "partition: need items and 1..%u classes",
				 HN_PART_MAX_CLASSES);
	if (!o->nodes || o->nodes > HN_PART_MAX_NODES || o->nodes > n)
		return hn_seterr(
			err, errlen,
			"partition: %u nodes: need 1..%u and no more than the %zu items",
			o->nodes, HN_PART_MAX_NODES, n);
	for (i = 0; i < n; i++)
		if (labels[i] >= n_classes)
			return hn_seterr(
				err, errlen,
				"partition: label %u of item %zu is not below %u",
				labels[i], i, n_classes);
	if (o->scheme == HN_PART_DIRICHLET &&
	    (!isfinite(o->alpha) || o->alpha <= 0))
		return hn_seterr(err, errlen,
				 "partition: Dirichlet alpha must be > 0");
	if (o->scheme == HN_PART_CLASSES &&
	    (!o->k || o->k > n_classes ||
	     (uint64_t)o->nodes * o->k < n_classes))
		return hn_seterr(
			err, errlen,
			"partition: %u classes per node over %u nodes cannot cover %u classes (need 1..%u per node and nodes x K >= classes)",
			o->k, o->nodes, n_classes, n_classes);
	if (o->scheme > HN_PART_CLASSES)
		return hn_seterr(err, errlen, "partition: unknown scheme");
	return 0;
}

/* ---- the schemes: each sets @node_of[item] -------------------------- */

struct part_work {
	const uint8_t *labels;
	size_t n;
	unsigned int C, nodes;
	size_t *cls; /* items grouped by class: class c at cls + cstart[c] */
	size_t cstart[HN_PART_MAX_CLASSES + 1];
	uint32_t *node_of;
	size_t *size; /* per node */
	uint64_t rng;
};

static void group_classes(struct part_work *w)
{
	size_t fill[HN_PART_MAX_CLASSES] = { 0 }, i;
	unsigned int c;

	memset(w->cstart, 0, sizeof(w->cstart));
	for (i = 0; i < w->n; i++)
		w->cstart[w->labels[i] + 1]++;
	for (c = 0; c < w->C; c++)
		w->cstart[c + 1] += w->cstart[c];
	for (i = 0; i < w->n; i++) {
		c = w->labels[i];
		w->cls[w->cstart[c] + fill[c]++] = i;
	}
}

static void part_iid(struct part_work *w)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		w->cls[i] = i;
	shuffle(w->cls, w->n, &w->rng);
	for (i = 0; i < w->n; i++)
		w->node_of[w->cls[i]] = i % w->nodes;
}

/* One Dirichlet draw over the nodes for each class, applied. */
static void dir_draw(struct part_work *w, double alpha, double *p)
{
	unsigned int c, k;
	size_t m, j, lo, hi;
	double sum, cum;

	for (c = 0; c < w->C; c++) {
		size_t *it = w->cls + w->cstart[c];

		m = w->cstart[c + 1] - w->cstart[c];
		shuffle(it, m, &w->rng);
		sum = 0;
		for (k = 0; k < w->nodes; k++)
			sum += p[k] = gamma_draw(alpha, &w->rng);
		cum = 0;
		lo = 0;
		for (k = 0; k < w->nodes; k++) {
			cum += p[k];
			hi = k + 1 == w->nodes ? m : (size_t)(cum / sum * m);
			if (hi > m)
				hi = m;
			for (j = lo; j < hi; j++)
				w->node_of[it[j]] = k;
			lo = hi > lo ? hi : lo;
		}
	}
}

static int part_dirichlet(struct part_work *w, double alpha, char *err,
			  size_t errlen)
{
	double *p = malloc(w->nodes * sizeof(*p));
	unsigned int k, t;
	size_t i;

	if (!p)
		return hn_seterr(err, errlen, "partition: out of memory");
	group_classes(w);
	for (t = 0; t < HN_PART_TRIES; t++) {
		dir_draw(w, alpha, p);
		memset(w->size, 0, w->nodes * sizeof(*w->size));
		for (i = 0; i < w->n; i++)
			w->size[w->node_of[i]]++;
		for (k = 0; k < w->nodes && w->size[k] >= HN_PART_MIN_SHARD;
		     k++)
			;
		if (k == w->nodes) {
			free(p);
			return 0;
		}
	}
	free(p);
	return hn_seterr(
		err, errlen,
		"partition: no Dirichlet(%g) draw in %u gave every one of %u nodes %u items",
		alpha, HN_PART_TRIES, w->nodes, HN_PART_MIN_SHARD);
}

/* Node i's classes: held[i * k + j]. */
static void pick_classes(struct part_work *w, unsigned int k, uint8_t *held)
{
	size_t order[HN_PART_MAX_CLASSES];
	unsigned int i, j, q, c, slots = w->nodes * k;

	for (c = 0; c < w->C; c++)
		order[c] = c;
	shuffle(order, w->C, &w->rng);
	for (i = 0; i < slots; i++) {
		if (i < w->C) { /* the first C slots cover every class */
			held[i] = order[i];
			continue;
		}
		j = i - i % k; /* the node's first slot */
		do {
			c = next(&w->rng) % w->C;
			for (q = j; q < i && held[q] != c; q++)
				;
		} while (q < i);
		held[i] = c;
	}
}

static int part_classes(struct part_work *w, unsigned int k, char *err,
			size_t errlen)
{
	uint8_t *held = malloc((size_t)w->nodes * k);
	unsigned int *who = malloc(w->nodes * sizeof(*who));
	unsigned int c, i, nh;
	size_t j, m;

	if (!held || !who) {
		free(held);
		free(who);
		return hn_seterr(err, errlen, "partition: out of memory");
	}
	group_classes(w);
	pick_classes(w, k, held);
	for (c = 0; c < w->C; c++) {
		size_t *it = w->cls + w->cstart[c];

		for (nh = 0, i = 0; i < w->nodes * k; i++)
			if (held[i] == c)
				who[nh++] = i / k;
		m = w->cstart[c + 1] - w->cstart[c];
		shuffle(it, m, &w->rng);
		for (j = 0; j < m; j++)
			w->node_of[it[j]] = who[j % nh];
	}
	free(held);
	free(who);
	memset(w->size, 0, w->nodes * sizeof(*w->size));
	for (j = 0; j < w->n; j++)
		w->size[w->node_of[j]]++;
	for (i = 0; i < w->nodes; i++)
		if (!w->size[i])
			return hn_seterr(
				err, errlen,
				"partition: node %u got no items (too few items in its classes)",
				i);
	return 0;
}

/* ---- the result ---------------------------------------------------------- */

static int build(struct part_work *w, struct hn_partition *p)
{
	size_t *fill, i;
	unsigned int k;

	p->nodes = w->nodes;
	p->n = w->n;
	p->start = calloc(w->nodes + 1, sizeof(*p->start));
	p->ids = malloc(w->n * sizeof(*p->ids));
	fill = calloc(w->nodes, sizeof(*fill));
	if (!p->start || !p->ids || !fill) {
		free(fill);
		return -1;
	}
	for (i = 0; i < w->n; i++)
		p->start[w->node_of[i] + 1]++;
	for (k = 0; k < w->nodes; k++)
		p->start[k + 1] += p->start[k];
	for (i = 0; i < w->n; i++) {
		k = w->node_of[i];
		p->ids[p->start[k] + fill[k]++] = i;
	}
	free(fill);
	return 0;
}

int hn_partition_make(const uint8_t *labels, size_t n, unsigned int n_classes,
		      const struct hn_part_opts *o, struct hn_partition *p,
		      char *err, size_t errlen)
{
	struct part_work w = { .labels = labels,
			       .n = n,
			       .C = n_classes,
			       .nodes = o->nodes,
			       .rng = o->seed ^ 0x5041525449544eULL };
	int ret;

	memset(p, 0, sizeof(*p));
	if (check_args(labels, n, n_classes, o, err, errlen))
		return -1;
	w.cls = malloc(n * sizeof(*w.cls));
	w.node_of = malloc(n * sizeof(*w.node_of));
	w.size = calloc(o->nodes, sizeof(*w.size));
	ret = w.cls && w.node_of && w.size ?
		      0 :
		      hn_seterr(err, errlen, "partition: out of memory");
	if (!ret && o->scheme == HN_PART_IID)
		part_iid(&w);
	else if (!ret && o->scheme == HN_PART_DIRICHLET)
		ret = part_dirichlet(&w, o->alpha, err, errlen);
	else if (!ret)
		ret = part_classes(&w, o->k, err, errlen);
	if (!ret && build(&w, p)) {
		hn_partition_free(p);
		ret = hn_seterr(err, errlen, "partition: out of memory");
	}
	free(w.cls);
	free(w.node_of);
	free(w.size);
	return ret;
}

void hn_partition_free(struct hn_partition *p)
{
	free(p->start);
	free(p->ids);
	memset(p, 0, sizeof(*p));
}

int hn_partition_write(const struct hn_partition *p,
		       const struct hn_part_opts *o, FILE *f)
{
	char name[64];
	unsigned int k;
	size_t j;

	fprintf(f, "# hn-partition %u %zu %s seed %llu\n", p->nodes, p->n,
		hn_part_name(o, name, sizeof(name)),
		(unsigned long long)o->seed);
	for (k = 0; k < p->nodes; k++) {
		fprintf(f, "node %u %zu\n", k, hn_part_size(p, k));
		for (j = p->start[k]; j < p->start[k + 1]; j++)
			fprintf(f, "%s%zu", j == p->start[k] ? "" : " ",
				p->ids[j]);
		fputc('\n', f);
	}
	return ferror(f) ? -1 : 0;
}
