/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hn-hostile: hostile frames through a real, attached XDP router in
 * network namespaces, every frame that comes out compared byte for byte
 * with what an oracle says should come out of which port, and the
 * router's counters with the oracle's counts.  tests/netns/test_hostile.sh
 * builds the topologies and runs it.
 *
 * The oracle validates with include/hypernet/frame.h (hn_hdr_check,
 * hn_tensor_check) and de-duplicates with dataplane.h
 * (hn_dp_mcast_win_add), the code the router runs, so it follows them
 * when they change.  What it expects of floods is in one function,
 * hx_flood() in oracle.c.  Explicit cases also carry a hand-written
 * expectation (a counter and where it goes), checked against the oracle,
 * so that a change in the shared code that breaks the contract is caught
 * too.
 */
#ifndef _HN_HOSTILE_H
#define _HN_HOSTILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <net/if.h>
#include <linux/types.h>
#include <linux/hypernet_packet.h>
#include <hypernet/frame.h>
#include <hypernet/dataplane.h>

#define HX_ETH_HLEN 14
#define HX_FRAME_MAX 1536 /* largest frame built or captured */
#define HX_WIRE_MAX 1514 /* largest untagged frame, MTU 1500 */
#define HX_MAX_PORTS 16
#define HX_MAX_ROUTES 64
#define HX_MAX_TASKS 32
#define HX_MAX_GROUPS 32
#define HX_WIN_SLOTS 8192 /* sources the oracle tracks (2^n) */

/*
 * Counters, named as `hnctl -j stats` prints them.  clang-format takes
 * the X() list for one long call and folds it beyond reading.
 */
/* clang-format off */
#define HX_CTRS(X)                                                        \
	X(RX, "rx") X(PASS_OTHER, "pass_other")                           \
	X(PASS_UNCONFIGURED, "pass_unconfigured")                         \
	X(BAD_TRUNCATED, "bad_truncated") X(BAD_VERSION, "bad_version")   \
	X(BAD_TYPE, "bad_type") X(BAD_FLAGS, "bad_flags")                 \
	X(BAD_LENGTH, "bad_length") X(BAD_TTL, "bad_ttl")                 \
	X(BAD_ADDR, "bad_addr") X(BAD_TENSOR, "bad_tensor")               \
	X(HELLO, "hello") X(HELLO_UNKNOWN, "hello_unknown")               \
	X(LOCAL_PASS, "local_pass") X(LOCAL_TENSOR, "local_tensor")       \
	X(TTL_EXPIRED, "ttl_expired") X(FWD_REDIRECT, "fwd_redirect")     \
	X(FWD_TX, "fwd_tx") X(DROP_NO_ROUTE, "drop_no_route")             \
	X(DROP_NO_PORT, "drop_no_port") X(DROP_NO_LIVE, "drop_no_live")   \
	X(DROP_NO_TASK, "drop_no_task") X(DECISIONS, "decisions")         \
	X(CACHE_HIT, "cache_hit") X(FB_NO_MODEL, "fb_no_model")           \
	X(FB_MARGIN, "fb_margin") X(FB_STALE, "fb_stale")                 \
	X(ANY_REMOTE, "any_remote") X(ANY_LOCAL, "any_local")             \
	X(MCAST_FWD, "mcast_fwd") X(MCAST_LOCAL, "mcast_local")           \
	X(MCAST_DUP, "mcast_dup") X(MCAST_OLD, "mcast_old")               \
	X(MCAST_BUSY, "mcast_busy") X(TC_CLONE, "tc_clone")               \
	X(TC_CLONE_FAIL, "tc_clone_fail")                                 \
	X(MCAST_JUMP, "mcast_jump") X(MCAST_TTL_LAST, "mcast_ttl_last")   \
	X(MCAST_UNCONFIRMED, "mcast_unconfirmed")                         \
	X(MCAST_SLOW, "mcast_slow") X(MCAST_NOMETA, "mcast_nometa")       \
	X(TC_UNMARKED, "tc_unmarked") X(HELLO_ELSEWHERE, "hello_elsewhere") \
	X(MCAST_MARK_FAIL, "mcast_mark_fail") X(TC_MARK, "tc_mark")       \
	X(PRIV_DROP_OUT, "priv_drop_out") X(PRIV_DROP_IN, "priv_drop_in") \
	X(DECIDE, "decisions+cache_hit")
