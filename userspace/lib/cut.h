/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The cut chooser of split inference (Documentation/split-mesh.rst, The cut
 * chosen per node): where an edge cuts a model and which host runs the
 * rest, from the model's cut table, the edge's own measured rate, each
 * host's advertised rate and load (HN_LSA_F_RATES) and the path to it.  In
 * the manner of Neurosurgeon (Kang et al., ASPLOS 2017), but live: the
 * estimates follow what the edge observes.  No I/O; hn-edge feeds it.
 *
 * Expected end-to-end latency of cut c at host h, in ns:
 *
 *   T(c, h) = W_before(c) * r_edge                          local part
 *           + 8 * B(c) / bw(h) * 1e9 + d(h)                 request
 *           + s(c, h) * (1 + q(h) + rho / (1 - rho))        remote part
 *           + 8 * R / bw(h) * 1e9 + d(h)                    result
 *           + bias(c, h)                                    observed
 *
 *   r_edge   the edge's measured ns per multiply-accumulate
 *   W_before the MACs before the cut, B(c) the bytes crossing it,
 *            R the result's bytes
 *   bw, d    the path's bottleneck rate (bit/s) and one-way delay
 *   s(c, h)  the host's advertised ns per tensor for the stage after c,
 *            else W_after(c) times its ns per MAC (from another stage)
 *   q, rho   its queue and busy fraction (capped at HN_CUT_RHO_MAX):
 *            the tensors ahead, and an M/M/1 mean wait for the load
 *   bias     EWMA of (observed round trip - model) for that pair, which
 *            halves every HN_CUT_BIAS_HALF_NS without new observations,
 *            so a host that was slow is tried again later
 *
 * Running everything locally, T = W_total * r_edge + its bias, is always a
 * candidate; it is chosen when no host is up or advertises, or the mesh is
 * slower.  A private stream never uses a cut with W_before = 0 (raw data
 * would leave the edge).  Hysteresis: the current choice is kept unless
 * it became inadmissible or another is cheaper by more than
 * HN_CUT_HYST_PM permille.
 *
 * A host whose image timed out (hn_cut_timeout()) is suspected down:
 * choices are made as if it were absent until it shows life, an answer
 * in time (hn_cut_observe()) or a fresh advertisement (its adv stamp
 * changed since the suspicion).  Until then it may get a probe image:
 * one at a time, when it would be chosen, the first HN_CUT_PROBE_MIN_NS
 * after the timeout, then twice as long after each probe that timed out
 * (up to HN_CUT_PROBE_MAX_NS).  A probe is not the current choice: it
 * neither switches nor resets the hysteresis.  The caller falls back for
 * a probe that times out as for any image.  An image's fate is shared
 * by its path: for each later stage the chosen host does not run itself
 * and only one host runs, that host (the rest must pass it).  A timeout
 * suspects them all, an answer shows them all alive, and a choice is
 * only as usable as the least usable of them.
 */
#ifndef _HN_LIB_CUT_H
#define _HN_LIB_CUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HN_CUT_MAX 16 /* cuts in a table */
#define HN_CUT_MAX_HOSTS 8 /* candidates per choice, HN_DP_MAX_CAND */
#define HN_CUT_LOCAL (-1) /* cut/host of "everything here" */
#define HN_CUT_RHO_MAX 0.95
#define HN_CUT_HYST_PM 100 /* switch only for a 10 % better estimate */
#define HN_CUT_EWMA 0.25 /* weight of a new observation */
#define HN_CUT_BIAS_HALF_NS 2000000000ULL
#define HN_CUT_PROBE_MIN_NS 1000000000ULL /* first probe after a timeout */
#define HN_CUT_PROBE_MAX_NS 16000000000ULL /* longest wait between probes */

/* One admissible cut: the edge runs everything before it. */
struct hn_cut_point {
	uint8_t stage; /* stage id that runs the rest (hosts advertise it) */
	uint64_t before; /* MACs before the cut, at the edge */
	uint32_t bytes; /* payload crossing the cut */
	uint64_t after; /* MACs after it, at the host */
};

struct hn_cut_table {
	unsigned int n; /* 1 .. HN_CUT_MAX */
	struct hn_cut_point cut[HN_CUT_MAX];
	uint32_t result_bytes; /* the answer's payload */
};

/* What the edge knows of one host. */
struct hn_cut_host {
	uint32_t node; /* 0: none */
	bool up; /* reachable now */
	/* per cut: the host's ns per tensor of that cut's stage, 0 unknown */
	uint32_t ns[HN_CUT_MAX];
	uint32_t hosts; /* bit c: it hosts cut c's stage */
	double ns_per_mac; /* for hosted stages not measured; 0: none */
	uint16_t busy_pm; /* 0..1000 */
	uint16_t queue;
	double bps; /* the path's bottleneck rate, bit/s; 0 unreachable */
	double delay_ns; /* the path's one-way delay */
	/* stamp of what it advertises (rates, load): a change is news from
	 * it, so it lives; 0 unknown */
	uint32_t adv;
};

struct hn_cut_input {
	const struct hn_cut_table *table;
	double edge_ns_per_mac; /* measured here */
	const struct hn_cut_host *host;
	unsigned int n_host; /* <= HN_CUT_MAX_HOSTS */
	bool private; /* raw cuts (before == 0) are not admissible */
	uint64_t now_ns;
};

