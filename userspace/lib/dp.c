// SPDX-License-Identifier: GPL-2.0
/*
 * Loader and map library of the HyperNet XDP data plane; the API is
 * documented in dp.h.
 */
#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/if_link.h>
#include <linux/magic.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include <linux/hypernet_packet.h>
#include "dp.h"
#include "frames.h"
#include "hypernet.skel.h"

struct hn_dp {
	struct hypernet_bpf *skel;
	__u32 cfg_map_id; /* hn_config's id: our programs use it */
	char *pin_dir; /* NULL: private instance */
	struct hn_dp_score *score; /* hn_score[HN_DP_SLOTS], mmap()ed */
	size_t score_len;
	struct hn_dp_decide_tab *dtab; /* hn_decide (.bss), mmap()ed */
	struct hn_dp_decide *dec; /* dtab->slot */
	size_t dec_len;
};

/* hn_decide is the program's .bss: hn_dtab, alone, at offset 0 */
_Static_assert(sizeof(*((struct hypernet_bpf *)0)->bss) ==
		       sizeof(struct hn_dp_decide_tab),
	       "hn_dtab is the only variable in .bss");

_Static_assert(offsetof(struct hn_dp_decide, e) % 64 == 0,
	       "decision rows start on a cache line");
_Static_assert(offsetof(struct hn_dp_decide, e) < 32768,
	       "a frame's first reads need no offset beyond a load's own");
/* the program's frame bucket is known to its verifier only below 256 */
_Static_assert(offsetof(struct hn_dp_decide, e) +
			       sizeof(((struct hn_dp_decide *)0)->e) +
			       (256 - HN_RT_FRAME_BUCKETS) * sizeof(__u32) <=
		       sizeof(struct hn_dp_decide),
	       "e[last row][255] stays inside the slot");
_Static_assert(sizeof(struct hn_dp_decide) % 64 == 0,
	       "decision slots stay cache-line aligned");

_Static_assert(offsetof(struct hn_dp_score, s) == 64,
	       "scores start on a cache line");
_Static_assert(sizeof(struct hn_dp_score) % 64 == 0,
	       "slots stay cache-line aligned in the mmap()ed array");

/* ---- errors ------------------------------------------------------------- */

/* Write "what: strerror(-ret)[; hint]" and return ret. */
static int fail(char *err, size_t len, int ret, const char *hint,
		const char *fmt, ...)
{
	va_list ap;
	size_t n;

	if (!err || !len)
		return ret;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	n = strlen(err);
	if (ret && n < len)
		snprintf(err + n, len - n, ": %s", strerror(-ret));
	n = strlen(err);
	if (hint && n < len)
		snprintf(err + n, len - n, "; %s", hint);
	return ret;
}

/* libbpf's messages during load, so a verifier rejection can be shown. */
static char load_log[4096];

static int log_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	size_t n = strlen(load_log);
	char line[1024];

	if (level == LIBBPF_DEBUG)
		return 0;
	vsnprintf(line, sizeof(line), fmt, ap);
	/* keep the tail: the reason comes last */
	if (n + strlen(line) >= sizeof(load_log)) {
		memmove(load_log, load_log + sizeof(load_log) / 2,
			n - sizeof(load_log) / 2 + 1);
		n = strlen(load_log);
	}
	snprintf(load_log + n, sizeof(load_log) - n, "%s", line);
	return 0;
}

/* ---- small helpers ------------------------------------------------------ */

__u64 hn_dp_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int mfd(const struct bpf_map *m)
{
	return bpf_map__fd(m);
}

static int upd(const struct bpf_map *m, const void *k, const void *v)
{
	return bpf_map_update_elem(mfd(m), k, v, BPF_ANY) ? -errno : 0;
}

static int get(const struct bpf_map *m, const void *k, void *v)
{
	return bpf_map_lookup_elem(mfd(m), k, v) ? -errno : 0;
}

static int del(const struct bpf_map *m, const void *k)
{
	return bpf_map_delete_elem(mfd(m), k) ? -errno : 0;
}

static __u32 map_id_of(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.id;
}

static int ncpus(void)
{
	int n = libbpf_num_possible_cpus();

	return n > 0 ? n : 1;
}

/* A per-CPU value as the kernel hands it: one 8-byte aligned copy a CPU. */
static size_t percpu_stride(size_t size)
{
	return (size + 7) & ~(size_t)7;
}

/*
 * Every possible CPU's copy of element @key of per-CPU map @fd, each
 * percpu_stride(@size) bytes apart, into *all (malloc()ed).  Returns the
 * number of copies or -errno.
 */
static int percpu_read(int fd, __u32 key, size_t size, char **all)
{
	int n = ncpus(), ret;

	*all = calloc(n, percpu_stride(size));
	if (!*all)
		return -ENOMEM;
	if (!bpf_map_lookup_elem(fd, &key, *all))
		return n;
	ret = -errno;
	free(*all);
	*all = NULL;
	return ret;
}

/* @sum: the CPUs' copies of a per-CPU element of __u64 counters, added. */
static int percpu_sum(int fd, __u32 key, void *sum, size_t size)
{
	size_t stride = percpu_stride(size), i;
	char *all;
	int n = percpu_read(fd, key, size, &all), c;

	if (n < 0)
		return n;
	memset(sum, 0, size);
	for (c = 0; c < n; c++)
		for (i = 0; i < size / sizeof(__u64); i++)
			((__u64 *)sum)[i] += ((__u64 *)(all + c * stride))[i];
	free(all);
	return 0;
}

static int mac_of(__u32 ifindex, __u8 mac[6])
{
	char name[IF_NAMESIZE];

	if (!if_indextoname(ifindex, name))
		return -errno;
	return hn_if_mac(name, mac);
}