/* clang-format on */

#define HX_CTR_ENUM(id, name) HX_C_##id,
enum hx_ctr { HX_CTRS(HX_CTR_ENUM) HX_NCTR };
#undef HX_CTR_ENUM

extern const char *const hx_ctr_name[HX_NCTR];

/* bad_* follow enum hn_frame_err, as in the data plane */
static inline int hx_bad_ctr(int err)
{
	return HX_C_BAD_TRUNCATED + err - HN_ERR_TRUNCATED;
}

/* ---- the router model the oracle runs on --------------------------------- */

struct hx_port {
	char name[IFNAMSIZ]; /* the router's mesh port */
	__u8 mac[6];
};

struct hx_neigh {
	bool valid;
	__u32 node;
	int port; /* in hx_router.port; -1: no mesh port */
	__u8 mac[6];
};

struct hx_route {
	__u32 dst;
	int n, def;
	__u8 neigh[HN_DP_MAX_CAND];
	__u8 hops[HN_DP_MAX_CAND];
};

struct hx_task {
	__u32 id;
	int n;
	__u32 host[HN_DP_MAX_CAND];
};

struct hx_win {
	__u32 src;
	bool used;
	__u64 win;
};

struct hx_router {
	char name[32];
	__u32 node; /* 0: unconfigured */
	int nports;
	struct hx_port port[HX_MAX_PORTS];
	struct hx_neigh neigh[HN_DP_MAX_NEIGH];
	int nroutes;
	struct hx_route route[HX_MAX_ROUTES];
	int ntasks;
	struct hx_task task[HX_MAX_TASKS];
	int ngroups;
	__u32 group[HX_MAX_GROUPS];
	struct hx_win *win; /* HX_WIN_SLOTS de-duplication windows */
	int nwin;
};

/* What the oracle says about one frame. */
struct hx_out {
	int port;
	__u16 len;
	__u8 buf[HX_FRAME_MAX];
};

struct hx_verdict {
	const char *what; /* the outcome, in a few words */
	int n_out;
	struct hx_out out[HX_MAX_PORTS];
	__u16 ctr[HX_NCTR]; /* counter increments */
	bool win; /* a de-duplication window was consulted */
	__u32 win_src; /* ... for this source */
	bool win_new; /* ... and the source had none yet */
};

int hx_router_init(struct hx_router *r, const char *name, __u32 node);
void hx_router_free(struct hx_router *r);
int hx_port_index(const struct hx_router *r, const char *name);
/* The hnctl argument strings of `neigh set`, `route set`, `task set`. */
int hx_parse_neigh(struct hx_router *r, const char *spec);
int hx_parse_route(struct hx_router *r, const char *spec);
int hx_parse_task(struct hx_router *r, const char *spec);
int hx_add_group(struct hx_router *r, __u32 group);
/* A neighbour node reached directly through port @port, or 0. */
__u32 hx_direct_node(const struct hx_router *r, int port);

/*
 * Whether the routers' XDP has metadata (hn_dp_kernel_xdp_meta()); where
 * not, TC copies member floods on XDP's marks in a map (tc_mark).
 */
extern bool hx_xdp_meta;
/* Validation as hn_xdp does it: 0 or an enum hn_frame_err. */
int hx_validate(const __u8 *f, size_t len);
/*
 * The oracle: frame @f of @len bytes arrives on port @in of router @r.
 * With @commit the router's state (windows) moves as the router's would.
 */
void hx_oracle(struct hx_router *r, const __u8 *f, size_t len, int in,
	       bool commit, struct hx_verdict *v);
/* Window verdict alone (for the contract checks): enum hn_dp_mcast_verdict */
int hx_window_peek(const struct hx_router *r, __u32 src, __u32 seq);

/* ---- frames and cases ---------------------------------------------------- */

struct hx_rng {
	__u64 s[4];
};

