// SPDX-License-Identifier: GPL-2.0
/*
 * The hypernet netdev: `ip link add hnt0 type hypernet`.  What is sent into
 * it is tensor work; what it receives is results.
 */
#include <linux/etherdevice.h>
#include <linux/filter.h>
#include <linux/memcontrol.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <net/rtnetlink.h>
#include <net/xdp.h>

#include "device.h"
#include "netns.h"
#include "queue.h"
#include "stage.h"

/* Room for both headers and one element. */
#define HN_MIN_MTU (HN_HDR_LEN + HN_TENSOR_HDR_LEN + 1)
#define HN_MAX_MTU 9000

static netdev_tx_t hn_xmit(struct sk_buff *skb, struct net_device *dev)
{
	hn_queue_frame(netdev_priv(dev), skb);
	return NETDEV_TX_OK;
}

/*
 * XDP_REDIRECT from a router into us.  The frames belong to the sender's
 * page pool, so copy each into an skb and give the frame back right away;
 * all frames are consumed, including those dropped.
 */
static int hn_xdp_xmit(struct net_device *dev, int n, struct xdp_frame **frames,
		       u32 flags)
{
	struct hn_dev *hd = netdev_priv(dev);
	int i;

	if (unlikely(flags & ~XDP_XMIT_FLAGS_MASK))
		return -EINVAL;
	for (i = 0; i < n; i++) {
		struct xdp_frame *f = frames[i];
		struct sk_buff *skb = NULL;

		if (!xdp_frame_has_frags(f))
			skb = __netdev_alloc_skb(dev, f->len, GFP_ATOMIC);
		if (skb) {
			skb_put_data(skb, f->data, f->len);
			skb->dev = dev;
		}
		xdp_return_frame(f);
		if (!skb) {
			hn_stat_inc(hd, HNET_STATS_A_DROP_NOMEM);
			dev_core_stats_tx_dropped_inc(dev);
			continue;
		}
		hn_queue_frame(hd, skb);
	}
	return n;
}

/*
 * RTNL held; the device is unregistering, so no stage is loaded any more
 * (netlink.c checks reg_state): give its netns back what it counted.
 */
static void hn_uninit(struct net_device *dev)
{
	struct hn_dev *hd = netdev_priv(dev);
	struct hn_stage *s = rtnl_dereference(hd->stage);

	hn_queue_stop(hd);
	if (!hd->counted)
		return;
	hn_net_stage_swap(dev_net(dev), s ? s->size : 0, 0, NULL);
	hn_net_dev_del(dev_net(dev));
	hd->counted = false;
}

/* Runs once the last reference is gone, before free_netdev(). */
static void hn_destruct(struct net_device *dev)
{
	struct hn_dev *hd = netdev_priv(dev);

	hn_stage_put(rcu_dereference_protected(hd->stage, true));
	kvfree(hd->act);
	mem_cgroup_put(hd->memcg);
}

static const struct net_device_ops hn_netdev_ops = {
	.ndo_uninit = hn_uninit,
	.ndo_start_xmit = hn_xmit,
	.ndo_get_stats64 = dev_get_tstats64,
	.ndo_xdp_xmit = hn_xdp_xmit,
	.ndo_set_mac_address = eth_mac_addr,
	.ndo_validate_addr = eth_validate_addr,
};

static void hn_setup(struct net_device *dev)
{
	struct hn_dev *hd = netdev_priv(dev);

	ether_setup(dev);
	dev->netdev_ops = &hn_netdev_ops;
	dev->flags |= IFF_NOARP;
	dev->priv_flags |= IFF_NO_QUEUE;
	/* Counted in its netns for good (netns.c): it may not move. */
	dev->features |= NETIF_F_LLTX | NETIF_F_NETNS_LOCAL;
	dev->pcpu_stat_type = NETDEV_PCPU_STAT_TSTATS;
	dev->needs_free_netdev = true;
	dev->min_mtu = HN_MIN_MTU;
	dev->max_mtu = HN_MAX_MTU;
	eth_hw_addr_random(dev);

	/* Nothing here allocates: a failed newlink has nothing to undo. */
	hd->dev = dev;
	spin_lock_init(&hd->conf_lock);
	hd->output.mode = HNET_OUTPUT_ORIGIN;
	hn_queue_init(hd);
}

static int hn_validate(struct nlattr *tb[], struct nlattr *data[],
		       struct netlink_ext_ack *extack)
{
	int ret;

	/* Before rtnl_newlink() allocates the device. */
	ret = hn_perm_rtnl(extack);
	if (ret)
		return ret;
	if (tb[IFLA_ADDRESS]) {
		if (nla_len(tb[IFLA_ADDRESS]) != ETH_ALEN) {
			NL_SET_ERR_MSG_ATTR(
				extack, tb[IFLA_ADDRESS],
				"hypernet: address must be 6 bytes");
			return -EINVAL;
		}
		if (!is_valid_ether_addr(nla_data(tb[IFLA_ADDRESS]))) {
			NL_SET_ERR_MSG_ATTR(
				extack, tb[IFLA_ADDRESS],
				"hypernet: invalid unicast address");
			return -EADDRNOTAVAIL;
		}
	}
	return 0;
}

static int hn_newlink(struct net *src_net, struct net_device *dev,
		      struct nlattr *tb[], struct nlattr *data[],
		      struct netlink_ext_ack *extack)
{
	struct hn_dev *hd = netdev_priv(dev);
	int ret;

	ret = hn_net_dev_add(dev_net(dev), extack);
	if (ret)
		return ret;
	/* Process context of the creator (rtnetlink is synchronous). */
	hd->memcg = get_mem_cgroup_from_mm(current->mm);
	hd->act = kvmalloc(HN_STAGE_ACT_BYTES, GFP_KERNEL_ACCOUNT);
	if (!hd->act) {
		ret = -ENOMEM;
		goto err;
	}
	ret = register_netdevice(dev);
	if (ret < 0)
		goto err;
	/*
	 * Only now, so that a failing register_netdevice() cannot run the
	 * destructor on a device rtnl_newlink() then frees by itself, nor
	 * ndo_uninit give back what newlink did not count.
	 */
	hd->counted = true;
	dev->priv_destructor = hn_destruct;
	return 0;

err:
	kvfree(hd->act);
	hd->act = NULL;
	mem_cgroup_put(hd->memcg);
	hn_net_dev_del(dev_net(dev));
	return ret;
}

struct rtnl_link_ops hn_link_ops __read_mostly = {
	.kind = "hypernet",
	.priv_size = sizeof(struct hn_dev),
	.setup = hn_setup,
	.validate = hn_validate,
	.newlink = hn_newlink,
};

int hn_device_init(void)
{
	return rtnl_link_register(&hn_link_ops);
}

void hn_device_uninit(void)
{
	rtnl_link_unregister(&hn_link_ops);
}
