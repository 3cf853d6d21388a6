/*
 * fuzz_app.c - libFuzzer target for what the app layer parses from outside: invitation codes (as
 * typed or scanned; version 2, and version 1 refused), control-socket requests and responses,
 * addresses, and "where to reach me" records (docs/PROTOCOL.md §16.1).  A decoded invitation must
 * encode back to a code that decodes to the same invitation; a parsed record must encode to bytes
 * that parse to the same record.
 * (Join requests and answers: fuzz_join.c.)
 */
#include <stdlib.h>
#include <string.h>

#include "app/control.h"
#include "app/invite.h"
#include "app/node_reach.h"
#include "transport/net.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	if (!ready) {
		if (sz_init() != SZ_OK)
			abort();
		ready = 1;
	}
	char *text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	sz_invite iv, again;
	if (sz_invite_decode(&iv, text) == SZ_OK) {
		char code[SZ_INVITE_CODE_MAX];
		if (sz_invite_encode(&iv, code, sizeof code) != SZ_OK ||
		    sz_invite_decode(&again, code) != SZ_OK ||
		    memcmp(iv.token, again.token, 16) != 0 || iv.expiry_ms != again.expiry_ms ||
		    memcmp(iv.node_key, again.node_key, 32) != 0 ||
		    memcmp(iv.invite_pub, again.invite_pub, 32) != 0 ||
		    iv.has_addr != again.has_addr || strcmp(iv.addr.host, again.addr.host) != 0 ||
		    iv.addr.port != again.addr.port)
			abort();
	}
	sz_addr a;
	char why[200];
	(void)!sz_addr_parse(&a, text, why, sizeof why);
	free(text);
	sz_ctl_request rq;
	if (sz_ctl_request_parse(&rq, data, size) == SZ_OK) {
		if (rq.argc < 1 || rq.argv[rq.argc] != NULL)
			abort();
		sz_ctl_request_free(&rq);
	}
	sz_reach_rec rec, rec2;
	if (sz_reach_parse(data, size, &rec) == SZ_OK) {
		sz_buf b = { 0 };
		if (sz_reach_encode(&rec, &b) != SZ_OK || sz_reach_parse(b.p, b.len, &rec2) != SZ_OK ||
		    rec.time_ms != rec2.time_ms || rec.naddr != rec2.naddr ||
		    memcmp(rec.node_key, rec2.node_key, 32) != 0 ||
		    memcmp(rec.auth_key, rec2.auth_key, 32) != 0)
			abort();
		for (size_t i = 0; i < rec.naddr; i++)
			if (strcmp(rec.addr[i].host, rec2.addr[i].host) != 0 ||
			    rec.addr[i].port != rec2.addr[i].port || rec.addr[i].onion != rec2.addr[i].onion)
				abort();
		sz_buf_free(&b);
	}
	int code;
	const uint8_t *o, *e;
	size_t ol, el;
	if (sz_ctl_response_parse(data, size, &code, &o, &ol, &e, &el) == SZ_OK &&
	    (o + ol > data + size || e + el > data + size))
		abort();
	return 0;
}
