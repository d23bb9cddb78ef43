/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hypernetd: the HyperNet agent.  One process per mesh router keeps the
 * data plane's maps true: neighbours from HELLO and PROBE/ACK (neigh.c),
 * routes and tasks from link-state gossip (gossip.c), signed route models
 * spread in chunks (modelsync.c), and a control socket for hnctl (ctl.c).
 * Documentation/agent.rst has the design.
 */
#ifndef _HYPERNETD_H
#define _HYPERNETD_H

#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>
#include <hypernet/dataplane.h>

#include "ctrl.h"
#include "dp.h"
#include "rate.h"
#include "jsonw.h"
#include "names.h"
#include "sign.h"
#include "topo.h"

#define HND_MAX_PORTS HN_DP_MAX_PORTS
#define HND_MAX_NEIGH HN_DP_MAX_NEIGH
#define HND_MAX_KEYS 4
#define HND_MAX_SENDERS 1024
#define HND_MAX_ROUTES HN_TOPO_MAX_NODES
#define HND_MAX_TASKS 255 /* stage ids 1..255 */
/* a request: the largest model, or an update of HND_CTL_VALUES values */
#define HND_CTL_VALUES (1u << 20)
#define HND_CTL_MAX (12 + 4 * HND_CTL_VALUES + 256)

#define NSEC_PER_MSEC 1000000ULL
#define NSEC_PER_SEC 1000000000ULL

enum hnd_xdp_mode {
	HND_XDP_AUTO, /* native, else generic (logged) */
	HND_XDP_NATIVE,
	HND_XDP_GENERIC,
	HND_XDP_MULTIPROG, /* through libxdp's dispatcher, as AUTO */
};

/* What a link costs in this node's LSAs (route-metric). */
enum hnd_route_metric {
	HND_METRIC_ETT, /* hn_link_ett(): ETX x airtime at the port's kbit/s */
	HND_METRIC_ETX, /* hn_link_cost(): ETX alone, capacity ignored */
	HND_METRIC_HOPS, /* HND_HOP_COST per working link: hop count */
	/* hn_link_ett_load() of the ETT and the port's utilisation */
	HND_METRIC_ETT_LOAD,
};

/* A link's cost under route-metric = hops: a clean link's ETX. */
#define HND_HOP_COST 256

struct hnd_config {
	__u32 node_id;
	char ports[HND_MAX_PORTS][IFNAMSIZ];
	unsigned int n_ports;
	/* accepted keys; the send key signs (hnd_config_send_key()) */
	struct hn_mesh_key keys[HND_MAX_KEYS];
	unsigned int n_keys;
	__u32 send_key; /* mesh-key-send, if send_key_set; else keys[0] */
	bool send_key_set;
	char trusted_keys[PATH_MAX];
	char identity_key[PATH_MAX]; /* the node's Ed25519 private key */
	char names[PATH_MAX]; /* names file; "": HN_NAMES_FILE if there */
	char model[PATH_MAX]; /* model file installed at start */
	char state_dir[PATH_MAX];
	char pin_dir[PATH_MAX];
	char ctl_path[PATH_MAX];
	unsigned int hello_ms;
	unsigned int dead_hellos;
	unsigned int probe_ms;
	unsigned int stale_ms;
	unsigned int lsa_refresh_s;
	unsigned int lsa_lifetime_s;
	int margin_min;
	unsigned int split_step; /* hn_dp_config.split_step */
	__u8 load; /* hn_scale_ratio() */
	__u8 capacity; /* hn_scale_log(kbit/s) of compute */
	unsigned int link_kbps; /* capacity of every port ... */
	unsigned int port_kbps[HND_MAX_PORTS]; /* ... unless set here */
	/*
	 * private-domain: ports whose far side is inside the privacy
	 * domain (HN_F_PRIVATE frames may cross them); none by default
	 */
	char private_ports[HND_MAX_PORTS][IFNAMSIZ];
	unsigned int n_private;
	__u8 stages[HN_LSA_MAX_STAGES];
	unsigned int n_stages;
	/* stage-rate: a rate measured elsewhere, by stage id (0: none) */
	struct hn_ctrl_rate stage_rate[256];
	char stage_dev[IFNAMSIZ]; /* hypernet device whose stage we time */
	unsigned int rate_window_ms;
	enum hnd_xdp_mode xdp_mode;
	enum hnd_route_metric route_metric;
	bool keep_attached; /* leave XDP on the ports at exit */
	bool neigh_counters; /* hn_dp_set_nb_counters(): per-neighbour */
	int verbose;
	bool xdp_force; /* replace another XDP program */
	bool xdp_reattach; /* put ours back when it is taken off */
	/* federated rounds (fedround.c): a phase's wait, the inputs' wait */
	unsigned int fed_phase_ms;
	unsigned int fed_input_ms;
};

