/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Build and parse HyperNet Ethernet frames in userspace, cut tensors into
 * fragments for an MTU and put them back together (tests, tools).
 *
 * Return convention: 0 (HN_OK) on success, a positive enum hn_frame_err
 * when the frame is malformed, a negative errno for everything else
 * (buffer too small, not a HyperNet frame, ...).  hn_frame_strerror()
 * describes all of them.
 */
#ifndef _HYPERNET_FRAMES_H
#define _HYPERNET_FRAMES_H

#include <stddef.h>
#include <stdint.h>
#include <hypernet/frame.h>

#define HN_ETH_HLEN 14
#define HN_ETH_ALEN 6
/* Ethernet + hnhdr + tensor header. */
#define HN_TENSOR_OVERHEAD (HN_HDR_LEN + HN_TENSOR_HDR_LEN)

/* A frame in host byte order.  @payload is not copied by parse. */
struct hn_frame {
	uint8_t dst_mac[HN_ETH_ALEN], src_mac[HN_ETH_ALEN];
	uint8_t type, flags, ttl, tclass;
	uint32_t src, dst, seq;
	/* HN_T_TENSOR only */
	uint32_t tensor_id, origin;
	uint8_t stage, dtype;
	uint16_t frag_idx, frag_cnt, frag_off, total_len;
	/* opaque payload, or the tensor elements of a tensor frame */
	const void *payload;
	size_t payload_len;
};

/* The MAC address of interface @dev: 0, or a negative errno. */
int hn_if_mac(const char *dev, uint8_t mac[HN_ETH_ALEN]);
/* "xx:xx:xx:xx:xx:xx" (one or two hex digits each) into @mac: 0 or -EINVAL. */
int hn_parse_mac(const char *s, uint8_t mac[HN_ETH_ALEN]);

/* Any return value of this file as one human-readable phrase. */
const char *hn_frame_strerror(int err);

/*
 * Write @f as a frame into @buf; *@len gets its length.  The result is
 * checked with hn_hdr_check()/hn_tensor_check(), so a frame the receiver
 * would drop is never built.
 */
int hn_frame_build(const struct hn_frame *f, void *buf, size_t buflen,
		   size_t *len);

/*
 * Write @f without checking it: for test tools that must put malformed
 * frames on the wire (they patch the fields they want wrong afterwards).
 * Fails only with -EMSGSIZE, -ENOSPC or -EINVAL (payload missing).
 */
int hn_frame_write(const struct hn_frame *f, void *buf, size_t buflen,
		   size_t *len);

/*
 * Parse a frame of @len bytes.  @max_tensor bounds total_len of tensor
 * frames (0: HN_TENSOR_MAX_LEN).  On success f->payload points into @buf.
 * 802.1Q tags are not stripped: a tagged frame is -ENOMSG.
 */
int hn_frame_parse(const void *buf, size_t len, uint32_t max_tensor,
		   struct hn_frame *f);

/*
 * Fragments needed for a tensor of @total elements in frames whose
 * Ethernet payload is at most @mtu bytes; negative errno if impossible.
 */
int hn_tensor_frag_count(size_t total, unsigned int mtu);

/*
 * Build fragment @idx of @data (@tmpl gives addresses, tensor_id, origin,
 * stage; its frag and payload fields are ignored).
 */
int hn_tensor_frag_build(const struct hn_frame *tmpl, const int8_t *data,
			 size_t total, unsigned int mtu, unsigned int idx,
			 void *buf, size_t buflen, size_t *len);

/*
 * Bounded reassembly of one tensor from parsed fragments, in any order.
 * hn_reasm_add() returns 1 when the tensor is complete, 0 when more is
 * needed, or a negative errno: -EXDEV another tensor, -EALREADY duplicate
 * (ignored, harmless), -EINVAL fragment inconsistent with the others or
 * overlapping, -EMSGSIZE larger than the buffer, -EPROTO not a tensor.
 */
struct hn_reasm {
	uint32_t max_len; /* <= HN_TENSOR_MAX_LEN */
	int started;
	uint32_t origin, tensor_id;
	uint8_t stage;
	uint16_t total_len, frag_cnt;
	uint32_t have_elems; /* elements received */
	uint8_t have[HN_TENSOR_MAX_LEN / 8]; /* per element */
	uint8_t have_frag[HN_TENSOR_MAX_LEN / 8]; /* per fragment */
	int8_t data[HN_TENSOR_MAX_LEN];
};

void hn_reasm_init(struct hn_reasm *r, uint32_t max_len);
int hn_reasm_add(struct hn_reasm *r, const struct hn_frame *f);
/* Elements still missing; 0 before the first fragment (size unknown). */
uint32_t hn_reasm_missing(const struct hn_reasm *r);

#endif /* _HYPERNET_FRAMES_H */
