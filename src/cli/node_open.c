/*
 * node_open.c - opening the node for a command: the daemon's, or unlocked here with the
 * passphrase.  Layer: cli.
 */
#include <string.h>

#include "samizdat.h"
#include "cli/cli.h"
#include "crypto/crypto.h"

int
sz_cli_node(sz_cli *c, sz_node **out)
{
	char *pass = NULL;
	size_t plen = 0;
	int r;
	*out = NULL;
	if (c->node != NULL) {
		*out = c->node;
		return SZ_OK;
	}
	if (c->in_daemon)
		return SZ_ERR_LOCKED;
	if ((r = sz_cli_passphrase(c, "Passphrase: ", false, &pass, &plen)) != SZ_OK)
		return r == SZ_ERR_LOCKED ? SZ_ERR_LOCKED : r;
	r = sz_node_open(&c->node, c->home, pass, plen);
	sz_secret_free(pass);
	if (r != SZ_OK) {
		const char *why = sz_node_last_error();
		if (r == SZ_ERR_NOT_FOUND)
			fprintf(c->err, "samizdat: there is no node in %s. Create one with 'samizdat init'.\n",
			    c->home);
		else if (why != NULL && why[0] != '\0' && r != SZ_ERR_PASSPHRASE)
			fprintf(c->err, "samizdat: %s\n", why);
		return r;
	}
	c->own_node = true;
	*out = c->node;
	return SZ_OK;
}
