/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The module's negative tests (kmod-bad, run by guest_kmod.sh): what the
 * two tables share.  They drive the device through hn-tensor's device
 * side (tools/hn-tensor/hn-tensor.h).
 */
#ifndef _KMOD_BAD_H
#define _KMOD_BAD_H

#include <stddef.h>
#include <stdint.h>

#include "hn-tensor.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* The stage loaded on the device while the cases run (40x8). */
extern struct stage bad_stage;
/* Tensor ids of the cases, apart from those of runs. */
extern uint32_t bad_id;

/*
 * A good tensor after the bad ones: once its result is back, the FIFO
 * worker has handled everything sent before it.
 */
int sentinel(void);
/* Send @buf; PASS if counter @stat rose by @want, sentinel included. */
void bad_case(const char *name, const uint8_t *buf, size_t len, int stat,
	      uint64_t want);

int bad_frames(void);
int bad_genl(void);

#endif /* _KMOD_BAD_H */
