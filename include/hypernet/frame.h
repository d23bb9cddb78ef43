/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Validation of HyperNet headers, written once for BPF, the kernel and
 * userspace, so that every part calls the same frame malformed for the same
 * reason.  Callers have already made sure that @avail bytes starting at the
 * header are readable; these functions only read within that range.
 */
#ifndef _HYPERNET_FRAME_H
#define _HYPERNET_FRAME_H

#include <linux/types.h>
#include <linux/hypernet_packet.h>

#ifndef __hn_inline
#define __hn_inline static inline __attribute__((always_inline))
#endif

/*
 * The wire structs' sizes, checked wherever the format is compiled: the
 * XDP router, the module and userspace all include this file.  A field
 * added, widened or left unpacked changes a size here before it changes
 * what peers read.  Documentation/frame-format.rst has the layouts.
 */
#define HN_WIRE_SIZE(type, size) \
	_Static_assert(sizeof(type) == (size), #type " is " #size " bytes")
HN_WIRE_SIZE(struct hnhdr, 20);
HN_WIRE_SIZE(struct hn_tensor_hdr, 20);
HN_WIRE_SIZE(struct hn_auth, 28);
HN_WIRE_SIZE(struct hn_hello, 16);
HN_WIRE_SIZE(struct hn_hello_heard, 8);
HN_WIRE_SIZE(struct hn_probe, 16);
HN_WIRE_SIZE(struct hn_lsa, 20);
HN_WIRE_SIZE(struct hn_lsa_link, 8);
HN_WIRE_SIZE(struct hn_model_chunk, 28);
#undef HN_WIRE_SIZE

#ifndef hn_ntohs
#if defined(__KERNEL__)
#define hn_ntohs(x) be16_to_cpu(x)
#define hn_ntohl(x) be32_to_cpu(x)
#elif defined(__BPF__) || defined(__bpf__)
#define hn_ntohs(x) __builtin_bswap16(x)
#define hn_ntohl(x) __builtin_bswap32(x)
#else
#include <arpa/inet.h>
#define hn_ntohs(x) ntohs(x)
#define hn_ntohl(x) ntohl(x)
#endif
#endif

/*
 * A multi-byte header field, raw (network order).  The struct is packed,
 * so compilers read such a field a byte at a time: in XDP four loads,
 * shifts and ors per 32-bit field.  There the header follows the 14-byte
 * Ethernet header, which drivers place at NET_IP_ALIGN and the verifier
 * checks as if they did (strict alignment included), so its fields are
 * naturally aligned and one load each will do.  Elsewhere a header may
 * sit anywhere in a buffer and keeps the packed access.
 */
#if defined(__BPF__) || defined(__bpf__)
#define HN_HDR_GET(h, f)                                   \
	(*(const __typeof__((h)->f) *)((const __u8 *)(h) + \
				       __builtin_offsetof(struct hnhdr, f)))
#else
#define HN_HDR_GET(h, f) ((h)->f)
#endif

/* Why a frame is malformed.  Append-only: the values name counters. */
enum hn_frame_err {
	HN_OK,
	HN_ERR_TRUNCATED, /* shorter than its headers */
	HN_ERR_VERSION, /* version != HN_VERSION */
	HN_ERR_TYPE, /* unknown or HN_T_UNSPEC type */
	HN_ERR_FLAGS, /* unknown flag bits or a forbidden mix */
	HN_ERR_LENGTH, /* len says more than the frame holds */
	HN_ERR_TTL, /* arrived with TTL 0 */
	HN_ERR_ADDR, /* src 0, or dst 0 */
	HN_ERR_TENSOR, /* tensor header inconsistent */
	__HN_ERR_MAX
};

/*
 * Check a HyperNet header and the payload length it claims.  @avail is the
 * number of bytes from the start of the header to the end of the frame;
 * Ethernet padding may make it larger than HN_HDR_LEN + len, never smaller.
 */
__hn_inline int hn_hdr_check(const struct hnhdr *h, __u32 avail)
{
	__u8 mode;

	if (avail < HN_HDR_LEN)
		return HN_ERR_TRUNCATED;
	if (h->version != HN_VERSION)
		return HN_ERR_VERSION;
	if (h->type == HN_T_UNSPEC || h->type > HN_T_MAX)
		return HN_ERR_TYPE;
	if (h->flags & ~__HN_F_ALL)
		return HN_ERR_FLAGS;
	mode = h->flags & (HN_F_MCAST | HN_F_ANYCAST);
	if (mode == (HN_F_MCAST | HN_F_ANYCAST))
		return HN_ERR_FLAGS;
	if ((__u32)hn_ntohs(HN_HDR_GET(h, len)) > avail - HN_HDR_LEN)
		return HN_ERR_LENGTH;
	if (h->ttl == 0)
		return HN_ERR_TTL;
	if (HN_HDR_GET(h, src) == 0 || HN_HDR_GET(h, dst) == 0)
		return HN_ERR_ADDR;
	return HN_OK;
}

/*
 * Check a tensor header against the payload length @plen that carries it.
 * @max_len bounds total_len (the receiver's largest stage input).
 */
__hn_inline int hn_tensor_check(const struct hn_tensor_hdr *t, __u32 plen,
				__u32 max_len)
{
	__u32 cnt, idx, off, total, n;

	if (plen < HN_TENSOR_HDR_LEN)
		return HN_ERR_TRUNCATED;
	cnt = hn_ntohs(t->frag_cnt);
	idx = hn_ntohs(t->frag_idx);
	off = hn_ntohs(t->frag_off);
	total = hn_ntohs(t->total_len);
	n = plen - HN_TENSOR_HDR_LEN; /* elements: int8 only so far */
	if (t->dtype != HN_DT_S8)
		return HN_ERR_TENSOR;
	/* every fragment carries an element: no more of them than elements */
	if (cnt == 0 || idx >= cnt || total == 0 || total > max_len ||
	    cnt > total)
		return HN_ERR_TENSOR;
	if (n == 0 || off >= total || n > total - off)
		return HN_ERR_TENSOR;
	if (cnt == 1 && (off != 0 || n != total))
		return HN_ERR_TENSOR;
	return HN_OK;
}

#endif /* _HYPERNET_FRAME_H */
