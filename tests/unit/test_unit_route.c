// SPDX-License-Identifier: GPL-2.0
/*
 * The compiled routing model (route.h, hn_rt_compile() and the
 * *_compiled() functions the XDP router runs) against the reference
 * hn_rt_score(), on random models and features over the whole range the
 * loaders accept.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <hypernet/engine.h>
#include <hypernet/route.h>
#include "helpers_hn.h"

/* Pick extremes often: that is where a folded rounding constant breaks. */
static int32_t pick(int32_t lo, int32_t hi)
{
	switch (hn_t_rand() % 8) {
	case 0:
		return lo;
	case 1:
		return hi;
	default:
		return hn_t_range(lo, hi);
	}
}

static void rand_model(struct hn_rt_model *m)
{
	unsigned int j, i;

	for (j = 0; j < HN_RT_HIDDEN; j++) {
		for (i = 0; i < HN_RT_NFEAT; i++)
			m->w1[j][i] = (int8_t)pick(-128, 127);
		m->w2[j] = (int8_t)pick(-128, 127);
		/* small biases keep the units out of saturation more often */
		m->b1[j] = hn_t_rand() & 1 ? pick(-HN_BIAS_MAX, HN_BIAS_MAX) :
					     pick(-(1 << 16), 1 << 16);
	}
	m->b2 = pick(-HN_BIAS_MAX, HN_BIAS_MAX);
	m->shift1 = pick(0, HN_SHIFT_MAX);
}

/* hn_rt_score() of @x through the compiled functions, as XDP does it. */
static int32_t compiled_score(const struct hn_rt_compiled *c,
			      const uint8_t x[HN_RT_NFEAT])
{
	int32_t nb[HN_RT_HIDDEN], fr[HN_RT_HIDDEN];

	hn_rt_pre_neigh_compiled(c, &x[HN_NB_FEAT_FIRST], nb);
	hn_rt_pre_frame_compiled(c, &x[HN_FR_FEAT_FIRST], fr);
	return hn_rt_finish_compiled(c, nb, fr, x[HN_FEAT_DIST]);
}

static void check_vectors(const struct hn_rt_model *m, int n, int fmax)
{
	struct hn_rt_compiled c;
	int32_t nb[HN_RT_HIDDEN], nbc[HN_RT_HIDDEN], fr[HN_RT_HIDDEN];
	uint8_t x[HN_RT_NFEAT];
	int k, i;

	assert_int_equal(hn_rt_compile(m, &c), 0);
	for (k = 0; k < n; k++) {
		for (i = 0; i < HN_RT_NFEAT; i++)
			x[i] = pick(0, fmax);
		/* the neighbour part userspace precomputes: raw model */
		hn_rt_pre_neigh(m, &x[HN_NB_FEAT_FIRST], nb);
		hn_rt_pre_neigh_compiled(&c, &x[HN_NB_FEAT_FIRST], nbc);
		assert_memory_equal(nb, nbc, sizeof(nb));
		hn_rt_pre_frame_compiled(&c, &x[HN_FR_FEAT_FIRST], fr);
		assert_int_equal(hn_rt_finish_compiled(&c, nb, fr,
						       x[HN_FEAT_DIST]),
				 hn_rt_score(m, x));
		assert_int_equal(compiled_score(&c, x), hn_rt_score(m, x));
	}
}

/* @n random models from @seed, each on 100 vectors of features <= @xmax. */
static void random_models(uint64_t seed, int n, int xmax)
{
	struct hn_rt_model m;
	int iter;

	hn_t_seed(seed);
	for (iter = 0; iter < n; iter++) {
		rand_model(&m);
		check_vectors(&m, 100, xmax);
	}
}

/* 2,000 models x 100 vectors, features as the data plane scales them. */
static void test_compiled_random(void **state)
{
	random_models(0x726f757465, 2000, HN_FEAT_MAX);
}

/* Any u8 feature, which the range argument in route.h allows for. */
static void test_compiled_u8(void **state)
{
	random_models(0x75382075, 500, 255);
}

