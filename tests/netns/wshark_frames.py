#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Hand-made HyperNet frames for tests/netns/test_wireshark.sh.

  wshark_frames.py write PCAP     every frame below into a pcap file
  wshark_frames.py check          tshark's fields (stdin) against them
  wshark_frames.py write-auth PCAP  frames signed with a test mesh key
  wshark_frames.py auth-key       that key, as ID:HEX (hypernet.keys)
  wshark_frames.py check-auth     tshark's MAC checks (stdin) against them
  wshark_frames.py check-echo     tshark's hypernet.echo.* fields (stdin)
                                  of the well-formed ECHO frames
  wshark_frames.py fuzz PCAP      the same frames cut short everywhere
                                  (short and snapped) and changed at
                                  random: the dissector must not fail

Each frame is built from include/uapi/linux/hypernet_packet.h's layouts
and carries what the dissector must say about it: its type name, and the
data plane's and the agent's reason (hypernet.malformed,
hypernet.ctrl.error) or "" for a well-formed frame.  check reads tshark
-T fields with -e frame.number -e hypernet.type -e hypernet.malformed
-e hypernet.ctrl.error -e _ws.col.Info -e _ws.expert.message, tab
separated, one line per frame in order.
"""
import hashlib
import hmac
import random
import struct
import sys

MCAST, ANYCAST, RESULT = 0x01, 0x02, 0x04
ALL = 0xFFFFFFFF
T_DATA, T_TENSOR, T_HELLO, T_GOSSIP = 1, 2, 3, 4
T_CHUNK, T_PROBE, T_ACK, T_FED = 5, 6, 7, 8
T_ECHO = 9
T_UNKNOWN = 10  # the first number that is not a frame type
REQUEST, REPLY, EXPIRED = 0, 1, 2


def hdr(typ, payload, flags=0, ttl=16, src=1, dst=2, seq=7, ver=1,
        length=None, tclass=0):
    n = len(payload) if length is None else length
    return struct.pack('>BBBBBBHIII', ver, typ, flags, ttl, tclass, 0, n,
                       src, dst, seq) + payload


def auth(counter=1):
    return struct.pack('>IQ', 1, counter) + bytes(range(16))


def ctrl(typ, body, flags=0, dst=2, **kw):
    return hdr(typ, body + auth(), flags=flags, dst=dst, **kw)


def hello(heard, interval=100, n=None, flags=MCAST, dst=ALL, src=1):
    body = struct.pack('>HBBQB3x', interval, 10, 20, 3,
                       len(heard) if n is None else n)
    for node in heard:
        body += struct.pack('>IB3x', node, 200)
    return ctrl(T_HELLO, body, flags=flags, dst=dst, src=src, ttl=1)


def probe(typ):
    return ctrl(typ, struct.pack('>IIQ', 0xabcd, 0, 123456789))


def gossip(links, stages, flags=0x6, busy=10, n_links=None, lifetime=60):
    nl = len(links) if n_links is None else n_links
    body = struct.pack('>IHBBQBBH', 9, lifetime, 5, 6, 3, nl, len(stages),
                       flags)
    for node, cost in links:
        body += struct.pack('>IHBB', node, cost, 250, 3)
    body += bytes(stages)
    if flags & 0x2:
        body += bytes(100 for _ in links)
    if flags & 0x4:
        for _ in stages:
            body += struct.pack('>IHH', 50000, busy, 2)
    return ctrl(T_GOSSIP, body, flags=MCAST, dst=ALL)


def chunk(obj=0, total=3000, off=1024, data=b'x' * 100):
    body = struct.pack('>Q8sIIHH', 4, b'\x01' * 8, total, off, len(data),
                       obj) + data
    return ctrl(T_CHUNK, body, flags=MCAST, dst=ALL)


def fed(kind, op=0, total=100, off=0, data=None, campaign=5):
    if data is None:
        data = b'd' * total if op == 0 else b'\x01'
    body = struct.pack('>QIIIIHBBB3x', campaign, 2, 77, total, off,
                       len(data), 1, kind, op) + data
    return ctrl(T_FED, body)


def echo(op=REQUEST, pad=b'', pad_len=None, flags=0, seq=3):
    n = len(pad) if pad_len is None else pad_len
    body = struct.pack('>IIQBxH', 0x1234, seq, 987654321, op, n) + pad
    return ctrl(T_ECHO, body, flags=flags)


def echo_hop(nxt=3, reason=0, score=None, margin=None, n_cand=2):
    """struct hn_echo_hop: score and margin signed, with HOP_F_SCORE"""
    fl = 0 if score is None else 1
    return struct.pack('>IiiBBBx', nxt, score or 0, margin or 0, reason,
                       n_cand, fl)


def tensor(idx=0, cnt=1, off=0, total=8, n=8, flags=0):
    body = struct.pack('>IIBBHHHHH', 42, 1, 3, 1, idx, cnt, off, total, 0)
    return hdr(T_TENSOR, body + bytes(n), flags=flags)


# (frame, type name, data plane reason, agent reason)
FRAMES = [
    (hdr(T_DATA, b'hello mesh'), 'DATA', '', ''),
    (hdr(T_DATA, b'm', flags=MCAST, dst=ALL), 'DATA', '', ''),
    (hdr(T_DATA, b'a', flags=ANYCAST, dst=7, tclass=7), 'DATA', '', ''),
    (hdr(T_DATA, b'p') + bytes(25), 'DATA', '', ''),  # Ethernet padding
    (tensor(), 'TENSOR', '', ''),
    (tensor(flags=RESULT), 'TENSOR', '', ''),
    (hello([2, 3]), 'HELLO', '', ''),
    (probe(T_PROBE), 'PROBE', '', ''),
    (probe(T_ACK), 'ACK', '', ''),
    (gossip([(2, 10), (3, 20)], [4, 5]), 'GOSSIP', '', ''),
    (gossip([(2, 10)], [], flags=0x1), 'GOSSIP', '', ''),
    (chunk(0), 'MODEL_CHUNK', '', ''),
    (chunk(1), 'MODEL_CHUNK', '', ''),
    (fed(5), 'FED', '', ''),
    (fed(5, op=1), 'FED', '', ''),
    (fed(128, total=2000, off=1020, data=b'r' * 980), 'FED', '', ''),
    (fed(129, total=8), 'FED', '', ''),
    (echo(), 'ECHO', '', ''),
    (echo(pad=bytes(100)), 'ECHO', '', ''),
    (echo(REPLY, pad=bytes(100)), 'ECHO', '', ''),
    (echo(EXPIRED, pad=echo_hop(reason=1)), 'ECHO', '', ''),
    (echo(EXPIRED, pad=echo_hop(reason=0, score=-70, margin=5)), 'ECHO',
     '', ''),
    (echo(EXPIRED, pad=echo_hop(0, reason=254, n_cand=0)), 'ECHO', '', ''),
    (echo(EXPIRED), 'ECHO', '', ''),  # no room for the hop: none shown
    (echo(pad=bytes(1024)), 'ECHO', '', ''),
    # the header: hn_hdr_check()'s reasons, the agent's mapping for the
    # control types
    (hdr(T_DATA, b'')[:12], '', 'bad_truncated', 'truncated'),
    (hdr(T_DATA, b'x', ver=2), 'DATA', 'bad_version', ''),
    (b'\x02' + hello([2])[1:], 'HELLO',
     'bad_version', 'bad-header'),
    (hdr(T_UNKNOWN, b'future'), str(T_UNKNOWN), 'bad_type', 'bad-type'),
    (hdr(T_DATA, b'x', flags=MCAST | ANYCAST), 'DATA', 'bad_flags', ''),
    (hdr(T_DATA, b'x', flags=0x80), 'DATA', 'bad_flags', ''),
    (hdr(T_DATA, b'xy', length=300), 'DATA', 'bad_length', ''),
    (probe(T_PROBE)[:40], 'PROBE', 'bad_length', 'truncated'),
    (hdr(T_DATA, b'x', ttl=0), 'DATA', 'bad_ttl', ''),
    (hdr(T_DATA, b'x', src=0), 'DATA', 'bad_addr', ''),
    (tensor(idx=1, cnt=1), 'TENSOR', 'bad_tensor', ''),
    (tensor(total=5000, n=8, cnt=2), 'TENSOR', 'bad_tensor', ''),
    (hdr(T_TENSOR, b'\x00' * 10), 'TENSOR', 'bad_truncated', ''),
    # control frames the data plane passes and the agent refuses
    (hello([2, 3], n=3), 'HELLO', '', 'bad-length'),
    (hello([2], n=33), 'HELLO', '', 'bad-field'),
    (hello([2], flags=0, dst=5), 'HELLO', '', 'bad-field'),
    (hello([1]), 'HELLO', '', 'bad-field'),
    (hello([2], interval=0), 'HELLO', '', 'bad-field'),
    (ctrl(T_PROBE, b'\x00' * 8), 'PROBE', '', 'bad-length'),
    (gossip([(2, 1)], [], n_links=65), 'GOSSIP', '', 'bad-field'),
    (gossip([(2, 1)], [4], busy=1001), 'GOSSIP', '', 'bad-field'),
    (gossip([(2, 0)], []), 'GOSSIP', '', 'bad-field'),
    (gossip([(2, 1)], [], flags=0x8), 'GOSSIP', '', 'bad-field'),
    (chunk(total=1000, off=950), 'MODEL_CHUNK', '', 'bad-field'),
    (chunk(obj=2), 'MODEL_CHUNK', '', 'bad-field'),
    (fed(5, op=1, data=b'\x01\x00'), 'FED', '', 'bad-field'),
    (fed(0), 'FED', '', 'bad-field'),
    (fed(5, campaign=0), 'FED', '', 'bad-field'),
    (fed(5, total=2000, data=b'd' * 500), 'FED', '', 'bad-field'),
    (echo(pad=bytes(10))[:40], 'ECHO', 'bad_length', 'truncated'),
    (ctrl(T_ECHO, b'\x00' * 12), 'ECHO', '', 'bad-length'),
    (echo(pad=bytes(10), pad_len=11), 'ECHO', '', 'bad-length'),
    (echo(pad=bytes(10), pad_len=9), 'ECHO', '', 'bad-length'),
    (echo(pad=bytes(1025)), 'ECHO', '', 'bad-field'),
    (echo(op=3), 'ECHO', '', 'bad-field'),
    (echo(op=255, pad=echo_hop()), 'ECHO', '', 'bad-field'),
    (echo(flags=MCAST), 'ECHO', '', 'bad-field'),
]


ETH_DST, ETH_SRC = b'\xff' * 6, b'\x02\x00\x00\x00\x00\x01'


def eth(frame):
    return ETH_DST + ETH_SRC + struct.pack('>H', 0x88B5) + frame


# The mesh key of the signed frames: id 1 (AUTH_KEY_ID), these 32 bytes.
AUTH_KEY_ID, AUTH_KEY = 1, bytes(range(0x40, 0x60))


def sign(frame, key=AUTH_KEY, link=True):
    """The frame with its MAC as the agent computes it: the link's
    addresses first for HELLO, PROBE and ACK (unless not @link), ttl and
    reserved read as 0, up to the counter."""
    lk = ETH_DST + ETH_SRC if link and frame[1] in (T_HELLO, T_PROBE,
                                                      T_ACK) else b''
    m = lk + frame[:3] + b'\0' + frame[4:5] + b'\0' + frame[6:-16]
    return frame[:-16] + hmac.new(key, m, hashlib.sha256).digest()[:16]


def rekey(frame, key_id):
    at = len(frame) - 28
    return frame[:at] + struct.pack('>I', key_id) + frame[at + 4:]


def hop(frame, ttl, rsv):
    """What routers change on the way: neither is signed."""
    return frame[:3] + bytes([ttl]) + frame[4:5] + bytes([rsv]) + frame[6:]


def flip(frame, at):
    return frame[:at] + bytes([frame[at] ^ 0x40]) + frame[at + 1:]


# (frame, hypernet.auth.status, agent reason) with AUTH_KEY as key 1
AUTH_FRAMES = [
    (sign(hello([2, 3])), 'good', ''),
    (sign(probe(T_PROBE)), 'good', ''),
    (sign(probe(T_ACK)), 'good', ''),
    (sign(gossip([(2, 10), (3, 20)], [4, 5])), 'good', ''),
    (hop(sign(gossip([(2, 10)], [])), 3, 1), 'good', ''),
    (sign(chunk(1)), 'good', ''),
    (sign(fed(129, total=8)), 'good', ''),
    (sign(echo(pad=bytes(100))), 'good', ''),
    (hop(sign(echo(EXPIRED, pad=echo_hop())), 9, 1), 'good', ''),
    # routed, not link-local: the link's addresses are not in its MAC
    (sign(echo(REPLY), link=False), 'good', ''),
    (flip(sign(echo(REPLY, pad=bytes(8))), 40), 'bad-mac', 'bad-mac'),
    (sign(echo(op=3)), 'good', 'bad-field'),
    (sign(hello([2]), link=False), 'bad-mac', 'bad-mac'),
    (sign(hello([2]), key=bytes(32)), 'bad-mac', 'bad-mac'),
    (rekey(sign(probe(T_PROBE)), 2), 'unknown-key', 'unknown-key'),
    (flip(sign(gossip([(2, 10)], [])), 30), 'bad-mac', 'bad-mac'),
    # the MAC before the fields, as hn_ctrl_decode() checks them
    (sign(hello([2], interval=0), key=bytes(32)), 'bad-mac', 'bad-mac'),
    (sign(hello([2], interval=0)), 'good', 'bad-field'),
]


def pcap(path, records):
    """records: (captured bytes, length on the wire)"""
    with open(path, 'wb') as f:
        f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for i, (b, wire) in enumerate(records):
            f.write(struct.pack('<IIII', 1000 + i, 0, len(b), wire) + b)


def write(path, frames):
    pcap(path, [(eth(fr), len(eth(fr))) for fr, *_rest in frames])


def fuzz(path):
    """Every frame cut short at every length, as a short frame and as a
    capture snapped there, and with bytes changed at random (seeded)."""
    rnd = random.Random(17)
    recs = []
    for fr, *_rest in FRAMES:
        for cut in range(1, len(fr)):
            recs.append((eth(fr[:cut]), len(eth(fr[:cut]))))
            recs.append((eth(fr[:cut]), len(eth(fr))))
        for _ in range(20):
            b = bytearray(fr)
            for _ in range(rnd.randint(1, 4)):
                b[rnd.randrange(len(b))] = rnd.randrange(256)
            recs.append((eth(bytes(b)), len(eth(bytes(b)))))
    pcap(path, recs)
    print(len(recs))


TYPES = {'1': 'DATA', '2': 'TENSOR', '3': 'HELLO', '4': 'GOSSIP',
         '5': 'MODEL_CHUNK', '6': 'PROBE', '7': 'ACK', '8': 'FED',
         '9': 'ECHO'}


def check():
    lines = [ln.rstrip('\n').split('\t') for ln in sys.stdin if ln.strip()]
    bad = 0
    if len(lines) != len(FRAMES):
        print(f'FAIL: tshark printed {len(lines)} frames, '
              f'{len(FRAMES)} written')
        return 1
    for (_, name, dp, ce), cols in zip(FRAMES, lines):
        cols += [''] * (6 - len(cols))
        num, typ, got_dp, got_ce, info, expert = cols[:6]
        got_name = TYPES.get(typ, typ)
        want = f'{name or "-"} {dp or "-"} {ce or "-"}'
        got = f'{got_name or "-"} {got_dp or "-"} {got_ce or "-"}'
        ok = want == got
        if typ == str(T_UNKNOWN) and \
                f'unknown type {T_UNKNOWN}' not in info:
            ok = False
        if (dp or ce) and not expert.startswith(dp or ce):
            ok = False
        print(f'{"ok:  " if ok else "FAIL:"} frame {num}: want {want}, '
              f'got {got}: {info} | {expert}')
        bad += not ok
    return 1 if bad else 0


ECHO_FIELDS = ['frame.number', 'hypernet.echo.id', 'hypernet.echo.seq',
               'hypernet.echo.t_ns', 'hypernet.echo.op',
               'hypernet.echo.pad_len', 'hypernet.echo.hop.next',
               'hypernet.echo.hop.score', 'hypernet.echo.hop.margin',
               'hypernet.echo.hop.reason', 'hypernet.echo.hop.n_cand',
               'hypernet.echo.hop.flags', 'hypernet.echo.hop.flags.score',
               '_ws.col.Info']
OP_NAMES = {REQUEST: 'REQUEST', REPLY: 'REPLY', EXPIRED: 'EXPIRED'}
# hypernetd's names for hn_echo_hop.reason (userspace/hypernetd/echo.c)
REASON_NAMES = {0: 'model', 1: 'no-model', 2: 'margin', 3: 'stale',
                4: 'no-live', 254: 'no-route', 255: 'unknown'}


def echo_want(fr):
    """The -e ECHO_FIELDS values (but frame.number and Info) of ECHO
    frame @fr, and the names its Info must hold"""
    i, seq, t_ns, op, n = struct.unpack('>IIQBxH', fr[20:40])
    want = [str(i), str(seq), str(t_ns), str(op), str(n)]
    names = [OP_NAMES[op]]
    if op == EXPIRED and n >= 16:
        nxt, sc, mg, rs, nc, fl = struct.unpack('>IiiBBBx', fr[40:56])
        want += [str(nxt), str(sc), str(mg), str(rs), str(nc),
                 f'0x{fl:02x}', str(fl & 1)]
        names += [f'next {nxt}, {REASON_NAMES[rs]}']
        if fl & 1:
            names += [f'score {sc}, margin {mg}']
    else:
        want += [''] * 7
    return want, names


def check_echo():
    """tshark -T fields -e ECHO_FIELDS... of every frame, against each
    well-formed ECHO frame's fields as struct unpacks them"""
    lines = [ln.rstrip('\n').split('\t') for ln in sys.stdin if ln.strip()]
    if len(lines) != len(FRAMES):
        print(f'FAIL: tshark printed {len(lines)} frames, '
              f'{len(FRAMES)} written')
        return 1
    bad = n = 0
    for (fr, name, dp, ce), cols in zip(FRAMES, lines):
        if name != 'ECHO' or dp or ce:
            continue
        n += 1
        cols += [''] * (len(ECHO_FIELDS) - len(cols))
        want, names = echo_want(fr)
        info = cols[-1]
        ok = cols[1:-1] == want and all(x in info for x in names)
        if not ok:
            print(f'FAIL: frame {cols[0]}: want {" ".join(want)} '
                  f'{names}, got {" ".join(cols[1:-1])}: {info}')
        bad += not ok
    print(f'{n - bad} of {n} ECHO frames decoded field by field')
    return 1 if bad or not n else 0


