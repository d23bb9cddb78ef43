/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HN_NLPARSE_H
#define _HN_NLPARSE_H

#include <linux/types.h>
#include <net/netlink.h>
#include <linux/hypernet.h>

struct hn_stage;

/* Where results go; a copy is taken under hn_dev.conf_lock per tensor. */
struct hn_output {
	u8 mode; /* enum hnet_output_mode */
	u8 tclass;
	u8 stage; /* stage id for forwarded tensors */
	bool stage_set; /* else: own stage id + 1 */
	u32 flags; /* enum hnet_output_flags */
	u32 node;
	u32 node_id; /* our source id, 0: input frame's dst */
};

/* The family's policy: genl validates every request with it. */
extern const struct nla_policy hn_policy[HNET_A_MAX + 1];

/* *@flags from @a (0 if absent); EOPNOTSUPP on bits outside @valid. */
int hn_nl_flags(const struct nlattr *a, u32 valid, u32 *flags,
		struct netlink_ext_ack *extack);
/*
 * A new stage (one reference) from the HNET_A_STAGE @nest and the
 * parameter chunks among the request's top-level attributes (@head,
 * @len bytes), or an ERR_PTR with an extack message.
 */
struct hn_stage *hn_nl_parse_stage(const struct nlattr *nest,
				   const struct nlattr *head, int len,
				   struct netlink_ext_ack *extack);
/* @out from the HNET_A_OUTPUT @nest, all but node_id. */
int hn_nl_parse_output(const struct nlattr *nest, struct hn_output *out,
		       struct netlink_ext_ack *extack);

#endif /* _HN_NLPARSE_H */
