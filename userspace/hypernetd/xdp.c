// SPDX-License-Identifier: GPL-2.0
/*
 * The XDP program on each mesh port.  Attached when the port comes up,
 * then looked at about once a second: nothing tells the agent when
 * `hnctl detach`, `ip link set dev X xdp off` or another loader takes its
 * program off a port, and until then the port would look attached while
 * every frame on it went to the stack.  A change is logged once, at
 * warning level, with what the hook holds now.  With xdp-reattach = 1 the
 * program is put back: on an empty hook, or beside the programs of
 * libxdp's dispatcher in xdp-mode = multiprog; another program is
 * replaced only with xdp-force = 1 too, so agents do not fight over a
 * port by default.
 */
#include <errno.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "dp.h"
#include "hypernetd.h"

#define XDP_CHECK_NS NSEC_PER_SEC

static unsigned int attach_flags(const struct hnd *d, bool generic)
{
	unsigned int fl = generic ? HN_DP_ATTACH_GENERIC : 0;

	if (d->cfg.xdp_mode == HND_XDP_MULTIPROG)
		fl |= HN_DP_ATTACH_MULTI;
	if (d->cfg.xdp_force)
		fl |= HN_DP_ATTACH_FORCE;
	return fl;
}

/* Another program was on the hook before we attached: say so. */
static void say_replaced(struct hnd *d, const struct hnd_port *pt,
			 const struct hn_dp_xdp_state *was)
{
	char what[256];

	/* joining libxdp's dispatcher takes nobody off */
	if (was->n_foreign <= pt->xdp.n_foreign)
		return;
	hn_dp_xdp_describe(was, what, sizeof(what));
	hnd_log(d, LOG_W, "port %s: replaced %s (xdp-force = 1)", pt->name,
		what);
}

/*
 * Attach port @i's program in the configured mode: auto and multiprog
 * fall back to generic when native fails, unless another program was in
 * the way (generic would meet it too).  @err says why it failed; @was
 * gets what the hook held before.
 */
static int attach(struct hnd *d, int i, struct hn_dp_xdp_state *was, char *err,
		  size_t errlen)
{
	struct hnd_port *pt = &d->ports[i];
	bool generic = d->cfg.xdp_mode == HND_XDP_GENERIC;
	int ret;

	if (hn_dp_xdp_query(d->dp, pt->ifindex, was))
		memset(was, 0, sizeof(*was));
	ret = hn_dp_attach(d->dp, pt->name, attach_flags(d, generic), err,
			   errlen);
	if (ret && ret != -EEXIST && !generic &&
	    (d->cfg.xdp_mode == HND_XDP_AUTO ||
	     d->cfg.xdp_mode == HND_XDP_MULTIPROG)) {
		hnd_log(d, LOG_W,
			"port %s: native XDP failed (%s); using generic mode, slower",
			pt->name, err);
		ret = hn_dp_attach(d->dp, pt->name, attach_flags(d, true), err,
				   errlen);
	}
	if (ret)
		return ret;
	/* attaching adds the port outside the privacy domain */
	ret = hn_dp_port_set_domain(d->dp, pt->ifindex,
				    hnd_config_private(&d->cfg, pt->name), err,
				    errlen);
	if (ret)
		return ret;
	/* what is there now, so the next look sees no change */
	if (hn_dp_xdp_query(d->dp, pt->ifindex, &pt->xdp))
		memset(&pt->xdp, 0, sizeof(pt->xdp));
	pt->attached = true;
	pt->generic = pt->xdp.generic;
	pt->xdp_failed = false;
	return 0;
}

static void say_attached(struct hnd *d, struct hnd_port *pt, int level,
			 const char *how)
{
	const struct hn_dp_xdp_state *st = &pt->xdp;

	if (st->multiprog)
		hnd_log(d, level,
			"port %s: XDP %s (%s, program id %u behind libxdp's dispatcher id %u, %u programs)",
			pt->name, how, st->generic ? "generic" : "native",
			st->our_id, st->prog_id, st->n_progs);
	else
		hnd_log(d, level, "port %s: XDP %s (%s, program id %u)%s",
			pt->name, how, pt->generic ? "generic" : "native",
			st->our_id,
			d->cfg.xdp_mode == HND_XDP_MULTIPROG ?
				"; libxdp could not use its dispatcher here, so no other program can run beside it" :
				"");
}