/* The corners of the int32 argument: largest |acc| with every shift. */
static void test_compiled_extremes(void **state)
{
	static const int8_t ws[] = { -128, 127 };
	static const uint8_t xs[] = { 0, 127, 255 };
	struct hn_rt_model m;
	struct hn_rt_compiled c;
	uint8_t x[HN_RT_NFEAT];
	unsigned int s, w, b, f, j, i;

	for (s = 0; s <= HN_SHIFT_MAX; s++)
		for (w = 0; w < 2; w++)
			for (b = 0; b < 3; b++)
				for (f = 0; f < 3; f++) {
					memset(&m, 0, sizeof(m));
					for (j = 0; j < HN_RT_HIDDEN; j++) {
						for (i = 0; i < HN_RT_NFEAT;
						     i++)
							m.w1[j][i] =
								ws[(w + j) & 1];
						m.w2[j] = ws[(w + j + 1) & 1];
						m.b1[j] =
							b == 0 ?
								-HN_BIAS_MAX :
							b == 1 ?
								HN_BIAS_MAX :
								(int32_t)(j *
									  77777) -
									300000;
					}
					m.b2 = (s & 1) ? HN_BIAS_MAX :
							 -HN_BIAS_MAX;
					m.shift1 = s;
					memset(x, xs[f], sizeof(x));
					assert_int_equal(hn_rt_compile(&m, &c),
							 0);
					assert_int_equal(compiled_score(&c, x),
							 hn_rt_score(&m, x));
				}
}

/* What the compiled form cannot represent exactly, it refuses. */
static void test_compile_bounds(void **state)
{
	struct hn_rt_model m = {};
	struct hn_rt_compiled c;

	m.shift1 = HN_SHIFT_MAX;
	m.b1[3] = HN_BIAS_MAX;
	m.b1[4] = -HN_BIAS_MAX;
	assert_int_equal(hn_rt_compile(&m, &c), 0);
	assert_int_equal(c.round, 1 << (HN_SHIFT_MAX - 1));
	m.shift1 = 0;
	assert_int_equal(hn_rt_compile(&m, &c), 0);
	assert_int_equal(c.round, 0);
	m.shift1 = HN_SHIFT_MAX + 1;
	assert_int_equal(hn_rt_compile(&m, &c), -1);
	m.shift1 = 4;
	m.b1[0] = HN_BIAS_MAX + 1;
	assert_int_equal(hn_rt_compile(&m, &c), -1);
	m.b1[0] = -HN_BIAS_MAX - 1;
	assert_int_equal(hn_rt_compile(&m, &c), -1);
}

/*
 * Feature scaling against the definitions in route.h, written out
 * independently here: the trainer's simulator and the agent share these
 * functions, so only fixed values catch a change in them.
 */
static uint8_t ref_log(uint32_t x)
{
	uint64_t v = (uint64_t)x + 1;
	unsigned int lg = 63 - __builtin_clzll(v);
	/* the three bits below the leading one: floor(8 * (v / 2^lg - 1)) */
	uint64_t frac = ((v - (1ULL << lg)) << 3) >> lg;
	uint64_t r = lg * 8 + frac;

	return x >= 0xFFFF0000U || r > HN_FEAT_MAX ? HN_FEAT_MAX : r;
}

static void test_scale_log(void **state)
{
	uint32_t x;
	int k;

	/* the points route.h documents */
	assert_int_equal(hn_scale_log(0), 0);
	assert_int_equal(hn_scale_log(1), 8);
	assert_int_equal(hn_scale_log(1023), 80);
	/* 2 -> log2(3) = 1.58: 8 + 4; 5 -> log2(6) = 2.58: 16 + 4 */
	assert_int_equal(hn_scale_log(2), 12);
	assert_int_equal(hn_scale_log(5), 20);
	assert_int_equal(hn_scale_log(0xFFFFFFFFU), HN_FEAT_MAX);
	for (x = 0; x < (1U << 20); x++)
		if (hn_scale_log(x) != ref_log(x))
			fail_msg("hn_scale_log(%u) = %u, want %u", x,
				 hn_scale_log(x), ref_log(x));
	for (k = 0; k < 100000; k++) {
		x = (uint32_t)hn_t_rand();
		assert_int_equal(hn_scale_log(x), ref_log(x));
	}
}

