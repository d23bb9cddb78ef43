/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Stands in for the kernel's <net/netlink.h>: attribute accessors, the
 * policy types the module uses, and strict parsing (kshim.c) as the 6.1
 * kernel does it for generic netlink requests and nla_parse_nested().
 * A policy type or validation this shim does not know aborts, so that a
 * policy change cannot silently be fuzzed as "anything goes".
 */
#ifndef _KSHIM_NET_NETLINK_H
#define _KSHIM_NET_NETLINK_H

#include <linux/netlink.h> /* uapi: struct nlattr, NLA_HDRLEN, flags */
#include <kshim.h>

enum {
	NLA_UNSPEC,
	NLA_U8,
	NLA_U16,
	NLA_U32,
	NLA_U64,
	NLA_NESTED,
	NLA_NESTED_ARRAY,
	NLA_NUL_STRING,
	NLA_BINARY,
	__NLA_TYPE_MAX,
};

enum nla_policy_validation {
	NLA_VALIDATE_NONE,
	NLA_VALIDATE_RANGE,
	NLA_VALIDATE_MIN,
	NLA_VALIDATE_MAX,
	NLA_VALIDATE_RANGE_PTR,
};

struct netlink_range_validation {
	u64 min, max;
};

struct nla_policy {
	u8 type;
	u8 validation_type;
	u16 len; /* strings: max length; nested: max type */
	union {
		const struct nla_policy *nested_policy;
		struct netlink_range_validation *range;
		struct {
			s16 min, max;
		};
	};
};

#define NLA_POLICY_RANGE(tp, lo, hi)                                 \
	{                                                            \
		.type = (tp), .validation_type = NLA_VALIDATE_RANGE, \
		.min = (lo), .max = (hi)                             \
	}
#define NLA_POLICY_MAX(tp, hi)                                                 \
	{                                                                      \
		.type = (tp), .validation_type = NLA_VALIDATE_MAX, .max = (hi) \
	}
#define NLA_POLICY_FULL_RANGE(tp, r)                                     \
	{                                                                \
		.type = (tp), .validation_type = NLA_VALIDATE_RANGE_PTR, \
		.range = (r)                                             \
	}
#define NLA_POLICY_NESTED(pol)                              \
	{                                                   \
		.type = NLA_NESTED, .nested_policy = (pol), \
		.len = ARRAY_SIZE(pol) - 1                  \
	}
#define NLA_POLICY_NESTED_ARRAY(pol)                              \
	{                                                         \
		.type = NLA_NESTED_ARRAY, .nested_policy = (pol), \
		.len = ARRAY_SIZE(pol) - 1                        \
	}

struct netlink_ext_ack {
	const char *_msg;
	const struct nlattr *bad_attr;
};

#define NL_SET_ERR_MSG(extack, msg)                     \
	do {                                            \
		struct netlink_ext_ack *__e = (extack); \
		if (__e)                                \
			__e->_msg = (msg);              \
	} while (0)
#define NL_SET_ERR_MSG_ATTR(extack, attr, msg)          \
	do {                                            \
		struct netlink_ext_ack *__e = (extack); \
		if (__e) {                              \
			__e->_msg = (msg);              \
			__e->bad_attr = (attr);         \
		}                                       \
	} while (0)

static inline int nla_type(const struct nlattr *nla)
{
	return nla->nla_type & NLA_TYPE_MASK;
}

static inline void *nla_data(const struct nlattr *nla)
{
	return (char *)nla + NLA_HDRLEN;
}

static inline int nla_len(const struct nlattr *nla)
{
	return nla->nla_len - NLA_HDRLEN;
}

static inline bool nla_ok(const struct nlattr *nla, int rem)
{
	return rem >= (int)sizeof(*nla) && nla->nla_len >= sizeof(*nla) &&
	       nla->nla_len <= rem;
}

static inline struct nlattr *nla_next(const struct nlattr *nla, int *rem)
{
	unsigned int len = NLA_ALIGN(nla->nla_len);

	*rem -= len;
	return (struct nlattr *)((char *)nla + len);
}

#define nla_for_each_attr(pos, head, len, rem)        \
	for (pos = head, rem = len; nla_ok(pos, rem); \
	     pos = nla_next(pos, &(rem)))
#define nla_for_each_nested(pos, nla, rem) \
	nla_for_each_attr(pos, nla_data(nla), nla_len(nla), rem)

/* As the kernel: a plain load (attributes are 4-byte aligned). */
static inline u8 nla_get_u8(const struct nlattr *nla)
{
	return *(u8 *)nla_data(nla);
}

static inline u16 nla_get_u16(const struct nlattr *nla)
{
	return *(u16 *)nla_data(nla);
}

static inline u32 nla_get_u32(const struct nlattr *nla)
{
	return *(u32 *)nla_data(nla);
}

/* Strict parsing into @tb (zeroed first), as genl and the kernel do. */
int nla_parse(struct nlattr **tb, int maxtype, const struct nlattr *head,
	      int len, const struct nla_policy *policy,
	      struct netlink_ext_ack *extack);
int nla_parse_nested(struct nlattr **tb, int maxtype, const struct nlattr *nla,
		     const struct nla_policy *policy,
		     struct netlink_ext_ack *extack);

#endif /* _KSHIM_NET_NETLINK_H */
