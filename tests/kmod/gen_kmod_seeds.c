// SPDX-License-Identifier: GPL-2.0
/*
 * Writes the seed corpora of fuzz_kmod_reasm and fuzz_kmod_nl (`make
 * fuzz-seeds-kmod`): valid and near-valid inputs in each target's input
 * format (see the targets' comments).  Deterministic.
 *
 *   gen-kmod-seeds REASM_DIR NL_DIR
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netlink.h>
#include <linux/hypernet.h>
#include "../fuzz/seed_file.h"

static uint8_t buf[1 << 16];
static size_t len;

/* The seed built in buf, written; the next one starts empty. */
static void save(const char *dir, const char *name)
{
	seed_file(dir, name, buf, len);
	len = 0;
}

static void put8(uint8_t v)
{
	buf[len++] = v;
}

static void put16(uint16_t v)
{
	put8(v >> 8);
	put8(v & 0xff);
}

/* ---- reassembly: fragment and clock records ------------------------------ */

static void frag(uint8_t stage, uint8_t key, uint16_t idx, uint16_t cnt,
		 uint16_t off, uint16_t total, uint16_t n)
{
	unsigned int i;

	put8(stage);
	put8(key);
	put16(idx);
	put16(cnt);
	put16(off);
	put16(total);
	put16(n);
	for (i = 0; i < n; i++)
		put8((uint8_t)(off + i));
}

static void tick(uint8_t dt)
{
	put8(0xf0);
	put8(dt);
}

static void reasm_seeds(const char *dir)
{
	unsigned int i;

	frag(0, 1, 0, 2, 0, 40, 16);
	frag(0, 1, 1, 2, 16, 40, 24);
	save(dir, "two-fragments");

	frag(0, 2, 2, 3, 32, 40, 8);
	frag(0, 2, 0, 3, 0, 40, 16);
	frag(0, 2, 1, 3, 16, 40, 16);
	save(dir, "shuffled");

	frag(0, 3, 0, 2, 0, 40, 16);
	frag(0, 3, 1, 2, 15, 40, 25);
	frag(0, 3, 1, 2, 16, 40, 24);
	save(dir, "overlap-first-element");

	frag(0, 4, 1, 2, 16, 40, 24);
	frag(0, 4, 0, 2, 0, 40, 17);
	frag(0, 4, 0, 2, 0, 40, 16);
	save(dir, "overlap-last-element");

	frag(0, 5, 0, 2, 0, 40, 16);
	frag(0, 5, 0, 2, 0, 40, 16);
	frag(1, 5, 1, 2, 16, 40, 24);
	frag(0, 5, 1, 3, 16, 40, 24);
	frag(0, 5, 1, 2, 16, 40, 24);
	save(dir, "duplicate-and-disagree");

	frag(0, 6, 0, 2, 0, 40, 16);
	frag(0, 6, 1, 2, 17, 40, 23);
	save(dir, "gap");

	frag(0, 7, 0, 2, 0, 40, 16);
	tick(100);
	frag(0, 8, 0, 2, 0, 40, 16);
	tick(25);
	frag(0, 7, 1, 2, 16, 40, 24);
	tick(200);
	save(dir, "timeout");

	for (i = 0; i < 66; i++)
		frag(0, (uint8_t)i, 0, 2, 0, 4096, 1);
	save(dir, "tensor-cap");

	for (i = 0; i < 45; i++)
		frag(0, (uint8_t)i, 0, 65535, 0, 4096, 1);
	save(dir, "byte-cap");
}

/* ---- requests: command byte, then attributes ----------------------------- */

static void attr(uint16_t type, const void *data, uint16_t n)
{
	struct nlattr a = { .nla_len = NLA_HDRLEN + n, .nla_type = type };

	/* Padding zeroed: a seed does not depend on the one before. */
	memset(buf + len, 0, NLA_ALIGN(a.nla_len));
	memcpy(buf + len, &a, sizeof(a));
	memcpy(buf + len + NLA_HDRLEN, data, n);
	len += NLA_ALIGN(a.nla_len);
}

static void attr_u8(uint16_t type, uint8_t v)
{
	attr(type, &v, 1);
}

static void attr_u32(uint16_t type, uint32_t v)
{
	attr(type, &v, 4);
}

static size_t nest_start(uint16_t type)
{
	size_t at = len;

	attr(type | NLA_F_NESTED, NULL, 0);
	return at;
}

