// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Userspace frame builder/parser.  Validation is hn_hdr_check() and
 * hn_tensor_check() from frame.h, the very functions of the data plane.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "frames.h"

int hn_if_mac(const char *dev, uint8_t mac[HN_ETH_ALEN])
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret = 0;

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
		ret = -errno;
	else
		memcpy(mac, ifr.ifr_hwaddr.sa_data, HN_ETH_ALEN);
	close(fd);
	return ret;
}

int hn_parse_mac(const char *s, uint8_t mac[HN_ETH_ALEN])
{
	unsigned int b[HN_ETH_ALEN];
	char tail;
	int i;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
		   &b[4], &b[5], &tail) != HN_ETH_ALEN)
		return -EINVAL;
	for (i = 0; i < HN_ETH_ALEN; i++)
		mac[i] = b[i];
	return 0;
}

const char *hn_frame_strerror(int err)
{
	switch (err) {
	case HN_OK:
		return "ok";
	case HN_ERR_TRUNCATED:
		return "truncated: frame shorter than its headers";
	case HN_ERR_VERSION:
		return "unsupported HyperNet version";
	case HN_ERR_TYPE:
		return "unknown or unspecified frame type";
	case HN_ERR_FLAGS:
		return "unknown flag bits or both multicast and anycast";
	case HN_ERR_LENGTH:
		return "length field larger than the frame";
	case HN_ERR_TTL:
		return "TTL is 0";
	case HN_ERR_ADDR:
		return "source or destination node is 0";
	case HN_ERR_TENSOR:
		return "tensor header inconsistent (dtype, fragment index/offset/count or total length)";
	case -ENOSPC:
		return "buffer too small for the frame";
	case -ENOMSG:
		return "not a HyperNet frame (EtherType is not 0x88B5)";
	case -EMSGSIZE:
		return "payload or tensor too large";
	case -EXDEV:
		return "fragment of another tensor";
	case -EALREADY:
		return "duplicate fragment";
	case -EPROTO:
		return "not a tensor frame";
	case -EINVAL:
		return "invalid argument or inconsistent fragment";
	}
	return "unknown error";
}

int hn_frame_write(const struct hn_frame *f, void *buf, size_t buflen,
		   size_t *lenp)
{
	uint8_t *p = buf;
	struct hnhdr *h = (struct hnhdr *)(p + HN_ETH_HLEN);
	size_t plen = f->payload_len, len;

	if (f->type == HN_T_TENSOR)
		plen += HN_TENSOR_HDR_LEN;
	if (plen > 0xFFFF)
		return -EMSGSIZE;
	len = HN_ETH_HLEN + HN_HDR_LEN + plen;
	if (len > buflen)
		return -ENOSPC;
	if (f->payload_len && !f->payload)
		return -EINVAL;
	memcpy(p, f->dst_mac, HN_ETH_ALEN);
	memcpy(p + HN_ETH_ALEN, f->src_mac, HN_ETH_ALEN);
	p[12] = ETH_P_HYPERNET >> 8;
	p[13] = ETH_P_HYPERNET & 0xff;
	h->version = HN_VERSION;
	h->type = f->type;
	h->flags = f->flags;
	h->ttl = f->ttl;
	h->tclass = f->tclass;
	h->reserved = 0;
	h->len = htons(plen);
	h->src = htonl(f->src);
	h->dst = htonl(f->dst);
	h->seq = htonl(f->seq);
	p += HN_ETH_HLEN + HN_HDR_LEN;
	if (f->type == HN_T_TENSOR) {
		struct hn_tensor_hdr *t = (struct hn_tensor_hdr *)p;

		t->tensor_id = htonl(f->tensor_id);
		t->origin = htonl(f->origin);
		t->stage = f->stage;
		t->dtype = f->dtype;
		t->frag_idx = htons(f->frag_idx);
		t->frag_cnt = htons(f->frag_cnt);
		t->frag_off = htons(f->frag_off);
		t->total_len = htons(f->total_len);
		t->reserved = 0;
		p += HN_TENSOR_HDR_LEN;
	}
	if (f->payload_len)
		memcpy(p, f->payload, f->payload_len);
	*lenp = len;
	return 0;
}

int hn_frame_build(const struct hn_frame *f, void *buf, size_t buflen,
		   size_t *lenp)
{
	const struct hnhdr *h =
		(const struct hnhdr *)((uint8_t *)buf + HN_ETH_HLEN);
	size_t len;
	int ret;

	ret = hn_frame_write(f, buf, buflen, &len);
	if (ret)
		return ret;
	/* Refuse to build what every receiver would drop. */
	ret = hn_hdr_check(h, len - HN_ETH_HLEN);
	if (!ret && f->type == HN_T_TENSOR)
		ret = hn_tensor_check((const struct hn_tensor_hdr *)(h + 1),
				      len - HN_ETH_HLEN - HN_HDR_LEN,
				      HN_TENSOR_MAX_LEN);
	if (ret)
		return ret;
	*lenp = len;
	return 0;
}

int hn_frame_parse(const void *buf, size_t len, uint32_t max_tensor,
		   struct hn_frame *f)
{
	const uint8_t *p = buf;
	const struct hnhdr *h;
	size_t avail;
	uint32_t plen;
	int ret;

