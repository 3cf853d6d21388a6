/*
 * web_join.c - what the web interface adds around invitations and keys: revoking an invitation,
 * renewing one's keys in a cell (`cell update`), and joining by courier files when no network
 * links the newcomer and the inviter (`cell join CODE --request`, `cell admit`, `cell join CODE
 * --answer`).  Layer: web.  The same node calls the command line's src/cli/cmd_cell.c makes;
 * the files go through memory, never the disk (the browser saves them where the person says).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cell/cell.h"
#include "crypto/crypto.h"
#include "lib/env.h"
#include "wire/identity.h"
#include "web/web_int.h"

int
sz_web_revoke(sz_web_req *q)
{
	char code[SZ_INVITE_CODE_MAX + 1];
	int st;
	if (!sz_web_code(q, code, &st))
		return st;
	sz_node_revoked rv;
	int r = sz_node_invite_revoke(q->n, code, &rv);
	sz_wipe(code, sizeof code);
	if (r == SZ_ERR_DENIED)
		return sz_web_err(q, 409, "joined", "They have joined already: an invitation cannot be "
		    "taken back once used. To take someone out, remove them under Members.");
	if (r == SZ_ERR_NOT_FOUND)
		return sz_web_err(q, 404, "not_found", "This device made no invitation with this code "
		    "(or it has expired and is forgotten).");
	if (r == SZ_ERR_CORRUPT || r == SZ_ERR_MALFORMED || r == SZ_ERR_UNSUPPORTED ||
	    r == SZ_ERR_INVALID)
		return sz_web_err(q, 400, "invalid", "That is not an invitation code of this device.");
	if (r != SZ_OK)
		return sz_web_fail(q, r, sz_node_errmsg(q->n));
	sz_jsonw_key(&q->jw, "revoked");
	sz_jsonw_str(&q->jw, rv.what == SZ_NODE_REVOKED_CODE ? "code" : "add");
	if (rv.cell != NULL) {
		sz_jsonw_key(&q->jw, "cell");
		sz_jsonw_str(&q->jw, sz_cell_name(rv.cell));
	}
	if (rv.what == SZ_NODE_REVOKED_ADD) {
		sz_jsonw_key(&q->jw, "member");
		sz_web_json_person(q, rv.member);
	}
	return 200;
}

int
sz_web_update(sz_web_req *q)
{
	int st;
	sz_cell *c = sz_web_cell(q, &st);
	if (c == NULL)
		return st;
	if (sz_cell_status(c) != SZ_CELL_ACTIVE)
		return sz_web_err(q, 403, "not_member", "You are no longer in this cell.");
	sz_cell_result res = { 0 };
	int r = sz_cell_update(c, &res);
	if ((r = sz_node_cell_apply(q->n, c, r, &res)) != SZ_OK)
		return sz_web_fail(q, r, sz_node_errmsg(q->n)[0] ? sz_node_errmsg(q->n) :
		    "the keys were not renewed");
	return 200;
}

/* The file a node call wrote into fd, as the answer's "file" (base64) with its name. */
static int
file_out(sz_web_req *q, int fd, const char *name)
{
	uint8_t *p = NULL;
	size_t len = 0;
	int r = sz_web_memfd_read(fd, &p, &len);
	if (r != SZ_OK)
		return r;
	sz_web_json_b64(q, "file", p, len);
	sz_jsonw_key(&q->jw, "filename");
	sz_jsonw_str(&q->jw, name);
	free(p);
	return SZ_OK;
}

int
sz_web_join_request(sz_web_req *q)
{
	sz_invite iv;
	int st, fd;
	if (!sz_web_invite_code(q, &iv, &st))
		return st;
	int r = sz_web_memfd(NULL, 0, &fd);
	if (r == SZ_OK) {
		r = sz_node_join_request_file(q->n, &iv, fd);
		if (r == SZ_OK)
			r = file_out(q, fd, "samizdat-join-request");
		close(fd);
	}
	sz_wipe(&iv, sizeof iv);
	if (r != SZ_OK)
		return sz_web_fail(q, r, sz_node_errmsg(q->n)[0] ? sz_node_errmsg(q->n) :
		    "the request was not written");
	return 200;
}

int
sz_web_join_answer(sz_web_req *q)
{
	sz_invite iv;
	int st, fd, refused = SZ_OK;
	sz_cell *cell = NULL;
	if (!sz_web_invite_code(q, &iv, &st))
		return st;
	int r = sz_web_memfd_b64(q, "data", &fd);
	if (r == SZ_OK) {
		r = sz_node_join_answer_file(q->n, &iv, fd, &cell, &refused);
		close(fd);
	}
	sz_wipe(&iv, sizeof iv);
	if (r == SZ_ERR_NOT_FOUND || r == SZ_ERR_MALFORMED)
		return sz_web_err(q, 400, "invalid", "Choose the answer file the courier brought back.");
	if (r != SZ_OK)
		return sz_web_fail(q, r, sz_node_errmsg(q->n)[0] ? sz_node_errmsg(q->n) :
		    "the answer was not usable");
	if (refused != SZ_OK)
		return sz_web_err(q, 403, "refused", "The inviter's device refused the invitation: it "
		    "was used already, taken back, or had expired. Ask for a new one.");
	if (cell == NULL)
		return sz_web_err(q, 400, "invalid", "The answer holds no welcome.");
	sz_web_json_id(q, "id", sz_cell_id(cell));
	sz_jsonw_key(&q->jw, "cell");
	sz_jsonw_str(&q->jw, sz_cell_name(cell));
	return 200;
}

int
sz_web_admit(sz_web_req *q)
{
	int in, out = -1, refused = SZ_OK;
	sz_cell *cell = NULL;
	uint8_t member[32];
	int r = sz_web_memfd_b64(q, "data", &in);
	if (r == SZ_ERR_NOT_FOUND || r == SZ_ERR_MALFORMED)
		return sz_web_err(q, 400, "invalid", "Choose the join request the courier brought.");
	if (r == SZ_OK && (r = sz_web_memfd(NULL, 0, &out)) == SZ_OK)
		r = sz_node_admit_file(q->n, in, out, &cell, member, &refused);
	if (in >= 0)
		close(in);
	if (r == SZ_OK && refused == SZ_OK)
		r = file_out(q, out, "samizdat-join-answer");
	if (out >= 0)
		close(out);
	if (r == SZ_OK && refused == SZ_ERR_BAD_SIGNATURE)
		return sz_web_err(q, 403, "forged", "The request names an identity its sender does not "
		    "hold (someone with a copy of the code?). Refused: the code stays usable for the "
		    "real newcomer.");
	if (r == SZ_OK && refused != SZ_OK)
		return sz_web_err(q, 403, "refused", "%s", refused == SZ_ERR_EXPIRED ? "The invitation "
		    "had expired: make a new one." : refused == SZ_ERR_NOT_MEMBER ? "You are no longer "
		    "in the cell it was for." : "The invitation was used already or taken back.");
	if (r != SZ_OK)
		return sz_web_fail(q, r, sz_node_errmsg(q->n)[0] ? sz_node_errmsg(q->n) :
		    "the request was not admitted");
	sz_jsonw_key(&q->jw, "member");
	sz_web_json_person(q, member);
	if (cell != NULL) {
		sz_web_json_id(q, "cell_id", sz_cell_id(cell));
		sz_jsonw_key(&q->jw, "cell");
		sz_jsonw_str(&q->jw, sz_cell_name(cell));
	}
	return 200;
}