static void nest_end(size_t at)
{
	struct nlattr a;

	memcpy(&a, buf + at, sizeof(a));
	a.nla_len = len - at;
	memcpy(buf + at, &a, sizeof(a));
}

/* A stage of @n layers of shapes @dims, shift 4, then its parameters. */
static void stage(const unsigned int *dims, unsigned int n, uint32_t lflags,
		  size_t nw, size_t nb, int32_t bias)
{
	static int8_t w[65000];
	int32_t b[256];
	size_t st, ls, l, k;
	unsigned int i;

	for (k = 0; k < sizeof(w); k++)
		w[k] = (int8_t)(k * 7 - 100);
	for (k = 0; k < 256; k++)
		b[k] = bias - (int32_t)k;
	put8(0); /* HNET_CMD_SET_STAGE, input seed 0 */
	attr_u32(HNET_A_IFINDEX, 2);
	st = nest_start(HNET_A_STAGE);
	attr_u8(HNET_STAGE_A_ID, 3);
	ls = nest_start(HNET_STAGE_A_LAYERS);
	for (i = 0; i < n; i++) {
		l = nest_start(i);
		attr_u32(HNET_LAYER_A_IN, dims[2 * i]);
		attr_u32(HNET_LAYER_A_OUT, dims[2 * i + 1]);
		attr_u8(HNET_LAYER_A_SHIFT, 4);
		attr_u32(HNET_LAYER_A_FLAGS, lflags);
		nest_end(l);
	}
	nest_end(ls);
	nest_end(st);
	while (nw) {
		k = nw < 1000 ? nw : 1000;
		attr(HNET_A_WEIGHTS, w, k);
		nw -= k;
	}
	while (nb) {
		k = nb < 64 ? nb : 64;
		attr(HNET_A_BIASES, b, k * 4);
		nb -= k;
	}
}

static void attr_u16(uint16_t type, uint16_t v)
{
	attr(type, &v, 2);
}

/* A layer of a convolutional stage; kind 0 (dense) sends no geometry. */
struct cl {
	uint8_t kind, k, stride, pad, shift;
	uint16_t in_c, in_h, in_w, out_c;
	uint32_t in, out;
};

static void conv_layer(unsigned int i, const struct cl *c)
{
	size_t l = nest_start(i);

	attr_u32(HNET_LAYER_A_IN, c->in);
	attr_u32(HNET_LAYER_A_OUT, c->out);
	attr_u8(HNET_LAYER_A_SHIFT, c->shift);
	attr_u32(HNET_LAYER_A_FLAGS,
		 c->kind == HNET_OP_MAXPOOL ? 0 : HNET_LAYER_F_RELU);
	if (c->kind != HNET_OP_DENSE) {
		attr_u8(HNET_LAYER_A_OP, c->kind);
		attr_u16(HNET_LAYER_A_IN_C, c->in_c);
		attr_u16(HNET_LAYER_A_IN_H, c->in_h);
		attr_u16(HNET_LAYER_A_IN_W, c->in_w);
		attr_u16(HNET_LAYER_A_OUT_C, c->out_c);
		attr_u8(HNET_LAYER_A_KERNEL, c->k);
		attr_u8(HNET_LAYER_A_STRIDE, c->stride);
		attr_u8(HNET_LAYER_A_PAD, c->pad);
	}
	nest_end(l);
}

/* Stage @c (@n layers), then @nw weights and @nb biases. */
static void conv_stage(const struct cl *c, unsigned int n, size_t nw, size_t nb)
{
	static int8_t w[1000];
	int32_t b[64];
	size_t st, ls, k;
	unsigned int i;

	for (k = 0; k < sizeof(w); k++)
		w[k] = (int8_t)(k * 13 - 90);
	for (k = 0; k < 64; k++)
		b[k] = 300 - 11 * (int32_t)k;
	put8(2); /* HNET_CMD_SET_STAGE, input seed 1 */
	attr_u32(HNET_A_IFINDEX, 2);
	st = nest_start(HNET_A_STAGE);
	attr_u8(HNET_STAGE_A_ID, 1);
	ls = nest_start(HNET_STAGE_A_LAYERS);
	for (i = 0; i < n; i++)
		conv_layer(i, &c[i]);
	nest_end(ls);
	nest_end(st);
	for (; nw; nw -= k) {
		k = nw < sizeof(w) ? nw : sizeof(w);
		attr(HNET_A_WEIGHTS, w, k);
	}
	for (; nb; nb -= k) {
		k = nb < 64 ? nb : 64;
		attr(HNET_A_BIASES, b, k * 4);
	}
}

