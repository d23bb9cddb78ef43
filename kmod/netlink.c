// SPDX-License-Identifier: GPL-2.0
/*
 * The "hypernet" generic netlink family; include/uapi/linux/hypernet.h
 * documents every message.  Policies do the shape checks, the handlers the
 * semantic ones, each with an extack message; what is parsed without a
 * device is in nlparse.c.
 */
#include <linux/if.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <net/genetlink.h>
#include <net/netlink.h>
#include <net/sock.h>
#include <hypernet/engine.h>

#include "device.h"
#include "netlink.h"
#include "netns.h"
#include "nlparse.h"
#include "stage.h"

static struct genl_family hn_genl_family;

/*
 * The one place a request's device is resolved, in the requester's netns.
 * Returns the device with a reference held (dev_put() it) or an ERR_PTR.
 */
static struct hn_dev *hn_nl_lookup(struct net *net, struct nlattr **attrs,
				   struct netlink_ext_ack *extack)
{
	struct net_device *dev = NULL;
	struct nlattr *a;

	if (attrs[HNET_A_IFINDEX]) {
		a = attrs[HNET_A_IFINDEX];
		dev = dev_get_by_index(net, nla_get_u32(a));
	} else if (attrs[HNET_A_IFNAME]) {
		a = attrs[HNET_A_IFNAME];
		dev = dev_get_by_name(net, nla_data(a));
	} else {
		NL_SET_ERR_MSG(
			extack,
			"hypernet: no device given (HNET_A_IFINDEX or HNET_A_IFNAME)");
		return ERR_PTR(-EINVAL);
	}
	if (!dev) {
		NL_SET_ERR_MSG_ATTR(extack, a, "hypernet: no such device");
		return ERR_PTR(-ENODEV);
	}
	if (!hn_is_hypernet(dev)) {
		dev_put(dev);
		NL_SET_ERR_MSG_ATTR(extack, a,
				    "hypernet: device is not of kind hypernet");
		return ERR_PTR(-EOPNOTSUPP);
	}
	return netdev_priv(dev);
}

static int hn_nl_set_stage(struct sk_buff *skb, struct genl_info *info)
{
	struct netlink_ext_ack *extack = info->extack;
	struct hn_stage *s = NULL, *old;
	struct nlattr **attrs = info->attrs;
	struct hn_dev *hd;
	u32 flags;
	int ret, i;

	ret = hn_nl_flags(attrs[HNET_A_FLAGS], __HNET_DEV_F_ALL, &flags,
			  extack);
	if (ret)
		return ret;
	if (flags & HNET_DEV_F_CLEAR_STAGE) {
		if (attrs[HNET_A_STAGE] || attrs[HNET_A_WEIGHTS] ||
		    attrs[HNET_A_BIASES]) {
			NL_SET_ERR_MSG(
				extack,
				"hypernet: HNET_DEV_F_CLEAR_STAGE with a stage");
			return -EINVAL;
		}
	} else if (!attrs[HNET_A_STAGE]) {
		NL_SET_ERR_MSG(extack, "hypernet: missing HNET_A_STAGE");
		return -EINVAL;
	}

	hd = hn_nl_lookup(genl_info_net(info), attrs, extack);
	if (IS_ERR(hd))
		return PTR_ERR(hd);
	if (!(flags & HNET_DEV_F_CLEAR_STAGE)) {
		s = hn_nl_parse_stage(attrs[HNET_A_STAGE],
				      nlmsg_attrdata(info->nlhdr, GENL_HDRLEN),
				      nlmsg_attrlen(info->nlhdr, GENL_HDRLEN),
				      extack);
		if (IS_ERR(s)) {
			ret = PTR_ERR(s);
			goto out;
		}
	}

	rtnl_lock();
	if (hd->dev->reg_state != NETREG_REGISTERED) {
		rtnl_unlock();
		hn_stage_put(s);
		NL_SET_ERR_MSG(extack, "hypernet: device is going away");
		ret = -ENODEV;
		goto out;
	}
	old = rtnl_dereference(hd->stage);
	ret = hn_net_stage_swap(dev_net(hd->dev), old ? old->size : 0,
				s ? s->size : 0, extack);
	if (ret) {
		rtnl_unlock();
		hn_stage_put(s);
		goto out;
	}
	if (s) {
		s->generation = ++hd->generation;
		atomic64_inc(&hd->stats[HNET_STATS_A_STAGE_LOADS]);
	}
	hn_stage_swap(&hd->stage, s);
	if (flags & HNET_DEV_F_RESET_STATS)
		for (i = 0; i < ARRAY_SIZE(hd->stats); i++)
			atomic64_set(&hd->stats[i], 0);
	rtnl_unlock();
	ret = 0;
out:
	dev_put(hd->dev);
	return ret;
}