static void test_scale_linear(void **state)
{
	uint32_t v;

	for (v = 0; v <= 2000; v++) {
		/* permille to 0..127, rounded half up */
		uint32_t r = (v * 127 * 2 + 1000) / 2000;

		assert_int_equal(hn_scale_ratio(v), r > 127 ? 127 : r);
	}
	assert_int_equal(hn_scale_ratio(4), 1); /* 0.508 */
	assert_int_equal(hn_scale_ratio(3), 0); /* 0.381 */
	assert_int_equal(hn_scale_ratio(1000), 127);
	for (v = 0; v < 300; v++) {
		/* 16 route buckets: hops 0 .. 14, then 15 and more */
		assert_int_equal(hn_scale_hops(v), (v < 15 ? v : 15) * 8);
		assert_int_equal(hn_rt_route_bucket(hn_scale_hops(v)),
				 v < 15 ? v : 15);
		assert_int_equal(hn_scale_class(v),
				 (v & 7) * 16 > 127 ? 127 : (v & 7) * 16);
	}
}

/*
 * The route feature: 4 ratio levels of the candidate's ETT path cost to
 * the best one's (edges 1.15, 1.6, 2.5) times 4 hop levels, a route
 * bucket's feature; rising with cost and hops, never past bucket 15.
 */
static void test_route_dist(void **state)
{
	static const uint32_t edge[] = { 115, 160, 250 }; /* ratio x 100 */
	uint32_t best, c, h, lvl, prev;

	for (best = 1; best < 70000; best = best * 3 + 1) {
		for (h = 0; h < 20; h++) {
			prev = 0;
			for (c = best; c < best * 4 + 10; c += best / 16 + 1) {
				uint8_t f = hn_rt_route_dist(c, best, h);

				for (lvl = 0;
				     lvl < 3 &&
				     (uint64_t)c * 100 >=
					     (uint64_t)best * edge[lvl];
				     lvl++)
					;
				assert_int_equal(
					f, (lvl * 4 + (h < 3 ? h : 3)) * 8);
				assert_true(f >= prev);
				assert_int_equal(
					hn_rt_route_feat(hn_rt_route_bucket(f)),
					f);
				prev = f;
			}
		}
	}
	/* the best candidate at hops 0..3 is what hnctl writes by hops */
	for (h = 0; h < 4; h++)
		assert_int_equal(hn_rt_route_dist(1200, 1200, h),
				 hn_scale_hops(h));
	/* a path cost saturated at u32 stays in the last ratio level */
	assert_int_equal(hn_rt_route_dist(0xffffffffU, 1, 9), 15 * 8);
	assert_int_equal(hn_rt_route_dist(5, 0, 1), 3 * 4 * 8 + 8);
	(void)state;
}

/*
 * Frame and route buckets: every value falls in the bucket its edges
 * say, scales to the bucket's representative, and the representatives
 * are the features of the frames they stand for.
 */
static void test_buckets(void **state)
{
	static const uint32_t size_edge[] = { 128, 512, 1024 };
	static const uint32_t ttl_edge[] = { 3, 5, 9 };
	static const uint32_t size_rep[] = { 64, 320, 768, 1500 };
	static const uint32_t ttl_rep[] = { 2, 4, 8, 16 };
	uint32_t v, b, f, seen[HN_RT_FRAME_BUCKETS] = { 0 };
	uint8_t fr[HN_FR_NFEAT];

	for (v = 0; v < 70000; v++) {
		for (b = 0; b < 3 && v >= size_edge[b]; b++)
			;
		assert_int_equal(hn_size_bucket(v), b);
		assert_int_equal(hn_scale_size(v), hn_size_bucket_feat(b));
		if (v > 255)
			continue;
		for (b = 0; b < 3 && v >= ttl_edge[b]; b++)
			;
		assert_int_equal(hn_ttl_bucket(v), b);
		assert_int_equal(hn_scale_ttl(v), hn_ttl_bucket_feat(b));
	}
	for (b = 0; b < 4; b++) {
		/* the old linear scales at the representatives */
		assert_int_equal(hn_size_bucket_feat(b), size_rep[b] / 16);
		assert_int_equal(hn_ttl_bucket_feat(b), ttl_rep[b] / 2);
	}
	for (b = 0; b < HN_RT_ROUTE_BUCKETS; b++) {
		assert_int_equal(hn_rt_route_bucket(hn_rt_route_feat(b)), b);
		assert_int_equal(hn_rt_route_feat(b), hn_scale_hops(b));
	}
	/* the frame bucket of every (class, size, TTL) and its features */
	for (v = 0; v < 16; v++) {
		for (b = 0; b < 4; b++) {
			uint32_t t;

			for (t = 0; t < 4; t++) {
				f = hn_frame_bucket(v, size_rep[b], ttl_rep[t]);
				assert_true(f < HN_RT_FRAME_BUCKETS);
				seen[f]++;
				hn_frame_bucket_feat(f, fr);
				assert_int_equal(fr[0], hn_scale_class(v));
				assert_int_equal(fr[1],
						 hn_scale_size(size_rep[b]));
				assert_int_equal(fr[2],
						 hn_scale_ttl(ttl_rep[t]));
			}
		}
	}
	for (f = 0; f < HN_RT_FRAME_BUCKETS; f++)
		assert_int_equal(seen[f], 2); /* tclass v and v + 8 */
}

