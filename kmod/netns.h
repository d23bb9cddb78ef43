/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HN_NETNS_H
#define _HN_NETNS_H

#include <linux/types.h>

struct net;
struct netlink_ext_ack;
struct sk_buff;

/*
 * Who may use the module, and how much of it one network namespace may
 * hold.  Documentation/kmod.rst explains the choice; all counts are
 * protected by RTNL.
 */
int hn_netns_init(void);
void hn_netns_exit(void);

/* May the caller create devices (rtnl, process context)? */
int hn_perm_rtnl(struct netlink_ext_ack *extack);
/* May the sender of @skb use the genl family? */
int hn_perm_genl(const struct sk_buff *skb, struct netlink_ext_ack *extack);

/* Count a new device of @net against max_devices, or refuse. */
int hn_net_dev_add(struct net *net, struct netlink_ext_ack *extack);
void hn_net_dev_del(struct net *net);
/*
 * A device of @net trades a stage of @old bytes for one of @new (either
 * may be 0): refused if @net would exceed max_stage_kib.
 */
int hn_net_stage_swap(struct net *net, size_t old, size_t new,
		      struct netlink_ext_ack *extack);

#endif /* _HN_NETNS_H */