static int ensure_bpffs(const char *dir, char *err, size_t len)
{
	struct statfs sf;
	char path[512];
	char *slash;

	if (!statfs("/sys/fs/bpf", &sf) && sf.f_type != BPF_FS_MAGIC &&
	    !strncmp(dir, "/sys/fs/bpf/", 12) &&
	    mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700"))
		return fail(err, len, -errno,
			    "mount it: mount -t bpf bpf /sys/fs/bpf",
			    "mounting bpffs on /sys/fs/bpf failed");
	snprintf(path, sizeof(path), "%s", dir);
	for (slash = strchr(path + 1, '/'); slash;
	     slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(path, 0700);
		*slash = '/';
	}
	if (mkdir(path, 0700) && errno != EEXIST)
		return fail(err, len, -errno, NULL, "creating %s failed", path);
	if (statfs(path, &sf) || sf.f_type != BPF_FS_MAGIC)
		return fail(err, len, -ENOTSUP,
			    "pin under a bpffs mount such as /sys/fs/bpf",
			    "%s is not on bpffs", path);
	return 0;
}

/* ---- epoch -------------------------------------------------------------- */

int hn_dp_get_epoch(struct hn_dp *dp, __u64 *epoch)
{
	__u32 zero = 0;

	return get(dp->skel->maps.hn_epoch, &zero, epoch);
}

/* hn_decide's copy of the epoch, for the table's frames (dataplane.h). */
static void epoch_mirror(struct hn_dp *dp, __u64 e)
{
	if (dp->dtab)
		__atomic_store_n(&dp->dtab->epoch, e, __ATOMIC_RELEASE);
}

/*
 * The copy first: a table frame that reads the new epoch there reads
 * the slot written before; hn_epoch follows a syscall later.
 */
static int set_epoch(struct hn_dp *dp, __u64 gen, __u32 slot)
{
	__u64 e = HN_EPOCH_MAKE(gen, slot);
	__u32 zero = 0;

	epoch_mirror(dp, e);
	return upd(dp->skel->maps.hn_epoch, &zero, &e);
}

int hn_dp_bump(struct hn_dp *dp)
{
	__u64 e;
	int ret = hn_dp_get_epoch(dp, &e);

	if (ret)
		return ret;
	return set_epoch(dp, HN_EPOCH_GEN(e) + 1, HN_EPOCH_SLOT(e));
}

/* ---- hn_score: the model compiled into score tables -------------------- */

static int slot_model(struct hn_dp *dp, __u32 slot, struct hn_dp_model *md);
static int decide_rows(struct hn_dp *dp, __u32 slot, int all, __u64 nbs,
		       __u32 k, const struct hn_dp_route_ent *ek, __u32 step);

/*
 * Neighbour @idx's scores in table @t for model @md (NULL: zeros): every
 * frame bucket and route bucket, hn_rt_table_score() by the reference's
 * own partial sums (hn_rt_score() is hn_rt_finish() of them), the
 * neighbour's part once and each frame bucket's once.
 */
static void score_neigh(struct hn_dp_score *t, __u32 idx,
			const struct hn_dp_model *md, const __u8 *feat)
{
	__s32 pre_nb[HN_RT_HIDDEN], pre_fr[HN_RT_HIDDEN];
	__u8 fr[HN_FR_NFEAT];
	__u32 f, rb;

	for (f = 0; f < HN_RT_FRAME_BUCKETS; f++)
		memset(t->s[f][idx], 0, sizeof(t->s[f][idx]));
	if (!md)
		return;
	hn_rt_pre_neigh(&md->m, feat, pre_nb);
	for (f = 0; f < HN_RT_FRAME_BUCKETS; f++) {
		hn_frame_bucket_feat(f, fr);
		hn_rt_pre_frame(&md->m, fr, pre_fr);
		for (rb = 0; rb < HN_RT_ROUTE_BUCKETS; rb++)
			t->s[f][idx][rb] = hn_rt_finish(&md->m, pre_nb, pre_fr,
							hn_rt_route_feat(rb));
	}
}

/* Table @t in full for model @md (NULL: none) and hn_neigh as it is. */
static void score_build(struct hn_dp *dp, struct hn_dp_score *t,
			const struct hn_dp_model *md)
{
	struct hn_dp_neigh nb;
	__u32 i;

	t->valid = 0;
	t->has_model = md != NULL;
	for (i = 0; i < HN_DP_MAX_NEIGH; i++) {
		int ok = !get(dp->skel->maps.hn_neigh, &i, &nb) && nb.valid;

		score_neigh(t, i, ok ? md : NULL, nb.feat);
		if (ok)
			t->valid |= 1ULL << i;
	}
}

/*
 * Neighbour @idx last seen at @t in both decision slots' copies too, as
 * the program's HELLO stamps them: the fast path reads liveness there.
 * The live slot's copy is written in place, one aligned 64-bit store.
 */
static void neigh_stamp(struct hn_dp *dp, __u32 idx, __u64 t)
{
	__u32 s;

	for (s = 0; dp->dec && s < HN_DP_SLOTS; s++)
		__atomic_store_n(&dp->dec[s].nb[idx].last_seen_ns, t,
				 __ATOMIC_RELAXED);
}

/*
 * hn_neigh into @dt's copy (dataplane.h), before @dt goes live: what its
 * frames send by, last_seen_ns included (their liveness).
 */
static int decide_neigh(struct hn_dp *dp, struct hn_dp_decide *dt)
{
	__u32 keys[HN_DP_MAX_NEIGH], n = HN_DP_MAX_NEIGH, out, i;
	LIBBPF_OPTS(bpf_map_batch_opts, o);
	int ret = 0;

	/* one syscall where the kernel has batches, else one a neighbour */
	if (bpf_map_lookup_batch(mfd(dp->skel->maps.hn_neigh), NULL, &out, keys,
				 dt->nb, &n, &o) &&
	    (errno != ENOENT || n != HN_DP_MAX_NEIGH))
		for (i = 0; !ret && i < HN_DP_MAX_NEIGH; i++)
			ret = get(dp->skel->maps.hn_neigh, &i, &dt->nb[i]);
	return ret;
}

/*
 * Whether @dt's copy of the neighbours is hn_neigh as it is but for the
 * stamps, which are brought to hn_neigh's in place (a table pinned by a
 * loader that left them 0 is not rebuilt for them).
 */
static int decide_neigh_same(struct hn_dp *dp, const struct hn_dp_decide *dt)
{
	struct hn_dp_neigh nb, cp;
	__u32 i;

	for (i = 0; i < HN_DP_MAX_NEIGH; i++) {
		if (get(dp->skel->maps.hn_neigh, &i, &nb))
			return 0;
		cp = dt->nb[i];
		cp.last_seen_ns = nb.last_seen_ns;
		if (memcmp(&nb, &cp, sizeof(nb)))
			return 0;
	}
	for (i = 0; i < HN_DP_MAX_NEIGH; i++) {
		if (get(dp->skel->maps.hn_neigh, &i, &nb))
			return 0;
		if (dt->nb[i].last_seen_ns != nb.last_seen_ns)
			neigh_stamp(dp, i, nb.last_seen_ns);
	}
	return 1;
}

/*
 * The slot the epoch does not name, made the live one: model @md (NULL:
 * none) goes to hn_models[slot], @t = &dp->score[slot] was written
 * before, then the epoch moves to the slot.  Until then no frame reads
 * the slot; a frame that read the other one while the epoch moved drops
 * its scores (hn_score_route()).
 */
static int score_publish(struct hn_dp *dp, __u64 e, __u32 slot,
			 const struct hn_dp_model *md)
{
	struct hn_dp_model none = {};
	int ret;

	ret = decide_neigh(dp, &dp->dec[slot & 1]);
	if (!ret)
		ret = upd(dp->skel->maps.hn_models, &slot, md ? md : &none);
	if (!ret)
		ret = set_epoch(dp, HN_EPOCH_GEN(e) + 1, slot);
	return ret;
}

/*
 * A neighbour changed: the live table copied to the other slot with
 * neighbour @idx's scores and valid bit redone (@feat NULL: gone), the
 * neighbour written by @write (it runs between the two, so hn_neigh and
 * the tables agree from the flip on), then the flip.
 */
static int score_neigh_refresh(struct hn_dp *dp, __u32 idx, const __u8 *feat,
			       int (*write)(struct hn_dp *, __u32, void *),
			       void *arg)
{
	struct hn_dp_model md;
	struct hn_dp_score *t;
	__u32 live, slot;
	int have, ret;
	__u64 e;

	ret = hn_dp_get_epoch(dp, &e);
	if (ret)
		return ret;
	live = HN_EPOCH_SLOT(e);
	slot = live ^ 1;
	have = !slot_model(dp, live, &md);
	t = &dp->score[slot];
	memcpy(t, &dp->score[live], sizeof(*t));
	t->has_model = have;
	score_neigh(t, idx, feat && have ? &md : NULL, feat);
	if (feat)
		t->valid |= 1ULL << idx;
	else
		t->valid &= ~(1ULL << idx);
	t->ver = HN_EPOCH_GEN(e) + 1;
	ret = decide_rows(dp, slot, 0, 1ULL << idx, HN_DP_ROUTE_TAB_SIZE, NULL,
			  0);
	if (!ret)
		ret = write(dp, idx, arg);
	if (!ret)
		ret = score_publish(dp, e, slot, have ? &md : NULL);
	return ret;
}

/*
 * At open: the maps may be pinned beside an older loader's, without
 * score tables or with tables of other neighbours.  If the live table
 * does not match hn_neigh and hn_models, both are built anew and the
 * epoch flips; otherwise they stay as they are.
 */
static int score_sync(struct hn_dp *dp)
{
	struct hn_dp_model md;
	struct hn_dp_neigh nb;
	__u64 e, valid = 0;
	__u32 live, i;
	int have, ret;

	ret = hn_dp_get_epoch(dp, &e);
	if (ret)
		return ret;
	live = HN_EPOCH_SLOT(e);
	have = !slot_model(dp, live, &md);
	for (i = 0; i < HN_DP_MAX_NEIGH; i++)
		if (!get(dp->skel->maps.hn_neigh, &i, &nb) && nb.valid)
			valid |= 1ULL << i;
	if (dp->score[live].valid == valid &&
	    dp->score[live].has_model == (__u32)have)
		return 0;
	score_build(dp, &dp->score[live ^ 1], have ? &md : NULL);
	dp->score[live ^ 1].ver = HN_EPOCH_GEN(e) + 1;
	ret = decide_rows(dp, live ^ 1, 1, 0, HN_DP_ROUTE_TAB_SIZE, NULL, 0);
	return ret ? ret : score_publish(dp, e, live ^ 1, have ? &md : NULL);
}

/* Both slots of mmap()able array @map, shared with XDP. */
static void *map_slots(const struct bpf_map *map, size_t slot_size, size_t *len)
{
	long pg = sysconf(_SC_PAGESIZE);
	size_t l = HN_DP_SLOTS * slot_size;
	void *p;

	l = (l + pg - 1) & ~(size_t)(pg - 1);
	p = mmap(NULL, l, PROT_READ | PROT_WRITE, MAP_SHARED, mfd(map), 0);
	if (p == MAP_FAILED)
		return NULL;
	*len = l;
	return p;
}

static int score_map(struct hn_dp *dp)
{
	dp->score = map_slots(dp->skel->maps.hn_score, sizeof(*dp->score),
			      &dp->score_len);
	return dp->score ? 0 : -errno;
}

/* ---- hn_decide: the decisions compiled from the score tables ---------- */

/*
 * A route's candidates as decide_one() reads them: the index of each
 * whose neighbour is valid in the table, and its column of s[f].
 */
struct dec_cands {
	__u32 n;
	__u8 idx[HN_DP_MAX_CAND];
	__u32 col[HN_DP_MAX_CAND]; /* neighbour * route buckets + bucket */
};

static void decide_cands(const struct hn_dp_score *t,
			 const struct hn_dp_route *rt, struct dec_cands *c)
{
	__u32 i;

	c->n = 0;
	for (i = 0; i < rt->n_cand && i < HN_DP_MAX_CAND; i++) {
		__u32 nb = rt->cand[i].neigh & (HN_DP_MAX_NEIGH - 1);

		if (!(t->valid & (1ULL << nb)))
			continue;
		c->idx[c->n] = i;
		c->col[c->n++] = nb * HN_RT_ROUTE_BUCKETS +
				 hn_rt_route_bucket(rt->cand[i].dist);
	}
}

/*
 * hn_choose()'s decision before liveness for route @rt and frame bucket
 * @f from table @t with margin @mm: the argmax of the candidates @c
 * whose neighbour is valid (ties: the lowest index), or the default when
 * the margin is below @mm or there is no model, as the candidate's
 * neighbour index and the reason; HN_DP_DEC_NONE when no candidate can
 * be scored (the program's score path then drops).
 */
static __u8 decide_one(const struct hn_dp_score *t,
		       const struct hn_dp_route *rt, const struct dec_cands *c,
		       __u32 f, __s32 mm)
{
	const __s32 *row = &t->s[f][0][0];
	__u32 i, best = HN_DP_NONE, have2 = 0;
	__s32 bs = 0, ss = 0, margin;

	__u8 def = rt->cand[rt->def & (HN_DP_MAX_CAND - 1)].neigh &
		   HN_DP_DEC_NEIGH;

	if (!t->has_model)
		return def | HN_DP_DEC_NO_MODEL;
	if (!c->n)
		return HN_DP_DEC_NONE;
	for (i = 0; i < c->n; i++) {
		__s32 v = row[c->col[i]];

		if (best == HN_DP_NONE || v > bs) {
			if (best != HN_DP_NONE) {
				ss = bs;
				have2 = 1;
			}
			bs = v;
			best = c->idx[i];
		} else if (!have2 || v > ss) {
			ss = v;
			have2 = 1;
		}
	}
	/* in 32 bits, as the program computes it */
	margin = have2 ? (__s32)((__u32)bs - (__u32)ss) : INT32_MAX;
	if (margin < mm)
		return def | HN_DP_DEC_MARGIN;
	return rt->cand[best].neigh & HN_DP_DEC_NEIGH;
}

/*
 * The split (HN_DP_SP()) of byte @d, the new decision of row @k (route
 * to @dst over the neighbours @nbs) for frame bucket @f, carried over
 * from the live slot @lv's row if it was compiled for @dst, then moved
 * by @step towards @d (route.h, hn_rt_split_next()); 0 without a
 * model's pick, with @on 0 (hn_dp_config.split_step 0) or when the
 * alternative is no longer one of the route's neighbours.
 */
static __u16 decide_split(const struct hn_dp_decide *lv, __u32 k, __u32 dst,
			  __u32 f, __u8 d, __u64 nbs, __u32 step, __u32 on)
{
	__u32 prev = HN_RT_SPLIT_NONE, palt = HN_RT_SPLIT_NONE, psh = 0;
	__u8 ld = HN_DP_E_D(lv->e[k][f]);
	__u16 lsp = HN_DP_E_SP(lv->e[k][f]);
	__u32 alt, share;

	if (!on || (d & ~HN_DP_DEC_NEIGH))
		return 0;
	if (lv->built && lv->dst[k] == dst && ld != HN_DP_DEC_NONE) {
		prev = ld & HN_DP_DEC_NEIGH;
		palt = lsp & HN_DP_SP_NEIGH;
		psh = lsp >> HN_DP_SP_SHARE_SHIFT;
	}
	share = hn_rt_split_next(prev, palt, psh, d, &alt);
	share = hn_rt_split_step(share, step);
	if (!share || alt == HN_RT_SPLIT_NONE || alt == d ||
	    !(nbs & (1ULL << (alt & (HN_DP_MAX_NEIGH - 1)))))
		return 0;
	return HN_DP_SP(alt, share);
}

/*
 * Row @k of @dt for hn_route_tab entry @re (dst 0: empty) from @t, its
 * splits from the live slot @lv's after @step (decide_split()).
 */
static void decide_row(struct hn_dp_decide *dt, const struct hn_dp_decide *lv,
		       const struct hn_dp_score *t, __u32 k,
		       const struct hn_dp_route_ent *re, __s32 mm, __u32 step,
		       __u32 on)
{
	struct dec_cands c;
	__u64 nbs = 0;
	__u32 f, i;
	__u16 sp;
	__u8 d;

	dt->dst[k] = re->dst;
	if (!re->dst) {
		for (f = 0; f < HN_RT_FRAME_BUCKETS; f++)
			dt->e[k][f] = HN_DP_E(HN_DP_DEC_NONE, 0);
		dt->nbmask[k] = 0;
		return;
	}
	decide_cands(t, &re->rt, &c);
	for (i = 0; i < re->rt.n_cand && i < HN_DP_MAX_CAND; i++)
		nbs |= 1ULL << (re->rt.cand[i].neigh & (HN_DP_MAX_NEIGH - 1));
	dt->nbmask[k] = nbs;
	for (f = 0; f < HN_RT_FRAME_BUCKETS; f++) {
		d = decide_one(t, &re->rt, &c, f, mm);
		sp = decide_split(lv, k, re->dst, f, d, nbs & t->valid, step,
				  on);
		dt->e[k][f] = HN_DP_E(d, sp);
	}
}

/* hn_route_tab whole into @ents: batch syscalls, else one a key. */
static int routes_read(struct hn_dp *dp, struct hn_dp_route_ent *ents)
{
	int fd = mfd(dp->skel->maps.hn_route_tab), ret = 0;
	__u32 *keys = malloc(HN_DP_ROUTE_TAB_SIZE * sizeof(*keys));
	__u32 done = 0, in, out, n, k;
	void *inp = NULL;

	while (keys && done < HN_DP_ROUTE_TAB_SIZE) {
		LIBBPF_OPTS(bpf_map_batch_opts, o);

		n = HN_DP_ROUTE_TAB_SIZE - done;
		ret = bpf_map_lookup_batch(fd, inp, &out, keys + done,
					   ents + done, &n, &o);
		done += n;
		if (ret)
			break;
		in = out;
		inp = &in;
	}
	free(keys);
	if (done >= HN_DP_ROUTE_TAB_SIZE)
		return 0;
	for (k = 0; k < HN_DP_ROUTE_TAB_SIZE; k++) {
		ret = get(dp->skel->maps.hn_route_tab, &k, &ents[k]);
		if (ret)
			return ret;
	}
	return 0;
}

/* Bit @k of bitmap @b. */
static int bit_get(const __u64 *b, __u32 k)
{
	return (b[k / 64] >> (k % 64)) & 1;
}

static void bit_set(__u64 *b, __u32 k)
{
	b[k / 64] |= 1ULL << (k % 64);
}

enum { ROW_KEEP, ROW_COPY, ROW_REDO };

/* Row @r of @lv splits a frame bucket. */
static int row_splits(const struct hn_dp_decide *lv, __u32 r)
{
	__u32 f;

	for (f = 0; f < HN_RT_FRAME_BUCKETS; f++)
		if (HN_DP_E_SP(lv->e[r][f]))
			return 1;
	return 0;
}

/*
 * What row @r of @dt (not live) needs, beside the live @lv, for a change
 * of the neighbours in @nbs or of row @k, or a split's @step: redone if
 * the change touches its route (or it splits), else copied from the live
 * slot if that one's last refresh left it stale here (the live row is
 * then current), else kept.
 */
static int row_need(const struct hn_dp_decide *dt,
		    const struct hn_dp_decide *lv, __u32 r, __u64 nbs, __u32 k,
		    __u32 step)
{
	int stale = bit_get(lv->stale, r);
	__u64 cur = stale ? lv->nbmask[r] : dt->nbmask[r];

	if (r == k || (cur & nbs) || (step && row_splits(lv, r)))
		return ROW_REDO;
	return stale ? ROW_COPY : ROW_KEEP;
}

/*
 * The rows of slot @slot, which is not live, brought up to date before
 * it goes live, from its score table, hn_route_tab and the margin: every
 * row (@all), else those whose route has a neighbour in @nbs and row @k
 * (below HN_DP_ROUTE_TAB_SIZE) for entry @ek, the route about to be
 * placed there, with @step the rows that split (hn_dp_split_step()), and
 * the rows the live slot's last refresh left stale here, copied from it.  Only this slot is written: the rows this change
 * redid go to its stale bitmap, for the other slot to catch up when it
 * is next written.  A row redone costs 128 decisions of up to 8
 * candidates.
 */
static int decide_rows(struct hn_dp *dp, __u32 slot, int all, __u64 nbs,
		       __u32 k, const struct hn_dp_route_ent *ek, __u32 step)
{
	struct hn_dp_decide *dt = &dp->dec[slot & 1];
	const struct hn_dp_decide *lv = &dp->dec[(slot & 1) ^ 1];
	const struct hn_dp_score *t = &dp->score[slot & 1];
	struct hn_dp_route_ent *ents = NULL, one;
	__u8 need[HN_DP_ROUTE_TAB_SIZE];
	struct hn_dp_config cfg;
	__u32 r, n = 0;
	int ret;

	ret = hn_dp_get_config(dp, &cfg);
	if (ret)
		return ret;
	all |= !dt->built || !lv->built || dt->margin_min != cfg.margin_min;
	for (r = 0; r < HN_DP_ROUTE_TAB_SIZE; r++) {
		need[r] = all ? ROW_REDO : row_need(dt, lv, r, nbs, k, step);
		n += need[r] == ROW_REDO && r != k;
	}
	if (n > 32) {
		ents = malloc(HN_DP_ROUTE_TAB_SIZE * sizeof(*ents));
		if (!ents)
			return -ENOMEM;
		ret = routes_read(dp, ents);
	}
	memset(dt->stale, 0, sizeof(dt->stale));
	for (r = 0; !ret && r < HN_DP_ROUTE_TAB_SIZE; r++) {
		const struct hn_dp_route_ent *re = ents ? &ents[r] : &one;

		if (need[r] == ROW_COPY) {
			memcpy(dt->e[r], lv->e[r], sizeof(dt->e[r]));
			dt->nbmask[r] = lv->nbmask[r];
			dt->dst[r] = lv->dst[r];
		}
		if (need[r] != ROW_REDO)
			continue;
		if (r == k)
			re = ek;
		else if (!ents)
			ret = get(dp->skel->maps.hn_route_tab, &r, &one);
		if (ret)
			break;
		decide_row(dt, lv, t, r, re, cfg.margin_min, step,
			   cfg.split_step);
		bit_set(dt->stale, r);
	}
	free(ents);
	if (ret)
		return ret;
	dt->score_ver = t->ver;
	dt->margin_min = cfg.margin_min;
	dt->node_id = cfg.node_id;
	dt->flags = cfg.flags;
	dt->stale_ns = cfg.stale_ns;
	/* before the slot goes live; off once neither slot checks */
	__atomic_store_n(&dp->dtab->tick, dt->stale_ns || lv->stale_ns,
			 __ATOMIC_RELEASE);
	dt->fast_id = cfg.flags & HN_DP_CFG_TRACE ? 0 : cfg.node_id;
	dt->built = 1;
	return 0;
}

/*
 * A flip for what changes decisions but not scores (a route placed in
 * hn_route_tab slot @k as @ek, the margin: @all): the slot that is not
 * live gets the live one's scores and model, if it does not have them,
 * its rows redone, then the epoch moves to it.
 */
static int decide_publish_step(struct hn_dp *dp, int all, __u32 k,
			       const struct hn_dp_route_ent *ek, __u32 step)
{
	struct hn_dp_model md;
	__u32 live, slot;
	int have, ret;
	__u64 e;

	ret = hn_dp_get_epoch(dp, &e);
	if (ret)
		return ret;
	live = HN_EPOCH_SLOT(e);
	slot = live ^ 1;
	have = !slot_model(dp, live, &md);
	if (dp->score[slot].ver != dp->score[live].ver || !dp->score[live].ver)
		memcpy(&dp->score[slot], &dp->score[live],
		       sizeof(dp->score[slot]));
	ret = decide_rows(dp, slot, all, 0, k, ek, step);
	return ret ? ret : score_publish(dp, e, slot, have ? &md : NULL);
}

static int decide_publish(struct hn_dp *dp, int all, __u32 k,
			  const struct hn_dp_route_ent *ek)
{
	return decide_publish_step(dp, all, k, ek, 0);
}

/* The config slot @dt went live with is not @cfg. */
static int decide_cfg_moved(const struct hn_dp_decide *dt,
			    const struct hn_dp_config *cfg)
{
	return dt->node_id != cfg->node_id || dt->flags != cfg->flags ||
	       dt->stale_ns != cfg->stale_ns;
}

/*
 * At open, after score_sync(): the live slot's rows must be compiled
 * from its scores and the current margin (hn_decide may be new beside
 * maps an older loader pinned); if not, every row is compiled anew and
 * the epoch flips.
 */
static int decide_sync(struct hn_dp *dp)
{
	const struct hn_dp_decide *dt;
	struct hn_dp_config cfg;
	int ret;
	__u64 e;

	ret = hn_dp_get_epoch(dp, &e);
	if (!ret)
		ret = hn_dp_get_config(dp, &cfg);
	if (ret)
		return ret;
	/* the copy, new or behind the epoch (set before hn_decide was mapped) */
	if (dp->dtab->epoch != e)
		epoch_mirror(dp, e);
	/* the clock's tick, which an older loader did not set */
	if (dp->dec[0].stale_ns || dp->dec[1].stale_ns)
		__atomic_store_n(&dp->dtab->tick, 1, __ATOMIC_RELEASE);
	dt = &dp->dec[HN_EPOCH_SLOT(e)];
	if (dt->built && dt->margin_min == cfg.margin_min &&
	    dt->score_ver == dp->score[HN_EPOCH_SLOT(e)].ver &&
	    !decide_cfg_moved(dt, &cfg) && decide_neigh_same(dp, dt))
		return 0;
	return decide_publish(dp, 1, HN_DP_ROUTE_TAB_SIZE, NULL);
}

static int decide_map(struct hn_dp *dp)
{
	/* .bss, of HN_DP_SLOTS "slots", the size of the table */
	dp->dtab = map_slots(dp->skel->maps.bss,
			     sizeof(*dp->dtab) / HN_DP_SLOTS, &dp->dec_len);
	if (!dp->dtab)
		return -errno;
	dp->dec = dp->dtab->slot;
	return 0;
}

/* ---- open / pin / close ------------------------------------------------- */

/*
 * The kernel adds BPF_F_RDONLY_PROG to device maps, and libbpf 1.1 then
 * calls a pinned one incompatible with its own definition.  So device maps
 * are reused by fd and pinned by hand.
 */
static int is_devmap(const struct bpf_map *map)
{
	return bpf_map__type(map) == BPF_MAP_TYPE_DEVMAP ||
	       bpf_map__type(map) == BPF_MAP_TYPE_DEVMAP_HASH;
}

static int reuse_devmap(struct bpf_map *map, const char *path)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int fd, ret;

	fd = bpf_obj_get(path);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	ret = bpf_obj_get_info_by_fd(fd, &info, &len) ? -errno : 0;
	if (!ret && (info.type != bpf_map__type(map) ||
		     info.key_size != bpf_map__key_size(map) ||
		     info.value_size != bpf_map__value_size(map) ||
		     info.max_entries != bpf_map__max_entries(map)))
		ret = -EINVAL;
	if (!ret)
		ret = bpf_map__reuse_fd(map, fd);
	close(fd);
	return ret;
}

