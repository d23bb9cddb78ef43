/* SPDX-License-Identifier: GPL-2.0 */
/* hn-train eval: the learned model against the baselines (eval.c). */
#ifndef _HN_TRAIN_EVAL_H
#define _HN_TRAIN_EVAL_H

int hn_eval_main(int argc, char **argv);

#endif