/* Convolution, pooling and dense stages, valid and each check's edge. */
static void conv_seeds(const char *dir)
{
	/* 1x12x12 -> conv 3x3 pad 1 -> 4x12x12 -> pool 2 -> 4x6x6 -> 10 */
	static const struct cl cnn[] = {
		{ HNET_OP_CONV2D, 3, 1, 1, 6, 1, 12, 12, 4, 144, 576 },
		{ HNET_OP_MAXPOOL, 2, 2, 0, 0, 4, 12, 12, 4, 576, 144 },
		{ HNET_OP_DENSE, 0, 0, 0, 8, 0, 0, 0, 0, 144, 10 },
	};
	/* Stride 2, no padding: 2x9x9 -> 3x4x4. */
	static const struct cl strided[] = {
		{ HNET_OP_CONV2D, 3, 2, 0, 5, 2, 9, 9, 3, 162, 48 },
	};
	static const struct cl pad_k[] = {
		{ HNET_OP_CONV2D, 3, 1, 3, 5, 1, 8, 8, 1, 64, 196 },
	};
	static const struct cl pool_c[] = {
		{ HNET_OP_MAXPOOL, 2, 2, 0, 0, 2, 8, 8, 3, 128, 48 },
	};
	static const struct cl out_len[] = {
		{ HNET_OP_CONV2D, 3, 1, 1, 6, 1, 12, 12, 4, 144, 575 },
	};

	conv_stage(cnn, 3, 36 + 1440, 4 + 10);
	save(dir, "stage-conv-pool-dense");
	conv_stage(strided, 1, 54, 3);
	save(dir, "stage-conv-strided");
	conv_stage(cnn + 1, 1, 0, 0);
	save(dir, "stage-pool-only");
	conv_stage(pad_k, 1, 9, 1);
	save(dir, "stage-conv-pad-k");
	conv_stage(pool_c, 1, 0, 0);
	save(dir, "stage-pool-channels");
	conv_stage(out_len, 1, 36, 4);
	save(dir, "stage-conv-out-mismatch");
	conv_stage(cnn, 3, 36 + 1439, 4 + 10);
	save(dir, "stage-conv-weights-short");
}

static void output(uint8_t mode, uint32_t node, uint32_t flags)
{
	size_t o;

	put8(1);
	attr_u32(HNET_A_IFINDEX, 2);
	attr_u32(HNET_A_NODE_ID, 9);
	o = nest_start(HNET_A_OUTPUT);
	attr_u8(HNET_OUT_A_MODE, mode);
	if (node)
		attr_u32(HNET_OUT_A_NODE, node);
	attr_u8(HNET_OUT_A_CLASS, 2);
	attr_u32(HNET_OUT_A_FLAGS, flags);
	nest_end(o);
}

static void nl_seeds(const char *dir)
{
	static const unsigned int d1[] = { 16, 8 };
	static const unsigned int d2[] = { 40, 8, 8, 4 };
	static const unsigned int d3[] = { 100, 50, 50, 20, 20, 10 };
	static const unsigned int dmis[] = { 16, 8, 9, 4 };

	stage(d1, 1, 0, 128, 8, 100);
	save(dir, "stage-1-layer");
	stage(d2, 2, HNET_LAYER_F_RELU, 320 + 32, 12, -50);
	save(dir, "stage-2-layers");
	stage(d3, 3, HNET_LAYER_F_RELU, 5000 + 1000 + 200, 80, 1000);
	save(dir, "stage-3-layers");
	stage(d1, 1, 0, 127, 8, 0);
	save(dir, "stage-weights-short");
	stage(d1, 1, 0, 128, 9, 0);
	save(dir, "stage-biases-long");
	stage(dmis, 2, 0, 128 + 36, 12, 0);
	save(dir, "stage-dim-mismatch");
	stage(d1, 1, 0, 128, 8, 0x7fffffff);
	save(dir, "stage-bias-overflow");
	conv_seeds(dir);
	output(HNET_OUTPUT_NODE, 7, HNET_OUTPUT_F_ANYCAST);
	save(dir, "output-node");
	output(HNET_OUTPUT_LOCAL, 0, 0);
	save(dir, "output-local");
	output(HNET_OUTPUT_ORIGIN, 5, 0);
	save(dir, "output-origin-with-node");
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: gen-kmod-seeds REASM_DIR NL_DIR\n");
		return 2;
	}
	reasm_seeds(argv[1]);
	nl_seeds(argv[2]);
	return 0;
}
