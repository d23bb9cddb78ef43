-- SPDX-License-Identifier: GPL-2.0
--
-- HyperNet dissector for Wireshark and tshark (Lua; tested with 4.0).
--
--   tshark -X lua_script:tools/wireshark/hypernet.lua -r capture.pcap -V
--
-- or copy this file into a Lua plugin folder (`tshark -G folders`, "Personal
-- Lua Plugins"); Documentation/operations.rst, "Capturing with Wireshark".
--
-- Registered on EtherType 0x88B5 (ETH_P_HYPERNET).  It decodes what
-- include/uapi/linux/hypernet_packet.h lays out: struct hnhdr, the tensor
-- header, and every control frame of Documentation/agent-protocol.rst
-- (HELLO, GOSSIP, MODEL_CHUNK, PROBE, ACK, FED, ECHO) with its hn_auth
-- trailer.
--
-- A malformed frame is flagged twice, with the names the code counts it
-- under:
--   hypernet.malformed   what the data plane's hn_hdr_check() and
--                        hn_tensor_check() say (include/hypernet/frame.h),
--                        named as its counters: bad_truncated, bad_version,
--                        bad_type, bad_flags, bad_length, bad_ttl,
--                        bad_addr, bad_tensor (hnctl -j stats)
--   hypernet.ctrl.error  for a control frame, what hn_ctrl_decode()
--                        (userspace/lib/ctrl.c) refuses it as: truncated,
--                        bad-header, bad-type, bad-length, bad-field (the
--                        agent's rx_bad_<name>), and given the mesh keys
--                        (preference hypernet.keys_file, a file of "ID HEX"
--                        lines, or hypernet.keys, ID:HEX,...) unknown-key
--                        and bad-mac; hypernet.auth.status says "good" for
--                        a MAC that verifies.
-- each with an expert info (group Malformed) whose text starts with the
-- name.  Every read is bounded by the captured bytes and by hnhdr.len; a
-- type this file does not know is shown as "unknown type N", flagged.

local hn = Proto("hypernet", "HyperNet")

-- Every Wireshark with Lua has LuaBitOp as "bit" (signed results: only
-- compared with 0, masked or reduced modulo 2^32 here); bit32 was Lua
-- 5.2's own.  table.unpack from Lua 5.2 on.
local bitop = bit or bit32
local band, bxor, bnot, rshift = bitop.band, bitop.bxor, bitop.bnot,
	bitop.rshift
local unpack = table.unpack or unpack

-- The uapi's values; tests/netns/test_wireshark.sh compares each with
-- hypernet_packet.h as compiled, so that a change there is seen here.
local ETH_P_HYPERNET = 0x88B5
local VERSION = 1
local HDR_LEN = 20
local AUTH_LEN = 28
local TENSOR_HDR_LEN = 20
local TENSOR_MAX_LEN = 4096
local GROUP_ALL = 0xFFFFFFFF
local RSV_NOT_COPIED = 0x01

local F_MCAST, F_ANYCAST, F_RESULT, F_PRIVATE = 0x01, 0x02, 0x04, 0x08
local F_ALL = 0x0F
local LSA_F_RESYNC, LSA_F_UTIL, LSA_F_RATES = 0x0001, 0x0002, 0x0004
local LSA_F_ALL = 0x0007

local T_DATA, T_TENSOR, T_HELLO, T_GOSSIP = 1, 2, 3, 4
local T_CHUNK, T_PROBE, T_ACK, T_FED = 5, 6, 7, 8
local T_ECHO = 9
local T_MAX = 9

local HELLO_LEN, HEARD_LEN, PROBE_LEN = 16, 8, 16
local LSA_LEN, LINK_LEN, RATE_LEN = 20, 8, 8
local CHUNK_LEN, FED_LEN = 28, 32
local HELLO_MAX_HEARD = 32
local LSA_MAX_LINKS = 64
local LSA_MAX_STAGES = 16
local RATE_BUSY_MAX = 1000
local CHUNK_DATA_MAX = 1024
local MODEL_XFER_MAX = 65536
local OBJ_MAX = 2
local FED_FRAG_MAX = 1020
local FED_MSG_MAX = 4177920
local FED_OP_DATA, FED_OP_SACK, FED_OP_MAX = 0, 1, 2
local FED_K_RESULT, FED_K_FETCH = 128, 129
-- the last of userspace/lib/sa_msg.h's enum hn_sa_type (FED kinds 1 ..)
local SA_TYPE_MAX = 9
local DT_S8 = 1
-- ECHO (hnctl ping, traceroute): struct hn_echo, struct hn_echo_hop
local ECHO_LEN, HOP_LEN = 20, 16
local ECHO_PAD_MAX = 1024
local ECHO_REQUEST, ECHO_REPLY, ECHO_EXPIRED = 0, 1, 2
local ECHO_OP_MAX = 3
local HOP_F_SCORE = 0x01
local HOP_NO_ROUTE, HOP_UNKNOWN = 254, 255
-- include/hypernet/dataplane.h's enum hn_dp_reason
local DP_R_MODEL, DP_R_NO_MODEL, DP_R_MARGIN = 0, 1, 2
local DP_R_STALE, DP_R_NO_LIVE = 3, 4

local type_names = {
	[T_DATA] = "DATA", [T_TENSOR] = "TENSOR", [T_HELLO] = "HELLO",
	[T_GOSSIP] = "GOSSIP", [T_CHUNK] = "MODEL_CHUNK", [T_PROBE] = "PROBE",
	[T_ACK] = "ACK", [T_FED] = "FED", [T_ECHO] = "ECHO",
}
-- the agent's names, in its error texts (ctrl.c type_name())
local ctrl_names = {
	[T_HELLO] = "hello", [T_GOSSIP] = "gossip", [T_CHUNK] = "model-chunk",
	[T_PROBE] = "probe", [T_ACK] = "ack", [T_FED] = "fed",
	[T_ECHO] = "echo",
}
-- payload bytes before the variable part (ctrl.c fixed_len())
local fixed_len = {
	[T_HELLO] = HELLO_LEN, [T_GOSSIP] = LSA_LEN, [T_CHUNK] = CHUNK_LEN,
	[T_PROBE] = PROBE_LEN, [T_ACK] = PROBE_LEN, [T_FED] = FED_LEN,
	[T_ECHO] = ECHO_LEN,
}
local dtype_names = { [DT_S8] = "S8" }
local object_names = { [0] = "model", [1] = "campaign" }
local fed_op_names = { [FED_OP_DATA] = "DATA", [FED_OP_SACK] = "SACK" }
-- secure-aggregation message types (userspace/lib/sa_msg.h), then
-- enum hn_fed_kind
local fed_kind_names = {
	[1] = "ADVERTISE", [2] = "ADV_LIST", [3] = "SHARES",
	[4] = "SHARES_FWD", [5] = "MASKED", [6] = "UNMASK_REQ", [7] = "UNMASK",
	[8] = "CONSIST_REQ", [9] = "CONSIST", [FED_K_RESULT] = "RESULT",
	[FED_K_FETCH] = "FETCH",
}
local echo_op_names = {
	[ECHO_REQUEST] = "REQUEST", [ECHO_REPLY] = "REPLY",
	[ECHO_EXPIRED] = "EXPIRED",
}
-- hn_echo_hop.reason, as hypernetd and hnctl traceroute name it (echo.c)
local hop_reason_names = {
	[DP_R_MODEL] = "model", [DP_R_NO_MODEL] = "no-model",
	[DP_R_MARGIN] = "margin", [DP_R_STALE] = "stale",
	[DP_R_NO_LIVE] = "no-live", [HOP_NO_ROUTE] = "no-route",
	[HOP_UNKNOWN] = "unknown",
}
for k = 1, SA_TYPE_MAX do
	fed_kind_names[k] = fed_kind_names[k] or ("SA_TYPE_" .. k)
end

local function F(kind, abbr, name, ...)
	return ProtoField[kind]("hypernet." .. abbr, name, ...)
end

local f = {
	-- struct hnhdr
	version = F("uint8", "version", "Version"),
	type = F("uint8", "type", "Type", base.DEC, type_names),
	flags = F("uint8", "flags", "Flags", base.HEX),
	f_mcast = F("bool", "flags.mcast", "Multicast (dst is a group)", 8,
		nil, F_MCAST),
	f_anycast = F("bool", "flags.anycast", "Anycast (dst is a task)", 8,
		nil, F_ANYCAST),
	f_result = F("bool", "flags.result", "Stage result", 8, nil, F_RESULT),
	f_private = F("bool", "flags.private", "Private (raw input)", 8, nil,
		F_PRIVATE),
	ttl = F("uint8", "ttl", "TTL"),
	tclass = F("uint8", "tclass", "Traffic class"),
	reserved = F("uint8", "reserved", "Reserved", base.HEX),
	not_copied = F("bool", "reserved.not_copied",
		"Not copied on by the data plane (HN_RSV_NOT_COPIED)", 8, nil,
		RSV_NOT_COPIED),
	len = F("uint16", "len", "Payload length"),
	src = F("uint32", "src", "Source node", base.DEC_HEX),
	dst = F("uint32", "dst", "Destination", base.DEC_HEX),
	group = F("uint32", "group", "Multicast group", base.DEC_HEX),
	task = F("uint32", "task", "Anycast task", base.DEC_HEX),
	seq = F("uint32", "seq", "Sequence"),
	data = F("bytes", "data", "Data"),
	malformed = F("string", "malformed", "Data plane drop reason"),
	ctrl_error = F("string", "ctrl.error", "Agent refusal reason"),
	-- struct hn_tensor_hdr
	t_id = F("uint32", "tensor.id", "Tensor id"),
	t_origin = F("uint32", "tensor.origin", "Origin node", base.DEC_HEX),
	t_stage = F("uint8", "tensor.stage", "Stage"),
	t_dtype = F("uint8", "tensor.dtype", "Element type", base.DEC,
		dtype_names),
	t_frag_idx = F("uint16", "tensor.frag_idx", "Fragment index"),
	t_frag_cnt = F("uint16", "tensor.frag_cnt", "Fragments"),
	t_frag_off = F("uint16", "tensor.frag_off", "First element"),
	t_total = F("uint16", "tensor.total_len", "Elements in the tensor"),
	t_reserved = F("uint16", "tensor.reserved", "Reserved", base.HEX),
	t_elems = F("bytes", "tensor.elements", "Elements"),
	-- struct hn_auth
	a_key = F("uint32", "auth.key_id", "Key id"),
	a_counter = F("uint64", "auth.counter", "Replay counter"),
	a_mac = F("bytes", "auth.mac", "MAC (HMAC-SHA256, 16 bytes)"),
	a_status = F("string", "auth.status",
		"MAC check (preference hypernet.keys)"),
	-- struct hn_hello, hn_hello_heard
	h_interval = F("uint16", "hello.interval_ms", "Interval (ms)"),
	h_load = F("uint8", "hello.load", "Load"),
	h_capacity = F("uint8", "hello.capacity", "Capacity"),
	h_model_gen = F("uint64", "hello.model_gen", "Model generation"),
	h_n_heard = F("uint8", "hello.n_heard", "Heard nodes"),
	h_reserved = F("bytes", "hello.reserved", "Reserved"),
	h_node = F("uint32", "hello.heard.node", "Node", base.DEC_HEX),
	h_rx_ratio = F("uint8", "hello.heard.rx_ratio", "Receive ratio"),
	h_h_reserved = F("bytes", "hello.heard.reserved", "Reserved"),
	-- struct hn_probe (PROBE and ACK)
	p_id = F("uint32", "probe.id", "Probe id", base.HEX),
	p_reserved = F("uint32", "probe.reserved", "Reserved", base.HEX),
	p_t_ns = F("uint64", "probe.t_ns", "Prober's time (ns)"),
	-- struct hn_lsa, hn_lsa_link, hn_lsa_rate
	l_seq = F("uint32", "lsa.seq", "LSA sequence"),
	l_lifetime = F("uint16", "lsa.lifetime_s", "Lifetime (s)"),
	l_load = F("uint8", "lsa.load", "Load"),
	l_capacity = F("uint8", "lsa.capacity", "Capacity"),
	l_model_gen = F("uint64", "lsa.model_gen", "Model generation"),
	l_n_links = F("uint8", "lsa.n_links", "Links"),
	l_n_stages = F("uint8", "lsa.n_stages", "Stages"),
	l_flags = F("uint16", "lsa.flags", "LSA flags", base.HEX),
	l_f_resync = F("bool", "lsa.flags.resync", "Resync", 16, nil,
		LSA_F_RESYNC),
	l_f_util = F("bool", "lsa.flags.util", "Utilisation follows", 16,
		nil, LSA_F_UTIL),
	l_f_rates = F("bool", "lsa.flags.rates", "Rates follow", 16, nil,
		LSA_F_RATES),
	l_node = F("uint32", "lsa.link.node", "Neighbour", base.DEC_HEX),
	l_cost = F("uint16", "lsa.link.cost", "Cost"),
	l_quality = F("uint8", "lsa.link.quality", "Quality"),
	l_delay = F("uint8", "lsa.link.delay", "Delay"),
	l_stage = F("uint8", "lsa.stage", "Stage"),
	l_util = F("uint8", "lsa.util", "Utilisation (0..255)"),
	l_ns = F("uint32", "lsa.rate.ns_per_item", "ns per item"),
	l_busy = F("uint16", "lsa.rate.busy", "Busy (permille)"),
	l_queue = F("uint16", "lsa.rate.queue", "Queue"),
	-- struct hn_model_chunk
	c_gen = F("uint64", "chunk.generation", "Generation"),
	c_digest = F("bytes", "chunk.digest", "Digest (SHA-256, 8 bytes)"),
	c_total = F("uint32", "chunk.total_len", "File length"),
	c_offset = F("uint32", "chunk.offset", "Offset"),
	c_len = F("uint16", "chunk.chunk_len", "Chunk length"),
	c_object = F("uint16", "chunk.object", "Object", base.DEC,
		object_names),
	c_data = F("bytes", "chunk.data", "Chunk data"),
	-- struct hn_fed_frag
	d_campaign = F("uint64", "fed.campaign", "Campaign"),
	d_round = F("uint32", "fed.round", "Round"),
	d_msg_id = F("uint32", "fed.msg_id", "Message id"),
	d_total = F("uint32", "fed.total_len", "Message length"),
	d_offset = F("uint32", "fed.offset", "Offset"),
	d_frag_len = F("uint16", "fed.frag_len", "Fragment length"),
	d_attempt = F("uint8", "fed.attempt", "Attempt"),
	d_kind = F("uint8", "fed.kind", "Kind", base.DEC, fed_kind_names),
	d_op = F("uint8", "fed.op", "Op", base.DEC, fed_op_names),
	d_reserved = F("bytes", "fed.reserved", "Reserved"),
	d_frag = F("uint32", "fed.frag_idx", "Fragment index"),
	d_frags = F("uint32", "fed.frags", "Fragments in the message"),
	d_data = F("bytes", "fed.data", "Message bytes"),
	d_bitmap = F("bytes", "fed.sack", "Fragments received (bitmap)"),
	d_acked = F("uint32", "fed.sack.received", "Fragments acknowledged"),
	-- struct hn_echo, and an EXPIRED answer's struct hn_echo_hop
	e_id = F("uint32", "echo.id", "Session id", base.DEC_HEX),
	e_seq = F("uint32", "echo.seq", "Request number"),
	e_t_ns = F("uint64", "echo.t_ns", "Requester's time (ns)"),
	e_op = F("uint8", "echo.op", "Op", base.DEC, echo_op_names),
	e_reserved = F("bytes", "echo.reserved", "Reserved"),
	e_pad_len = F("uint16", "echo.pad_len", "Padding length"),
	e_pad = F("bytes", "echo.padding", "Padding"),
	e_next = F("uint32", "echo.hop.next", "Next hop (0: none)",
		base.DEC_HEX),
	e_score = F("int32", "echo.hop.score", "Chosen candidate's score"),
	e_margin = F("int32", "echo.hop.margin", "Best minus second score"),
	e_reason = F("uint8", "echo.hop.reason", "Reason", base.DEC,
		hop_reason_names),
	e_n_cand = F("uint8", "echo.hop.n_cand", "Candidates"),
	e_flags = F("uint8", "echo.hop.flags", "Hop flags", base.HEX),
	e_f_score = F("bool", "echo.hop.flags.score", "Score and margin known",
		8, nil, HOP_F_SCORE),
	e_h_reserved = F("uint8", "echo.hop.reserved", "Reserved", base.HEX),
}
local fl = {}
for _, v in pairs(f) do
	fl[#fl + 1] = v
end
hn.fields = fl

-- One expert info per reason, named as the code counts it.
local dp_reasons = {
	"bad_truncated", "bad_version", "bad_type", "bad_flags",
	"bad_length", "bad_ttl", "bad_addr", "bad_tensor",
}
local ce_reasons = {
	"truncated", "bad-header", "bad-type", "bad-length", "bad-field",
	"unknown-key", "bad-mac",
}
local ex_dp, ex_ce, experts = {}, {}, {}
for _, r in ipairs(dp_reasons) do
	ex_dp[r] = ProtoExpert.new("hypernet.malformed." .. r,
		"Data plane drops it: " .. r, expert.group.MALFORMED,
		expert.severity.ERROR)
	experts[#experts + 1] = ex_dp[r]
end
for _, r in ipairs(ce_reasons) do
	ex_ce[r] = ProtoExpert.new("hypernet.ctrl.error." .. r,
		"Agent refuses it: " .. r, expert.group.MALFORMED,
		expert.severity.ERROR)
	experts[#experts + 1] = ex_ce[r]
end
hn.experts = experts

-- A frame's decoding state: its tvb and pinfo, the HyperNet subtree, the
-- pieces of the Info column, and the first reason of the data plane (dp)
-- and of the agent (ce) once found.
local function new_ctx(tvb, pinfo, tree)
	return { tvb = tvb, pinfo = pinfo, tree = tree, info = {} }
end

-- Range of @n bytes at @off if they are captured (and inside @limit).
local function rng(c, off, n, limit)
	if n < 0 or off + n > c.tvb:len() or (limit and off + n > limit) then
		return nil
	end
	return c.tvb:range(off, n)
end

local function flag_dp(c, reason, text)
	if c.dp then
		return
	end
	c.dp = reason
	local it = c.tree:add(f.malformed, reason)
	it:set_generated()
	it:add_proto_expert_info(ex_dp[reason], reason .. ": " .. text)
end

local function flag_ce(c, reason, text)
	if c.ce then
		return
	end
	c.ce = reason
	local it = c.tree:add(f.ctrl_error, reason)
	it:set_generated()
	it:add_proto_expert_info(ex_ce[reason], reason .. ": " .. text)
end

local function info(c, s)
	c.info[#c.info + 1] = s
end

-- hn_hdr_check(), in its order; returns the reason or nil.
local function hdr_check(c, h, avail)
	if h.version ~= VERSION then
		return "bad_version", string.format("version %d, expected %d",
			h.version, VERSION)
	end
	if h.type == 0 or h.type > T_MAX then
		return "bad_type", string.format("unknown type %d", h.type)
	end
	local mode = band(h.flags, F_MCAST + F_ANYCAST)
	if band(h.flags, bnot(F_ALL)) ~= 0 or
	    mode == F_MCAST + F_ANYCAST then
		return "bad_flags",
			string.format("flags 0x%02x unknown or MCAST|ANYCAST",
				h.flags)
	end
	if h.len > avail - HDR_LEN then
		return "bad_length", string.format(
			"hnhdr.len %d needs %d bytes, frame has %d", h.len,
			h.len + HDR_LEN, avail)
	end
	if h.ttl == 0 then
		return "bad_ttl", "ttl 0"
	end
	if h.src == 0 or h.dst == 0 then
		return "bad_addr", string.format(
			"src 0x%08x dst 0x%08x, 0 is never a node", h.src, h.dst)
	end
	return nil
end

-- How the agent maps hn_hdr_check()'s reasons (ctrl.c hdr_fail()).
local ce_of_dp = {
	bad_truncated = "truncated", bad_length = "truncated",
	bad_type = "bad-type", bad_version = "bad-header",
	bad_flags = "bad-header", bad_ttl = "bad-header",
	bad_addr = "bad-header",
}

local function add_header(c, st, h)
	local t = c.tvb
	st:add(f.version, t:range(0, 1))
	local ti = st:add(f.type, t:range(1, 1))
	if not type_names[h.type] then
		ti:append_text(string.format(" (unknown type %d)", h.type))
	end
	local fi = st:add(f.flags, t:range(2, 1))
	fi:add(f.f_mcast, t:range(2, 1))
	fi:add(f.f_anycast, t:range(2, 1))
	fi:add(f.f_result, t:range(2, 1))
	fi:add(f.f_private, t:range(2, 1))
	st:add(f.ttl, t:range(3, 1))
	st:add(f.tclass, t:range(4, 1))
	local ri = st:add(f.reserved, t:range(5, 1))
	ri:add(f.not_copied, t:range(5, 1))
	st:add(f.len, t:range(6, 2))
	st:add(f.src, t:range(8, 4))
	local di = st:add(f.dst, t:range(12, 4))
	if band(h.flags, F_MCAST) ~= 0 then
		di:add(f.group, t:range(12, 4)):set_generated()
		if h.dst == GROUP_ALL then
			di:append_text(" (all nodes: flood)")
		end
	elseif band(h.flags, F_ANYCAST) ~= 0 then
		di:add(f.task, t:range(12, 4)):set_generated()
		di:append_text(" (task class)")
	end
	st:add(f.seq, t:range(16, 4))
end

-- ---- data plane payloads ---------------------------------------------

-- hn_tensor_check() with the data plane's bound on total_len.
local function tensor_check(dtype, cnt, idx, off, total, n)
	if dtype ~= DT_S8 then
		return string.format("dtype %d, expected %d (S8)", dtype,
			DT_S8)
	end
	if cnt == 0 or idx >= cnt or total == 0 or total > TENSOR_MAX_LEN or
	    cnt > total then
		return string.format(
			"frag %d of %d in a tensor of %d elements (at most %d)",
			idx, cnt, total, TENSOR_MAX_LEN)
	end
	if n == 0 or off >= total or n > total - off then
		return string.format(
			"%d elements at %d in a tensor of %d", n, off, total)
	end
	if cnt == 1 and (off ~= 0 or n ~= total) then
		return string.format(
			"single fragment of %d elements at %d, tensor has %d",
			n, off, total)
	end
	return nil
end

local function dissect_tensor(c, st, p, plen, flags)
	if plen < TENSOR_HDR_LEN then
		flag_dp(c, "bad_truncated", string.format(
			"tensor payload of %d bytes, header needs %d", plen,
			TENSOR_HDR_LEN))
	end
	local r = rng(c, p, TENSOR_HDR_LEN, p + plen)
	if not r then
		return
	end
	local tt = st:add(hn, r, "Tensor header")
	local g = function(o, n) return c.tvb:range(p + o, n) end
	tt:add(f.t_id, g(0, 4))
	tt:add(f.t_origin, g(4, 4))
	tt:add(f.t_stage, g(8, 1))
	tt:add(f.t_dtype, g(9, 1))
	tt:add(f.t_frag_idx, g(10, 2))
	tt:add(f.t_frag_cnt, g(12, 2))
	tt:add(f.t_frag_off, g(14, 2))
	tt:add(f.t_total, g(16, 2))
	tt:add(f.t_reserved, g(18, 2))
	local n = plen - TENSOR_HDR_LEN
	local e = rng(c, p + TENSOR_HDR_LEN, n)
	if e and n > 0 then
		st:add(f.t_elems, e)
	end
	local idx, cnt = g(10, 2):uint(), g(12, 2):uint()
	info(c, string.format("id %d origin %d stage %d frag %d/%d%s",
		g(0, 4):uint(), g(4, 4):uint(), g(8, 1):uint(), idx, cnt,
		band(flags, F_RESULT) ~= 0 and " result" or ""))
	local why = tensor_check(g(9, 1):uint(), cnt, idx, g(14, 2):uint(),
		g(16, 2):uint(), n)
	if why then
		flag_dp(c, "bad_tensor", why)
	end
end

-- ---- control payloads ------------------------------------------------
-- Each decoder gets the payload's start @p and the bytes before the
-- trailer @have (hnhdr.len - 28), adds its fields while they are captured
-- and returns the first field rule broken (ctrl.c msg_check()), or nil.

local function u(c, off, n)
	return c.tvb:range(off, n):uint()
end

local function u64(c, off)
	return c.tvb:range(off, 8):uint64()
end

local function dissect_hello(c, st, p, have, h)
	st:add(f.h_interval, c.tvb:range(p, 2))
	st:add(f.h_load, c.tvb:range(p + 2, 1))
	st:add(f.h_capacity, c.tvb:range(p + 3, 1))
	st:add(f.h_model_gen, c.tvb:range(p + 4, 8))
	st:add(f.h_n_heard, c.tvb:range(p + 12, 1))
	st:add(f.h_reserved, c.tvb:range(p + 13, 3))
	local n = u(c, p + 12, 1)
	local why = u(c, p, 2) < 1 and "hello: interval_ms 0" or nil
	local seen = {}
	for i = 0, n - 1 do
		local r = rng(c, p + HELLO_LEN + HEARD_LEN * i, HEARD_LEN,
			p + have)
		if not r then
			break
		end
		local node = r:range(0, 4):uint()
		local ht = st:add(hn, r, string.format(
			"Heard %d: node %d, rx_ratio %d", i, node,
			r:range(4, 1):uint()))
		ht:add(f.h_node, r:range(0, 4))
		ht:add(f.h_rx_ratio, r:range(4, 1))
		ht:add(f.h_h_reserved, r:range(5, 3))
		if not why and (node == 0 or node == h.src) then
			why = string.format(
				"hello: heard %d node 0x%08x is 0 or the sender",
				i, node)
		elseif not why and seen[node] then
			why = string.format(
				"hello: heard %d and %d both name node 0x%08x",
				seen[node], i, node)
		end
		seen[node] = seen[node] or i
	end
	info(c, string.format("interval %d ms, model %s, %d heard",
		u(c, p, 2), tostring(u64(c, p + 4)), n))
	return why
end

local function dissect_probe(c, st, p, have, h)
	st:add(f.p_id, c.tvb:range(p, 4))
	st:add(f.p_reserved, c.tvb:range(p + 4, 4))
	st:add(f.p_t_ns, c.tvb:range(p + 8, 8))
	info(c, string.format("id 0x%08x", u(c, p, 4)))
	return nil
end

local function lsa_links(c, st, p, have, h, n)
	local why, seen = nil, {}
	for i = 0, n - 1 do
		local r = rng(c, p + LSA_LEN + LINK_LEN * i, LINK_LEN,
			p + have)
		if not r then
			break
		end
		local node, cost = r:range(0, 4):uint(), r:range(4, 2):uint()
		local lt = st:add(hn, r, string.format(
			"Link %d: node %d, cost %d", i, node, cost))
		lt:add(f.l_node, r:range(0, 4))
		lt:add(f.l_cost, r:range(4, 2))
		lt:add(f.l_quality, r:range(6, 1))
		lt:add(f.l_delay, r:range(7, 1))
		if why then
			-- the first rule broken is the one reported
		elseif node == 0 or node == h.src then
			why = string.format(
				"gossip: link %d node 0x%08x is 0 or the origin",
				i, node)
		elseif cost < 1 then
			why = string.format(
				"gossip: link %d (node 0x%08x) cost 0", i, node)
		elseif seen[node] then
			why = string.format(
				"gossip: links %d and %d both name node 0x%08x",
				seen[node], i, node)
		end
		seen[node] = seen[node] or i
	end
	return why
end

-- Stage ids, then the utilisation bytes and the rates the flags announce.
local function lsa_tail(c, st, p, have, nl, ns, fl)
	local o = p + LSA_LEN + LINK_LEN * nl
	local stages, why, seen = {}, nil, {}
	for i = 0, ns - 1 do
		local r = rng(c, o + i, 1, p + have)
		if not r then
			break
		end
		st:add(f.l_stage, r)
		stages[i] = r:uint()
		if not why and seen[stages[i]] then
			why = string.format("gossip: stages %d and %d both %d",
				seen[stages[i]], i, stages[i])
		end
		seen[stages[i]] = seen[stages[i]] or i
	end
	o = o + ns
	if band(fl, LSA_F_UTIL) ~= 0 then
		for i = 0, nl - 1 do
			local r = rng(c, o + i, 1, p + have)
			if r then
				st:add(f.l_util, r):append_text(
					string.format(" (link %d)", i))
			end
		end
		o = o + nl
	end
	if band(fl, LSA_F_RATES) == 0 then
		return why
	end
	for i = 0, ns - 1 do
		local r = rng(c, o + RATE_LEN * i, RATE_LEN, p + have)
		if not r then
			break
		end
		local busy = r:range(4, 2):uint()
		local rt = st:add(hn, r, string.format(
			"Rate of stage %d: %d ns/item, busy %d permille, queue %d",
			stages[i] or -1, r:range(0, 4):uint(), busy,
			r:range(6, 2):uint()))
		rt:add(f.l_ns, r:range(0, 4))
		rt:add(f.l_busy, r:range(4, 2))
		rt:add(f.l_queue, r:range(6, 2))
		if not why and busy > RATE_BUSY_MAX then
			why = string.format(
				"gossip: stage %d busy %d > %d permille",
				stages[i] or -1, busy, RATE_BUSY_MAX)
		end
	end
	return why
end

local function dissect_gossip(c, st, p, have, h)
	local t = c.tvb
	st:add(f.l_seq, t:range(p, 4))
	st:add(f.l_lifetime, t:range(p + 4, 2))
	st:add(f.l_load, t:range(p + 6, 1))
	st:add(f.l_capacity, t:range(p + 7, 1))
	st:add(f.l_model_gen, t:range(p + 8, 8))
	st:add(f.l_n_links, t:range(p + 16, 1))
	st:add(f.l_n_stages, t:range(p + 17, 1))
	local fi = st:add(f.l_flags, t:range(p + 18, 2))
	fi:add(f.l_f_resync, t:range(p + 18, 2))
	fi:add(f.l_f_util, t:range(p + 18, 2))
	fi:add(f.l_f_rates, t:range(p + 18, 2))
	local nl, ns, fl = u(c, p + 16, 1), u(c, p + 17, 1), u(c, p + 18, 2)
	local why
	if u(c, p + 4, 2) < 1 then
		why = "gossip: lifetime_s 0"
	elseif band(fl, bnot(LSA_F_ALL)) ~= 0 then
		why = string.format("gossip: unknown flags 0x%04x", fl)
	end
	why = why or lsa_links(c, st, p, have, h, nl)
	why = why or lsa_tail(c, st, p, have, nl, ns, fl)
	info(c, string.format("lsa_seq %d, %d links, %d stages%s",
		u(c, p, 4), nl, ns,
		band(fl, LSA_F_RESYNC) ~= 0 and ", resync" or ""))
	return why
end

local function dissect_chunk(c, st, p, have, h)
	local t = c.tvb
	st:add(f.c_gen, t:range(p, 8))
	st:add(f.c_digest, t:range(p + 8, 8))
	st:add(f.c_total, t:range(p + 16, 4))
	st:add(f.c_offset, t:range(p + 20, 4))
	st:add(f.c_len, t:range(p + 24, 2))
	st:add(f.c_object, t:range(p + 26, 2))
	local total, off = u(c, p + 16, 4), u(c, p + 20, 4)
	local len, obj = u(c, p + 24, 2), u(c, p + 26, 2)
	local r = rng(c, p + CHUNK_LEN, len, p + have)
	if r and len > 0 then
		st:add(f.c_data, r)
	end
	info(c, string.format("%s gen %s [%d, %d) of %d",
		object_names[obj] or ("object " .. obj), tostring(u64(c, p)),
		off, off + len, total))
	if total < 1 or total > MODEL_XFER_MAX then
		return string.format("model-chunk: total_len %d not in 1..%d",
			total, MODEL_XFER_MAX)
	elseif len < 1 then
		return "model-chunk: chunk_len 0"
	elseif obj >= OBJ_MAX then
		return string.format("model-chunk: unknown object %d", obj)
	elseif off + len > total then
		return string.format(
			"model-chunk: offset %d + chunk_len %d > total_len %d",
			off, len, total)
	end
	return nil
end

local function fed_frags(total)
	return math.floor((total + FED_FRAG_MAX - 1) / FED_FRAG_MAX)
end

local function fed_check(camp, total, off, len, kind, op)
	if total < 1 or total > FED_MSG_MAX then
		return string.format("fed: total_len %d not in 1..%d", total,
			FED_MSG_MAX)
	end
	if op >= FED_OP_MAX or kind == 0 or camp == UInt64(0) then
		return string.format("fed: op %d kind %d campaign %s", op, kind,
			tostring(camp))
	end
	if op == FED_OP_SACK then
		local bitmap = math.floor((fed_frags(total) + 7) / 8)
		if off ~= 0 or len ~= bitmap then
			return string.format(
				"fed: sack of %d bytes with offset %d and a bitmap of %d bytes",
				total, off, len)
		end
		return nil
	end
	local e = off + len
	if off % FED_FRAG_MAX ~= 0 or e > total or len == 0 or
	    (e < total and len ~= FED_FRAG_MAX) then
		return string.format(
			"fed: fragment at %d of %d bytes in a message of %d",
			off, len, total)
	end
	return nil
end

local function sack_count(r)
	local n = 0
	for i = 0, r:len() - 1 do
		local b = r:range(i, 1):uint()
		while b > 0 do
			n = n + band(b, 1)
			b = rshift(b, 1)
		end
	end
	return n
end

local function dissect_fed(c, st, p, have, h)
	local t = c.tvb
	st:add(f.d_campaign, t:range(p, 8))
	st:add(f.d_round, t:range(p + 8, 4))
	st:add(f.d_msg_id, t:range(p + 12, 4))
	st:add(f.d_total, t:range(p + 16, 4))
	st:add(f.d_offset, t:range(p + 20, 4))
	st:add(f.d_frag_len, t:range(p + 24, 2))
	st:add(f.d_attempt, t:range(p + 26, 1))
	st:add(f.d_kind, t:range(p + 27, 1))
	st:add(f.d_op, t:range(p + 28, 1))
	st:add(f.d_reserved, t:range(p + 29, 3))
	local total, off = u(c, p + 16, 4), u(c, p + 20, 4)
	local len, kind, op = u(c, p + 24, 2), u(c, p + 27, 1), u(c, p + 28, 1)
	st:add(f.d_frags, fed_frags(total)):set_generated()
	local r = rng(c, p + FED_LEN, len, p + have)
	local what = string.format("[%d, %d)", off, off + len)
	if op == FED_OP_SACK then
		if r and len > 0 then
			local n = sack_count(r)
			st:add(f.d_bitmap, r)
			st:add(f.d_acked, n):set_generated()
			what = string.format("acks %d of %d fragments", n,
				fed_frags(total))
		end
	else
		st:add(f.d_frag, math.floor(off / FED_FRAG_MAX)):set_generated()
		if r and len > 0 then
			st:add(f.d_data, r)
		end
	end
	info(c, string.format(
		"%s %s campaign %s round %d msg %d %s, message of %d bytes",
		fed_kind_names[kind] or ("kind " .. kind),
		fed_op_names[op] or ("op " .. op), tostring(u64(c, p)),
		u(c, p + 8, 4), u(c, p + 12, 4), what, total))
	return fed_check(u64(c, p), total, off, len, kind, op)
end

-- An EXPIRED answer's router decision, at the start of the padding @r.
local function echo_hop(c, st, r)
	local next, reason = r:range(0, 4):uint(), r:range(12, 1):uint()
	local fl = r:range(14, 1):uint()
	local rname = hop_reason_names[reason] or ("reason " .. reason)
	local s = string.format("next %d, %s", next, rname)
	if band(fl, HOP_F_SCORE) ~= 0 then
		s = s .. string.format(", score %d, margin %d",
			r:range(4, 4):int(), r:range(8, 4):int())
	end
	local ht = st:add(hn, r, "Hop: " .. s)
	ht:add(f.e_next, r:range(0, 4))
	ht:add(f.e_score, r:range(4, 4))
	ht:add(f.e_margin, r:range(8, 4))
	ht:add(f.e_reason, r:range(12, 1))
	ht:add(f.e_n_cand, r:range(13, 1))
	local fi = ht:add(f.e_flags, r:range(14, 1))
	fi:add(f.e_f_score, r:range(14, 1))
	ht:add(f.e_h_reserved, r:range(15, 1))
	return s
end

local function dissect_echo(c, st, p, have, h)
	local t = c.tvb
	st:add(f.e_id, t:range(p, 4))
	st:add(f.e_seq, t:range(p + 4, 4))
	st:add(f.e_t_ns, t:range(p + 8, 8))
	st:add(f.e_op, t:range(p + 16, 1))
	st:add(f.e_reserved, t:range(p + 17, 1))
	st:add(f.e_pad_len, t:range(p + 18, 2))
	local op, len = u(c, p + 16, 1), u(c, p + 18, 2)
	local r = rng(c, p + ECHO_LEN, len, p + have)
	if r and len > 0 then
		st:add(f.e_pad, r)
	end
	local s = string.format("%s id 0x%08x seq %d, %d bytes padding",
		echo_op_names[op] or ("op " .. op), u(c, p, 4), u(c, p + 4, 4),
		len)
	-- the hop record, when the padding holds it (echo.c reply_rx())
	local hr = len >= HOP_LEN and rng(c, p + ECHO_LEN, HOP_LEN, p + have)
	if op == ECHO_EXPIRED and hr then
		s = s .. ", hop: " .. echo_hop(c, st, hr)
	end
	info(c, s)
	if op >= ECHO_OP_MAX then
		return string.format("echo: op %d unknown", op)
	end
	return nil
end

local ctrl_dissectors = {
	[T_HELLO] = dissect_hello, [T_GOSSIP] = dissect_gossip,
	[T_CHUNK] = dissect_chunk, [T_PROBE] = dissect_probe,
	[T_ACK] = dissect_probe, [T_FED] = dissect_fed,
	[T_ECHO] = dissect_echo,
}

-- ---- the MAC (agent-protocol.rst, Authentication trailer) -------------
-- HMAC-SHA256 (FIPS 180-4, RFC 2104) in Lua, for the frames of a mesh
-- whose key the user gives (preference hypernet.keys): Wireshark's Lua
-- has no digest of its own.  Captures are small; speed does not matter.

-- first 32 bits of the fractional parts of the cube roots of the first 64
-- primes, and of the square roots of the first 8
local SHA_K = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b,
	0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01,
	0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7,
	0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
	0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152,
	0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
	0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
	0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08,
	0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f,
	0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
}
local SHA_H = {
	0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f,
	0x9b05688c, 0x1f83d9ab, 0x5be0cd19
}

local rrot = bitop.ror or bitop.rrotate
local M32 = 4294967296

local function be32(s, i)
	local a, b, c, d = s:byte(i, i + 3)
	return ((a * 256 + b) * 256 + c) * 256 + d
end

local function sha256_block(hs, s, at, w)
	for i = 0, 15 do
		w[i] = be32(s, at + 4 * i)
	end
	for i = 16, 63 do
		local x, y = w[i - 15], w[i - 2]
		w[i] = (w[i - 16] + w[i - 7] +
			bxor(rrot(x, 7), rrot(x, 18), rshift(x, 3)) +
			bxor(rrot(y, 17), rrot(y, 19), rshift(y, 10))) % M32
	end
	local a, b, c, d, e, f, g, h = unpack(hs)
	for i = 0, 63 do
		local t1 = (h + bxor(rrot(e, 6), rrot(e, 11), rrot(e, 25)) +
			bxor(band(e, f), band(bnot(e), g)) + SHA_K[i + 1] +
			w[i]) % M32
		local t2 = (bxor(rrot(a, 2), rrot(a, 13), rrot(a, 22)) +
			bxor(band(a, b), band(a, c), band(b, c))) % M32
		h, g, f, e, d, c, b, a = g, f, e, (d + t1) % M32, c, b, a,
			(t1 + t2) % M32
	end
	local v = { a, b, c, d, e, f, g, h }
	for i = 1, 8 do
		hs[i] = (hs[i] + v[i]) % M32
	end
end

local function sha256(s)
	local n = #s
	local bits = n * 8
	s = s .. "\128" .. string.rep("\0", (55 - n) % 64)
	for i = 7, 0, -1 do
		s = s .. string.char(math.floor(bits / 2 ^ (8 * i)) % 256)
	end
	local hs, w = { unpack(SHA_H) }, {}
	for at = 1, #s, 64 do
		sha256_block(hs, s, at, w)
	end
	local out = {}
	for i = 1, 8 do
		local x = hs[i]
		out[i] = string.char(rshift(x, 24), band(rshift(x, 16), 255),
			band(rshift(x, 8), 255), band(x, 255))
	end
	return table.concat(out)
end

local function hmac_sha256(key, msg)
	if #key > 64 then
		key = sha256(key)
	end
	key = key .. string.rep("\0", 64 - #key)
	local ipad, opad = {}, {}
	for i = 1, 64 do
		local b = key:byte(i)
		ipad[i] = string.char(bxor(b, 0x36))
		opad[i] = string.char(bxor(b, 0x5c))
	end
	return sha256(table.concat(opad) ..
		sha256(table.concat(ipad) .. msg))
end

-- ---- control frame structure (hn_ctrl_decode() step 1) --------------

-- Counts out of range (bad-field), or the payload bytes they call for.
local function ctrl_need(c, p, ty)
	local name = ctrl_names[ty]
	local need = fixed_len[ty]
	if ty == T_HELLO then
		local n = u(c, p + 12, 1)
		if n > HELLO_MAX_HEARD then
			return nil, string.format("hello: n_heard %d > %d", n,
				HELLO_MAX_HEARD)
		end
		return need + HEARD_LEN * n
	elseif ty == T_GOSSIP then
		local nl, ns, fl = u(c, p + 16, 1), u(c, p + 17, 1),
			u(c, p + 18, 2)
		if nl > LSA_MAX_LINKS then
			return nil, string.format("gossip: n_links %d > %d",
				nl, LSA_MAX_LINKS)
		elseif ns > LSA_MAX_STAGES then
			return nil, string.format("gossip: n_stages %d > %d",
				ns, LSA_MAX_STAGES)
		end
		need = need + LINK_LEN * nl + ns
		if band(fl, LSA_F_UTIL) ~= 0 then
			need = need + nl
		end
		if band(fl, LSA_F_RATES) ~= 0 then
			need = need + RATE_LEN * ns
		end
		return need
	elseif ty == T_CHUNK or ty == T_FED then
		-- chunk_len and frag_len are both at offset 24
		local n = u(c, p + 24, 2)
		local max = ty == T_CHUNK and CHUNK_DATA_MAX or FED_FRAG_MAX
		if n > max then
			return nil, string.format("%s: %s %d > %d", name,
				ty == T_CHUNK and "chunk_len" or "frag_len", n,
				max)
		end
		return need + n
	elseif ty == T_ECHO then
		local n = u(c, p + 18, 2)
		if n > ECHO_PAD_MAX then
			return nil, string.format("echo: pad_len %d > %d", n,
				ECHO_PAD_MAX)
		end
		return need + n
	end
	return need
end

-- The addressing column of agent-protocol.rst (ctrl.c mode_check()).
local function mode_check(h)
	local name = ctrl_names[h.type]
	local flood = h.flags == F_MCAST and h.dst == GROUP_ALL
	if h.type == T_HELLO and not flood then
		return string.format(
			"%s: flags 0x%x dst 0x%08x, must be MCAST to HN_GROUP_ALL",
			name, h.flags, h.dst)
	end
	if (h.type == T_GOSSIP or h.type == T_CHUNK) and not flood and
	    h.flags ~= 0 then
		return string.format(
			"%s: flags 0x%x dst 0x%08x, must be MCAST to HN_GROUP_ALL or unicast",
			name, h.flags, h.dst)
	end
	if (h.type == T_PROBE or h.type == T_ACK or h.type == T_FED or
	    h.type == T_ECHO) and h.flags ~= 0 then
		return string.format("%s: flags 0x%x, must be 0 (unicast)",
			name, h.flags)
	end
	return nil
end

local eth_dst_f, eth_src_f = Field.new("eth.dst"), Field.new("eth.src")

hn.prefs.keys = Pref.string("Mesh keys", "",
	"Mesh keys to check control frames' MACs with: ID:HEX (the key id "
	.. "and its 64 hexadecimal digits, as hypernetd.conf's mesh-key), "
	.. "several separated by commas")
hn.prefs.keys_file = Pref.string("Mesh key file", "",
	"A file of mesh keys, one 'ID HEX' a line, as hypernetd.conf's "
	.. "mesh-key-file (say /etc/hypernet/mesh.keys): the keys stay out "
	.. "of the preferences file and of the command line")

local keys_pref, keys = nil, {}

-- Each "ID HEX" or "ID:HEX" of @s with 64 hex digits, into @into.
local function parse_keys(s, into)
	for id, hex in s:gmatch("(%d+)[ \t:]+(%x+)") do
		if #hex == 64 then
			into[tonumber(id)] = (hex:gsub("%x%x", function(x)
				return string.char(tonumber(x, 16))
			end))
		end
	end
end

-- The keys of both preferences by id, read again when either changes.
local function mesh_keys()
	local path = hn.prefs.keys_file or ""
	local s = (hn.prefs.keys or "") .. "\n" .. path
	if s == keys_pref then
		return keys
	end
	keys_pref, keys = s, {}
	parse_keys(hn.prefs.keys or "", keys)
	local fh = path ~= "" and io.open(path, "r")
	if fh then
		for line in fh:lines() do
			if not line:match("^%s*#") then
				parse_keys(line, keys)
			end
		end
		fh:close()
	end
	return keys
end

-- The link's two addresses, for a link-local type's MAC, as captured.
local function link_addrs()
	local d, s = eth_dst_f(), eth_src_f()
	if not d or not s then
		return nil
	end
	return d.range:bytes():raw() .. s.range:bytes():raw()
end

-- hn_ctrl_decode() step 2 with the keys of the preference: "good", or
-- the refusal and its reason; nil with no key set.
local function auth_check(c, h, have)
	local ks = mesh_keys()
	local at, name = HDR_LEN + have, ctrl_names[h.type]
	if next(ks) == nil or c.tvb:len() < at + AUTH_LEN then
		return nil
	end
	local kid = u(c, at, 4)
	if not ks[kid] then
		return "unknown-key", string.format(
			"%s: key_id %d not configured", name, kid)
	end
	local l = ""
	if h.type == T_HELLO or h.type == T_PROBE or h.type == T_ACK then
		l = link_addrs()
		if not l then
			return nil -- not an Ethernet capture
		end
	end
	-- ttl (offset 3) and reserved (offset 5) read as 0
	local t = c.tvb
	local m = l .. t:raw(0, 3) .. "\0" .. t:raw(4, 1) .. "\0" ..
		t:raw(6, at + 12 - 6)
	if hmac_sha256(ks[kid], m):sub(1, 16) ~= t:raw(at + 12, 16) then
		return "bad-mac", string.format(
			"%s: mac does not verify (src 0x%08x key_id %d counter %s)",
			name, h.src, kid, tostring(u64(c, at + 4)))
	end
	return "good"
end

local function dissect_auth(c, st, off)
	local r = rng(c, off, AUTH_LEN)
	if not r then
		return nil
	end
	local at = st:add(hn, r, "Authentication trailer")
	at:add(f.a_key, r:range(0, 4))
	at:add(f.a_counter, r:range(4, 8))
	at:add(f.a_mac, r:range(12, 16))
	return at
end

local function dissect_ctrl(c, st, h, plen, ok)
	local p, ty = HDR_LEN, h.type
	local name = ctrl_names[ty]
	local fixed = fixed_len[ty]
	if plen < fixed + AUTH_LEN then
		if ok then
			flag_ce(c, "bad-length", string.format(
				"%s: hnhdr.len %d < %d (payload header %d + trailer %d)",
				name, plen, fixed + AUTH_LEN, fixed, AUTH_LEN))
		end
		return
	end
	local have = plen - AUTH_LEN
	if not rng(c, p, fixed) then
		return -- not captured
	end
	local ct = st:add(hn, rng(c, p, math.min(have, c.tvb:len() - p)),
		type_names[ty])
	local need, why = ctrl_need(c, p, ty)
	if ok and why then
		flag_ce(c, "bad-field", why)
	elseif ok and need ~= have and ty == T_ECHO then
		flag_ce(c, "bad-length", string.format(
			"echo: pad_len %d needs %d payload bytes, frame has %d",
			u(c, p + 18, 2), need, have))
	elseif ok and need ~= have then
		flag_ce(c, "bad-length", string.format(
			"%s: needs %d payload bytes, frame has %d", name, need,
			have))
	end
	why = ctrl_dissectors[ty](c, ct, p, have, h)
	local at = dissect_auth(c, st, p + have)
	if at and ok and not c.ce then
		local st_mac, text = auth_check(c, h, have)
		at:add(f.a_status, st_mac or "not checked"):set_generated()
		if st_mac and st_mac ~= "good" then
			flag_ce(c, st_mac, text)
		end
	end
	if ok and not c.ce then
		why = mode_check(h) or why
		if why then
			flag_ce(c, "bad-field", why)
		end
	end
end

-- ---- the frame -------------------------------------------------------

local function read_header(t)
	return {
		version = t:range(0, 1):uint(), type = t:range(1, 1):uint(),
		flags = t:range(2, 1):uint(), ttl = t:range(3, 1):uint(),
		len = t:range(6, 2):uint(), src = t:range(8, 4):uint(),
		dst = t:range(12, 4):uint(), seq = t:range(16, 4):uint(),
	}
end

local function payload(c, st, h, avail)
	local plen = math.min(h.len, avail - HDR_LEN)
	if h.type == T_TENSOR then
		dissect_tensor(c, st, HDR_LEN, plen, h.flags)
	elseif ctrl_dissectors[h.type] then
		dissect_ctrl(c, st, h, plen, not c.dp)
	else
		local r = rng(c, HDR_LEN, plen)
		if r and plen > 0 then
			st:add(f.data, r)
		end
	end
end

local function node_name(h, id)
	if id == GROUP_ALL and band(h.flags, F_MCAST) ~= 0 then
		return "all"
	elseif band(h.flags, F_ANYCAST) ~= 0 then
		return "task " .. id
	end
	return tostring(id)
end

local function set_columns(c, h)
	local name = type_names[h.type] or
		string.format("unknown type %d", h.type)
	local dst = node_name(h, h.dst)
	local s = string.format("%s %d -> %s seq %d", name, h.src, dst, h.seq)
	c.tree:append_text(string.format(", %s, src %d, dst %s", name, h.src,
		dst))
	if #c.info > 0 then
		s = s .. ": " .. table.concat(c.info, ", ")
	end
	if c.dp or c.ce then
		s = s .. " [malformed: " .. (c.dp or c.ce) .. "]"
	end
	c.pinfo.cols.protocol = "HyperNet"
	c.pinfo.cols.info = s
end

function hn.dissector(tvb, pinfo, tree)
	local avail = tvb:reported_length_remaining()
	local c = new_ctx(tvb, pinfo, tree)
	if avail < HDR_LEN or tvb:len() < HDR_LEN then
		c.tree = tvb:len() > 0 and tree:add(hn, tvb:range(0)) or
			tree:add(hn)
		if avail < HDR_LEN then
			flag_dp(c, "bad_truncated", string.format(
				"%d bytes, hnhdr needs %d", avail, HDR_LEN))
			flag_ce(c, "truncated", string.format(
				"%d bytes, hnhdr needs %d", avail, HDR_LEN))
		end
		pinfo.cols.protocol = "HyperNet"
		pinfo.cols.info = "HyperNet [malformed: bad_truncated]"
		return tvb:len()
	end
	local h = read_header(tvb)
	local used = math.min(HDR_LEN + h.len, avail)
	c.tree = tree:add(hn, tvb:range(0, math.min(used, tvb:len())))
	add_header(c, c.tree, h)
	local reason, text = hdr_check(c, h, avail)
	if reason then
		flag_dp(c, reason, text)
		if fixed_len[h.type] or reason == "bad_type" then
			flag_ce(c, ce_of_dp[reason], text)
		end
	end
	payload(c, c.tree, h, avail)
	set_columns(c, h)
	return math.min(used, tvb:len())
end

DissectorTable.get("ethertype"):add(ETH_P_HYPERNET, hn)
