/*
 * web_req.c - what every handler of the web interface uses: reading a request's arguments and
 * JSON body (strictly: a wrong type is an absent value), finding the cell it names, writing ids
 * and people into the answer, files passed to the node through memory.  Layer: web.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <microhttpd.h>
#include <sodium.h>

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

/* --- files passed through memory (courier files: never on the disk) ----------------------- */

int
sz_web_memfd(const uint8_t *p, size_t len, int *fd)
{
	*fd = memfd_create("samizdat-web", MFD_CLOEXEC);
	int r = *fd < 0 ? SZ_ERR_IO : SZ_OK;
	for (size_t off = 0; r == SZ_OK && off < len;) {
		ssize_t k = write(*fd, p + off, len - off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			r = SZ_ERR_IO;
		else
			off += (size_t)k;
	}
	if (r == SZ_OK && lseek(*fd, 0, SEEK_SET) != 0)
		r = SZ_ERR_IO;
	if (r != SZ_OK && *fd >= 0) {
		close(*fd);
		*fd = -1;
	}
	return r;
}

int
sz_web_memfd_b64(sz_web_req *q, const char *key, int *fd)
{
	size_t blen;
	const char *b64 = sz_web_str(q, key, &blen);
	*fd = -1;
	if (b64 == NULL || blen == 0)
		return SZ_ERR_NOT_FOUND;
	size_t cap = blen / 4 * 3 + 3, len = 0;
	uint8_t *bin = malloc(cap);
	if (bin == NULL)
		return SZ_ERR_NOMEM;
	int r = sodium_base642bin(bin, cap, b64, blen, NULL, &len, NULL,
	    sodium_base64_VARIANT_ORIGINAL) != 0 ? SZ_ERR_MALFORMED : sz_web_memfd(bin, len, fd);
	free(bin);
	return r;
}

int
sz_web_memfd_read(int fd, uint8_t **p, size_t *len)
{
	*p = NULL;
	*len = 0;
	off_t size = lseek(fd, 0, SEEK_END);
	if (size <= 0 || lseek(fd, 0, SEEK_SET) != 0)
		return SZ_ERR_IO;
	if ((*p = malloc((size_t)size)) == NULL)
		return SZ_ERR_NOMEM;
	for (size_t got = 0; got < (size_t)size;) {
		ssize_t k = read(fd, *p + got, (size_t)size - got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			free(*p);
			*p = NULL;
			return SZ_ERR_IO;
		}
		got += (size_t)k;
	}
	*len = (size_t)size;
	return SZ_OK;
}

void
sz_web_json_b64(sz_web_req *q, const char *key, const uint8_t *p, size_t len)
{
	size_t n = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
	char *s = malloc(n);
	sz_jsonw_key(&q->jw, key);
	if (s == NULL) {
		q->out.err = SZ_ERR_NOMEM;
		return;
	}
	sodium_bin2base64(s, n, p, len, sodium_base64_VARIANT_ORIGINAL);
	sz_jsonw_str(&q->jw, s);
	free(s);
}