static int pin_devmaps(struct hn_dp *dp)
{
	struct bpf_map *map;
	char path[512];

	bpf_object__for_each_map(map, dp->skel->obj) {
		if (!is_devmap(map))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dp->pin_dir,
			 bpf_map__name(map));
		if (access(path, F_OK) && bpf_obj_pin(bpf_map__fd(map), path))
			return -errno;
	}
	return 0;
}

/*
 * The name a map is pinned by: its own, but .bss, which is hn_dtab, the
 * decision tables (dataplane.h), pinned as hn_decide; NULL for .rodata,
 * this load's constants, not shared state.
 */
static const char *pin_name(struct hn_dp *dp, const struct bpf_map *map)
{
	if (map == dp->skel->maps.bss)
		return "hn_decide";
	return bpf_map__is_internal(map) ? NULL : bpf_map__name(map);
}

/* Shared maps at pin_dir: reused when pinned, pinned on load when not. */
static int set_pin_paths(struct hn_dp *dp, const char *pin_dir, char *err,
			 size_t errlen)
{
	struct bpf_map *map;
	int ret;

	bpf_object__for_each_map(map, dp->skel->obj) {
		const char *name = pin_name(dp, map);
		char path[512];

		if (!name)
			continue;
		snprintf(path, sizeof(path), "%s/%s", pin_dir, name);
		if (is_devmap(map))
			ret = reuse_devmap(map, path);
		else
			ret = bpf_map__set_pin_path(map, path);
		if (ret)
			return fail(err, errlen, ret, NULL,
				    "reusing or pinning %s", path);
	}
	return 0;
}

/*
 * Whether this kernel lets XDP programs call bpf_xdp_adjust_meta(): some
 * builds refuse it ("program of this type cannot use helper"), which
 * libbpf_probe_bpf_helper() of libbpf 1.1 takes for support.  So load
 * the call and see.
 */
int hn_dp_kernel_xdp_meta(void)
{
	const struct bpf_insn insns[] = {
		/* r2 = 0; call bpf_xdp_adjust_meta; r0 = XDP_PASS; exit */
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_2 },
		{ .code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_xdp_adjust_meta },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K,
		  .dst_reg = BPF_REG_0,
		  .imm = XDP_PASS },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int fd = bpf_prog_load(BPF_PROG_TYPE_XDP, NULL, "GPL", insns,
			       sizeof(insns) / sizeof(insns[0]), NULL);

	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

/* Load into the kernel; on failure the verifier's last words say why. */
static int load_skel(struct hn_dp *dp, bool pinned, char *err, size_t errlen)
{
	libbpf_print_fn_t old;
	char *last = load_log;
	size_t n;
	int ret;

	load_log[0] = '\0';
	old = libbpf_set_print(log_print);
	ret = hypernet_bpf__load(dp->skel);
	libbpf_set_print(old);
	if (!ret)
		return 0;
	/* the last complete line or two say why */
	n = strlen(load_log);
	while (n && load_log[n - 1] == '\n')
		load_log[--n] = '\0';
	if (n > 300)
		last = load_log + n - 300;
	return fail(
		err, errlen, ret < 0 ? ret : -EINVAL,
		pinned ?
			"if maps pinned by an older version are incompatible, remove them (hnctl detach; rm -r the pin directory)" :
			"run as root on a kernel with BPF and BTF",
		"loading the XDP data plane failed (%s)", last);
}

static bool nb_counters;

void hn_dp_set_nb_counters(bool on)
{
	nb_counters = on;
}

