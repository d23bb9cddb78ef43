/* SPDX-License-Identifier: GPL-2.0 */
/* Stands in for the kernel's <linux/if.h>: only IFNAMSIZ is used. */
#ifndef IFNAMSIZ
#define IFNAMSIZ 16
#endif