/* What the agent measures of a link, to features and cost. */
static void test_link_features(void **state)
{
	uint8_t f[HN_NB_NFEAT];

	/* a perfect link: both hear every HELLO, 2 ms round trip, idle */
	hn_link_features(255, 255, 2000000, 0, 1000000, f);
	assert_int_equal(f[HN_FEAT_QUALITY], 127);
	assert_int_equal(f[HN_FEAT_DELAY], hn_scale_log(1000));
	assert_int_equal(f[HN_FEAT_LOSS], 0);
	assert_int_equal(f[HN_FEAT_LOAD], 0);
	assert_int_equal(f[HN_FEAT_CAPACITY], hn_scale_log(1000000));
	assert_int_equal(hn_link_cost(255, 255), 256);
	/* half of the HELLOs each way: quality 1/4, loss 1/2 */
	hn_link_features(128, 128, 0, 1500, 0, f);
	/* 128 * 128 * 1000 / 65025 = 251 permille, 31.9 -> 32 */
	assert_int_equal(f[HN_FEAT_QUALITY], 32);
	/* 1000 - 128000 / 255 = 499 permille -> 63.4 -> 63 */
	assert_int_equal(f[HN_FEAT_LOSS], 63);
	assert_int_equal(f[HN_FEAT_LOAD], 127); /* capped at 1000 permille */
	assert_int_equal(f[HN_FEAT_DELAY], 0);
	/* 256 * 255 * 255 / (128 * 128) = 1016 */
	assert_int_equal(hn_link_cost(128, 128), 1016);
	assert_int_equal(hn_link_cost(0, 255), 0xffff);
	assert_int_equal(hn_link_cost(1, 1), 0xffff);
}

/* ETT: ETX times a 1500-byte frame's airtime at the capacity, in us. */
static void test_link_ett(void **state)
{
	(void)state;
	/* clean links: 12e6 / kbps us */
	assert_int_equal(hn_link_ett(255, 255, 1000000), 12);
	assert_int_equal(hn_link_ett(255, 255, 10000), 1200);
	assert_int_equal(hn_link_ett(255, 255, 1000), 12000);
	/* half the HELLOs each way: ETX 3.97, 1200 * 65025 / 16384 = 4762.6 */
	assert_int_equal(hn_link_ett(128, 128, 10000), 4763);
	/* a thin clean hop costs more than two fat lossy ones */
	assert_true(hn_link_ett(255, 255, 2000) >
		    2 * hn_link_ett(200, 200, 20000));
	/* ... where ETX would pick the thin one */
	assert_true(hn_link_cost(255, 255) < 2 * hn_link_cost(200, 200));
	/* very fast links cost 1, never 0: a valid LSA cost */
	assert_int_equal(hn_link_ett(255, 255, 100000000), 1);
	assert_int_equal(hn_link_ett(255, 255, 0xffffffffU), 1);
	/* saturates, and dead links cost the most */
	assert_int_equal(hn_link_ett(255, 255, 100), 0xffff);
	assert_int_equal(hn_link_ett(64, 64, 1000), 0xffff);
	assert_int_equal(hn_link_ett(0, 255, 10000), 0xffff);
	assert_int_equal(hn_link_ett(255, 255, 0), 0xffff);
	/* no overflow at the extremes: ETX 65025 at 4.3 Tbit/s */
	assert_int_equal(hn_link_ett(1, 1, 0xffffffffU), 182);
}

static void test_link_ett_load(void **state)
{
	(void)state;
	/* idle: the ETT; full: twice it; half: half again, rounded */
	assert_int_equal(hn_link_ett_load(1200, 0), 1200);
	assert_int_equal(hn_link_ett_load(1200, 255), 2400);
	assert_int_equal(hn_link_ett_load(1200, 128), 1802);
	assert_int_equal(hn_link_ett_load(1, 0), 1);
	assert_int_equal(hn_link_ett_load(1, 255), 2);
	/* utilisation past full counts as full */
	assert_int_equal(hn_link_ett_load(1200, 1000), 2400);
	/* saturates like any LSA cost */
	assert_int_equal(hn_link_ett_load(0xffff, 1), 0xffff);
	assert_int_equal(hn_link_ett_load(40000, 255), 0xffff);
	/* monotone in both */
	assert_true(hn_link_ett_load(1000, 10) < hn_link_ett_load(1000, 11));
	assert_true(hn_link_ett_load(1000, 10) < hn_link_ett_load(1001, 10));
}