int hn_dp_open(struct hn_dp **dpp, const char *pin_dir, char *err,
	       size_t errlen)
{
	libbpf_print_fn_t old;
	struct hn_dp *dp;
	__u64 epoch;
	int ret;

	*dpp = NULL;
	dp = calloc(1, sizeof(*dp));
	if (!dp)
		return fail(err, errlen, -ENOMEM, NULL, "out of memory");
	if (pin_dir) {
		ret = ensure_bpffs(pin_dir, err, errlen);
		if (ret)
			goto out;
		dp->pin_dir = strdup(pin_dir);
	}
	/* libbpf's notes on the object (its .xdp_run_config) are noise */
	load_log[0] = '\0';
	old = libbpf_set_print(log_print);
	dp->skel = hypernet_bpf__open();
	libbpf_set_print(old);
	if (!dp->skel) {
		ret = fail(err, errlen, -errno, NULL,
			   "opening the BPF object failed");
		goto out;
	}
	/* XDP's mark for TC (struct hn_dp_meta), new with every load */
	if (getrandom((void *)&dp->skel->rodata->hn_meta_cookie, sizeof(__u32),
		      0) != sizeof(__u32)) {
		ret = fail(err, errlen, -errno, NULL, "getrandom failed");
		goto out;
	}
	/* kernels may leave XDP without metadata: marks in a map then */
	dp->skel->rodata->hn_meta_ok = hn_dp_kernel_xdp_meta();
	dp->skel->rodata->hn_nb_count = nb_counters;
	if (pin_dir) {
		ret = set_pin_paths(dp, pin_dir, err, errlen);
		if (ret)
			goto out;
	}
	ret = load_skel(dp, pin_dir != NULL, err, errlen);
	if (ret)
		goto out;
	if (pin_dir) {
		ret = pin_devmaps(dp);
		if (ret) {
			fail(err, errlen, ret, NULL, "pinning hn_tx_ports");
			goto out;
		}
	}
	ret = hn_dp_get_epoch(dp, &epoch);
	if (!ret && !epoch) /* fresh maps: generation 1, slot 0 empty */
		ret = set_epoch(dp, 1, 0);
	if (ret) {
		fail(err, errlen, ret, NULL, "initialising hn_epoch");
		goto out;
	}
	ret = score_map(dp);
	if (!ret)
		ret = decide_map(dp);
	if (ret) {
		fail(err, errlen, ret, NULL, "mapping hn_score and hn_decide");
		goto out;
	}
	ret = score_sync(dp);
	if (!ret)
		ret = decide_sync(dp);
	if (ret) {
		fail(err, errlen, ret, NULL,
		     "compiling the score and decision tables");
		goto out;
	}
	dp->cfg_map_id = map_id_of(bpf_map__fd(dp->skel->maps.hn_config));
	*dpp = dp;
	return 0;
out:
	hn_dp_close(dp);
	return ret;
}

void hn_dp_close(struct hn_dp *dp)
{
	if (!dp)
		return;
	if (dp->score)
		munmap(dp->score, dp->score_len);
	if (dp->dec)
		munmap(dp->dtab, dp->dec_len);
	hypernet_bpf__destroy(dp->skel);
	free(dp->pin_dir);
	free(dp);
}

static int prog_pin_path(struct hn_dp *dp, struct bpf_program *p, char *path,
			 size_t len)
{
	if (!dp->pin_dir)
		return -EINVAL;
	snprintf(path, len, "%s/%s", dp->pin_dir, bpf_program__name(p));
	return 0;
}

int hn_dp_pin(struct hn_dp *dp, char *err, size_t errlen)
{
	struct bpf_program *progs[] = { dp->skel->progs.hn_xdp,
					dp->skel->progs.hn_tc_ingress };
	char path[512];
	size_t i;
	int ret;

	if (!dp->pin_dir)
		return fail(err, errlen, -EINVAL, "open with a pin directory",
			    "this instance was opened without pinning");
	/* maps were pinned at load by their pin paths */
	for (i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		prog_pin_path(dp, progs[i], path, sizeof(path));
		unlink(path); /* a restart replaces the old program */
		ret = bpf_program__pin(progs[i], path);
		if (ret)
			return fail(err, errlen, ret, NULL, "pinning %s", path);
	}
	return 0;
}

int hn_dp_unpin(struct hn_dp *dp, char *err, size_t errlen)
{
	struct bpf_program *p;
	struct bpf_map *map;
	char path[512];
	int ret = 0;

	if (!dp->pin_dir)
		return 0;
	bpf_object__for_each_program(p, dp->skel->obj) {
		prog_pin_path(dp, p, path, sizeof(path));
		if (unlink(path) && errno != ENOENT)
			ret = fail(err, errlen, -errno, NULL, "unpin %s", path);
	}
	bpf_object__for_each_map(map, dp->skel->obj) {
		const char *name = pin_name(dp, map);

		if (!name)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dp->pin_dir, name);
		if (unlink(path) && errno != ENOENT)
			ret = fail(err, errlen, -errno, NULL, "unpin %s", path);
	}
	rmdir(dp->pin_dir);
	return ret;
}

/* ---- the XDP hook of a port: whose program is there ---------------------- */

/*
 * libbpf's and libxdp's messages while we call them: kept in load_log for
 * an error message instead of going to stderr, which is the agent's log.
 */
static int xdp_log_print(enum libxdp_print_level level, const char *fmt,
			 va_list ap)
{
	if (level == LIBXDP_DEBUG)
		return 0;
	return log_print(LIBBPF_WARN, fmt, ap);
}

struct quiet {
	libbpf_print_fn_t bpf;
	libxdp_print_fn_t xdp;
};

static void quiet_on(struct quiet *q)
{
	load_log[0] = '\0';
	q->bpf = libbpf_set_print(log_print);
	q->xdp = libxdp_set_print(xdp_log_print);
}

static void quiet_off(struct quiet *q)
{
	libbpf_set_print(q->bpf);
	libxdp_set_print(q->xdp);
}

/* The last line libbpf or libxdp said ("" if none). */
static const char *last_said(void)
{
	size_t n = strlen(load_log);
	char *nl;

	while (n && load_log[n - 1] == '\n')
		load_log[--n] = '\0';
	nl = strrchr(load_log, '\n');
	return nl ? nl + 1 : load_log;
}

/*
 * Program @id's name, and whether it uses map @cfg_map_id: a program is
 * this data plane's when it forwards with its hn_config, whichever
 * process loaded it (a restarted agent, hnctl, libxdp).
 */
static int prog_look(__u32 id, __u32 cfg_map_id, char *name, bool *ours)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info), ids[64], i;
	int fd, ret;

	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0)
		return -errno;
	info.nr_map_ids = sizeof(ids) / sizeof(ids[0]);
	info.map_ids = (__u64)(unsigned long)ids;
	ret = bpf_obj_get_info_by_fd(fd, &info, &len) ? -errno : 0;
	close(fd);
	if (ret)
		return ret;
	snprintf(name, BPF_OBJ_NAME_LEN, "%s", info.name);
	*ours = false;
	for (i = 0; i < info.nr_map_ids && i < sizeof(ids) / sizeof(ids[0]);
	     i++)
		if (ids[i] == cfg_map_id)
			*ours = true;
	return 0;
}

/* The programs behind libxdp's dispatcher, from the state libxdp pinned. */
static void components(__u32 cfg_map_id, __u32 ifindex,
		       struct hn_dp_xdp_state *st)
{
	struct xdp_program *p = NULL;
	struct xdp_multiprog *mp;
	char name[BPF_OBJ_NAME_LEN];
	struct quiet q;
	bool ours;

	quiet_on(&q);
	mp = xdp_multiprog__get_from_ifindex(ifindex);
	quiet_off(&q);
	if (libxdp_get_error(mp) || xdp_multiprog__is_legacy(mp)) {
		/* pinned in another bpffs than LIBXDP_BPFFS: unknown */
		st->unreadable = true;
		st->n_foreign = 1;
		st->foreign_id = st->prog_id;
		snprintf(st->foreign_name, sizeof(st->foreign_name), "%s",
			 st->prog_name);
		goto out;
	}
	while ((p = xdp_multiprog__next_prog(p, mp))) {
		__u32 id = xdp_program__id(p);

		st->n_progs++;
		if (!prog_look(id, cfg_map_id, name, &ours) && ours) {
			st->n_ours++;
			if (!st->our_id)
				st->our_id = id;
			continue;
		}
		if (!st->n_foreign++) {
			st->foreign_id = id;
			snprintf(st->foreign_name, sizeof(st->foreign_name),
				 "%s", xdp_program__name(p));
		}
	}
out:
	xdp_multiprog__close(mp);
}

int hn_dp_xdp_query_map(__u32 cfg_map_id, __u32 ifindex,
			struct hn_dp_xdp_state *st)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	bool ours = false;
	int ret;

	memset(st, 0, sizeof(*st));
	ret = bpf_xdp_query(ifindex, 0, &q);
	if (ret)
		return ret;
	/* native and generic exclude each other; offload is not the hook */
	st->prog_id = q.drv_prog_id ? q.drv_prog_id : q.skb_prog_id;
	st->generic = !q.drv_prog_id && q.skb_prog_id;
	if (!st->prog_id)
		return 0;
	ret = prog_look(st->prog_id, cfg_map_id, st->prog_name, &ours);
	if (ret)
		return ret;
	if (!strcmp(st->prog_name, "xdp_dispatcher")) {
		st->multiprog = true;
		components(cfg_map_id, ifindex, st);
		return 0;
	}
	st->n_progs = 1;
	if (ours) {
		st->our_id = st->prog_id;
		st->n_ours = 1;
	} else {
		st->n_foreign = 1;
		st->foreign_id = st->prog_id;
		memcpy(st->foreign_name, st->prog_name, sizeof(st->prog_name));
	}
	return 0;
}

int hn_dp_xdp_query(struct hn_dp *dp, __u32 ifindex, struct hn_dp_xdp_state *st)
{
	return hn_dp_xdp_query_map(dp->cfg_map_id, ifindex, st);
}

__u32 hn_dp_config_map_id(const struct hn_dp *dp)
{
	return dp->cfg_map_id;
}

/* "xdp_count id 43", or what says that it is another data plane's */
static void prog_words(char *buf, size_t len, const char *name, __u32 id)
{
	if (!strcmp(name, "hn_xdp"))
		snprintf(buf, len,
			 "hn_xdp id %u of another HyperNet data plane", id);
	else
		snprintf(buf, len, "%s id %u", name, id);
}

void hn_dp_xdp_describe(const struct hn_dp_xdp_state *st, char *buf, size_t len)
{
	const char *mode = st->generic ? "generic" : "native";
	char other[96];
	unsigned int more;

	if (!st->prog_id) {
		snprintf(buf, len, "no XDP program");
		return;
	}
	prog_words(other, sizeof(other), st->foreign_name, st->foreign_id);
	if (!st->multiprog) {
		if (st->our_id)
			snprintf(buf, len, "HyperNet's hn_xdp id %u (%s)",
				 st->our_id, mode);
		else
			snprintf(buf, len, "XDP program %s (%s)", other, mode);
		return;
	}
	if (st->unreadable) {
		snprintf(
			buf, len,
			"libxdp dispatcher id %u (%s) whose programs are not known here (its state is on another bpffs than LIBXDP_BPFFS)",
			st->prog_id, mode);
		return;
	}
	more = st->n_foreign > 1 ? st->n_foreign - 1 : 0;
	snprintf(buf, len, "libxdp dispatcher id %u (%s) with %u program%s",
		 st->prog_id, mode, st->n_progs, st->n_progs == 1 ? "" : "s");
	if (st->our_id)
		snprintf(buf + strlen(buf), len - strlen(buf),
			 ": HyperNet's hn_xdp id %u%s", st->our_id,
			 st->n_foreign ? " and " : "");
	else if (st->n_foreign)
		snprintf(buf + strlen(buf), len - strlen(buf), ": ");
	if (st->n_foreign && more)
		snprintf(buf + strlen(buf), len - strlen(buf), "%s and %u more",
			 other, more);
	else if (st->n_foreign)
		snprintf(buf + strlen(buf), len - strlen(buf), "%s", other);
}

/* ---- ports and attachment ----------------------------------------------- */

int hn_dp_port_add(struct hn_dp *dp, __u32 ifindex, char *err, size_t errlen)