void hx_rng_seed(struct hx_rng *g, __u64 seed);
__u64 hx_rnd(struct hx_rng *g);
__u32 hx_below(struct hx_rng *g, __u32 n); /* 0 .. n - 1 */

/* Hand-written expectation of an explicit case, checked against the oracle. */
enum hx_where {
	HX_W_ANY, /* the oracle decides */
	HX_W_NONE, /* nothing leaves any port */
	HX_W_ONE, /* exactly one port */
	HX_W_FLOOD, /* every mesh port but the ingress one */
};

struct hx_case {
	__u8 buf[HX_FRAME_MAX];
	__u16 len;
	const char *cls; /* class in the report */
	char name[80]; /* explicit cases: what it is */
	int want_ctr; /* hand-written: this counter moves; -1 */
	enum hx_where want_where;
	bool marker; /* an end marker of a phase */
};

/* Header fields of a frame to build. */
struct hx_hdr {
	__u8 dmac[6], smac[6];
	__u16 proto; /* 0: ETH_P_HYPERNET */
	__u8 version, type, flags, ttl, tclass, reserved;
	__u32 src, dst, seq;
	int len; /* hnhdr.len, -1: the payload's length */
};

void hx_hdr_default(struct hx_hdr *h, __u8 type, __u8 flags, __u32 src,
		    __u32 dst, __u32 seq);
/* Frame into c->buf: header, @plen bytes of @payload, tag in the last 4. */
void hx_build(struct hx_case *c, const struct hx_hdr *h, const void *payload,
	      size_t plen, __u32 tag);
/* A tensor payload: header fields, then @n elements. */
size_t hx_tensor_payload(__u8 *p, __u16 idx, __u16 cnt, __u16 off, __u16 total,
			 __u8 dtype, size_t n);
/* Insert a VLAN tag (@tpid, @tci) after the MAC addresses. */
void hx_tag(struct hx_case *c, __u16 tpid, __u16 tci);

/*
 * The single-router scenario, as tests/netns/test_hostile.sh configures it
 * with hnctl (the oracle gets the same neighbour, route and task strings):
 * routes to the neighbours 2.. of the mesh ports, and these.
 */
#define HX_DST_DEADPORT 6 /* its port is no mesh port */
#define HX_DST_TWO 7 /* two candidates, no model: the default */
#define HX_DST_FAR 8 /* 3 hops away */
#define HX_DST_NOROUTE 9
#define HX_TASK_HERE 100 /* hosted by the router itself */
#define HX_TASK_FAR 101 /* hosted by HX_DST_FAR */
#define HX_TASK_TIE 102 /* two hosts at the same distance */
#define HX_TASK_NOROUTE 103 /* its host has no route: none live */
#define HX_TASK_NONE 104 /* no such task */
#define HX_TASK_DEAD 105 /* hosted by HX_DST_DEADPORT */
#define HX_GROUP_IN 100 /* joined */
#define HX_GROUP_OUT 200 /* not joined */

/* The scenario's roles. */
struct hx_scn {
	const struct hx_router *r;
	int in; /* the sender's port */
	__u32 node; /* the router's node id */
	__u32 to_port[HX_MAX_PORTS]; /* node reached directly on it */
	__u32 seq_base;
};

/* Explicit phases: fill up to @max cases, return how many. */
typedef int hx_phase_fn(const struct hx_scn *s, struct hx_case *c, int max);
hx_phase_fn hx_phase_classes, hx_phase_trunc, hx_phase_matrix, hx_phase_tensor,
	hx_phase_tagged, hx_phase_floods;

/* One random or mutated frame (all with the HyperNet EtherType). */
struct hx_randgen {
	struct hx_rng rng;
	const struct hx_scn *s;
	__u32 data_top[64]; /* per source of the data-flood pool */
	__u32 ctl_top[16];
};
void hx_random_init(struct hx_randgen *g, const struct hx_scn *s, __u64 seed);
void hx_random_frame(struct hx_randgen *g, struct hx_case *c, __u32 tag);
/* Sources of the random floods (few: the window map is an LRU). */
#define HX_DATA_POOL 0x0D000000U
#define HX_CTL_POOL 0x0C000000U

#endif /* _HN_HOSTILE_H */
