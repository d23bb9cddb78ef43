# SPDX-License-Identifier: GPL-2.0
#
# Three nodes in a line, shared by tests/netns/test_xdp_attach.sh and
# tests/netns/test_xdp_multiprog.sh.  Source tests/netns/lib.sh first.
#
#   h1-r [H1 20] -- r-h1 [R 10] r-h2 -- h2-r [H2 30]
#
# How R's ports get their programs is what those tests try, so line3_up
# attaches nothing there; line3_route, once they have, makes R forward
# what H1 sends to H2.

line3_up()
{
	hn_nodes R 10 H1 20 H2 30
	hn_link R r-h1 H1 h1-r
	hn_link R r-h2 H2 h2-r
}

# line3_route: H2 (node 30) runs the router on h2-r; R (node 10) has H2
# as neighbour 0 on r-h2 and its route to node 30 through it.
line3_route()
{
	hn_ctl H2 attach h2-r >/dev/null || hn_fail "hnctl attach on H2"
	hn_ctl H2 config node 30 || hn_fail "config on H2"
	hn_ctl R config node 10 || hn_fail "config on R"
	hn_ctl R neigh set 0 node 30 dev r-h2 mac "$(hn_mac H2 h2-r)" \
		quality 990 delay-us 100 loss 0 load 100 capacity-kbps 1000000 ||
		hn_fail "neigh set on R"
	hn_ctl R route set 30 via 0:1 || hn_fail "route set on R"
}

# line3_send N SEQ: N data frames H1 -> H2 through R; prints how many H2
# got
line3_send()
{
	local j

	j=$(hn_transfer H2 h2-r H1 h1-r 20 30 "$1" "$2" 200 3000) || exit 1
	hn_jget "$j" unique
}
