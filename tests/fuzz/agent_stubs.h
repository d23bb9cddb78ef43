/* SPDX-License-Identifier: GPL-2.0 */
/*
 * For fuzz targets that run hypernetd's code from its archive: stubs of
 * what the archive takes from main.c, the ports and the data plane, and an
 * agent that trusts one signing key, with model files signed by it.
 */
#ifndef _HN_FUZZ_AGENT_STUBS_H
#define _HN_FUZZ_AGENT_STUBS_H

#include <stddef.h>
#include "../../userspace/hypernetd/hypernetd.h"

extern __u64 fz_now; /* hnd_now() */
extern unsigned int fz_installs, fz_clears, fz_sent;

/* Once: config, a private state-dir, the trusted key.  0 or abort(). */
void fz_agent_init(struct hnd *d);
/* Per input: everything the previous input left, freed and zeroed. */
void fz_agent_reset(struct hnd *d);
/* Model files signed with the trusted key (malloc()ed). */
void *fz_route_image(__u64 gen, size_t *len);
void *fz_stage_image(__u64 gen, size_t *len); /* > 1 chunk */

#endif