static int hn_nl_set_output(struct sk_buff *skb, struct genl_info *info)
{
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr **attrs = info->attrs;
	struct hn_output out;
	struct hn_dev *hd;
	int ret;

	if (!attrs[HNET_A_OUTPUT]) {
		NL_SET_ERR_MSG(extack, "hypernet: missing HNET_A_OUTPUT");
		return -EINVAL;
	}
	ret = hn_nl_parse_output(attrs[HNET_A_OUTPUT], &out, extack);
	if (ret)
		return ret;

	hd = hn_nl_lookup(genl_info_net(info), attrs, extack);
	if (IS_ERR(hd))
		return PTR_ERR(hd);
	spin_lock(&hd->conf_lock);
	out.node_id = attrs[HNET_A_NODE_ID] ?
			      nla_get_u32(attrs[HNET_A_NODE_ID]) :
			      hd->output.node_id;
	hd->output = out;
	spin_unlock(&hd->conf_lock);
	dev_put(hd->dev);
	return 0;
}

/* A layer as SET_STAGE took it: the geometry only if not dense. */
static int hn_nl_fill_layer(struct sk_buff *skb,
			    const struct hn_stage_layer *sl)
{
	const struct hn_op *op = &sl->op;

	if (nla_put_u32(skb, HNET_LAYER_A_IN, sl->n_in) ||
	    nla_put_u32(skb, HNET_LAYER_A_OUT, sl->n_out) ||
	    nla_put_u8(skb, HNET_LAYER_A_SHIFT, op->shift) ||
	    nla_put_u32(skb, HNET_LAYER_A_FLAGS,
			op->relu ? HNET_LAYER_F_RELU : 0))
		return -EMSGSIZE;
	if (op->kind == HNET_OP_DENSE)
		return 0;
	if (nla_put_u8(skb, HNET_LAYER_A_OP, op->kind) ||
	    nla_put_u16(skb, HNET_LAYER_A_IN_C, op->in_c) ||
	    nla_put_u16(skb, HNET_LAYER_A_IN_H, op->in_h) ||
	    nla_put_u16(skb, HNET_LAYER_A_IN_W, op->in_w) ||
	    nla_put_u16(skb, HNET_LAYER_A_OUT_C, op->out_c) ||
	    nla_put_u8(skb, HNET_LAYER_A_KERNEL, op->k) ||
	    nla_put_u8(skb, HNET_LAYER_A_STRIDE, op->stride) ||
	    nla_put_u8(skb, HNET_LAYER_A_PAD, op->pad))
		return -EMSGSIZE;
	return 0;
}

static int hn_nl_fill_stage(struct sk_buff *skb, const struct hn_stage *s)
{
	struct nlattr *nest, *layers, *l;
	unsigned int i;

	nest = nla_nest_start(skb, HNET_A_STAGE);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u8(skb, HNET_STAGE_A_ID, s->id) ||
	    nla_put_u64_64bit(skb, HNET_STAGE_A_GENERATION, s->generation,
			      HNET_STAGE_A_PAD))
		return -EMSGSIZE;
	layers = nla_nest_start(skb, HNET_STAGE_A_LAYERS);
	if (!layers)
		return -EMSGSIZE;
	for (i = 0; i < s->n_layers; i++) {
		l = nla_nest_start(skb, i);
		if (!l || hn_nl_fill_layer(skb, &s->layers[i]))
			return -EMSGSIZE;
		nla_nest_end(skb, l);
	}
	nla_nest_end(skb, layers);
	nla_nest_end(skb, nest);
	return 0;
}

