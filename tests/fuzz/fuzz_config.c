// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for what hypernetd reads from disk besides model files
 * (fuzz_model): its config file (config.c, from the agent's archive) and
 * trusted public key files (hn_pubkeys_load()).  The input goes to a
 * memfd, read through /proc/self/fd like any path.  Whatever is accepted
 * must satisfy the rules the agent relies on.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../userspace/hypernetd/hypernetd.h"
#include "model.h"

static int as_file(const uint8_t *data, size_t size, char *path, size_t len)
{
	int fd = memfd_create("fuzz", 0);

	/* private, as a config with an inline mesh-key must be */
	if (fd < 0 || fchmod(fd, 0600))
		abort();
	if (size && write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, len, "/proc/self/fd/%d", fd);
	return fd;
}

static void check_config(const struct hnd_config *c)
{
	unsigned int i;

	if (c->n_ports > HND_MAX_PORTS || c->n_keys > HND_MAX_KEYS ||
	    c->n_stages > HN_LSA_MAX_STAGES)
		abort();
	for (i = 0; i < c->n_ports; i++)
		if (!c->ports[i][0] || strlen(c->ports[i]) >= IFNAMSIZ)
			abort();
	if (!c->node_id || c->hello_ms < 10 || c->dead_hellos < 2 ||
	    c->lsa_lifetime_s <= c->lsa_refresh_s)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hn_pubkey keys[HN_MAX_TRUSTED];
	struct hnd_config c;
	unsigned int n = 0;
	char path[64], err[512];
	int fd = as_file(data, size, path, sizeof(path));

	hnd_config_defaults(&c);
	if (!hnd_config_load(&c, path, err, sizeof(err)) &&
	    !hnd_config_check(&c, err, sizeof(err)))
		check_config(&c);
	if (!hn_pubkeys_load(path, keys, HN_MAX_TRUSTED, &n, err,
			     sizeof(err)) &&
	    n > HN_MAX_TRUSTED)
		abort();
	close(fd);
	return 0;
}
