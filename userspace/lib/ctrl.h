/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Control-frame codecs of hypernetd: HELLO, PROBE/ACK, GOSSIP (LSA),
 * MODEL_CHUNK, FED and ECHO, each authenticated by the struct hn_auth trailer of
 * include/uapi/linux/hypernet_packet.h.  Buffers start at struct hnhdr (the
 * agent uses SOCK_DGRAM packet sockets: the kernel owns the Ethernet
 * header).  Host byte order in the structs below, network order on the wire.
 *
 * Decoding never trusts a length it has not checked, and tells why a frame
 * was refused (enum hn_ctrl_err) so the agent can count each reason.
 */
#ifndef _HN_LIB_CTRL_H
#define _HN_LIB_CTRL_H

#include <stddef.h>
#include <linux/types.h>
#include <linux/hypernet_packet.h>

#define HN_KEY_LEN 32 /* mesh key bytes (HMAC-SHA256) */
#define HN_CTRL_MAX                                                       \
	(HN_HDR_LEN + sizeof(struct hn_model_chunk) + HN_CHUNK_DATA_MAX + \
	 HN_AUTH_LEN)

struct hn_mesh_key {
	__u32 id;
	__u8 key[HN_KEY_LEN];
};

/* Why hn_ctrl_decode() refused a frame; 0 is success. */
enum hn_ctrl_err {
	HN_CE_OK,
	HN_CE_TRUNCATED, /* shorter than its headers say */
	HN_CE_HEADER, /* struct hnhdr invalid (hn_hdr_check()) */
	HN_CE_TYPE, /* not a control frame type */
	HN_CE_LENGTH, /* payload length disagrees with its counts */
	HN_CE_FIELD, /* a field out of range */
	HN_CE_KEY, /* key_id not configured */
	HN_CE_MAC, /* MAC does not verify */
	__HN_CE_MAX
};

const char *hn_ctrl_err_name(int err); /* "truncated", "bad-mac", ... */

struct hn_ctrl_heard {
	__u32 node;
	__u8 rx_ratio;
};

struct hn_ctrl_hello {
	__u16 interval_ms;
	__u8 load;
	__u8 capacity;
	__u64 model_gen;
	__u8 n_heard;
	struct hn_ctrl_heard heard[HN_HELLO_MAX_HEARD];
};

struct hn_ctrl_probe { /* PROBE and ACK */
	__u32 id;
	__u64 t_ns;
};

struct hn_ctrl_link {
	__u32 node;
	__u16 cost;
	__u8 quality;
	__u8 delay;
	__u8 util; /* on the wire only with HN_LSA_F_UTIL, else 0 */
};

/* A stage's measured rate and load: on the wire with HN_LSA_F_RATES. */
struct hn_ctrl_rate {
	__u32 ns_per_item; /* 0: not measured */
	__u16 busy; /* permille, <= HN_RATE_BUSY_MAX */
	__u16 queue;
};

struct hn_ctrl_lsa {
	__u32 origin; /* hnhdr.src */
	__u32 seq;
	__u16 lifetime_s;
	__u8 load;
	__u8 capacity;
	__u64 model_gen;
	__u8 n_links;
	__u8 n_stages;
	__u16 flags; /* enum hn_lsa_flags */
	struct hn_ctrl_link links[HN_LSA_MAX_LINKS];
	__u8 stages[HN_LSA_MAX_STAGES];
	/* rates[i] is stages[i]'s; all 0 without HN_LSA_F_RATES */
	struct hn_ctrl_rate rates[HN_LSA_MAX_STAGES];
};

struct hn_ctrl_chunk {
	__u64 generation;
	__u8 digest[8];
	__u32 total_len;
	__u32 offset;
	__u16 chunk_len;
	__u16 object; /* enum hn_chunk_object */
	const __u8 *data; /* decode: points into the frame buffer */
};

/*
 * The Ethernet addresses of the one hop a link-local frame (HELLO, PROBE,
 * ACK) takes: its MAC covers them, so that a frame moved to another link,
 * or sent on by a relay from its own address, no longer verifies.
 */
struct hn_ctrl_l2 {
	__u8 dst[6]; /* broadcast for HELLO */
	__u8 src[6]; /* the sender's port */
};

/* HELLO, PROBE and ACK: one hop, their MAC bound to struct hn_ctrl_l2. */
static inline int hn_ctrl_link_local(unsigned int type)
{
	return type == HN_T_HELLO || type == HN_T_PROBE || type == HN_T_ACK;
}

/* A decoded control frame. */
struct hn_ctrl_fed {
	__u64 campaign;
	__u32 round;
	__u32 msg_id;
	__u32 total_len;
	__u32 offset;
	__u16 frag_len;
	__u8 attempt;
	__u8 kind;
	__u8 op; /* enum hn_fed_op */
	const __u8 *data; /* decode: points into the frame buffer */
};

/* ECHO (hnctl ping, traceroute) */
struct hn_ctrl_echo {
	__u32 id;
	__u32 seq;
	__u64 t_ns;
	__u8 op; /* enum hn_echo_op */
	__u16 pad_len;
	/*
	 * the padding: encode copies pad_len bytes from here (NULL: zeros),
	 * decode points it into the caller's frame buffer
	 */
	const __u8 *data;
};

/* Fragments of a FED message of @total_len bytes. */
static inline __u32 hn_fed_frags(__u32 total_len)
{
	return (total_len + HN_FED_FRAG_MAX - 1) / HN_FED_FRAG_MAX;
}