int hnd_port_attach(struct hnd *d, int i)
{
	struct hnd_port *pt = &d->ports[i];
	struct hn_dp_xdp_state was;
	char err[512] = "";
	int ret;

	ret = attach(d, i, &was, err, sizeof(err));
	if (ret) {
		hnd_log(d, LOG_E, "port %s: %s", pt->name, err);
		return ret;
	}
	say_replaced(d, pt, &was);
	say_attached(d, pt, LOG_I, "attached");
	return 0;
}

/* Not ours on the hook: may we put ours back? */
static bool may_reattach(const struct hnd *d, const struct hn_dp_xdp_state *st)
{
	if (!d->cfg.xdp_reattach)
		return false;
	if (!st->n_foreign || d->cfg.xdp_force)
		return true;
	/* beside the others: no fight */
	return d->cfg.xdp_mode == HND_XDP_MULTIPROG && st->multiprog &&
	       !st->unreadable;
}

static void reattach(struct hnd *d, int i)
{
	struct hnd_port *pt = &d->ports[i];
	struct hn_dp_xdp_state was;
	char err[512] = "";

	if (attach(d, i, &was, err, sizeof(err))) {
		if (!pt->xdp_failed)
			hnd_log(d, LOG_W,
				"port %s: re-attaching XDP failed: %s",
				pt->name, err);
		pt->xdp_failed = true; /* tried again each look, said once */
		return;
	}
	d->st.xdp_reattached++;
	say_replaced(d, pt, &was);
	say_attached(d, pt, LOG_W, "re-attached");
}

/* What to do about it, for the warning: the config's answer. */
static const char *lost_hint(const struct hnd *d,
			     const struct hn_dp_xdp_state *st)
{
	if (may_reattach(d, st) && st->n_foreign && d->cfg.xdp_force &&
	    !(st->multiprog && d->cfg.xdp_mode == HND_XDP_MULTIPROG))
		return "; replacing it (xdp-reattach = 1, xdp-force = 1)";
	if (may_reattach(d, st))
		return "; putting ours back (xdp-reattach = 1)";
	if (d->cfg.xdp_reattach)
		return "; not replacing another program (xdp-force = 0)";
	return "; frames on it go to the stack, not the router: 'hnctl attach' or xdp-reattach = 1 puts it back";
}

/* One port's hook against what it held at the last look. */
static void check(struct hnd *d, int i)
{
	struct hnd_port *pt = &d->ports[i];
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	struct hn_dp_xdp_state st;
	char what[256];
	__u32 id;

	/* a missing port is hnd_port_check()'s; one never up has no hook */
	if (!pt->ifindex || pt->fd < 0 || !d->dp)
		return;
	if (bpf_xdp_query(pt->ifindex, 0, &q))
		return;
	/*
	 * The same program id is the same hook: libxdp never changes a
	 * dispatcher, it builds a new one.  Only a change needs a closer look.
	 */
	id = q.drv_prog_id ? q.drv_prog_id : q.skb_prog_id;
	if (id == pt->xdp.prog_id) {
		if (!pt->attached && may_reattach(d, &pt->xdp))
			reattach(d, i);
		return;
	}
	/* changing under us (a dispatcher rebuilt): look again next time */
	if (hn_dp_xdp_query(d->dp, pt->ifindex, &st))
		return;
	pt->xdp = st;
	if (st.our_id) {
		if (!pt->attached)
			say_attached(d, pt, LOG_W, "is ours again");
		pt->attached = true;
		pt->generic = st.generic;
		pt->xdp_failed = false;
		return;
	}
	hn_dp_xdp_describe(&st, what, sizeof(what));
	if (pt->attached) {
		d->st.xdp_lost++;
		hnd_log(d, LOG_W,
			"port %s: our XDP program was taken off; the port has %s now%s",
			pt->name, what, lost_hint(d, &st));
	} else {
		hnd_log(d, LOG_W, "port %s: XDP hook changed, it has %s now%s",
			pt->name, what, lost_hint(d, &st));
	}
	pt->attached = false;
	pt->xdp_failed = false;
	if (may_reattach(d, &st))
		reattach(d, i);
}

void hnd_xdp_check_all(struct hnd *d)
{
	unsigned int i;

	for (i = 0; i < d->n_ports; i++)
		check(d, i);
}

void hnd_xdp_tick(struct hnd *d, __u64 now)
{
	if (now < d->next_xdp_ns)
		return;
	d->next_xdp_ns = now + XDP_CHECK_NS;
	hnd_xdp_check_all(d);
}