{
	struct bpf_devmap_val dv = { .ifindex = ifindex };
	struct hn_dp_port pt = { .ifindex = ifindex }, cur;
	__u32 i, slot = HN_DP_MAX_PORTS;
	int ret;

	ret = mac_of(ifindex, pt.mac);
	if (ret)
		return fail(err, errlen, ret, NULL, "MAC of ifindex %u",
			    ifindex);
	for (i = 0; i < HN_DP_MAX_PORTS; i++) {
		if (get(dp->skel->maps.hn_ports, &i, &cur))
			continue;
		if (cur.ifindex == ifindex) {
			slot = i;
			break;
		}
		if (!cur.ifindex && slot == HN_DP_MAX_PORTS)
			slot = i;
	}
	if (slot == HN_DP_MAX_PORTS)
		return fail(err, errlen, -ENOSPC, "detach an unused port",
			    "all %d mesh ports are in use", HN_DP_MAX_PORTS);
	ret = upd(dp->skel->maps.hn_tx_ports, &ifindex, &dv);
	if (ret)
		return fail(err, errlen, ret, NULL,
			    "adding ifindex %u to hn_tx_ports", ifindex);
	/* outside the privacy domain until hn_dp_port_set_domain() */
	del(dp->skel->maps.hn_priv_tx, &ifindex);
	ret = upd(dp->skel->maps.hn_ports, &slot, &pt);
	if (ret)
		return fail(err, errlen, ret, NULL, "adding port %u", ifindex);
	return hn_dp_bump(dp);
}

int hn_dp_port_del(struct hn_dp *dp, __u32 ifindex, char *err, size_t errlen)
{
	struct hn_dp_port cur, none = {};
	__u32 i;

	del(dp->skel->maps.hn_tx_ports, &ifindex);
	del(dp->skel->maps.hn_priv_tx, &ifindex);
	for (i = 0; i < HN_DP_MAX_PORTS; i++)
		if (!get(dp->skel->maps.hn_ports, &i, &cur) &&
		    cur.ifindex == ifindex)
			upd(dp->skel->maps.hn_ports, &i, &none);
	return hn_dp_bump(dp);
}

int hn_dp_port_set_domain(struct hn_dp *dp, __u32 ifindex, bool inside,
			  char *err, size_t errlen)
{
	struct bpf_devmap_val dv = { .ifindex = ifindex };
	struct hn_dp_port cur;
	__u32 i;
	int ret;

	for (i = 0; i < HN_DP_MAX_PORTS; i++) {
		if (get(dp->skel->maps.hn_ports, &i, &cur) ||
		    cur.ifindex != ifindex)
			continue;
		/*
		 * In the broadcast map before the port says inside, out of
		 * it after the port says outside: a private flood never
		 * finds a port outside among its targets.
		 */
		if (inside) {
			ret = upd(dp->skel->maps.hn_priv_tx, &ifindex, &dv);
			if (ret)
				return fail(err, errlen, ret, NULL,
					    "adding ifindex %u to hn_priv_tx",
					    ifindex);
		}
		cur.domain = inside;
		ret = upd(dp->skel->maps.hn_ports, &i, &cur);
		if (ret)
			return fail(err, errlen, ret, NULL, "setting port %u",
				    ifindex);
		if (!inside)
			del(dp->skel->maps.hn_priv_tx, &ifindex);
		return hn_dp_bump(dp);
	}
	return fail(err, errlen, -ENOENT, "attach the port first",
		    "ifindex %u is not a mesh port", ifindex);
}

int hn_dp_port_get_domain(struct hn_dp *dp, __u32 ifindex)
{
	struct hn_dp_port cur;
	__u32 i;

	for (i = 0; i < HN_DP_MAX_PORTS; i++)
		if (!get(dp->skel->maps.hn_ports, &i, &cur) &&
		    cur.ifindex == ifindex)
			return cur.domain == 1;
	return -ENOENT;
}

static __u32 xdp_flags_of(bool generic)
{
	return generic ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
}

/*
 * Put our program on the hook: in place of program @old_id if set (one
 * atomic swap, which fails if @old_id is no longer there), else only if
 * the hook is empty, so that a program attached meanwhile is not lost.
 */
static int hook_set(struct hn_dp *dp, __u32 ifindex, bool generic, __u32 old_id)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, o);
	__u32 fl = xdp_flags_of(generic);
	int ofd = -1, ret;

	if (old_id) {
		ofd = bpf_prog_get_fd_by_id(old_id);
		if (ofd < 0)
			return -errno;
		o.old_prog_fd = ofd;
	} else {
		fl |= XDP_FLAGS_UPDATE_IF_NOEXIST;
	}
	ret = bpf_xdp_attach(ifindex, hn_dp_xdp_fd(dp), fl, &o);
	if (ofd >= 0)
		close(ofd);
	return ret;
}

/* Take program @id off the hook, if it is still the one there. */
static int hook_clear(__u32 ifindex, __u32 id, bool generic)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, o);
	int fd = bpf_prog_get_fd_by_id(id), ret;

	if (fd < 0)
		return -errno;
	o.old_prog_fd = fd;
	ret = bpf_xdp_detach(ifindex, xdp_flags_of(generic), &o);
	close(fd);
	return ret;
}

/* Remove libxdp's dispatcher and everything behind it, pins included. */
static int dispatcher_clear(__u32 ifindex)
{
	struct xdp_multiprog *mp;
	int ret;

	mp = xdp_multiprog__get_from_ifindex(ifindex);
	ret = libxdp_get_error(mp);
	if (!ret)
		ret = xdp_multiprog__detach(mp);
	xdp_multiprog__close(mp);
	return ret;
}

/* Detach our programs behind the dispatcher, except @keep_id. */
static int components_clear(struct hn_dp *dp, __u32 ifindex, __u32 keep_id)
{
	struct xdp_program *p = NULL, *mine[16];
	char name[BPF_OBJ_NAME_LEN];
	struct xdp_multiprog *mp;
	size_t n = 0;
	bool ours;
	int ret;

	mp = xdp_multiprog__get_from_ifindex(ifindex);
	ret = libxdp_get_error(mp);
	if (ret)
		return ret;
	while ((p = xdp_multiprog__next_prog(p, mp)) && n < 16) {
		__u32 id = xdp_program__id(p);

		if (id != keep_id &&
		    !prog_look(id, dp->cfg_map_id, name, &ours) && ours)
			mine[n++] = p;
	}
	if (n)
		ret = xdp_program__detach_multi(mine, n, ifindex,
						XDP_MODE_UNSPEC, 0);
	xdp_multiprog__close(mp);
	return ret;
}

/*
 * A second instance of hn_xdp for libxdp's dispatcher.  libxdp loads it
 * itself, as an extension (BPF_PROG_TYPE_EXT) of one of the dispatcher's
 * slots, and reads its run config from the object's BTF; every map is
 * this data plane's, so what is pinned under the pin directory is what
 * it forwards with.  libxdp pins the link: the program stays when we go.
 */
static int ext_attach(struct hn_dp *dp, __u32 ifindex, bool generic, __u32 *id)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .object_name = "hypernet_bpf");
	DECLARE_LIBXDP_OPTS(xdp_program_opts, xo, .prog_name = "hn_xdp");
	struct xdp_program *xp = NULL;
	struct bpf_program *p;
	struct bpf_object *obj;
	struct bpf_map *m;
	const void *elf;
	size_t sz;
	int ret;

	elf = hypernet_bpf__elf_bytes(&sz);
	obj = bpf_object__open_mem(elf, sz, &oo);
	if (!obj)
		return -errno;
	bpf_object__for_each_map(m, obj) {
		struct bpf_map *mine = bpf_object__find_map_by_name(
			dp->skel->obj, bpf_map__name(m));

		ret = mine ? bpf_map__reuse_fd(m, bpf_map__fd(mine)) : -ENOENT;
		if (ret)
			goto out;
	}
	bpf_object__for_each_program(p, obj)
		bpf_program__set_autoload(p, !strcmp(bpf_program__name(p),
						     "hn_xdp"));
	xo.obj = obj;
	xp = xdp_program__create(&xo);
	ret = libxdp_get_error(xp);
	if (ret) {
		xp = NULL;
		goto out;
	}
	ret = xdp_program__attach(xp, ifindex,
				  generic ? XDP_MODE_SKB : XDP_MODE_NATIVE, 0);
	if (!ret)
		*id = xdp_program__id(xp);
out:
	xdp_program__close(xp);
	bpf_object__close(obj);
	return ret;
}

static const char *mode_name(bool generic)
{
	return generic ? "generic" : "native";
}

/*
 * Another program on @ifname, and we were not told to replace it: say
 * what is there and the ways on, as `ip link set xdp` does.
 */
static int refuse(const struct hn_dp_xdp_state *st, const char *ifname,
		  bool multi, char *err, size_t errlen)
{
	char what[256], hint[384];

	hn_dp_xdp_describe(st, what, sizeof(what));
	if (st->unreadable)
		snprintf(
			hint, sizeof(hint),
			"give every libxdp user of %s the same LIBXDP_BPFFS, or replace it with --force (hypernetd: xdp-force = 1)",
			ifname);
	else if (st->multiprog)
		snprintf(
			hint, sizeof(hint),
			"run beside its programs with --multiprog (hypernetd: xdp-mode = multiprog), or replace them all with --force (xdp-force = 1)");
	else if (multi)
		snprintf(
			hint, sizeof(hint),
			"it was not loaded through libxdp, so nothing can run beside it: load it with xdp-loader, remove it (ip link set dev %s xdp off) or replace it with --force (hypernetd: xdp-force = 1)",
			ifname);
	else
		snprintf(
			hint, sizeof(hint),
			"remove it (ip link set dev %s xdp off) or replace it with --force (hypernetd: xdp-force = 1); to run both, load it with xdp-loader and attach with --multiprog",
			ifname);
	fail(err, errlen, 0, hint, "%s already has %s; not replacing it",
	     ifname, what);
	return -EEXIST;
}

/* Plain XDP: our program alone on the hook. */
static int attach_plain(struct hn_dp *dp, const char *ifname, __u32 ifindex,
			unsigned int flags, const struct hn_dp_xdp_state *st,
			char *err, size_t errlen)
{
	bool generic = flags & HN_DP_ATTACH_GENERIC;
	int ret = 0;

	if (st->our_id && !st->multiprog) {
		/* ours (a restart, attach again): swap in place, no gap */
		if (st->generic == generic)
			return hook_set(dp, ifindex, generic, st->our_id);
		ret = hook_clear(ifindex, st->our_id, st->generic);
	} else if (st->multiprog && !st->n_foreign) {
		ret = dispatcher_clear(ifindex); /* only ours behind it */
	} else if (st->prog_id) {
		if (!(flags & HN_DP_ATTACH_FORCE))
			return refuse(st, ifname, false, err, errlen);
		if (!st->multiprog && st->generic == generic)
			return hook_set(dp, ifindex, generic, st->prog_id);
		ret = st->multiprog && !st->unreadable ?
			      dispatcher_clear(ifindex) :
			      hook_clear(ifindex, st->prog_id, st->generic);
	}
	if (ret)
		return fail(err, errlen, ret, NULL,
			    "removing the XDP program on %s", ifname);
	return hook_set(dp, ifindex, generic, 0);
}

/* Through libxdp's dispatcher, beside the programs already there. */
static int attach_multi(struct hn_dp *dp, const char *ifname, __u32 ifindex,
			unsigned int flags, const struct hn_dp_xdp_state *st,
			char *err, size_t errlen)
{
	bool generic = flags & HN_DP_ATTACH_GENERIC;
	bool joined = st->multiprog; /* an old copy of ours may be in it */
	__u32 id = 0;
	int ret = 0;

	if (st->prog_id && (!st->multiprog || st->unreadable)) {
		if (!st->our_id && !(flags & HN_DP_ATTACH_FORCE))
			return refuse(st, ifname, true, err, errlen);
		ret = hook_clear(ifindex, st->prog_id, st->generic);
		joined = false;
	} else if (st->multiprog && st->generic != generic) {
		if (st->n_foreign) {
			fail(err, errlen, 0,
			     generic ? "attach without --generic" :
				       "attach with --generic",
			     "%s runs libxdp's dispatcher in %s mode with other programs; ours must join it in that mode",
			     ifname, mode_name(st->generic));
			return -EEXIST;
		}
		ret = dispatcher_clear(ifindex); /* only ours behind it */
		joined = false;
	}
	if (ret)
		return fail(err, errlen, ret, NULL,
			    "removing the XDP program on %s", ifname);
	ret = ext_attach(dp, ifindex, generic, &id);
	if (ret)
		return fail(
			err, errlen, ret,
			"libxdp needs its xdp-dispatcher.o (package libxdp1), a kernel that loads freplace programs, and a bpffs at LIBXDP_BPFFS (default /sys/fs/bpf), the same for every libxdp user of the port",
			"attaching through libxdp's dispatcher on %s (%s)",
			ifname, last_said());
	/* the old copy leaves after the new one is in: no gap */
	if (joined && st->n_ours)
		components_clear(dp, ifindex, id);
	return 0;
}

