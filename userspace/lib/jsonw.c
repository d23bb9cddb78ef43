// SPDX-License-Identifier: GPL-2.0
#include <math.h>
#include <inttypes.h>
#include <string.h>

#include "jsonw.h"

void jsonw_init(struct jsonw *w, FILE *out)
{
	w->out = out;
	w->depth = 0;
	w->first[0] = true;
	w->after_name = false;
}

/* Comma and newline before a value or a name, unless it follows a name. */
static void jsonw_sep(struct jsonw *w)
{
	if (w->after_name) {
		w->after_name = false;
		return;
	}
	if (!w->first[w->depth])
		fputc(',', w->out);
	w->first[w->depth] = false;
}

static void jsonw_open(struct jsonw *w, char c)
{
	jsonw_sep(w);
	fputc(c, w->out);
	if (w->depth < JSONW_MAX_DEPTH - 1)
		w->depth++;
	w->first[w->depth] = true;
}

static void jsonw_close(struct jsonw *w, char c)
{
	if (w->depth > 0)
		w->depth--;
	fputc(c, w->out);
	if (w->depth == 0)
		fputc('\n', w->out);
}

void jsonw_obj_open(struct jsonw *w)
{
	jsonw_open(w, '{');
}

void jsonw_obj_close(struct jsonw *w)
{
	jsonw_close(w, '}');
}

void jsonw_arr_open(struct jsonw *w)
{
	jsonw_open(w, '[');
}

void jsonw_arr_close(struct jsonw *w)
{
	jsonw_close(w, ']');
}

static void jsonw_quoted(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

void jsonw_name(struct jsonw *w, const char *name)
{
	jsonw_sep(w);
	jsonw_quoted(w->out, name);
	fputc(':', w->out);
	w->after_name = true;
}

void jsonw_str(struct jsonw *w, const char *s)
{
	jsonw_sep(w);
	jsonw_quoted(w->out, s ? s : "");
}

void jsonw_u64(struct jsonw *w, uint64_t v)
{
	jsonw_sep(w);
	fprintf(w->out, "%" PRIu64, v);
}

void jsonw_s64(struct jsonw *w, int64_t v)
{
	jsonw_sep(w);
	fprintf(w->out, "%" PRId64, v);
}

void jsonw_float(struct jsonw *w, double v)
{
	jsonw_sep(w);
	if (isfinite(v))
		fprintf(w->out, "%.6g", v);
	else
		fputs("null", w->out);
}

void jsonw_bool(struct jsonw *w, bool v)
{
	jsonw_sep(w);
	fputs(v ? "true" : "false", w->out);
}

void jsonw_null(struct jsonw *w)
{
	jsonw_sep(w);
	fputs("null", w->out);
}

void jsonw_kv_str(struct jsonw *w, const char *name, const char *s)
{
	jsonw_name(w, name);
	jsonw_str(w, s);
}

void jsonw_kv_u64(struct jsonw *w, const char *name, uint64_t v)
{
	jsonw_name(w, name);
	jsonw_u64(w, v);
}

void jsonw_kv_s64(struct jsonw *w, const char *name, int64_t v)
{
	jsonw_name(w, name);
	jsonw_s64(w, v);
}

void jsonw_kv_float(struct jsonw *w, const char *name, double v)
{
	jsonw_name(w, name);
	jsonw_float(w, v);
}

void jsonw_kv_bool(struct jsonw *w, const char *name, bool v)
{
	jsonw_name(w, name);
	jsonw_bool(w, v);
}

/* A value that is already JSON text (another program's -j output). */
void jsonw_raw(struct jsonw *w, const char *json)
{
	size_t n = strlen(json);

	while (n && (json[n - 1] == '\n' || json[n - 1] == ' '))
		n--;
	jsonw_sep(w);
	fwrite(json, 1, n, w->out);
	if (w->depth == 0)
		fputc('\n', w->out);
}