void hnd_config_defaults(struct hnd_config *c);
/* Parse @path into @c; on error @err says file:line and what is wrong. */
int hnd_config_load(struct hnd_config *c, const char *path, char *err,
		    size_t errlen);
/* Whether port @name is in private-domain. */
bool hnd_config_private(const struct hnd_config *c, const char *name);
/* One "key = value" setting, as in the file (also from the command line). */
int hnd_config_set(struct hnd_config *c, const char *key, const char *val,
		   char *err, size_t errlen);
/* The same from the command line (-o), which refuses secrets. */
int hnd_config_set_arg(struct hnd_config *c, const char *key, const char *val,
		       char *err, size_t errlen);
/* "ett", "etx", "hops" or "ett-load", as route-metric takes it. */
const char *hnd_route_metric_name(enum hnd_route_metric m);
/* Whole-config rules (node id set, ports, keys); 0 or -1 with @err. */
int hnd_config_check(const struct hnd_config *c, char *err, size_t errlen);
/* The mesh key our frames are signed with (of a checked config). */
const struct hn_mesh_key *hnd_config_send_key(const struct hnd_config *c);

/* What a reload changes (confdiff.c), for reload.c to apply. */
struct hnd_reload_plan {
	char refused[512]; /* keys that cannot change live, ", "-separated */
	unsigned int n_refused;
	char changed[1024]; /* keys that change */
	unsigned int n_changed;
	char add[HND_MAX_PORTS][IFNAMSIZ]; /* ports added */
	unsigned int n_add;
	char del[HND_MAX_PORTS][IFNAMSIZ]; /* ports removed */
	unsigned int n_del;
	bool keys; /* mesh keys or the send key */
};

/* The changes from @a (running) to @b; -1 when some cannot be made live. */
int hnd_config_diff(const struct hnd_config *a, const struct hnd_config *b,
		    struct hnd_reload_plan *p);
/*
 * Read @path (NULL: none) and the command line's -o @keys = @vals into
 * @out, check it whole and diff it against @run: 0, or -1 with @err
 * saying what is wrong or which keys cannot change (the agent then keeps
 * @run as it is).
 */
int hnd_reload_prepare(const struct hnd_config *run, const char *path,
		       const char *const *keys, const char *const *vals,
		       unsigned int n_sets, struct hnd_config *out,
		       struct hnd_reload_plan *p, char *err, size_t errlen);

struct hnd_port {
	char name[IFNAMSIZ];
	int ifindex; /* 0 while the interface is missing */
	__u8 mac[6];
	int fd; /* AF_PACKET/SOCK_DGRAM on ETH_P_HYPERNET */
	__u32 hello_seq;
	__u64 next_hello_ns;
	bool attached;
	bool generic;
	bool carrier; /* IFF_RUNNING at the last look */
	__u64 retry_ns; /* next attempt to bring it up */
	__u64 tx_bytes; /* counter at tx_ns, for the LOAD feature */
	__u64 tx_ns; /* 0: no sample yet */
	__u16 util; /* transmit utilisation, permille */
	struct hn_dp_xdp_state xdp; /* the XDP hook at the last look */
	bool xdp_failed; /* re-attaching failed, said once */
};