static int xdp_attach(struct hn_dp *dp, const char *ifname, __u32 ifindex,
		      unsigned int flags, char *err, size_t errlen)
{
	struct hn_dp_xdp_state st;
	struct quiet q;
	int ret;

	ret = hn_dp_xdp_query(dp, ifindex, &st);
	if (ret)
		return fail(err, errlen, ret, NULL,
			    "reading the XDP program of %s", ifname);
	quiet_on(&q);
	if (flags & HN_DP_ATTACH_MULTI)
		ret = attach_multi(dp, ifname, ifindex, flags, &st, err,
				   errlen);
	else
		ret = attach_plain(dp, ifname, ifindex, flags, &st, err,
				   errlen);
	quiet_off(&q);
	if (!ret || (err && *err))
		return ret;
	/* EBUSY: a program came between the look and the attach */
	if (ret == -EBUSY && !hn_dp_xdp_query(dp, ifindex, &st) && st.prog_id)
		return refuse(&st, ifname, flags & HN_DP_ATTACH_MULTI, err,
			      errlen);
	if (err) {
		if (flags & HN_DP_ATTACH_GENERIC)
			return fail(err, errlen, ret, NULL,
				    "XDP generic attach on %s failed", ifname);
		return fail(err, errlen, ret, "try --generic",
			    "XDP native attach on %s failed", ifname);
	}
	return ret;
}

/* Take our programs off the hook (@st: what is there); others stay. */
static int xdp_detach(struct hn_dp *dp, __u32 ifindex,
		      const struct hn_dp_xdp_state *st)
{
	struct quiet q;
	int ret;

	if (!st->n_ours)
		return 0;
	quiet_on(&q);
	if (st->multiprog)
		ret = components_clear(dp, ifindex, 0);
	else
		ret = hook_clear(ifindex, st->our_id, st->generic);
	quiet_off(&q);
	return ret;
}

int hn_dp_attach(struct hn_dp *dp, const char *ifname, unsigned int flags,
		 char *err, size_t errlen)
{
	unsigned int ifindex = if_nametoindex(ifname);
	struct hn_dp_xdp_state st;
	int ret;

	if (!ifindex)
		return fail(err, errlen, -ENODEV, "check the name with ip link",
			    "no interface %s", ifname);
	if (err && errlen)
		*err = '\0';
	ret = hn_dp_port_add(dp, ifindex, err, errlen);
	if (ret)
		return ret;
	ret = xdp_attach(dp, ifname, ifindex, flags, err, errlen);
	if (ret) {
		hn_dp_port_del(dp, ifindex, NULL, 0);
		return ret;
	}
	if (!(flags & HN_DP_ATTACH_NO_TC)) {
		DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
				    .attach_point = BPF_TC_INGRESS);
		DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = 1,
				    .priority = 1, .flags = BPF_TC_F_REPLACE,
				    .prog_fd = bpf_program__fd(
					    dp->skel->progs.hn_tc_ingress));
		struct quiet q;

		/* the kernel's note on a clsact qdisc already there */
		quiet_on(&q);
		ret = bpf_tc_hook_create(&hook);
		quiet_off(&q);
		if (ret && ret != -EEXIST) {
			fail(err, errlen, ret,
			     "member multicast will not be forwarded; is sch_clsact available?",
			     "TC clsact hook on %s", ifname);
			goto undo;
		}
		ret = bpf_tc_attach(&hook, &opts);
		if (ret) {
			fail(err, errlen, ret, NULL, "TC ingress attach on %s",
			     ifname);
			goto undo;
		}
	}
	return 0;
undo:
	if (!hn_dp_xdp_query(dp, ifindex, &st))
		xdp_detach(dp, ifindex, &st);
	hn_dp_port_del(dp, ifindex, NULL, 0);
	return ret;
}

int hn_dp_detach(struct hn_dp *dp, const char *ifname, char *err, size_t errlen)
{
	unsigned int ifindex = if_nametoindex(ifname);
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .attach_point = BPF_TC_INGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = 1, .priority = 1);
	struct hn_dp_xdp_state st;
	char what[256];
	struct quiet q;
	int ret;

	if (!ifindex)
		return fail(err, errlen, -ENODEV, NULL, "no interface %s",
			    ifname);
	hook.ifindex = ifindex;
	quiet_on(&q);
	bpf_tc_detach(&hook, &opts); /* may not be there: NO_TC */
	quiet_off(&q);
	ret = hn_dp_xdp_query(dp, ifindex, &st);
	if (!ret)
		ret = xdp_detach(dp, ifindex, &st);
	hn_dp_port_del(dp, ifindex, NULL, 0);
	if (ret)
		return fail(err, errlen, ret, NULL, "XDP detach on %s", ifname);
	/* another program is not ours to remove */
	if (!st.n_ours && st.prog_id) {
		hn_dp_xdp_describe(&st, what, sizeof(what));
		fail(err, errlen, 0, NULL,
		     "%s has %s, not HyperNet's: left in place", ifname, what);
		return -EEXIST;
	}
	return 0;
}

/* ---- config ------------------------------------------------------------- */

int hn_dp_set_config(struct hn_dp *dp, const struct hn_dp_config *cfg,
		     char *err, size_t errlen)
{
	struct hn_dp_config old;
	__u32 zero = 0;
	int ret, margin;

	if (cfg->node_id == HN_GROUP_ALL)
		return fail(err, errlen, -EINVAL, NULL,
			    "node id 0xffffffff is the all-nodes group");
	margin = get(dp->skel->maps.hn_config, &zero, &old) ||
		 old.margin_min != cfg->margin_min ||
		 old.split_step != cfg->split_step;
	ret = upd(dp->skel->maps.hn_config, &zero, cfg);
	if (ret)
		return fail(err, errlen, ret, NULL, "writing hn_config");
	/*
	 * The decision table carries the config its frames need, so a flip
	 * in any case; decisions compiled for the old margin: every row anew.
	 */
	ret = decide_publish(dp, margin, HN_DP_ROUTE_TAB_SIZE, NULL);
	if (ret)
		return fail(err, errlen, ret, NULL,
			    "compiling decisions for margin %d",
			    cfg->margin_min);
	return 0;
}

int hn_dp_get_config(struct hn_dp *dp, struct hn_dp_config *cfg)
{
	__u32 zero = 0;

	return get(dp->skel->maps.hn_config, &zero, cfg);
}

int hn_dp_split_step(struct hn_dp *dp)
{
	const struct hn_dp_decide *lv;
	struct hn_dp_config cfg;
	__u32 r;
	__u64 e;
	int ret;

	ret = hn_dp_get_config(dp, &cfg);
	if (!ret)
		ret = hn_dp_get_epoch(dp, &e);
	if (ret || !cfg.split_step)
		return ret;
	lv = &dp->dec[HN_EPOCH_SLOT(e)];
	for (r = 0; r < HN_DP_ROUTE_TAB_SIZE; r++)
		if (row_splits(lv, r))
			break;
	if (r == HN_DP_ROUTE_TAB_SIZE)
		return 0;
	return decide_publish_step(dp, 0, HN_DP_ROUTE_TAB_SIZE, NULL,
				   cfg.split_step);
}

/* ---- models ------------------------------------------------------------- */

int hn_dp_model_check(const struct hn_rt_model *m, char *err, size_t errlen)
{
	__s64 maxb = 0;
	int j;

	if (m->shift1 > HN_SHIFT_MAX)
		return fail(err, errlen, -EINVAL, NULL,
			    "model shift1 %u exceeds %d", m->shift1,
			    HN_SHIFT_MAX);
	for (j = 0; j < HN_RT_HIDDEN; j++) {
		__s64 b = m->b1[j] < 0 ? -(__s64)m->b1[j] : m->b1[j];

		if (b > maxb)
			maxb = b;
	}
	if (maxb > HN_BIAS_MAX || !hn_layer_fits(HN_RT_NFEAT, maxb))
		return fail(err, errlen, -EINVAL, NULL,
			    "model bias b1 up to %lld could overflow int32",
			    (long long)maxb);
	/* |W2 h| <= 8 * 128 * 128, so b2 within HN_BIAS_MAX cannot wrap */
	if (m->b2 > HN_BIAS_MAX || m->b2 < -HN_BIAS_MAX)
		return fail(err, errlen, -EINVAL, NULL,
			    "model bias b2 %d out of range", m->b2);
	return 0;
}

static int slot_model(struct hn_dp *dp, __u32 slot, struct hn_dp_model *md)
{
	int ret = get(dp->skel->maps.hn_models, &slot, md);

	if (!ret && !md->valid)
		ret = -ENOENT;
	return ret;
}

int hn_dp_get_model(struct hn_dp *dp, struct hn_rt_model *m)
{
	struct hn_dp_model md;
	__u64 e;
	int ret = hn_dp_get_epoch(dp, &e);

	if (ret)
		return ret;
	ret = slot_model(dp, HN_EPOCH_SLOT(e), &md);
	if (!ret)
		*m = md.m;
	return ret;
}

/* A model install (@m NULL: removal): a new table in the other slot. */
static int flip_to(struct hn_dp *dp, const struct hn_rt_model *m, char *err,
		   size_t errlen)
{
	struct hn_dp_model md = {};
	__u32 slot;
	__u64 e;
	int ret;

	ret = hn_dp_get_epoch(dp, &e);
	if (ret)
		return fail(err, errlen, ret, NULL, "reading hn_epoch");
	slot = HN_EPOCH_SLOT(e) ^ 1;
	if (m) {
		md.valid = 1;
		md.m = *m;
		/* hn_dp_model_check() passed, so this cannot fail */
		if (hn_rt_compile(m, &md.c))
			return fail(err, errlen, -EINVAL, NULL,
				    "model cannot be compiled");
	}
	/* the slot is not live: nobody reads it until the flip */
	score_build(dp, &dp->score[slot], m ? &md : NULL);
	dp->score[slot].ver = HN_EPOCH_GEN(e) + 1;
	ret = decide_rows(dp, slot, 1, 0, HN_DP_ROUTE_TAB_SIZE, NULL, 0);
	if (!ret)
		ret = score_publish(dp, e, slot, m ? &md : NULL);
	if (ret)
		return fail(err, errlen, ret, NULL, "installing model slot %u",
			    slot);
	return 0;
}

int hn_dp_install_model(struct hn_dp *dp, const struct hn_rt_model *m,
			char *err, size_t errlen)
{
	int ret = hn_dp_model_check(m, err, errlen);

	return ret ? ret : flip_to(dp, m, err, errlen);
}

int hn_dp_clear_model(struct hn_dp *dp)
{
	return flip_to(dp, NULL, NULL, 0);
}

/* ---- neighbours --------------------------------------------------------- */

/* score_neigh_refresh()'s write of neighbour @idx, @arg, and its id. */
static int neigh_write(struct hn_dp *dp, __u32 idx, void *arg)
{
	const struct hn_dp_neigh *nb = arg;
	int ret = upd(dp->skel->maps.hn_neigh, &idx, nb);

	if (!ret)
		neigh_stamp(dp, idx, nb->last_seen_ns);
	return ret ? ret : upd(dp->skel->maps.hn_neigh_ids, &nb->node, &idx);
}

/* score_neigh_refresh()'s removal of neighbour @idx, node id @arg. */
static int neigh_clear(struct hn_dp *dp, __u32 idx, void *arg)
{
	struct hn_dp_neigh none = {};

	neigh_stamp(dp, idx, 0);
	del(dp->skel->maps.hn_neigh_ids, arg);
	return upd(dp->skel->maps.hn_neigh, &idx, &none);
}

/* What the decision table's copy of a neighbour holds moved (not time). */
static int neigh_tx_moved(const struct hn_dp_neigh *a,
			  const struct hn_dp_neigh *b)
{
	struct hn_dp_neigh x = *a, y = *b;

	x.last_seen_ns = y.last_seen_ns = 0;
	return memcmp(&x, &y, sizeof(x)) != 0;
}

