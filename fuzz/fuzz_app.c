/*
 * fuzz_app.c - libFuzzer target for what the app layer parses from outside: invitation codes (as
 * typed or scanned; version 2, and version 1 refused), control-socket requests and responses, and
 * addresses.  A decoded invitation must encode back to a code that decodes to the same invitation.
 * (Join requests and answers: fuzz_join.c.)
 */
#include <stdlib.h>
#include <string.h>

#include "app/control.h"
#include "app/invite.h"
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
	int code;
	const uint8_t *o, *e;
	size_t ol, el;
	if (sz_ctl_response_parse(data, size, &code, &o, &ol, &e, &el) == SZ_OK &&
	    (o + ol > data + size || e + el > data + size))
		abort();
	return 0;
}
