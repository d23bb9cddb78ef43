/* SPDX-License-Identifier: GPL-2.0 */
/* The kernel's errno values are the uapi ones. */
#include_next <linux/errno.h>