int hn_dp_set_neigh(struct hn_dp *dp, __u32 idx, const struct hn_dp_neigh *in,
		    char *err, size_t errlen)
{
	static const __u8 zmac[6];
	struct hn_dp_neigh nb = *in, old;
	__u32 i;
	int ret;

	if (idx >= HN_DP_MAX_NEIGH)
		return fail(err, errlen, -EINVAL, NULL,
			    "neighbour index %u is not below %d", idx,
			    HN_DP_MAX_NEIGH);
	if (!in->node || in->node == HN_GROUP_ALL || !in->ifindex)
		return fail(err, errlen, -EINVAL, NULL,
			    "neighbour %u needs a node id and an ifindex", idx);
	for (i = 0; i < HN_NB_NFEAT; i++)
		if (in->feat[i] > HN_FEAT_MAX)
			return fail(err, errlen, -EINVAL,
				    "scale features with hn_scale_*",
				    "neighbour feature %u is %u, above %d", i,
				    in->feat[i], HN_FEAT_MAX);
	if (get(dp->skel->maps.hn_neigh, &idx, &old))
		memset(&old, 0, sizeof(old));
	nb.valid = 1;
	if (!nb.last_seen_ns)
		nb.last_seen_ns = old.valid && old.node == nb.node ?
					  old.last_seen_ns :
					  hn_dp_now_ns();
	if (!memcmp(nb.port_mac, zmac, 6)) {
		ret = mac_of(nb.ifindex, nb.port_mac);
		if (ret)
			return fail(err, errlen, ret, NULL,
				    "MAC of ifindex %u (neighbour %u)",
				    nb.ifindex, idx);
	}
	if (old.valid && old.node != nb.node)
		del(dp->skel->maps.hn_neigh_ids, &old.node);
	if (old.valid && !memcmp(old.feat, nb.feat, sizeof(nb.feat))) {
		/*
		 * Same scores: the tables stay, the generation moves; a new
		 * port or MAC goes to the decision table's copy by a flip.
		 */
		ret = neigh_write(dp, idx, &nb);
		if (!ret && neigh_tx_moved(&old, &nb))
			ret = decide_publish(dp, 0, HN_DP_ROUTE_TAB_SIZE, NULL);
		else if (!ret)
			ret = hn_dp_bump(dp);
	} else {
		ret = score_neigh_refresh(dp, idx, nb.feat, neigh_write, &nb);
	}
	if (ret)
		return fail(err, errlen, ret, NULL, "writing neighbour %u",
			    idx);
	return 0;
}

int hn_dp_get_neigh(struct hn_dp *dp, __u32 idx, struct hn_dp_neigh *nb)
{
	int ret = get(dp->skel->maps.hn_neigh, &idx, nb);

	if (!ret && !nb->valid)
		ret = -ENOENT;
	return ret;
}

int hn_dp_del_neigh(struct hn_dp *dp, __u32 idx)
{
	struct hn_dp_neigh nb;
	int ret = hn_dp_get_neigh(dp, idx, &nb);
	void *zero;

	if (ret)
		return ret;
	ret = score_neigh_refresh(dp, idx, NULL, neigh_clear, &nb.node);
	/* the slot's next neighbour starts its counts from zero */
	zero = calloc(ncpus(), percpu_stride(sizeof(struct hn_dp_nb_stats)));
	if (!ret && zero)
		upd(dp->skel->maps.hn_nb_stats, &idx, zero);
	free(zero);
	return ret;
}

/* ---- routes, tasks, groups ---------------------------------------------- */

/*
 * hn_route_tab, the direct-mapped copy of hn_routes (dataplane.h).  The
 * program may read a slot while it is written, so a slot's destination
 * is written apart from its route: tab_clear() sets it to 0 (frames fall
 * back to hn_routes), tab_put() writes the route under dst 0, then the
 * same bytes with dst set.  A frame sees a slot that misses or a whole
 * route under its own destination.  A slot never holds a route that
 * hn_routes does not: it is cleared before a change to the hash.
 *
 * The decision table's row for the slot names the route's neighbours by
 * itself, tagged with its destination, and frames read it without the
 * route: a route removed first leaves the table by a flip
 * (hn_dp_del_route()).  A route replaced keeps its old row until
 * tab_put()'s flip to its new one, which is a moment earlier in what the
 * frames see, not another route's decisions.
 */
static int tab_clear(struct hn_dp *dp, __u32 dst)
{
	const struct bpf_map *tab = dp->skel->maps.hn_route_tab;
	__u32 k = hn_dp_route_slot(dst);
	struct hn_dp_route_ent cur;
	int ret = get(tab, &k, &cur);

	if (ret || cur.dst != dst)
		return ret;
	cur.dst = 0;
	return upd(tab, &k, &cur);
}

/* Entry @e into slot @k: its route under dst 0, then its dst. */
static int tab_write(struct hn_dp *dp, __u32 k, const struct hn_dp_route_ent *e)
{
	const struct bpf_map *tab = dp->skel->maps.hn_route_tab;
	struct hn_dp_route_ent w = *e;
	int ret;

	w.dst = 0;
	ret = upd(tab, &k, &w);
	return ret ? ret : upd(tab, &k, e);
}

/* Route @dst into its slot if that is free; else hn_routes only. */
static int tab_put(struct hn_dp *dp, __u32 dst, const struct hn_dp_route *rt)
{
	const struct bpf_map *tab = dp->skel->maps.hn_route_tab;
	struct hn_dp_route_ent cur, e = { .rt = *rt };
	__u32 k = hn_dp_route_slot(dst);
	int ret = get(tab, &k, &cur);

	if (ret || cur.dst)
		return ret;
	/*
	 * Its decisions first, in the other slot, then the flip: frames
	 * decide by the new row from the flip on, and one that read the old
	 * epoch finds it moved when it reads it again (hn_table_pick()).
	 */
	e.dst = dst;
	ret = decide_publish(dp, 0, k, &e);
	return ret ? ret : tab_write(dp, k, &e);
}

int hn_dp_set_route(struct hn_dp *dp, __u32 dst, const struct hn_dp_route *rt,
		    char *err, size_t errlen)
{
	int i, ret, bump;

	if (!dst || dst == HN_GROUP_ALL)
		return fail(err, errlen, -EINVAL, NULL,
			    "route destination %#x is not a node", dst);
	if (!rt->n_cand || rt->n_cand > HN_DP_MAX_CAND || rt->def >= rt->n_cand)
		return fail(err, errlen, -EINVAL, NULL,
			    "route to %u: %u candidates (1..%d), default %u",
			    dst, rt->n_cand, HN_DP_MAX_CAND, rt->def);
	for (i = 0; i < rt->n_cand; i++)
		if (rt->cand[i].neigh >= HN_DP_MAX_NEIGH ||
		    rt->cand[i].dist != hn_rt_route_feat(hn_rt_route_bucket(
						rt->cand[i].dist)))
			return fail(
				err, errlen, -EINVAL,
				"distances are hn_scale_hops() features: 0, 8, .. 120",
				"route to %u: candidate %d (neighbour %u, distance %u) out of range",
				dst, i, rt->cand[i].neigh, rt->cand[i].dist);
	ret = tab_clear(dp, dst);
	if (ret)
		return fail(err, errlen, ret, NULL,
			    "clearing the route to %u in hn_route_tab", dst);
	ret = upd(dp->skel->maps.hn_routes, &dst, rt);
	if (ret)
		return fail(err, errlen, ret,
			    ret == -E2BIG ? "the route table is full" : NULL,
			    "writing the route to %u", dst);
	/* the route is in the hash: a failure here only costs speed */
	ret = tab_put(dp, dst, rt);
	if (ret)
		fail(err, errlen, ret, NULL,
		     "writing the route to %u to hn_route_tab", dst);
	bump = hn_dp_bump(dp);
	return ret ? ret : bump;
}

int hn_dp_get_route(struct hn_dp *dp, __u32 dst, struct hn_dp_route *rt)
{
	return get(dp->skel->maps.hn_routes, &dst, rt);
}

/*
 * A route of the hash other than @dst whose slot is @k, into @e (e->dst
 * 0: none), to take the slot @dst leaves.
 */
static void tab_heir(struct hn_dp *dp, __u32 k, __u32 dst,
		     struct hn_dp_route_ent *e)
{
	const struct bpf_map *routes = dp->skel->maps.hn_routes;
	__u32 key, next, *prev = NULL;

	memset(e, 0, sizeof(*e));
	while (!bpf_map_get_next_key(mfd(routes), prev, &next)) {
		key = next;
		prev = &key;
		if (key != dst && hn_dp_route_slot(key) == k &&
		    !get(routes, &key, &e->rt)) {
			e->dst = key;
			return;
		}
	}
}

int hn_dp_del_route(struct hn_dp *dp, __u32 dst)
{
	const struct bpf_map *tab = dp->skel->maps.hn_route_tab;
	struct hn_dp_route_ent cur, heir = {};
	__u32 k = hn_dp_route_slot(dst);
	int ret, bump;

	ret = get(tab, &k, &cur);
	if (ret)
		return ret;
	/*
	 * Frames decide by the table's row without reading the route: the
	 * row leaves first, by a flip, and in the same flip a route that
	 * had to make do with the hash takes the slot (it has no row yet);
	 * then hn_route_tab and the hash.
	 */
	if (cur.dst == dst || !cur.dst) {
		tab_heir(dp, k, dst, &heir);
		ret = decide_publish(dp, 0, k, &heir);
		cur.dst = 0;
		if (!ret)
			ret = upd(tab, &k, &cur);
	}
	if (!ret)
		ret = del(dp->skel->maps.hn_routes, &dst);
	if (!ret && heir.dst)
		ret = tab_write(dp, k, &heir);
	bump = hn_dp_bump(dp);
	return ret ? ret : bump;
}

int hn_dp_set_task(struct hn_dp *dp, __u32 task, const struct hn_dp_task *t,
		   char *err, size_t errlen)
{
	__u32 i;
	int ret;

	if (!task)
		return fail(err, errlen, -EINVAL, NULL, "task class 0");
	if (!t->n_host || t->n_host > HN_DP_MAX_CAND)
		return fail(err, errlen, -EINVAL, NULL,
			    "task %u: %u hosts (1..%d)", task, t->n_host,
			    HN_DP_MAX_CAND);
	for (i = 0; i < t->n_host; i++)
		if (!t->host[i].node || t->host[i].load > HN_FEAT_MAX ||
		    t->host[i].capacity > HN_FEAT_MAX)
			return fail(err, errlen, -EINVAL, NULL,
				    "task %u: host %u invalid", task, i);
	ret = upd(dp->skel->maps.hn_tasks, &task, t);
	if (ret)
		return fail(err, errlen, ret, NULL, "writing task %u", task);
	return hn_dp_bump(dp);
}

int hn_dp_get_task(struct hn_dp *dp, __u32 task, struct hn_dp_task *t)
{
	return get(dp->skel->maps.hn_tasks, &task, t);
}

int hn_dp_del_task(struct hn_dp *dp, __u32 task)
{
	int ret = del(dp->skel->maps.hn_tasks, &task);

	return ret ? ret : hn_dp_bump(dp);
}

int hn_dp_join(struct hn_dp *dp, __u32 group)
{
	__u32 one = 1;
	int ret = upd(dp->skel->maps.hn_groups, &group, &one);

	return ret ? ret : hn_dp_bump(dp);
}

int hn_dp_leave(struct hn_dp *dp, __u32 group)
{
	int ret = del(dp->skel->maps.hn_groups, &group);

	return ret ? ret : hn_dp_bump(dp);
}

/* ---- stats, trace, fds -------------------------------------------------- */

/* The fast path's one counter, fast_fwd, is three (dataplane.h). */
static void stats_fold(struct hn_dp_stats *st)
{
	st->rx += st->fast_fwd;
	st->decisions += st->fast_fwd;
	st->fwd_redirect += st->fast_fwd;
	st->fast_fwd = 0;
}

int hn_dp_stats_sum(int map_fd, struct hn_dp_stats *st)
{
	int ret = percpu_sum(map_fd, 0, st, sizeof(*st));

	if (!ret)
		stats_fold(st);
	/* callers may report strerror(errno) */
	if (ret)
		errno = -ret;
	return ret;
}

int hn_dp_get_nb_stats(struct hn_dp *dp, __u32 idx, struct hn_dp_nb_stats *st)
{
	return percpu_sum(mfd(dp->skel->maps.hn_nb_stats), idx, st,
			  sizeof(*st));
}

int hn_dp_get_stats(struct hn_dp *dp, struct hn_dp_stats *st)
{
	return hn_dp_stats_sum(mfd(dp->skel->maps.hn_stats), st);
}