struct hnd_neigh {
	bool used;
	bool up; /* two-way, in the data plane */
	__u32 node;
	int port; /* index in hnd.ports */
	__u8 mac[6];
	int dp_idx; /* hn_neigh index, -1 if none */
	__u64 first_ns;
	__u64 last_ns; /* last HELLO */
	__u16 interval_ms; /* its HELLO interval */
	__u32 top_seq; /* highest HELLO seq heard */
	__u32 rx_bits; /* bit i: HELLO top_seq - i heard */
	__u32 n_heard; /* HELLOs heard since first_ns */
	__u8 rx_ratio; /* we hear it, 0..255 */
	__u8 tx_ratio; /* it hears us (its HELLO), 0..255 */
	__u64 rtt_ns; /* smoothed PROBE/ACK round trip, 0: none */
	__u32 probe_id;
	__u64 probe_sent_ns;
	__u64 next_probe_ns;
	__u64 model_gen;
	__u8 feat[HN_NB_NFEAT]; /* as last written to the data plane */
	__u64 feat_ns;
	__u16 cost; /* as advertised in our LSA */
	__u8 util; /* the link's utilisation as our LSA advertises it */
	__u64 model_sent_ns; /* last model sent to it (anti-entropy) */
	unsigned int model_sends; /* since its generation last moved */
	__u32 first_seq; /* HELLO seq the window started at */
	bool verified; /* answered a challenge on this link */
	__u64 auth_log_ns; /* last "fails authentication" notice */
	__u64 auth_fails; /* since that notice */
	/*
	 * Control frames, on the wire with their Ethernet header: received
	 * from its MAC on its port and authenticated; sent to it, or
	 * broadcast on its port (which it hears).  Since it was first heard.
	 */
	__u64 rx_frames, rx_bytes, tx_frames, tx_bytes;
};

/*
 * What we know of one authenticated sender: its replay window, and the
 * challenge we sent it, if one is out.  A challenge is a PROBE with a
 * random id to the MAC on the port a frame of the sender came from; the
 * ACK that echoes it proves that the sender is on that link now and that
 * its counter is current, so it starts the window afresh (a sender whose
 * clock went back, or whose window a forged frame moved ahead) and marks
 * a new neighbour verified.
 */
struct hnd_sender {
	__u32 node;
	struct hn_replay replay;
	__u64 ok_ns; /* last frame accepted (evictions) */
	__u32 chal_id;
	__u64 chal_t_ns; /* its PROBE's t_ns */
	__u64 chal_ns; /* when sent; 0: none out */
	int chal_port;
	__u8 chal_mac[6];
};

/*
 * One incoming model file, by chunks.  Several at once: what a chunk says
 * is not known to be true until the file is whole and its signature
 * checked, so no transfer may keep another out (modelsync.c).
 */
#define HND_XFER_SLOTS 4
struct hnd_xfer {
	__u16 object; /* enum hn_chunk_object */
	__u64 generation;
	__u8 digest[8];
	__u32 total_len;
	__u8 *buf; /* NULL: slot free */
	__u8 *have; /* per chunk: received */
	__u32 n_chunks;
	__u32 n_have;
	__u64 started_ns;
	__u64 last_ns; /* last new chunk */
};

/*
 * The training campaign this node holds (verified), and the last one it
 * refused, with why.  A held campaign that is not stopped, with this
 * node in its roster, runs rounds (fedround.c).
 */
struct hnd_campaign {
	void *file; /* NULL: none held */
	size_t len;
	__u8 file_sha[32]; /* SHA-256 of the file: names its transfers */
	__u8 digest[32]; /* the campaign's (hn_campaign.digest) */
	__u64 id, generation;
	unsigned int flags; /* enum hn_cp_flags */
	unsigned int n, k, t; /* roster size, degree, threshold */
	int member; /* in the roster: 1 yes, 0 no, -1 other key, -2 no key */
	char from[32]; /* where it came from */
	__u64 at; /* unix seconds it was accepted */
	int refused; /* enum hn_accept_err of the last refusal, 0 none */
	char refused_msg[200];
	char refused_from[32];
	__u64 refused_at;
	__u64 n_refused;
};

