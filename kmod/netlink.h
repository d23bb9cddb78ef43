/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HN_NETLINK_H
#define _HN_NETLINK_H

#include <linux/types.h>

struct hn_dev;

int hn_genl_init(void);
void hn_genl_exit(void);
/* HNET_CMD_RESULT to the results group of the device's netns. */
int hn_nl_notify_result(struct hn_dev *hd, u32 origin, u32 tensor_id, u8 stage,
			const s8 *y, u32 len);

#endif /* _HN_NETLINK_H */