/*
 * Splits: a pick that stays keeps its split; a move back to the
 * alternative swaps the shares, so the traffic stays where it was; a
 * move elsewhere leaves everything on the old pick; nothing before, or
 * no share, splits nothing.  Steps fall to 0 and stop there.  The hash
 * of 256 consecutive sequence numbers puts within two of @share below
 * any share.
 */
static void test_split(void **state)
{
	__u32 alt, share, src, seq, start, n;

	assert_int_equal(hn_rt_split_next(HN_RT_SPLIT_NONE, 0, 0, 3, &alt), 0);
	assert_int_equal(alt, HN_RT_SPLIT_NONE);
	assert_int_equal(hn_rt_split_next(3, HN_RT_SPLIT_NONE, 0, 3, &alt), 0);
	assert_int_equal(alt, HN_RT_SPLIT_NONE);
	assert_int_equal(hn_rt_split_next(3, 5, 96, 3, &alt), 96);
	assert_int_equal(alt, 5);
	assert_int_equal(hn_rt_split_next(3, 5, 96, 5, &alt), 160);
	assert_int_equal(alt, 3);
	assert_int_equal(hn_rt_split_next(3, 5, 96, 7, &alt), HN_RT_SPLIT_ONE);
	assert_int_equal(alt, 3);
	assert_int_equal(hn_rt_split_next(3, HN_RT_SPLIT_NONE, 0, 7, &alt),
			 HN_RT_SPLIT_ONE);
	assert_int_equal(alt, 3);
	/* a share out of range (a corrupt table) splits nothing */
	assert_int_equal(hn_rt_split_next(3, 5, 300, 5, &alt), 0);
	assert_int_equal(hn_rt_split_step(256, 32), 224);
	assert_int_equal(hn_rt_split_step(20, 32), 0);
	assert_int_equal(hn_rt_split_step(32, 32), 0);
	assert_int_equal(hn_rt_split_step(40, 0), 40);
	for (src = 0; src < 3000; src += 997)
		for (start = 0; start < 100000; start += 33333)
			for (share = 0; share <= HN_RT_SPLIT_ONE; share++) {
				n = 0;
				for (seq = start; seq < start + 256; seq++)
					n += hn_rt_split_hash(src, seq) < share;
				assert_in_range(n, share < 2 ? 0 : share - 2,
						share + 2);
			}
}

static void test_util_readvertise(void **state)
{
	(void)state;
	assert_int_equal(hn_util_from_pm(0), 0);
	assert_int_equal(hn_util_from_pm(500), 128);
	assert_int_equal(hn_util_from_pm(1000), 255);
	assert_int_equal(hn_util_from_pm(5000), 255);
	assert_false(hn_util_moved(100, 100));
	assert_false(hn_util_moved(100, 100 + HN_UTIL_READV - 1));
	assert_true(hn_util_moved(100, 100 + HN_UTIL_READV));
	assert_false(hn_util_moved(100, 100 - HN_UTIL_READV + 1));
	assert_true(hn_util_moved(100, 100 - HN_UTIL_READV));
	/* no wrap at the ends */
	assert_false(hn_util_moved(0, HN_UTIL_READV - 1));
	assert_false(hn_util_moved(255, 255 - HN_UTIL_READV + 1));
	assert_true(hn_util_moved(255, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compiled_random),
		cmocka_unit_test(test_compiled_u8),
		cmocka_unit_test(test_compiled_extremes),
		cmocka_unit_test(test_compile_bounds),
		cmocka_unit_test(test_scale_log),
		cmocka_unit_test(test_scale_linear),
		cmocka_unit_test(test_buckets),
		cmocka_unit_test(test_route_dist),
		cmocka_unit_test(test_link_features),
		cmocka_unit_test(test_link_ett),
		cmocka_unit_test(test_link_ett_load),
		cmocka_unit_test(test_util_readvertise),
		cmocka_unit_test(test_split),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