static int hn_nl_fill(struct sk_buff *skb, struct hn_dev *hd, u32 portid,
		      u32 seq, int flags)
{
	struct net_device *dev = hd->dev;
	struct hn_output out;
	struct nlattr *nest;
	struct hn_stage *s;
	void *hdr;
	int i, ret = -EMSGSIZE;

	hdr = genlmsg_put(skb, portid, seq, &hn_genl_family, flags,
			  HNET_CMD_GET_DEVICE);
	if (!hdr)
		return -EMSGSIZE;
	spin_lock(&hd->conf_lock);
	out = hd->output;
	spin_unlock(&hd->conf_lock);
	if (nla_put_u32(skb, HNET_A_IFINDEX, dev->ifindex) ||
	    nla_put_string(skb, HNET_A_IFNAME, dev->name) ||
	    nla_put_u32(skb, HNET_A_NODE_ID, out.node_id) ||
	    nla_put_u32(skb, HNET_A_INFLIGHT, READ_ONCE(hd->reasm.count)))
		goto cancel;

	nest = nla_nest_start(skb, HNET_A_OUTPUT);
	if (!nest || nla_put_u8(skb, HNET_OUT_A_MODE, out.mode) ||
	    nla_put_u32(skb, HNET_OUT_A_NODE, out.node) ||
	    nla_put_u8(skb, HNET_OUT_A_CLASS, out.tclass) ||
	    (out.stage_set && nla_put_u8(skb, HNET_OUT_A_STAGE, out.stage)) ||
	    nla_put_u32(skb, HNET_OUT_A_FLAGS, out.flags))
		goto cancel;
	nla_nest_end(skb, nest);

	s = hn_stage_get(&hd->stage);
	if (s) {
		ret = hn_nl_fill_stage(skb, s);
		hn_stage_put(s);
		if (ret)
			goto cancel;
	}

	nest = nla_nest_start(skb, HNET_A_STATS);
	if (!nest)
		goto cancel;
	for (i = HNET_STATS_A_PAD + 1; i < __HNET_STATS_A_MAX; i++)
		if (nla_put_u64_64bit(skb, i, atomic64_read(&hd->stats[i]),
				      HNET_STATS_A_PAD))
			goto cancel;
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;

cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/*
 * A dump checks its requester (pre_doit is for doit only) and a filtered
 * one resolves its device here, where an error still reaches the
 * requester as an NLMSG_ERROR (errors of dumpit end up in NLMSG_DONE,
 * which common clients ignore).  args[0]: devices done; args[1]: the
 * filter's ifindex or 0.
 */
static int hn_nl_get_start(struct netlink_callback *cb)
{
	const struct genl_dumpit_info *info = genl_dumpit_info(cb);
	struct hn_dev *hd;
	int ret;

	ret = hn_perm_genl(cb->skb, cb->extack);
	if (ret)
		return ret;
	cb->args[0] = 0;
	cb->args[1] = 0;
	if (!info->attrs[HNET_A_IFINDEX] && !info->attrs[HNET_A_IFNAME])
		return 0;
	hd = hn_nl_lookup(sock_net(cb->skb->sk), info->attrs, cb->extack);
	if (IS_ERR(hd))
		return PTR_ERR(hd);
	cb->args[1] = hd->dev->ifindex;
	dev_put(hd->dev);
	return 0;
}

static int hn_nl_get_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	u32 portid = NETLINK_CB(cb->skb).portid, seq = cb->nlh->nlmsg_seq;
	struct net *net = sock_net(skb->sk);
	struct net_device *dev;
	long idx = 0;

	rcu_read_lock();
	for_each_netdev_rcu(net, dev) {
		if (!hn_is_hypernet(dev))
			continue;
		if (cb->args[1] && dev->ifindex != cb->args[1])
			continue;
		if (idx++ < cb->args[0])
			continue;
		if (hn_nl_fill(skb, netdev_priv(dev), portid, seq,
			       NLM_F_MULTI)) {
			idx--;
			break;
		}
	}
	rcu_read_unlock();
	cb->args[0] = idx;
	return skb->len;
}