struct hnd_stats {
	__u64 rx_frames;
	__u64 rx_bytes;
	__u64 tx_frames;
	__u64 tx_bytes;
	__u64 tx_errors;
	__u64 rx_bad[__HN_CE_MAX]; /* by enum hn_ctrl_err */
	__u64 rx_replay; /* counter seen before */
	__u64 rx_stale; /* counter older than the window */
	__u64 rx_own; /* our own frames back */
	__u64 rx_ignored; /* types the agent does not handle */
	__u64 hello_rx;
	__u64 hello_tx;
	__u64 probe_rx;
	__u64 ack_rx;
	__u64 lsa_rx;
	__u64 lsa_tx;
	__u64 lsa_old;
	__u64 lsa_bad;
	__u64 chunk_rx;
	__u64 chunk_tx;
	__u64 chunk_bad;
	__u64 chunk_old;
	__u64 model_installed;
	__u64 model_refused[__HN_ACC_MAX];
	__u64 neigh_up;
	__u64 neigh_down;
	__u64 route_runs;
	__u64 route_writes;
	__u64 dp_errors;
	__u64 rx_jump; /* counter further ahead than time allows */
	__u64 rx_link; /* link-local frame not sent to us on a link
				 * (multicast or other host's address) */
	__u64 challenge_tx;
	__u64 challenge_ok; /* answered: window or link confirmed */
	__u64 flood_fwd; /* floods the data plane could not vouch
				 * for, authenticated and forwarded here */
	__u64 rx_no_sender; /* sender table full */
	__u64 xdp_lost; /* our XDP program found taken off a port */
	__u64 xdp_reattached;
	/* model chunks ignored, by reason (also chunk_old, chunk_bad) */
	__u64 chunk_dup; /* already had it */
	__u64 chunk_nomem; /* no memory for its transfer */
	/* unfinished transfers dropped, by reason */
	__u64 xfer_evicted; /* made way for a newer transfer */
	__u64 xfer_expired; /* not whole after XFER_TIMEOUT */
	__u64 xfer_superseded; /* not newer than the model installed */
	/* federated rounds (fedround.c) */
	__u64 fed_frag_rx; /* FED frames authenticated */
	__u64 fed_frag_tx;
	__u64 fed_bytes_tx; /* FED frames' bytes on the wire */
	__u64 fed_msg_rx; /* whole messages */
	__u64 fed_msg_tx;
	__u64 fed_ignored; /* not for a campaign we run, or not a member */
	__u64 fed_refused; /* over a reassembly cap, or inconsistent */
	__u64 fed_msg_bad; /* refused by the secure-aggregation library */
	__u64 fed_msg_late; /* of another round, attempt or phase */
	__u64 fed_send_fail; /* never acknowledged, or no room */
	__u64 fed_rounds; /* results taken */
	__u64 fed_attempts; /* attempts given up on */
	__u64 fed_agg_failed; /* aggregations that could not finish */
	__u64 fed_catch_up; /* results sent to a node behind */
	__u64 fed_filled; /* results of a missed round taken */
	__u64 fed_fetch_tx; /* FETCHes sent: results missing here */
	__u64 fed_fetch_rx; /* FETCHes served */
	__u64 rate_samples; /* stage-dev windows measured */
	__u64 rate_resets; /* windows dropped: stage-dev's counters went back */
	/* mesh ping (echo.c) */
	__u64 echo_req_rx; /* requests for us, authenticated */
	__u64 echo_reply_tx; /* answered */
	__u64 echo_limited; /* not answered: over the reply rate */
	__u64 echo_no_route; /* not sent: no route to the node */
	__u64 echo_req_tx; /* hnctl ping's requests sent */
	__u64 echo_reply_rx; /* replies matched to one of them */
	__u64 echo_unmatched; /* replies to no request waiting */
};

/* A rate limit for log lines about single frames (hnd_log_rl()). */
#define HND_RL_BURST 10
struct hnd_rl {
	__u64 start_ns;
	unsigned int n;
	unsigned int dropped;
};

struct hnd_fed; /* fedround.c */
struct hn_genl;

/* One stage's rate as our LSA says it (rates.c). */
struct hnd_rate {
	struct hn_ctrl_rate now; /* measured, told, or configured */
	struct hn_ctrl_rate adv; /* as the last LSA said it */
	__u64 expires_ns; /* told over the control socket: until; 0 never */
};

