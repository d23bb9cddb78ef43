// SPDX-License-Identifier: GPL-2.0
/*
 * hn-inject: send authenticated HyperNet control frames from a port, as a
 * node of the mesh would (or an insider holding the mesh key but no model
 * signing key).  For tests: forged and old model files flooded in chunks,
 * replayed HELLOs.  Sends only on the interface it is given.
 *
 *   hn-inject model -i DEV --src N --key HEX [--key-id ID] FILE
 *   hn-inject campaign -i DEV --src N --key HEX [--key-id ID] FILE
 *   hn-inject hello -i DEV --src N --key HEX [--repeat N] [--counter C]
 *   hn-inject fed -i DEV --src N --dst M --key HEX [--campaign ID]
 *		 [--repeat N]
 *
 * HELLOs are signed with the link's addresses (broadcast, DEV's MAC) as
 * hypernetd signs them; --counter sets the replay counter (a key holder's
 * counter far ahead, say), which otherwise follows the realtime clock.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "campaign.h"
#include "ctrl.h"
#include "fileio.h"
#include "frames.h"
#include "model.h"

struct opts {
	const char *dev;
	__u32 src;
	struct hn_mesh_key key;
	int have_key;
	unsigned int repeat;
	__u64 counter;
	const char *file;
	__u32 dst;
	__u64 campaign;
};

static void usage(void)
{
	fprintf(stderr,
		"usage: hn-inject model -i DEV --src N --key HEX [--key-id ID] FILE\n"
		"       hn-inject campaign -i DEV --src N --key HEX [--key-id ID] FILE\n"
		"       hn-inject hello -i DEV --src N --key HEX [--repeat N] [--counter C]\n"
		"       hn-inject fed -i DEV --src N --dst M --key HEX [--campaign ID] [--repeat N]\n"
		"  model: flood FILE in MODEL_CHUNK frames (no signature check)\n"
		"  campaign: the same, as a campaign (object 1)\n"
		"  hello: one HELLO, sent N times unchanged (a replay),\n"
		"         with replay counter C (default: the realtime clock)\n"
		"  fed: a one-fragment round message (FED) to node M, N times\n"
		"       with counters one apart\n");
	exit(2);
}

static __u64 realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int open_port(const char *dev, struct sockaddr_ll *sll)
{
	int fd = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_HYPERNET));

	if (fd < 0) {
		perror("hn-inject: packet socket (root?)");
		exit(1);
	}
	memset(sll, 0, sizeof(*sll));
	sll->sll_family = AF_PACKET;
	sll->sll_protocol = htons(ETH_P_HYPERNET);
	sll->sll_ifindex = if_nametoindex(dev);
	sll->sll_halen = 6;
	memset(sll->sll_addr, 0xff, 6);
	if (!sll->sll_ifindex) {
		fprintf(stderr, "hn-inject: %s: no such interface\n", dev);
		exit(1);
	}
	return fd;
}

static void send_msg(int fd, struct sockaddr_ll *sll, struct hn_ctrl_msg *m,
		     const struct hn_mesh_key *key, unsigned int times)
{
	__u8 buf[HN_CTRL_MAX];
	int len = hn_ctrl_encode(buf, sizeof(buf), m, key);

	if (len < 0) {
		fprintf(stderr, "hn-inject: encode: %s\n", strerror(-len));
		exit(1);
	}
	while (times--)
		if (sendto(fd, buf, len, 0, (struct sockaddr *)sll,
			   sizeof(*sll)) < 0) {
			perror("hn-inject: sendto");
			exit(1);
		}
}

static void *read_file(const char *path, size_t *len)
{
	char err[256];
	void *buf;

	if (hn_read_file(path, HN_MODEL_XFER_MAX, 0, &buf, len, err,
			 sizeof(err))) {
		fprintf(stderr, "hn-inject: %s\n", err);
		exit(1);
	}
	return buf;
}

/*
 * The generation the file claims, as receivers will read it; 0 for a file
 * that does not even parse (it is sent all the same).
 */
static __u64 file_generation(const __u8 *p, size_t len)
{
	struct hn_model m;
	__u64 g;

	if (hn_model_parse(p, len, &m, NULL, 0))
		return 0;
	g = m.generation;
	hn_model_free(&m);
	return g;
}

/* A campaign file's generation, or 0 if it does not parse. */
static __u64 campaign_generation(const __u8 *p, size_t len)
{
	struct hn_campaign c;
	__u64 g;

	if (hn_campaign_parse(p, len, &c, NULL, 0))
		return 0;
	g = c.generation;
	hn_campaign_free(&c);
	return g;
}

