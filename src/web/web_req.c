/*
 * web_req.c - what every handler of the web interface uses: reading a request's arguments and
 * JSON body (strictly: a wrong type is an absent value), finding the cell it names, writing ids
 * and people into the answer.  Layer: web.
 */
#include <string.h>

#include <microhttpd.h>

#include "app/node_decide.h"
#include "cell/cell.h"
#include "wire/identity.h"
#include "web/web_int.h"

const char *
sz_web_arg(sz_web_req *q, const char *name)
{
	return MHD_lookup_connection_value(q->con, MHD_GET_ARGUMENT_KIND, name);
}

const char *
sz_web_str(sz_web_req *q, const char *key, size_t *len)
{
	size_t l = 0;
	const sz_json_val *v = q->body ? sz_json_get(q->body, key) : NULL;
	const char *s = v ? sz_json_str(v, &l) : NULL;
	if (s != NULL && memchr(s, 0, l) != NULL)
		s = NULL; /* text with a NUL in it is no text */
	if (len != NULL)
		*len = s ? l : 0;
	return s;
}

bool
sz_web_bool(sz_web_req *q, const char *key)
{
	const sz_json_val *v = q->body ? sz_json_get(q->body, key) : NULL;
	return v != NULL && sz_json_type_of(v) == SZ_JSON_TRUE;
}

bool
sz_web_u64(sz_web_req *q, const char *key, uint64_t lo, uint64_t hi, uint64_t def, uint64_t *v)
{
	const sz_json_val *j = q->body ? sz_json_get(q->body, key) : NULL;
	*v = def;
	if (j == NULL)
		return true;
	uint64_t x;
	if (sz_json_u64(j, &x) != SZ_OK || x < lo || x > hi)
		return false;
	*v = x;
	return true;
}

bool
sz_web_id(sz_web_req *q, const char *key, uint8_t id[32])
{
	size_t l = 0;
	const char *s = q->body ? sz_web_str(q, key, &l) : sz_web_arg(q, key);
	if (s != NULL && q->body == NULL)
		l = strlen(s);
	return s != NULL && l == 64 && sz_hex_decode(id, 32, s, 64) == SZ_OK;
}

struct sz_cell *
sz_web_cell(sz_web_req *q, int *status)
{
	uint8_t id[32];
	*status = 0;
	if (!sz_web_id(q, "cell", id)) {
		*status = sz_web_err(q, 400, "invalid", "Say which cell (its id).");
		return NULL;
	}
	struct sz_cell *c = sz_node_cell_by_id(q->n, id);
	if (c == NULL)
		*status = sz_web_err(q, 404, "not_member", "You are in no such cell.");
	return c;
}

void
sz_web_json_id(sz_web_req *q, const char *key, const uint8_t id[32])
{
	sz_jsonw_key(&q->jw, key);
	sz_jsonw_hex(&q->jw, id, 32);
}

void
sz_web_json_person(sz_web_req *q, const uint8_t id[32])
{
	static const uint8_t zero[32];
	char fp[SZ_FINGERPRINT_TEXT] = "", name[SZ_NODE_NAME_MAX + 1];
	sz_jsonw_obj_begin(&q->jw);
	if (memcmp(id, zero, 32) == 0) {
		sz_jsonw_key(&q->jw, "unknown");
		sz_jsonw_bool(&q->jw, true);
		sz_jsonw_obj_end(&q->jw);
		return;
	}
	sz_web_json_id(q, "id", id);
	if (sz_fingerprint(fp, id) == SZ_OK) {
		sz_jsonw_key(&q->jw, "fingerprint");
		sz_jsonw_str(&q->jw, fp);
	}
	sz_jsonw_key(&q->jw, "name");
	if (sz_node_name_get(q->n, id, name))
		sz_jsonw_str(&q->jw, name);
	else
		sz_jsonw_null(&q->jw);
	sz_jsonw_key(&q->jw, "you");
	sz_jsonw_bool(&q->jw, memcmp(id, q->n->id_pk, 32) == 0);
	sz_jsonw_obj_end(&q->jw);
}
