// SPDX-License-Identifier: GPL-2.0
/*
 * The baseline: the data plane's plain L2 forward, set up to send every
 * HyperNet frame out of one port.
 */
#include <errno.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "hnb.h"
#include "plain_fwd.skel.h"

/* Mirrors struct pf_cfg of bench/plain_fwd.bpf.c (not in a header). */
struct hnb_pf_cfg {
	__u32 ifindex;
	__u8 dst[6];
	__u8 src[6];
	__u16 pad;
};

int hnb_plain_load(struct plain_fwd_bpf **out, const __u8 smac[6],
		   const __u8 dmac[6], int out_ifindex)
{
	struct bpf_devmap_val dv = { .ifindex = out_ifindex };
	struct hnb_pf_cfg cfg = { .ifindex = out_ifindex };
	struct plain_fwd_bpf *skel;
	__u32 zero = 0, key = out_ifindex;
	int err;

	skel = plain_fwd_bpf__open_and_load();
	if (!skel) {
		hnb_err("cannot load the plain forward");
		return -1;
	}
	if (bpf_map__value_size(skel->maps.pf_config) != sizeof(cfg)) {
		hnb_err("struct pf_cfg changed in bench/plain_fwd.bpf.c");
		plain_fwd_bpf__destroy(skel);
		return -1;
	}
	memcpy(cfg.dst, dmac, 6);
	memcpy(cfg.src, smac, 6);
	err = bpf_map_update_elem(bpf_map__fd(skel->maps.pf_config), &zero,
				  &cfg, 0);
	if (!err)
		err = bpf_map_update_elem(bpf_map__fd(skel->maps.pf_tx_ports),
					  &key, &dv, 0);
	if (err) {
		hnb_err("cannot configure the plain forward: %s",
			strerror(errno));
		plain_fwd_bpf__destroy(skel);
		return -1;
	}
	*out = skel;
	return 0;
}

int hnb_plain_prog_fd(struct plain_fwd_bpf *skel)
{
	return bpf_program__fd(skel->progs.pf_xdp);
}

void hnb_plain_destroy(struct plain_fwd_bpf *skel)
{
	plain_fwd_bpf__destroy(skel);
}