static int zero_percpu(const struct bpf_map *m, size_t size)
{
	__u32 zero = 0;
	void *all = calloc(ncpus(), percpu_stride(size));
	int ret;

	if (!all)
		return -ENOMEM;
	ret = upd(m, &zero, all);
	free(all);
	return ret;
}

int hn_dp_reset_stats(struct hn_dp *dp)
{
	return zero_percpu(dp->skel->maps.hn_stats, sizeof(struct hn_dp_stats));
}

int hn_dp_reset_trace(struct hn_dp *dp)
{
	return zero_percpu(dp->skel->maps.hn_trace, sizeof(struct hn_dp_trace));
}

int hn_dp_get_trace(struct hn_dp *dp, struct hn_dp_trace *tr)
{
	size_t stride = percpu_stride(sizeof(*tr));
	const struct hn_dp_trace *t, *best = NULL;
	char *all;
	int n, c;

	n = percpu_read(mfd(dp->skel->maps.hn_trace), 0, sizeof(*tr), &all);
	if (n < 0)
		return n;
	for (c = 0; c < n; c++) {
		t = (const void *)(all + c * stride);
		if (t->seq && (!best || t->time_ns > best->time_ns))
			best = t;
	}
	if (best)
		*tr = *best;
	free(all);
	return best ? 0 : -ENOENT;
}

int hn_dp_xdp_fd(struct hn_dp *dp)
{
	return bpf_program__fd(dp->skel->progs.hn_xdp);
}

int hn_dp_tc_fd(struct hn_dp *dp)
{
	return bpf_program__fd(dp->skel->progs.hn_tc_ingress);
}

int hn_dp_xdp_meta(struct hn_dp *dp)
{
	return !!dp->skel->rodata->hn_meta_ok;
}

int hn_dp_map_fd(struct hn_dp *dp, const char *name)
{
	struct bpf_map *m;

	/* hn_decide is .bss (pin_name()) */
	m = strcmp(name, "hn_decide") ?
		    bpf_object__find_map_by_name(dp->skel->obj, name) :
		    dp->skel->maps.bss;
	return m ? bpf_map__fd(m) : -ENOENT;
}

int hn_dp_verified_insns(struct hn_dp *dp, __u32 *insns)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(hn_dp_xdp_fd(dp), &info, &len))
		return -errno;
	*insns = info.verified_insns;
	return 0;
}

/* ---- read-only view of the pinned maps ---------------------------------- */

enum ro_map {
	RO_CONFIG,
	RO_EPOCH,
	RO_MODELS,
	RO_NEIGH,
	RO_ROUTES,
	RO_TASKS,
	RO_GROUPS,
	RO_STATS,
	RO_TRACE,
	RO_PORTS,
	RO_NMAPS
};

/*
 * The maps the view reads, as bpf/hn_maps.h defines them: a pin from
 * another version would have the kernel copy a value of another size into
 * ours, so it is refused instead.
 */
static const struct {
	const char *name;
	enum bpf_map_type type;
	__u32 value_size;
} ro_maps[RO_NMAPS] = {
#define RO_MAP(name, type, value)                        \
	{                                                \
		name, BPF_MAP_TYPE_##type, sizeof(value) \
	}
	[RO_CONFIG] = RO_MAP("hn_config", ARRAY, struct hn_dp_config),
	[RO_EPOCH] = RO_MAP("hn_epoch", ARRAY, __u64),
	[RO_MODELS] = RO_MAP("hn_models", ARRAY, struct hn_dp_model),
	[RO_NEIGH] = RO_MAP("hn_neigh", ARRAY, struct hn_dp_neigh),
	[RO_ROUTES] = RO_MAP("hn_routes", HASH, struct hn_dp_route),
	[RO_TASKS] = RO_MAP("hn_tasks", HASH, struct hn_dp_task),
	[RO_GROUPS] = RO_MAP("hn_groups", HASH, __u32),
	[RO_STATS] = RO_MAP("hn_stats", PERCPU_ARRAY, struct hn_dp_stats),
	[RO_TRACE] = RO_MAP("hn_trace", PERCPU_ARRAY, struct hn_dp_trace),
	[RO_PORTS] = RO_MAP("hn_ports", ARRAY, struct hn_dp_port),
#undef RO_MAP
};

struct hn_dp_ro {
	int fd[RO_NMAPS];
	__u32 cfg_map_id;
	int nb_fd; /* hn_nb_stats, opened on first use */
	char pin_dir[448];
};

/* Open pin @path of map @m read-only and check that it is that map. */
static int ro_open_map(struct hn_dp_ro *ro, enum ro_map m, const char *path,
		       char *err, size_t errlen)
{
	LIBBPF_OPTS(bpf_obj_get_opts, opts, .file_flags = BPF_F_RDONLY);
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	ro->fd[m] = bpf_obj_get_opts(path, &opts);
	if (ro->fd[m] < 0)
		return fail(err, errlen, -errno, NULL,
			    "cannot open pinned map %s", path);
	if (bpf_obj_get_info_by_fd(ro->fd[m], &info, &len))
		return fail(err, errlen, -errno, NULL, "reading the info of %s",
			    ro_maps[m].name);
	if (info.type != ro_maps[m].type || info.key_size != sizeof(__u32) ||
	    info.value_size != ro_maps[m].value_size)
		return fail(
			err, errlen, -EINVAL,
			"maps pinned by another version: reload the data plane (hnctl detach; rm -r the pin directory)",
			"%s is not this version's map (type %u, value %u bytes; want type %u, %u bytes)",
			path, info.type, info.value_size, ro_maps[m].type,
			ro_maps[m].value_size);
	if (m == RO_CONFIG)
		ro->cfg_map_id = info.id;
	return 0;
}

int hn_dp_ro_open(struct hn_dp_ro **rop, const char *pin_dir, char *err,
		  size_t errlen)
{
	struct hn_dp_ro *ro;
	char path[512];
	int m, ret = 0;

	*rop = NULL;
	ro = malloc(sizeof(*ro));
	if (!ro)
		return fail(err, errlen, -ENOMEM, NULL, "out of memory");
	for (m = 0; m < RO_NMAPS; m++)
		ro->fd[m] = -1;
	ro->nb_fd = -1;
	snprintf(ro->pin_dir, sizeof(ro->pin_dir), "%s", pin_dir);
	for (m = 0; m < RO_NMAPS && !ret; m++) {
		snprintf(path, sizeof(path), "%s/%s", pin_dir, ro_maps[m].name);
		ret = ro_open_map(ro, m, path, err, errlen);
	}
	if (ret) {
		hn_dp_ro_close(ro);
		return ret;
	}
	*rop = ro;
	return 0;
}

void hn_dp_ro_close(struct hn_dp_ro *ro)
{
	int m;

	if (!ro)
		return;
	for (m = 0; m < RO_NMAPS; m++)
		if (ro->fd[m] >= 0)
			close(ro->fd[m]);
	if (ro->nb_fd >= 0)
		close(ro->nb_fd);
	free(ro);
}

/* Element @key of map @m into @val. */
static int ro_get(struct hn_dp_ro *ro, enum ro_map m, __u32 key, void *val,
		  char *err, size_t errlen)
{
	if (bpf_map_lookup_elem(ro->fd[m], &key, val))
		return fail(err, errlen, -errno, NULL, "reading %s[%u]",
			    ro_maps[m].name, key);
	return 0;
}

/*
 * The key after *@prev in hash map @m (@prev NULL: the first) into *@key,
 * its value into @val unless NULL; an entry deleted meanwhile is skipped.
 * -ENOENT after the last.
 */
static int ro_next(struct hn_dp_ro *ro, enum ro_map m, const __u32 *prev,
		   __u32 *key, void *val, char *err, size_t errlen)
{
	for (;;) {
		if (bpf_map_get_next_key(ro->fd[m], prev, key))
			return errno == ENOENT ?
				       -ENOENT :
				       fail(err, errlen, -errno, NULL,
					    "walking %s", ro_maps[m].name);
		if (!val || !bpf_map_lookup_elem(ro->fd[m], key, val))
			return 0;
		prev = key; /* deleted meanwhile: on to the next */
	}
}

int hn_dp_ro_config(struct hn_dp_ro *ro, struct hn_dp_config *cfg, char *err,
		    size_t errlen)
{
	return ro_get(ro, RO_CONFIG, 0, cfg, err, errlen);
}

int hn_dp_ro_epoch(struct hn_dp_ro *ro, __u64 *epoch, char *err, size_t errlen)
{
	return ro_get(ro, RO_EPOCH, 0, epoch, err, errlen);
}

int hn_dp_ro_model(struct hn_dp_ro *ro, __u32 slot, struct hn_dp_model *md,
		   char *err, size_t errlen)
{
	return ro_get(ro, RO_MODELS, slot, md, err, errlen);
}

int hn_dp_ro_neigh(struct hn_dp_ro *ro, __u32 idx, struct hn_dp_neigh *nb,
		   char *err, size_t errlen)
{
	return ro_get(ro, RO_NEIGH, idx, nb, err, errlen);
}

int hn_dp_ro_port(struct hn_dp_ro *ro, __u32 slot, struct hn_dp_port *pt,
		  char *err, size_t errlen)
{
	return ro_get(ro, RO_PORTS, slot, pt, err, errlen);
}

int hn_dp_ro_next_route(struct hn_dp_ro *ro, const __u32 *prev, __u32 *dst,
			struct hn_dp_route *rt, char *err, size_t errlen)
{
	return ro_next(ro, RO_ROUTES, prev, dst, rt, err, errlen);
}

int hn_dp_ro_next_task(struct hn_dp_ro *ro, const __u32 *prev, __u32 *task,
		       struct hn_dp_task *t, char *err, size_t errlen)
{
	return ro_next(ro, RO_TASKS, prev, task, t, err, errlen);
}

int hn_dp_ro_next_group(struct hn_dp_ro *ro, const __u32 *prev, __u32 *group,
			char *err, size_t errlen)
{
	return ro_next(ro, RO_GROUPS, prev, group, NULL, err, errlen);
}

int hn_dp_ro_stats(struct hn_dp_ro *ro, struct hn_dp_stats *st, char *err,
		   size_t errlen)
{
	int ret = percpu_sum(ro->fd[RO_STATS], 0, st, sizeof(*st));

	if (!ret)
		stats_fold(st);
	return ret ? fail(err, errlen, ret, NULL, "reading hn_stats[0]") : 0;
}

int hn_dp_ro_nb_stats(struct hn_dp_ro *ro, __u32 idx, struct hn_dp_nb_stats *st,
		      char *err, size_t errlen)
{
	int ret;

	/* optional: pins made before it lack it */
	if (ro->nb_fd < 0) {
		LIBBPF_OPTS(bpf_obj_get_opts, opts, .file_flags = BPF_F_RDONLY);
		char path[512];

		snprintf(path, sizeof(path), "%s/hn_nb_stats", ro->pin_dir);
		ro->nb_fd = bpf_obj_get_opts(path, &opts);
		if (ro->nb_fd < 0)
			return fail(err, errlen, -errno, NULL,
				    "cannot open pinned map %s", path);
	}
	ret = percpu_sum(ro->nb_fd, idx, st, sizeof(*st));
	return ret ? fail(err, errlen, ret, NULL, "reading hn_nb_stats[%u]",
			  idx) :
		     0;
}

int hn_dp_ro_traces(struct hn_dp_ro *ro, struct hn_dp_trace **tr, int *ncpu,
		    char *err, size_t errlen)
{
	size_t size = sizeof(**tr), stride = percpu_stride(size);
	char *all;
	int n, c;

	n = percpu_read(ro->fd[RO_TRACE], 0, size, &all);
	if (n < 0)
		return fail(err, errlen, n, NULL, "reading hn_trace[0]");
	/* one struct after the other, for the caller's array */
	for (c = 1; stride != size && c < n; c++)
		memmove(all + c * size, all + c * stride, size);
	*tr = (struct hn_dp_trace *)all;
	*ncpu = n;
	return 0;
}

__u32 hn_dp_ro_config_map_id(const struct hn_dp_ro *ro)
{
	return ro->cfg_map_id;
}

int hn_dp_ro_xdp_query(struct hn_dp_ro *ro, __u32 ifindex,
		       struct hn_dp_xdp_state *st)
{
	return hn_dp_xdp_query_map(ro->cfg_map_id, ifindex, st);
}