struct hn_cut_choice {
	int cut; /* index in the table, or HN_CUT_LOCAL */
	uint32_t node; /* host, 0 with HN_CUT_LOCAL */
	double model_ns; /* T without bias: what an observation is set against */
	double est_ns; /* T */
	bool probe; /* to a suspected host, to see whether it lives */
	/* the hosts the rest must pass: of each later stage that node does
	 * not run, its only host (if one); they share its fate */
	unsigned int n_path;
	uint32_t path[HN_CUT_MAX];
};

/* Observed bias of one (cut, host) pair; node 0 with cut -1 is local. */
struct hn_cut_obs {
	uint32_t node;
	int cut;
	double bias_ns;
	uint64_t at_ns; /* last observation; 0: slot free */
	unsigned int n;
};

#define HN_CUT_MAX_OBS (HN_CUT_MAX * HN_CUT_MAX_HOSTS + 1)

/* A host suspected down since an image to it timed out. */
struct hn_cut_susp {
	uint32_t node; /* 0: slot free */
	bool adv_set; /* adv: its stamp when first seen suspected */
	uint32_t adv;
	bool probing; /* a probe image in flight */
	uint64_t next_ns; /* no probe before */
	uint64_t backoff_ns; /* the wait before the next probe */
};

#define HN_CUT_MAX_SUSP (2 * HN_CUT_MAX_HOSTS)

/* The chooser's memory between choices: zero it to start. */
struct hn_cut_state {
	struct hn_cut_choice cur; /* node 0 and cut 0 before the first */
	bool have_cur;
	unsigned int switches; /* choices that changed */
	unsigned int suspicions, probes, revivals; /* counts, for reports */
	struct hn_cut_obs obs[HN_CUT_MAX_OBS];
	struct hn_cut_susp susp[HN_CUT_MAX_SUSP];
};

/*
 * The model part of T(@cut, @h) (@h NULL with HN_CUT_LOCAL), or a
 * negative value if the pair is not admissible (host down, unreachable,
 * not hosting the stage, no rate known; a raw cut of a private stream).
 */
double hn_cut_model(const struct hn_cut_input *in, int cut,
		    const struct hn_cut_host *h);

/*
 * Choose (cut, host) for the next image or batch into *@out and remember
 * it in @st.  Always succeeds: local is admissible whatever the input.
 */
void hn_cut_choose(struct hn_cut_state *st, const struct hn_cut_input *in,
		   struct hn_cut_choice *out);

/*
 * A round trip of @measured_ns was observed for @c (as hn_cut_choose()
 * gave it) at @now_ns: the pair's bias moves towards measured - model.
 * An answer shows that its host lives: it is no longer suspected.
 */
void hn_cut_observe(struct hn_cut_state *st, const struct hn_cut_choice *c,
		    double measured_ns, uint64_t now_ns);

/*
 * The image sent for @c got no answer in time (@now_ns): its host is
 * suspected down, or, for a probe, stays so and waits twice as long
 * before the next probe.  The bias is left as it was: the host is absent,
 * not slow.
 */
void hn_cut_timeout(struct hn_cut_state *st, const struct hn_cut_choice *c,
		    uint64_t now_ns);

/* The probe @c from hn_cut_choose() was not sent after all: another may. */
void hn_cut_unsent(struct hn_cut_state *st, const struct hn_cut_choice *c);

/* Whether @node is suspected down now. */
bool hn_cut_suspected(const struct hn_cut_state *st, uint32_t node);

/*
 * Parse a cut table from the text @buf (@len bytes, NUL not needed):
 *   # comment
 *   result BYTES
 *   cut STAGE BEFORE_MACS BYTES AFTER_MACS      (one line per cut, 1..16)
 * Stages 1..255, distinct; bytes 1..HN_TENSOR_MAX_LEN; result once.
 * 0, or -EINVAL with @err saying which line is wrong.
 */
int hn_cut_table_parse(const char *buf, size_t len, struct hn_cut_table *t,
		       char *err, size_t errlen);

/*
 * The hosts of @t's stages from the text of hypernetd's "hosts" request
 * (hnctl agent hosts): a header line starting "node", then one line per
 * (host, stage) of whitespace-separated numbers: node stage self
 * ns_per_item busy_pm queue load capacity cost lcost hops path_kbps.
 * Lines for stages not in @t are skipped; a host's lines merge into one
 * struct hn_cut_host (up, hosts bit and ns of each cut it runs, its
 * busiest load and longest queue).  path_kbps 0 (the agent's metric is
 * not ETT) takes @dflt_bps; a self line (the agent's own node) is a path
 * of no cost; each hop adds @hop_ns of delay.  Each host's ns_per_mac is
 * that of its first measured stage, for its others; its adv stamp a
 * hash of the numbers of its lines.  Writes at most
 * @max hosts, in the order first seen.  Returns how many, or -EINVAL
 * if a line is malformed (@err says which).
 */
int hn_cut_hosts_parse(const char *text, size_t len,
		       const struct hn_cut_table *t, double dflt_bps,
		       double hop_ns, struct hn_cut_host *out, unsigned int max,
		       char *err, size_t errlen);

#endif /* _HN_LIB_CUT_H */
