/* SPDX-License-Identifier: GPL-2.0 */
/* hn-secagg's commands besides bench (vec.c). */
#ifndef _HN_SECAGG_TOOL_H
#define _HN_SECAGG_TOOL_H

/* vec-gen and vec-sum: an exit code (2: usage). */
int hn_secagg_vec(int argc, char **argv);

#endif /* _HN_SECAGG_TOOL_H */