struct hn_ctrl_msg {
	/* struct hnhdr fields, host order */
	__u8 type; /* HN_T_HELLO .. HN_T_ACK */
	__u8 flags;
	__u8 ttl;
	__u8 tclass;
	__u32 src;
	__u32 dst;
	__u32 seq;
	/* struct hn_auth */
	__u32 key_id;
	__u64 counter;
	/* link-local types: encode signs these, decode copies what it got */
	struct hn_ctrl_l2 l2;
	union {
		struct hn_ctrl_hello hello;
		struct hn_ctrl_probe probe; /* PROBE, ACK */
		struct hn_ctrl_lsa lsa;
		struct hn_ctrl_chunk chunk;
		struct hn_ctrl_fed fed;
		struct hn_ctrl_echo echo;
	} u;
};

/*
 * Build @m into @buf (at least HN_CTRL_MAX bytes for any message):
 * struct hnhdr with version HN_VERSION and len, payload, trailer signed
 * with @key (m->key_id is ignored: key->id is written), for link-local
 * types over m->l2 too.  Returns the frame
 * length, or -EINVAL if a count or length is out of range.
 * Also -EINVAL for anything hn_ctrl_decode() would refuse (it applies the
 * same field rules, so a bad message fails here, not at every peer);
 * -ENOSPC if @size is too small (@buf untouched); -EIO if OpenSSL fails.
 * u.lsa.origin is ignored: the origin of an LSA is m->src.
 */
int hn_ctrl_encode(void *buf, size_t size, const struct hn_ctrl_msg *m,
		   const struct hn_mesh_key *key);

/*
 * Parse and authenticate the frame in @buf, which arrived between the
 * Ethernet addresses @l2 (NULL: all zero, for frames that never crossed a
 * link).  Returns HN_CE_OK and fills @m, or an enum hn_ctrl_err and writes
 * the reason into @err.  @keys are the accepted keys; the MAC is compared
 * in constant time.  Replay is the caller's business (struct hn_replay):
 * it needs per-sender state.
 */
int hn_ctrl_decode(const void *buf, size_t len, const struct hn_ctrl_l2 *l2,
		   struct hn_ctrl_msg *m, const struct hn_mesh_key *keys,
		   unsigned int n_keys, char *err, size_t errlen);

/* An @err of this size holds any reason hn_ctrl_decode() writes. */
#define HN_CTRL_ERRLEN 160

/*
 * Replay window of one sender: the HN_REPLAY_WINDOW highest counters
 * accepted.  A counter is accepted once, if it is above the lowest of
 * them (or the window is not full yet): reordering of up to that many
 * frames is tolerated however far apart their counters are.  The first
 * counter seen is accepted (the window starts empty).
 *
 * Senders' counters follow their clock in nanoseconds (hypernetd's
 * port.c), so counter minus our clock at arrival is about constant: the
 * offset between the two clocks, less the way's delay.  A counter may run
 * ahead of the highest such offset seen by HN_REPLAY_SLACK_NS and no
 * further, and that offset itself rises at most 1/64 as fast as time
 * passes: a key holder's frame, however far ahead, is refused or lands
 * within the slack of the genuine sender's clock, whose frames go on
 * being accepted below it; it takes HN_REPLAY_WINDOW forged frames to
 * shut the genuine sender out, for the slack at most, and many frames
 * walk the limit no faster than 1/64 of real time.  A frame that took long
 * on the way lowers nothing.
 *
 * The first frame sets the offset; if it was an old frame replayed (an
 * agent that restarted takes the first counter it sees), the genuine
 * sender's frames are all too far ahead.  Two of them at least
 * HN_REPLAY_CONFIRM_NS apart that agree on the sender's clock start the
 * window afresh: replays cannot agree on a clock ahead of their own, and
 * one frame of a key holder is not two.  Documentation/agent.rst (Threat
 * model).
 */
#define HN_REPLAY_WINDOW 64
#define HN_REPLAY_SLACK_NS 1000000000LL
#define HN_REPLAY_CONFIRM_NS 1000000000ULL

struct hn_replay {
	__u64 seen[HN_REPLAY_WINDOW]; /* accepted counters, ascending */
	unsigned int n;
	__s64 offset; /* counter - our clock, highest allowed */
	__u64 seen_ns; /* our clock at the last frame */
	__s64 jump_offset; /* offset of the last frame too far ahead */
	__u64 jump_ns; /* and our clock then; 0: none */
};

/*
 * 0: accepted and recorded; -EALREADY: seen; -ESTALE: below the window;
 * -ERANGE: further ahead than the sender's clock can be.  @now: the
 * receiver's CLOCK_MONOTONIC in nanoseconds when the frame arrived (never
 * 0).
 */
int hn_replay_accept(struct hn_replay *r, __u64 counter, __u64 now);

/* Start the window afresh at @counter (a counter proven fresh). */
void hn_replay_anchor(struct hn_replay *r, __u64 counter, __u64 now);

/*
 * Mesh key from 64 hex digits. 0 or -EINVAL.
 * Only k->key is written: the id comes from the caller's configuration.
 */
int hn_mesh_key_parse(const char *hex, struct hn_mesh_key *k);

/* Serial-number comparison (RFC 1982) of 32-bit sequence numbers. */
static inline int hn_seq_newer(__u32 a, __u32 b)
{
	return a != b && (__u32)(a - b) < 0x80000000U;
}

#endif /* _HN_LIB_CTRL_H */