/*
 * An hnctl ping request waiting for its echo: the control connection it
 * came on is answered when the reply arrives or at the deadline (echo.c).
 */
#define HND_PING_SLOTS 16
struct hnd_ping {
	bool used;
	int fd; /* hnctl's connection */
	__u32 dst;
	__u32 seq;
	__u64 sent_ns;
	__u64 deadline_ns;
};

/* An hnctl monitor subscribed to events (events.c). */
#define HND_MON_SLOTS 8
struct hnd_mon {
	bool used;
	bool json; /* JSON lines, else text */
	int fd; /* hnctl's connection */
	__u64 lost; /* events it could not take (socket full) */
};

/* One event being built: its text line and its JSON object. */
#define HND_EV_LEN 512
struct hnd_ev {
	char text[HND_EV_LEN];
	char json[HND_EV_LEN];
	size_t tl, jl;
};

struct hnd_route {
	__u32 dst;
	struct hn_dp_route rt;
};

struct hnd {
	struct hnd_config cfg;
	struct hn_dp *dp;
	struct hnd_port ports[HND_MAX_PORTS];
	unsigned int n_ports;
	struct hnd_neigh nb[HND_MAX_NEIGH];
	struct hnd_sender senders[HND_MAX_SENDERS];
	unsigned int n_senders;
	struct hn_topo *topo;
	struct hn_pubkey trusted[HN_MAX_TRUSTED];
	unsigned int n_trusted;
	/* public half of identity-key; has_identity 0 when none is set */
	struct hn_pubkey identity;
	bool has_identity;
	struct hn_names *names; /* node names for the log and hnctl, or NULL */

	/* the installed model file */
	__u64 model_gen;
	__u64 model_expiry; /* unix seconds, 0: never */
	bool model_expired; /* and taken out of the data plane */
	struct hnd_campaign cp;
	struct hnd_fed *fed; /* rounds of the held campaign, NULL: none */
	void *model_file;
	size_t model_len;
	__u8 model_digest[8];
	struct hnd_xfer xfer[HND_XFER_SLOTS];

	/* own LSA */
	__u32 lsa_seq;
	__u32 lsa_seq_reserved; /* persisted: restarts start here */
	__u64 lsa_last_ns;
	__u64 lsa_next_refresh_ns;
	bool lsa_dirty;
	bool routes_dirty;
	bool resync_sent; /* first LSA asks everyone for theirs */
	__u64 hold_until_ns; /* no route withdrawals before (restart) */
	__u32 known[HN_TOPO_MAX_NODES]; /* origins seen (mcast windows) */
	unsigned int n_known;

	/* rates of cfg.stages[i] (HN_LSA_F_RATES), and their sources */
	struct hnd_rate rates[HN_LSA_MAX_STAGES];
	struct hn_genl *genl; /* NULL until stage-dev is first read */
	struct hn_rate_sample dev_prev; /* stage-dev's counters last time */
	int dev_stage; /* stage id loaded in stage-dev, 0 unknown */
	__u64 next_rate_ns;
	bool dev_warned; /* "cannot read stage-dev" said once */

	struct hnd_route routes[HND_MAX_ROUTES]; /* installed, by dst */
	unsigned int n_routes;
	struct hnd_task {
		__u32 task;
		struct hn_dp_task t;
	} tasks[HND_MAX_TASKS]; /* installed, as written */
	unsigned int n_tasks;

	__u32 flood_seq;
	__u64 counter; /* replay counter of our frames */
	int ctl_fd;
	int lock_fd; /* flock()ed state-dir/lock: one agent */
	int epfd;
	int sigfd;
	__u64 start_ns;
	__u64 next_tick_ns;
	__u64 next_slow_ns;
	__u64 next_split_ns; /* hn_dp_split_step() */
	__u64 next_xdp_ns; /* next look at the ports' XDP hooks */
	/* mesh ping (echo.c) */
	struct hnd_ping ping[HND_PING_SLOTS];
	__u32 echo_id; /* random: our requests' id */
	__u32 echo_seq; /* the last request's seq */
	__u64 echo_tokens_ns; /* reply budget, as time (token bucket) */
	/*
	 * This router's decision for a destination (hop.c's, set by
	 * main.c; NULL in tests): 0 and @hop filled, or -errno.
	 */
	int (*decide)(struct hnd *d, __u32 dst, struct hn_echo_hop *hop);
	/* hnctl monitor (events.c) */
	struct hnd_mon mon[HND_MON_SLOTS];
	unsigned int n_mon;
	struct hn_dp_stats mon_dp; /* counters at the last look */
	struct hnd_stats mon_st;
	__u64 next_mon_ns;
	struct hnd_stats st;
	struct hnd_rl rl_rx; /* per-frame receive lines */
	volatile bool stop;

