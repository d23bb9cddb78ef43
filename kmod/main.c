// SPDX-License-Identifier: GPL-2.0
/*
 * HyperNet tensor-offload netdev: module init and exit.
 */
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <net/genetlink.h>
#include <net/rtnetlink.h>
#include <linux/hypernet.h>

#include "device.h"
#include "netlink.h"
#include "netns.h"
#include "queue.h"

static int __init hn_mod_init(void)
{
	int ret;

	ret = hn_queue_module_init();
	if (ret)
		return ret;
	/* Per-netns counts before the first device can be counted. */
	ret = hn_netns_init();
	if (ret)
		goto err_netns;
	ret = hn_device_init();
	if (ret)
		goto err_device;
	ret = hn_genl_init();
	if (ret)
		goto err_genl;
	pr_info("hypernet: tensor-offload netdev loaded\n");
	return 0;

err_genl:
	hn_device_uninit();
err_device:
	hn_netns_exit();
err_netns:
	hn_queue_module_exit();
	return ret;
}

static void __exit hn_mod_exit(void)
{
	/*
	 * Devices first: deleting them stops their workers, the only
	 * senders of notifications, before the family goes away.
	 */
	hn_device_uninit();
	hn_genl_exit();
	hn_netns_exit();
	hn_queue_module_exit();
	rcu_barrier();
}

module_init(hn_mod_init);
module_exit(hn_mod_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("HyperNet tensor-offload netdev");
MODULE_AUTHOR("HyperNet developers");
MODULE_ALIAS_RTNL_LINK("hypernet");
MODULE_ALIAS_GENL_FAMILY(HYPERNET_GENL_NAME);