	memset(f, 0, sizeof(*f));
	if (!max_tensor || max_tensor > HN_TENSOR_MAX_LEN)
		max_tensor = HN_TENSOR_MAX_LEN;
	if (len < HN_ETH_HLEN)
		return HN_ERR_TRUNCATED;
	if ((p[12] << 8 | p[13]) != ETH_P_HYPERNET)
		return -ENOMSG;
	h = (const struct hnhdr *)(p + HN_ETH_HLEN);
	avail = len - HN_ETH_HLEN;
	/* hn_hdr_check() takes a u32; larger buffers are not frames. */
	if (avail > 0xFFFFFFFFu)
		return -EMSGSIZE;
	ret = hn_hdr_check(h, avail);
	if (ret)
		return ret;
	plen = ntohs(h->len);
	memcpy(f->dst_mac, p, HN_ETH_ALEN);
	memcpy(f->src_mac, p + HN_ETH_ALEN, HN_ETH_ALEN);
	f->type = h->type;
	f->flags = h->flags;
	f->ttl = h->ttl;
	f->tclass = h->tclass;
	f->src = ntohl(h->src);
	f->dst = ntohl(h->dst);
	f->seq = ntohl(h->seq);
	f->payload = h + 1;
	f->payload_len = plen;
	if (h->type == HN_T_TENSOR) {
		const struct hn_tensor_hdr *t = (const void *)(h + 1);

		ret = hn_tensor_check(t, plen, max_tensor);
		if (ret)
			return ret;
		f->tensor_id = ntohl(t->tensor_id);
		f->origin = ntohl(t->origin);
		f->stage = t->stage;
		f->dtype = t->dtype;
		f->frag_idx = ntohs(t->frag_idx);
		f->frag_cnt = ntohs(t->frag_cnt);
		f->frag_off = ntohs(t->frag_off);
		f->total_len = ntohs(t->total_len);
		f->payload = t + 1;
		f->payload_len = plen - HN_TENSOR_HDR_LEN;
	}
	return 0;
}

/* Elements per fragment for an MTU (the Ethernet payload size). */
static long frag_elems(unsigned int mtu)
{
	if (mtu <= HN_TENSOR_OVERHEAD)
		return -EINVAL;
	if (mtu > 0xFFFF)
		mtu = 0xFFFF;
	return mtu - HN_TENSOR_OVERHEAD;
}

int hn_tensor_frag_count(size_t total, unsigned int mtu)
{
	long per = frag_elems(mtu);

	if (per < 0)
		return per;
	if (total == 0)
		return -EINVAL;
	if (total > HN_TENSOR_MAX_LEN)
		return -EMSGSIZE;
	return (total + per - 1) / per;
}

int hn_tensor_frag_build(const struct hn_frame *tmpl, const int8_t *data,
			 size_t total, unsigned int mtu, unsigned int idx,
			 void *buf, size_t buflen, size_t *len)
{
	int cnt = hn_tensor_frag_count(total, mtu);
	long per = frag_elems(mtu);
	struct hn_frame f = *tmpl;
	size_t off;

	if (cnt < 0)
		return cnt;
	if (idx >= (unsigned int)cnt)
		return -EINVAL;
	off = (size_t)idx * per;
	f.type = HN_T_TENSOR;
	f.dtype = HN_DT_S8;
	f.frag_idx = idx;
	f.frag_cnt = cnt;
	f.frag_off = off;
	f.total_len = total;
	f.payload = data + off;
	f.payload_len = total - off < (size_t)per ? total - off : (size_t)per;
	return hn_frame_build(&f, buf, buflen, len);
}

void hn_reasm_init(struct hn_reasm *r, uint32_t max_len)
{
	memset(r, 0, sizeof(*r));
	if (!max_len || max_len > HN_TENSOR_MAX_LEN)
		max_len = HN_TENSOR_MAX_LEN;
	r->max_len = max_len;
}

static int bit(const uint8_t *map, uint32_t i)
{
	return map[i / 8] >> (i % 8) & 1;
}

static void set_bit(uint8_t *map, uint32_t i)
{
	map[i / 8] |= 1 << (i % 8);
}

int hn_reasm_add(struct hn_reasm *r, const struct hn_frame *f)
{
	uint32_t i, off = f->frag_off, n = f->payload_len;

	if (f->type != HN_T_TENSOR)
		return -EPROTO;
	if (f->total_len > r->max_len)
		return -EMSGSIZE;
	/* Re-check what a caller may have filled in by hand. */
	if (!f->total_len || !f->frag_cnt || f->frag_idx >= f->frag_cnt ||
	    f->frag_cnt > f->total_len || !n || off >= f->total_len ||
	    n > (uint32_t)f->total_len - off || !f->payload)
		return -EINVAL;
	if (!r->started) {
		r->started = 1;
		r->origin = f->origin;
		r->tensor_id = f->tensor_id;
		r->stage = f->stage;
		r->total_len = f->total_len;
		r->frag_cnt = f->frag_cnt;
	} else if (f->origin != r->origin || f->tensor_id != r->tensor_id) {
		return -EXDEV;
	} else if (f->stage != r->stage || f->total_len != r->total_len ||
		   f->frag_cnt != r->frag_cnt) {
		return -EINVAL;
	}
	if (bit(r->have_frag, f->frag_idx))
		return -EALREADY;
	for (i = off; i < off + n; i++)
		if (bit(r->have, i))
			return -EINVAL; /* overlaps another fragment */
	for (i = off; i < off + n; i++)
		set_bit(r->have, i);
	set_bit(r->have_frag, f->frag_idx);
	memcpy(r->data + off, f->payload, n);
	r->have_elems += n;
	return r->have_elems == r->total_len;
}

uint32_t hn_reasm_missing(const struct hn_reasm *r)
{
	return r->started ? r->total_len - r->have_elems : 0;
}