def check_auth():
    """tshark -o hypernet.keys:... -T fields -e frame.number
    -e hypernet.auth.status -e hypernet.ctrl.error, against AUTH_FRAMES"""
    lines = [ln.rstrip('\n').split('\t') for ln in sys.stdin if ln.strip()]
    if len(lines) != len(AUTH_FRAMES):
        print(f'FAIL: tshark printed {len(lines)} frames, '
              f'{len(AUTH_FRAMES)} written')
        return 1
    bad = 0
    for (_, status, ce), cols in zip(AUTH_FRAMES, lines):
        cols += [''] * (3 - len(cols))
        ok = cols[1:3] == [status, ce]
        print(f'{"ok:  " if ok else "FAIL:"} frame {cols[0]}: want '
              f'{status} {ce or "-"}, got {cols[1]} {cols[2] or "-"}')
        bad += not ok
    return 1 if bad else 0


if __name__ == '__main__':
    if sys.argv[1:2] == ['write'] and len(sys.argv) == 3:
        write(sys.argv[2], FRAMES)
    elif sys.argv[1:2] == ['write-auth'] and len(sys.argv) == 3:
        write(sys.argv[2], AUTH_FRAMES)
    elif sys.argv[1:] == ['auth-key']:
        print(f'{AUTH_KEY_ID}:{AUTH_KEY.hex()}')
    elif sys.argv[1:] == ['check-auth']:
        sys.exit(check_auth())
    elif sys.argv[1:2] == ['fuzz'] and len(sys.argv) == 3:
        fuzz(sys.argv[2])
    elif sys.argv[1:] == ['check-echo']:
        sys.exit(check_echo())
    elif sys.argv[1:] == ['echo-fields']:
        print(' '.join(f'-e {f}' for f in ECHO_FIELDS))
    elif sys.argv[1:] == ['check']:
        sys.exit(check())
    else:
        sys.exit('usage: wshark_frames.py write|write-auth|fuzz PCAP | '
                 'check | check-auth | check-echo | echo-fields | auth-key')