int hn_nl_notify_result(struct hn_dev *hd, u32 origin, u32 tensor_id, u8 stage,
			const s8 *y, u32 len)
{
	struct net *net = dev_net(hd->dev);
	struct sk_buff *skb;
	struct nlattr *nest;
	void *hdr;
	int ret;

	if (!genl_has_listeners(&hn_genl_family, net, 0))
		return 0;
	skb = genlmsg_new(NLMSG_ALIGN(IFNAMSIZ) + nla_total_size(len) + 128,
			  GFP_KERNEL);
	if (!skb)
		return -ENOMEM;
	hdr = genlmsg_put(skb, 0, 0, &hn_genl_family, 0, HNET_CMD_RESULT);
	if (!hdr)
		goto nomsg;
	if (nla_put_u32(skb, HNET_A_IFINDEX, hd->dev->ifindex) ||
	    nla_put_string(skb, HNET_A_IFNAME, hd->dev->name))
		goto nomsg;
	nest = nla_nest_start(skb, HNET_A_RESULT);
	if (!nest || nla_put_u32(skb, HNET_RES_A_TENSOR_ID, tensor_id) ||
	    nla_put_u32(skb, HNET_RES_A_ORIGIN, origin) ||
	    nla_put_u8(skb, HNET_RES_A_STAGE, stage) ||
	    nla_put(skb, HNET_RES_A_DATA, len, y))
		goto nomsg;
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	ret = genlmsg_multicast_netns(&hn_genl_family, net, skb, 0, 0,
				      GFP_KERNEL);
	return ret == -ESRCH ? 0 : ret;

nomsg:
	nlmsg_free(skb);
	return -EMSGSIZE;
}

/* Dumps check the same in hn_nl_get_start(). */
static int hn_nl_pre_doit(const struct genl_ops *ops, struct sk_buff *skb,
			  struct genl_info *info)
{
	return hn_perm_genl(skb, info->extack);
}

static const struct genl_ops hn_genl_ops[] = {
	{
		.cmd = HNET_CMD_GET_DEVICE,
		.start = hn_nl_get_start,
		.dumpit = hn_nl_get_dump,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = HNET_CMD_SET_STAGE,
		.doit = hn_nl_set_stage,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = HNET_CMD_SET_OUTPUT,
		.doit = hn_nl_set_output,
		.flags = GENL_UNS_ADMIN_PERM,
	},
};

/*
 * Results are other users' inference data: joining needs CAP_NET_ADMIN
 * over the netns (genl_bind() checks it, also in 6.1 stable).
 */
static const struct genl_multicast_group hn_mcgrps[] = {
	{ .name = HYPERNET_MCGRP_RESULTS, .flags = GENL_MCAST_CAP_NET_ADMIN },
};

static struct genl_family hn_genl_family __ro_after_init = {
	.ops = hn_genl_ops,
	.n_ops = ARRAY_SIZE(hn_genl_ops),
	.name = HYPERNET_GENL_NAME,
	.version = HYPERNET_GENL_VERSION,
	.maxattr = HNET_A_MAX,
	.policy = hn_policy,
	.module = THIS_MODULE,
	.netnsok = true,
	.pre_doit = hn_nl_pre_doit,
	.mcgrps = hn_mcgrps,
	.n_mcgrps = ARRAY_SIZE(hn_mcgrps),
};

int __init hn_genl_init(void)
{
	return genl_register_family(&hn_genl_family);
}

void hn_genl_exit(void)
{
	genl_unregister_family(&hn_genl_family);
}
