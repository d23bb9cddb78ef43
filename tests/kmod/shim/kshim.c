// SPDX-License-Identifier: GPL-2.0
/*
 * The shim's out-of-line parts: the clock, and strict netlink parsing as
 * the 6.1 kernel applies it to a generic netlink request (family policy,
 * no GENL_DONT_VALIDATE_*) and in nla_parse_nested():
 *
 *  - every attribute fits the stream, nothing but padding trails it;
 *  - its type is 1..maxtype, and its policy entry is not NLA_UNSPEC;
 *  - NLA_F_NESTED is set exactly on NLA_NESTED(_ARRAY) attributes;
 *  - integers have exactly their size; a NUL_STRING has a NUL within
 *    len + 1 bytes; a BINARY at most len bytes (if len is set);
 *  - a NESTED one is empty or validated with its policy, a NESTED_ARRAY's
 *    elements likewise (their own types are not checked);
 *  - range validation on integers, and on a BINARY's length.
 *
 * Only the types and validations of net/netlink.h here are known; any
 * other aborts.
 */
#include <net/netlink.h>

unsigned long jiffies, kshim_resched, kshim_clock;

#define KSHIM_MAX_DEPTH 10

static int kshim_parse(struct nlattr **tb, int maxtype,
		       const struct nlattr *head, int len,
		       const struct nla_policy *policy,
		       struct netlink_ext_ack *extack, int depth);

static int kshim_err(struct netlink_ext_ack *extack, const struct nlattr *nla,
		     const char *msg, int err)
{
	NL_SET_ERR_MSG_ATTR(extack, nla, msg);
	return err;
}

static int kshim_range(const struct nla_policy *pt, const struct nlattr *nla,
		       struct netlink_ext_ack *extack)
{
	u64 v, lo = 0, hi = UINT64_MAX;

	switch (pt->type) {
	case NLA_U8:
		v = *(u8 *)nla_data(nla);
		break;
	case NLA_U16:
		v = *(u16 *)nla_data(nla);
		break;
	case NLA_U32:
		v = *(u32 *)nla_data(nla);
		break;
	case NLA_U64:
		memcpy(&v, nla_data(nla), sizeof(v));
		break;
	case NLA_BINARY:
		v = nla_len(nla);
		break;
	default:
		abort(); /* no range on this type in the shim */
	}
	switch (pt->validation_type) {
	case NLA_VALIDATE_RANGE:
		lo = pt->min;
		hi = pt->max;
		break;
	case NLA_VALIDATE_MIN:
		lo = pt->min;
		break;
	case NLA_VALIDATE_MAX:
		hi = pt->max;
		break;
	case NLA_VALIDATE_RANGE_PTR:
		lo = pt->range->min;
		hi = pt->range->max;
		break;
	default:
		abort();
	}
	if (v < lo || v > hi)
		return kshim_err(extack, nla, "value out of range", -ERANGE);
	return 0;
}

static int kshim_array(const struct nla_policy *pt, const struct nlattr *nla,
		       struct netlink_ext_ack *extack, int depth)
{
	const struct nlattr *e;
	int rem, ret;

	nla_for_each_nested(e, nla, rem) {
		if (nla_len(e) == 0)
			continue;
		if (nla_len(e) < NLA_HDRLEN)
			return kshim_err(extack, e, "array element too short",
					 -EINVAL);
		ret = kshim_parse(NULL, pt->len, nla_data(e), nla_len(e),
				  pt->nested_policy, extack, depth + 1);
		if (ret)
			return ret;
	}
	return 0;
}

static int kshim_attr(const struct nlattr *nla, const struct nla_policy *pt,
		      struct netlink_ext_ack *extack, int depth)
{
	static const u8 exact[__NLA_TYPE_MAX] = {
		[NLA_U8] = 1,
		[NLA_U16] = 2,
		[NLA_U32] = 4,
		[NLA_U64] = 8,
	};
	bool nested = pt->type == NLA_NESTED || pt->type == NLA_NESTED_ARRAY;
	int len = nla_len(nla), n;

	if (pt->type >= __NLA_TYPE_MAX)
		abort();
	if (pt->type == NLA_UNSPEC)
		return kshim_err(extack, nla, "unsupported attribute", -EINVAL);
	if (exact[pt->type] && len != exact[pt->type])
		return kshim_err(extack, nla, "invalid attribute length",
				 -EINVAL);
	if (nested != !!(nla->nla_type & NLA_F_NESTED))
		return kshim_err(extack, nla, "NLA_F_NESTED wrong", -EINVAL);
	switch (pt->type) {
	case NLA_NUL_STRING:
		n = pt->len ? min(len, pt->len + 1) : len;
		if (!n || !memchr(nla_data(nla), 0, n))
			return kshim_err(extack, nla, "string not terminated",
					 -EINVAL);
		break;
	case NLA_BINARY:
		if (pt->len && len > pt->len)
			return kshim_err(extack, nla, "binary too long",
					 -ERANGE);
		break;
	case NLA_NESTED:
	case NLA_NESTED_ARRAY:
		if (!len)
			return 0;
		if (len < NLA_HDRLEN)
			return kshim_err(extack, nla, "nest too short",
					 -EINVAL);
		if (!pt->nested_policy)
			return 0;
		if (pt->type == NLA_NESTED_ARRAY)
			return kshim_array(pt, nla, extack, depth);
		return kshim_parse(NULL, pt->len, nla_data(nla), len,
				   pt->nested_policy, extack, depth + 1);
	default:
		break;
	}
	if (pt->validation_type != NLA_VALIDATE_NONE)
		return kshim_range(pt, nla, extack);
	return 0;
}

static int kshim_parse(struct nlattr **tb, int maxtype,
		       const struct nlattr *head, int len,
		       const struct nla_policy *policy,
		       struct netlink_ext_ack *extack, int depth)
{
	const struct nlattr *nla;
	int rem, ret;

	if (depth >= KSHIM_MAX_DEPTH)
		return kshim_err(extack, head, "too deeply nested", -EINVAL);
	if (tb)
		memset(tb, 0, sizeof(*tb) * (maxtype + 1));
	nla_for_each_attr(nla, head, len, rem) {
		int type = nla_type(nla);

		if (type == 0 || type > maxtype)
			return kshim_err(extack, nla, "unknown attribute type",
					 -EINVAL);
		ret = kshim_attr(nla, &policy[type], extack, depth);
		if (ret)
			return ret;
		if (tb)
			tb[type] = (struct nlattr *)nla;
	}
	if (rem > 0)
		return kshim_err(extack, NULL, "bytes left after attributes",
				 -EINVAL);
	return 0;
}

int nla_parse(struct nlattr **tb, int maxtype, const struct nlattr *head,
	      int len, const struct nla_policy *policy,
	      struct netlink_ext_ack *extack)
{
	return kshim_parse(tb, maxtype, head, len, policy, extack, 0);
}

int nla_parse_nested(struct nlattr **tb, int maxtype, const struct nlattr *nla,
		     const struct nla_policy *policy,
		     struct netlink_ext_ack *extack)
{
	if (!(nla->nla_type & NLA_F_NESTED))
		return kshim_err(extack, nla, "NLA_F_NESTED is missing",
				 -EINVAL);
	return kshim_parse(tb, maxtype, nla_data(nla), nla_len(nla), policy,
			   extack, 0);
}
