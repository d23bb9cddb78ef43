// SPDX-License-Identifier: GPL-2.0
/*
 * Verifier guard: the XDP router must stay far below the verifier's 1M
 * instruction limit, so that growth shows up here long before a kernel
 * refuses the program.  Prints the count (bpf_prog_info.verified_insns).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <cmocka.h>

#include "helpers_dp.h"

#define INSN_BUDGET 100000

static void test_verified_insns(void **state)
{
	struct hn_dp *dp;
	char err[512] = "";
	__u32 insns = 0;
	int ret;

	ret = hn_dp_open(&dp, NULL, err, sizeof(err));
	if (ret)
		fail_msg("%s", err);
	ret = hn_dp_verified_insns(dp, &insns);
	hn_dp_close(dp);
	if (ret == -EINVAL || (!ret && !insns))
		skip(); /* kernel before 5.16: no verified_insns */
	assert_int_equal(ret, 0);
	printf("hn_xdp: %u instructions processed by the verifier (budget %d)\n",
	       insns, INSN_BUDGET);
	assert_true(insns < INSN_BUDGET);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verified_insns),
	};

	hn_t_need_bpf();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
