#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# Raw HyperNet frames for the attack tests (tests/netns/test_attacks.sh),
# run by an attacker without the mesh key, inside the test's namespaces:
#
#   l2tool.py relay DEV1 DEV2 COUNTFILE
#       copy HELLO, PROBE and ACK frames between two links, each sent on
#       from this host's own address (a relay that is not a bridge):
#       broadcasts stay broadcasts, frames to our MAC on one side go to
#       the last address heard on the other.  Writes the number of frames
#       relayed to COUNTFILE after every one, until killed.
#   l2tool.py capture DEV TYPE SRC OUTFILE
#       the first frame of HyperNet TYPE from node SRC seen on DEV,
#       Ethernet header included, into OUTFILE.
#   l2tool.py inject DEV INFILE
#       send INFILE's frame on DEV unchanged, addresses included.
#   l2tool.py echo DEV DSTMAC SRC DST KEYHEX COUNT
#       COUNT ECHO requests (hnctl ping's) from node SRC to node DST,
#       sent on DEV to DSTMAC and signed with mesh key id 1 = KEYHEX, as
#       Documentation/agent-protocol.rst says (tests/netns/test_diag.sh:
#       with the mesh key they are answered, with another they are not).
import hashlib
import hmac
import os
import struct
import time
import socket
import sys

ETH_P_HYPERNET = 0x88B5
PACKET_OUTGOING = 4
LINK_LOCAL = (3, 6, 7)  # HN_T_HELLO, HN_T_PROBE, HN_T_ACK
BCAST = b"\xff" * 6


def open_dev(dev):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                      socket.htons(ETH_P_HYPERNET))
    s.bind((dev, ETH_P_HYPERNET))
    return s


def relay(dev1, dev2, countfile):
    import select
    socks = {dev1: open_dev(dev1), dev2: open_dev(dev2)}
    mine = {d: s.getsockname()[4][:6] for d, s in socks.items()}
    other = {dev1: dev2, dev2: dev1}
    peer = {dev1: None, dev2: None}
    n = 0
    while True:
        ready, _, _ = select.select(list(socks.values()), [], [])
        for s in ready:
            frame, addr = s.recvfrom(65535)
            dev = addr[0]
            if addr[2] == PACKET_OUTGOING or len(frame) < 16:
                continue
            peer[dev] = frame[6:12]
            if frame[15] not in LINK_LOCAL:
                continue
            out = other[dev]
            dst = frame[0:6]
            if dst == mine[dev]:
                dst = peer[out]
            elif dst != BCAST:
                continue
            if dst is None:
                continue
            socks[out].send(dst + mine[out] + frame[12:])
            n += 1
            # renamed into place: a reader never sees it empty
            with open(countfile + ".tmp", "w") as f:
                f.write("%d\n" % n)
            os.replace(countfile + ".tmp", countfile)


def capture(dev, ftype, src, outfile):
    s = open_dev(dev)
    while True:
        frame, addr = s.recvfrom(65535)
        if addr[2] == PACKET_OUTGOING or len(frame) < 34:
            continue
        if frame[15] == ftype and int.from_bytes(frame[22:26], "big") == src:
            with open(outfile, "wb") as f:
                f.write(frame)
            return


def inject(dev, infile):
    with open(infile, "rb") as f:
        open_dev(dev).send(f.read())


def echo(dev, dstmac, src, dst, keyhex, count):
    s = open_dev(dev)
    mine = s.getsockname()[4][:6]
    key = bytes.fromhex(keyhex)
    for i in range(count):
        # hn_echo: id, seq, t_ns, op REQUEST, reserved, pad_len 0
        payload = struct.pack(">IIQBBH", 0x5eed, i + 1, 0, 0, 0, 0)
        hlen = len(payload) + 28
        # hnhdr: version 1, type ECHO (9), flags 0, ttl 16, tclass 0,
        # reserved 0, len, src, dst, seq
        hdr = struct.pack(">BBBBBBHIII", 1, 9, 0, 16, 0, 0, hlen, src, dst,
                          0x7000 + i)
        signed = (hdr[:3] + b"\0" + hdr[4:5] + b"\0" + hdr[6:] + payload +
                  struct.pack(">IQ", 1, time.time_ns()))
        mac = hmac.new(key, signed, hashlib.sha256).digest()[:16]
        frame = hdr + payload + signed[-12:] + mac
        s.send(bytes.fromhex(dstmac.replace(":", "")) + mine +
               struct.pack(">H", ETH_P_HYPERNET) + frame)
        time.sleep(0.01)


def main(argv):
    if len(argv) == 5 and argv[1] == "relay":
        relay(argv[2], argv[3], argv[4])
    elif len(argv) == 6 and argv[1] == "capture":
        capture(argv[2], int(argv[3]), int(argv[4]), argv[5])
    elif len(argv) == 4 and argv[1] == "inject":
        inject(argv[2], argv[3])
    elif len(argv) == 8 and argv[1] == "echo":
        echo(argv[2], argv[3], int(argv[4]), int(argv[5]), argv[6],
             int(argv[7]))
    else:
        sys.stderr.write(__doc__ if __doc__ else "see the header\n")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