static int cmd_chunks(const struct opts *o, unsigned int object)
{
	struct sockaddr_ll sll;
	int fd = open_port(o->dev, &sll);
	size_t len, off;
	__u8 *file = read_file(o->file, &len);
	__u32 seq = (__u32)(realtime_ns() / 1000000);
	__u64 generation = object == HN_OBJ_CAMPAIGN ?
				   campaign_generation(file, len) :
				   file_generation(file, len);

	for (off = 0; off < len; off += HN_CHUNK_DATA_MAX) {
		struct hn_ctrl_msg m = { 0 };
		struct hn_ctrl_chunk *c = &m.u.chunk;

		m.type = HN_T_MODEL_CHUNK;
		m.flags = HN_F_MCAST;
		m.ttl = HN_TTL_DEFAULT;
		m.src = o->src;
		m.dst = HN_GROUP_ALL;
		m.seq = seq++;
		m.counter = realtime_ns();
		c->object = object;
		c->generation = generation;
		memset(c->digest, 0xa5, sizeof(c->digest));
		c->total_len = len;
		c->offset = off;
		c->chunk_len = len - off < HN_CHUNK_DATA_MAX ?
				       len - off :
				       HN_CHUNK_DATA_MAX;
		c->data = file + off;
		send_msg(fd, &sll, &m, &o->key, 1);
	}
	free(file);
	close(fd);
	return 0;
}

static int cmd_hello(const struct opts *o)
{
	struct hn_ctrl_msg m = { 0 };
	struct sockaddr_ll sll;
	int fd = open_port(o->dev, &sll);

	m.type = HN_T_HELLO;
	m.flags = HN_F_MCAST;
	m.ttl = 1;
	m.src = o->src;
	m.dst = HN_GROUP_ALL;
	m.seq = 1;
	m.counter = o->counter ?: realtime_ns();
	m.u.hello.interval_ms = 1000;
	memset(m.l2.dst, 0xff, 6);
	if (hn_if_mac(o->dev, m.l2.src)) {
		fprintf(stderr, "hn-inject: %s: cannot read its MAC\n", o->dev);
		return 1;
	}
	send_msg(fd, &sll, &m, &o->key, o->repeat);
	close(fd);
	return 0;
}

/* One whole round message in one FED fragment, unicast to o->dst. */
static int cmd_fed(const struct opts *o)
{
	static const __u8 body[64] = "hn-inject fed";
	struct hn_ctrl_msg m = { 0 };
	struct sockaddr_ll sll;
	int fd = open_port(o->dev, &sll);
	unsigned int i;

	m.type = HN_T_FED;
	m.ttl = HN_TTL_DEFAULT;
	m.src = o->src;
	m.dst = o->dst;
	m.u.fed.campaign = o->campaign ?: 1;
	m.u.fed.round = 1;
	m.u.fed.msg_id = (__u32)realtime_ns();
	m.u.fed.total_len = sizeof(body);
	m.u.fed.frag_len = sizeof(body);
	m.u.fed.kind = 1;
	m.u.fed.op = HN_FED_DATA;
	m.u.fed.data = body;
	for (i = 0; i < o->repeat; i++) {
		m.seq = i + 1;
		m.counter = realtime_ns() + i;
		send_msg(fd, &sll, &m, &o->key, 1);
	}
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "src", required_argument, NULL, 's' },
		{ "key", required_argument, NULL, 'k' },
		{ "key-id", required_argument, NULL, 'K' },
		{ "repeat", required_argument, NULL, 'r' },
		{ "counter", required_argument, NULL, 'c' },
		{ "dst", required_argument, NULL, 'd' },
		{ "campaign", required_argument, NULL, 'C' },
		{ NULL }
	};
	struct opts o = { .repeat = 1, .key.id = 1 };
	const char *cmd;
	int c;

	if (argc < 2)
		usage();
	cmd = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "i:", lo, NULL)) != -1) {
		switch (c) {
		case 'i':
			o.dev = optarg;
			break;
		case 's':
			o.src = strtoul(optarg, NULL, 0);
			break;
		case 'k': {
			__u32 id = o.key.id;

			if (hn_mesh_key_parse(optarg, &o.key)) {
				fprintf(stderr,
					"hn-inject: --key wants 64 hex digits\n");
				return 2;
			}
			o.key.id = id;
			o.have_key = 1;
			break;
		}
		case 'K':
			o.key.id = strtoul(optarg, NULL, 0);
			break;
		case 'r':
			o.repeat = strtoul(optarg, NULL, 0);
			break;
		case 'c':
			o.counter = strtoull(optarg, NULL, 0);
			break;
		case 'd':
			o.dst = strtoul(optarg, NULL, 0);
			break;
		case 'C':
			o.campaign = strtoull(optarg, NULL, 0);
			break;
		default:
			usage();
		}
	}
	if (!o.dev || !o.src || !o.have_key)
		usage();
	if (!strcmp(cmd, "model") || !strcmp(cmd, "campaign")) {
		if (optind != argc - 1)
			usage();
		o.file = argv[optind];
		return cmd_chunks(&o, cmd[0] == 'c' ? HN_OBJ_CAMPAIGN :
						      HN_OBJ_MODEL);
	}
	if (!strcmp(cmd, "hello"))
		return cmd_hello(&o);
	if (!strcmp(cmd, "fed") && o.dst)
		return cmd_fed(&o);
	usage();
	return 2;
}
