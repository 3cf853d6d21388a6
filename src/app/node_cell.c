/*
 * node_cell.c - a node's cells: loading and saving their states in the encrypted store, routing
 * sealed envelopes to them.  Layer: app.
 * (The cell layer is being merged; until then a node has no cells and keeps sealed envelopes as a
 * relay only.)
 */
#include "app/node_int.h"

int
sz_node_cells_load(sz_node *n)
{
	(void)n;
	return SZ_OK;
}

int
sz_node_cells_save(sz_node *n)
{
	(void)n;
	return SZ_OK;
}

void
sz_node_cells_free(sz_node *n)
{
	(void)n;
}

int
sz_node_cells_scopes(sz_node *n, sz_buf *b)
{
	(void)n;
	(void)b;
	return SZ_OK;
}

int
sz_node_cells_receive(sz_node *n, const uint8_t *env, size_t len)
{
	(void)n;
	(void)env;
	(void)len;
	return SZ_OK;
}

int
sz_node_cells_bundle(sz_node *n, const char *name, sz_buf *secrets, sz_buf *scopes)
{
	(void)n;
	(void)secrets;
	(void)scopes;
	return name == NULL ? SZ_OK : SZ_ERR_NOT_MEMBER;
}
