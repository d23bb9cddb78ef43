/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A tiny streaming JSON writer for the tools' -j output.  It tracks nesting
 * and commas so callers only say what comes next.
 */
#ifndef _HN_JSONW_H
#define _HN_JSONW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSONW_MAX_DEPTH 16

struct jsonw {
	FILE *out;
	int depth;
	bool first[JSONW_MAX_DEPTH]; /* no element yet at this depth */
	bool after_name;
};

void jsonw_init(struct jsonw *w, FILE *out);
void jsonw_obj_open(struct jsonw *w);
void jsonw_obj_close(struct jsonw *w);
void jsonw_arr_open(struct jsonw *w);
void jsonw_arr_close(struct jsonw *w);
void jsonw_name(struct jsonw *w, const char *name);
void jsonw_str(struct jsonw *w, const char *s);
void jsonw_u64(struct jsonw *w, uint64_t v);
void jsonw_s64(struct jsonw *w, int64_t v);
void jsonw_float(struct jsonw *w, double v);
void jsonw_bool(struct jsonw *w, bool v);
void jsonw_null(struct jsonw *w);
/* @json is valid JSON text, written as one value. */
void jsonw_raw(struct jsonw *w, const char *json);

/* "name": value shorthands */
void jsonw_kv_str(struct jsonw *w, const char *name, const char *s);
void jsonw_kv_u64(struct jsonw *w, const char *name, uint64_t v);
void jsonw_kv_s64(struct jsonw *w, const char *name, int64_t v);
void jsonw_kv_float(struct jsonw *w, const char *name, double v);
void jsonw_kv_bool(struct jsonw *w, const char *name, bool v);

#endif /* _HN_JSONW_H */