	/* where the configuration came from, for a reload (reload.c) */
	const char *conf_path; /* -c, NULL: none */
	const char *set_keys[64], *set_vals[64]; /* -o KEY=VALUE */
	unsigned int n_sets;
};

/* main.c */
void hnd_log(struct hnd *d, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
struct hnd_rl;
void hnd_log_rl(struct hnd *d, struct hnd_rl *rl, int level, const char *fmt,
		...) __attribute__((format(printf, 4, 5)));
#define LOG_E 0
#define LOG_W 1
#define LOG_N 2 /* notice: worth an operator's look, not an error */
#define LOG_I 3
#define LOG_D 4
__u64 hnd_now(void);
/*
 * The wall clock in unix seconds, for model expiry.  Here, not in
 * modelsync.c, so that tests move it as they move hnd_now().
 */
__u64 hnd_unix_now(void);

/* port.c */
int hnd_ports_open(struct hnd *d);
void hnd_ports_close(struct hnd *d);
int hnd_port_check(struct hnd *d, int i); /* 1 if the port vanished */
/* Encode and send @m on port @p to @mac (NULL: broadcast). */
int hnd_send(struct hnd *d, int p, const __u8 *mac, struct hn_ctrl_msg *m);
/* Send a flooded frame (HN_F_MCAST to HN_GROUP_ALL) on every port. */
int hnd_flood(struct hnd *d, struct hn_ctrl_msg *m);
void hnd_port_rx(struct hnd *d, int p);
/*
 * Handle one frame of @len bytes at @buf (writable) that port @p received
 * from @sll at @rx_ns (hnd_now()'s clock): what hnd_port_rx() does with
 * every frame it reads.  Tests feed frames here, without a socket.
 */
struct sockaddr_ll;
void hnd_port_dispatch(struct hnd *d, int p, const struct sockaddr_ll *sll,
		       __u8 *buf, size_t len, __u64 rx_ns);
void hnd_msg_init(struct hnd *d, struct hn_ctrl_msg *m, __u8 type);

/*
 * Port @i's interface, if it exists: socket, XDP, the event loop (a
 * missing one is waited for).  hnd_port_remove() undoes it: detached
 * unless keep-attached, socket closed.
 */
int hnd_port_add(struct hnd *d, int i);
void hnd_port_remove(struct hnd *d, int i);

/* reload.c: re-read the configuration and apply it; text to @f or @w. */
int hnd_reload(struct hnd *d, FILE *f, struct jsonw *w);

/* xdp.c */
int hnd_port_attach(struct hnd *d, int i);
/* Look at every port's XDP hook (about once a second, and for status). */
void hnd_xdp_check_all(struct hnd *d);
void hnd_xdp_tick(struct hnd *d, __u64 now);

/* neigh.c */
struct hnd_neigh *hnd_neigh_find(struct hnd *d, __u32 node);
/*
 * Count a control frame of @bytes for the neighbour of @mac on port @p,
 * received (@rx) or sent; a sent broadcast (@mac NULL) for every
 * neighbour on @p.
 */
void hnd_neigh_count(struct hnd *d, int p, const __u8 *mac, size_t bytes,
		     bool rx);
void hnd_hello_rx(struct hnd *d, int p, const __u8 *mac,
		  const struct hn_ctrl_msg *m);
void hnd_probe_rx(struct hnd *d, int p, const __u8 *mac,
		  const struct hn_ctrl_msg *m);
void hnd_ack_rx(struct hnd *d, const struct hn_ctrl_msg *m);
void hnd_neigh_tick(struct hnd *d, __u64 now);
void hnd_hello_all(struct hnd *d);
void hnd_neigh_down_port(struct hnd *d, int p, const char *why);
int hnd_neigh_dp_idx(struct hnd *d, __u32 node);
/* The LSA cost of @n now: ETT at its port's capacity (route.h). */
__u16 hnd_neigh_cost(const struct hnd *d, const struct hnd_neigh *n);
/* The sender @node's state, made if new (evicting the longest silent). */
struct hnd_sender *hnd_sender(struct hnd *d, __u32 node);
/* Challenge @s on port @p at @mac, unless one went out within a second. */
void hnd_challenge(struct hnd *d, struct hnd_sender *s, int p, const __u8 *mac);
/* Whether ACK @m from port @p, @mac answers @s's challenge; if so, the
 * window starts at its counter and a neighbour there is verified. */
bool hnd_challenge_answered(struct hnd *d, struct hnd_sender *s, int p,
			    const __u8 *mac, const struct hn_ctrl_msg *m);
extern const char *hnd_sysfs_net; /* port counters: DEV/statistics/ */

/* gossip.c */
void hnd_lsa_rx(struct hnd *d, const struct hn_ctrl_msg *m);
void hnd_gossip_tick(struct hnd *d, __u64 now);
int hnd_lsa_seq_load(struct hnd *d);

/* modelsync.c */
int hnd_model_load_state(struct hnd *d);
/* Accept, install, persist and (if @spread) flood a model file image. */
int hnd_model_offer(struct hnd *d, const void *buf, size_t len, bool spread,
		    const char *from, char *err, size_t errlen);
void hnd_chunk_rx(struct hnd *d, const struct hn_ctrl_msg *m);
void hnd_model_send_to(struct hnd *d, struct hnd_neigh *n);
/* A signed file in MODEL_CHUNK frames: to @to, or flooded when NULL. */
void hnd_send_object(struct hnd *d, struct hnd_neigh *to, unsigned int object,
		     const void *file, size_t len, __u64 generation,
		     const __u8 digest[8]);

/* Training campaigns (campaignsync.c, Documentation/federated.rst) */
int hnd_campaign_load_state(struct hnd *d);
/* Accept by hn_campaign_accept(), persist, hold; spread: flood it. */
int hnd_campaign_offer(struct hnd *d, const void *buf, size_t len, bool spread,
		       const char *from, char *err, size_t errlen);
/* Whether the held campaign file's digest starts with @digest. */
bool hnd_campaign_held(const struct hnd *d, const __u8 digest[8]);
void hnd_campaign_send_to(struct hnd *d, struct hnd_neigh *n);
void hnd_campaign_status(struct hnd *d, FILE *f, struct jsonw *w);
void hnd_campaign_free(struct hnd *d);
void hnd_model_tick(struct hnd *d, __u64 now);

/* Federated rounds (fedround.c, Documentation/federated.rst) */
void hnd_fed_tick(struct hnd *d, __u64 now);
void hnd_fed_rx(struct hnd *d, const struct hn_ctrl_msg *m);
void hnd_fed_free(struct hnd *d);
/* This node's update for @round (-1: the current one), a vector file. */
int hnd_fed_submit(struct hnd *d, long round, const void *buf, size_t len,
		   char *err, size_t errlen);
/*
 * Round @round's result (-1: the last): @how 'o' writes its vector file
 * to @f, else text to @f or JSON to @w.  0 or -1 with @err.
 */
int hnd_fed_result(struct hnd *d, long round, int how, FILE *f, struct jsonw *w,
		   char *err, size_t errlen);
/* The round's state, in the campaign's status (@w's open object). */
void hnd_fed_status(struct hnd *d, struct jsonw *w, FILE *f);

/* Stage rates (rates.c, Documentation/split-mesh.rst) */
/* Measure stage-dev, expire rates told, mark the LSA due on a move. */
void hnd_rates_tick(struct hnd *d, __u64 now);
/*
 * stage-dev read at @now (NULL: it could not be): the window since the
 * last read gives its stage's rate, if this node hosts that stage; a new
 * stage, or counters that went back, start a new window.
 */
struct hn_genl_dev;
void hnd_rates_dev(struct hnd *d, const struct hn_genl_dev *dev, __u64 now);
/* A rate told by a local runner (control socket): 0 or -ENOENT. */
int hnd_rate_tell(struct hnd *d, unsigned int stage,
		  const struct hn_ctrl_rate *r, __u64 now);
/* Hosts of @stage (0: every stage) with rate, load and path: @w or @f. */
void hnd_hosts_out(struct hnd *d, unsigned int stage, FILE *f, struct jsonw *w);
void hnd_rates_free(struct hnd *d);

/* echo.c: mesh ping (Documentation/agent-protocol.rst, ECHO) */
void hnd_echo_init(struct hnd *d);
/* An authenticated ECHO @m that arrived at @rx_ns. */
void hnd_echo_rx(struct hnd *d, const struct hn_ctrl_msg *m, __u64 rx_ns);
/*
 * "ping NODE PAD_LEN TIMEOUT_MS" or (@trace) "trace NODE TTL TIMEOUT_MS"
 * on control connection @fd: 1 if the connection is taken (answered
 * later), 0 if @f holds the answer, -1 if it holds an error.
 */
int hnd_ping_start(struct hnd *d, int fd, const char *arg, bool trace, FILE *f);
/* hop.c: hnd.decide of the running agent */
int hnd_hop_decide(struct hnd *d, __u32 dst, struct hn_echo_hop *hop);
void hnd_echo_tick(struct hnd *d, __u64 now);
void hnd_echo_free(struct hnd *d);
/*
 * The neighbour a routed frame to @dst goes out to: @dst itself, else its
 * route's; NULL if none.
 */
struct hnd_neigh *hnd_next_hop(struct hnd *d, __u32 dst);

/*
 * events.c: live events for hnctl monitor.  hnd_ev_begin() starts event
 * @type (false, and nothing to do, without a subscriber); add fields,
 * then hnd_ev_send() writes it to every subscriber.
 */
bool hnd_ev_begin(struct hnd *d, struct hnd_ev *e, const char *type);
void hnd_ev_u64(struct hnd_ev *e, const char *key, __u64 v);
void hnd_ev_str(struct hnd_ev *e, const char *key, const char *v);
void hnd_ev_send(struct hnd *d, struct hnd_ev *e);
/* "monitor [json]" on control connection @fd: as hnd_ping_start(). */
int hnd_mon_start(struct hnd *d, int fd, const char *arg, FILE *f);
/*
 * Once a second with subscribers: drop events from the counters' rise
 * since the last look (@dp: the data plane's, NULL if unread), and
 * subscribers that hung up let go.
 */
void hnd_mon_tick(struct hnd *d, const struct hn_dp_stats *dp, __u64 now);
void hnd_mon_free(struct hnd *d);
/* A neighbour up (@why NULL) or down (@why). */
void hnd_ev_neigh(struct hnd *d, const struct hnd_neigh *n, const char *why);
/* Route to @dst written as @rt, or withdrawn (@rt NULL). */
void hnd_ev_route(struct hnd *d, __u32 dst, const struct hn_dp_route *rt);
/* A model installed, or refused for @refused (its generation 0: unknown). */
void hnd_ev_model(struct hnd *d, __u64 generation, const char *from,
		  const char *refused);
/* campaign-round (@n updates summed) or campaign-attempt (@n -1). */
void hnd_ev_round(struct hnd *d, const char *type, __u32 round, __u32 agg,
		  unsigned int attempt, int n);

/* ctl.c */
int hnd_ctl_open(struct hnd *d);
void hnd_ctl_close(struct hnd *d);
void hnd_ctl_rx(struct hnd *d);
/*
 * Serve one request of @n bytes at @req (writable, NUL at @req[@n]):
 * "WORD [ARG]\n" and a payload.  *@out (malloc()ed, @olen bytes) is the
 * reply: "ok\n" or "error\n", then text or JSON.  0, or -ENOMEM.
 */
int hnd_ctl_request(struct hnd *d, char *req, size_t n, char **out,
		    size_t *olen);
void hnd_write_state(struct hnd *d); /* topology files for hnctl */

#endif /* _HYPERNETD_H */
