// SPDX-License-Identifier: GPL-2.0
/*
 * Who may use the module and how much one network namespace may hold.
 *
 * By default only CAP_NET_ADMIN in the initial user namespace may create
 * devices or use the genl family: a user namespace makes any user root of
 * its own netns, and the module's parsing, stage memory and worker CPU are
 * then open to everyone.  userns=1 (at load time only, so that no device a
 * user namespace made outlives a change back) lets CAP_NET_ADMIN over the
 * device's netns in; then, as always, every netns is bounded by
 * max_devices and max_stage_kib, and what a user makes the module allocate
 * is charged to that user's memory cgroup (stage.c, queue.c).
 */
#include <linux/capability.h>
#include <linux/module.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <net/netlink.h>

#include "netns.h"

static bool hn_userns;
module_param_named(userns, hn_userns, bool, 0444);
MODULE_PARM_DESC(
	userns,
	"let CAP_NET_ADMIN in a user namespace use hypernet, bounded and charged (default: no, only the initial user namespace)");

static unsigned int hn_max_devices = 64;
module_param_named(max_devices, hn_max_devices, uint, 0644);
MODULE_PARM_DESC(max_devices, "hypernet devices per network namespace");

static unsigned int hn_max_stage_kib = 32768;
module_param_named(max_stage_kib, hn_max_stage_kib, uint, 0644);
MODULE_PARM_DESC(
	max_stage_kib,
	"KiB of loaded stages per network namespace, all devices together");

struct hn_net {
	unsigned int devices;
	size_t stage_bytes;
};

static unsigned int hn_net_id __read_mostly;

static struct hn_net *hn_net(struct net *net)
{
	return net_generic(net, hn_net_id);
}

int hn_perm_rtnl(struct netlink_ext_ack *extack)
{
	if (hn_userns || capable(CAP_NET_ADMIN))
		return 0;
	NL_SET_ERR_MSG(
		extack,
		"hypernet: needs CAP_NET_ADMIN in the initial user namespace (the module was loaded without userns=1)");
	return -EPERM;
}

int hn_perm_genl(const struct sk_buff *skb, struct netlink_ext_ack *extack)
{
	/* The family's GENL_UNS_ADMIN_PERM checked the netns already. */
	if (hn_userns || netlink_capable(skb, CAP_NET_ADMIN))
		return 0;
	NL_SET_ERR_MSG(
		extack,
		"hypernet: needs CAP_NET_ADMIN in the initial user namespace (the module was loaded without userns=1)");
	return -EPERM;
}

int hn_net_dev_add(struct net *net, struct netlink_ext_ack *extack)
{
	struct hn_net *hn = hn_net(net);

	ASSERT_RTNL();
	if (hn->devices >= READ_ONCE(hn_max_devices)) {
		NL_SET_ERR_MSG(
			extack,
			"hypernet: this network namespace has max_devices hypernet devices already (module parameter)");
		return -ENOSPC;
	}
	hn->devices++;
	return 0;
}

void hn_net_dev_del(struct net *net)
{
	ASSERT_RTNL();
	hn_net(net)->devices--;
}

int hn_net_stage_swap(struct net *net, size_t old, size_t new,
		      struct netlink_ext_ack *extack)
{
	struct hn_net *hn = hn_net(net);
	size_t total = hn->stage_bytes - old + new;

	ASSERT_RTNL();
	/* Shrinking is always allowed, even below a lowered limit. */
	if (new > old && total > (size_t)READ_ONCE(hn_max_stage_kib) * 1024) {
		NL_SET_ERR_MSG(
			extack,
			"hypernet: the stages of this network namespace would exceed max_stage_kib (module parameter)");
		return -ENOSPC;
	}
	hn->stage_bytes = total;
	return 0;
}

/* After the devices: a netns's devices are gone before its subsystems. */
static void __net_exit hn_net_exit(struct net *net)
{
	struct hn_net *hn = hn_net(net);

	WARN_ONCE(hn->devices || hn->stage_bytes,
		  "hypernet: netns left with %u devices, %zu stage bytes\n",
		  hn->devices, hn->stage_bytes);
}

static struct pernet_operations hn_net_ops = {
	.exit = hn_net_exit,
	.id = &hn_net_id,
	.size = sizeof(struct hn_net),
};

int hn_netns_init(void)
{
	return register_pernet_subsys(&hn_net_ops);
}

void hn_netns_exit(void)
{
	unregister_pernet_subsys(&hn_net_ops);
}
