/*
 * fuzz_torctl.c - libFuzzer target for the Tor control-reply parser and the text helpers the
 * control client applies to reply lines (transport/torreply.c, transport/onionaddr.c).
 * Input: bytes as a control port might send them; every complete reply is parsed and taken apart.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "transport/onionaddr.h"
#include "transport/torreply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
take_apart(const sz_torreply *rep)
{
	static const char *keys[] = { "METHODS", "COOKIEFILE", "SERVERHASH", "SERVERNONCE",
		"PROGRESS", "ServiceID", "PrivateKey", "Tor" };
	char out[512];
	const char *v;
	for (size_t i = 0; i < rep->n; i++) {
		const sz_torreply_line *l = &rep->line[i];
		/* Invariants of a parsed line. */
		if (l->data != NULL && strlen(l->data) != l->data_len)
			__builtin_trap();
		for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
			if (sz_torreply_kv(l->text, keys[k], out, sizeof out) == SZ_OK &&
			    strlen(out) >= sizeof out)
				__builtin_trap();
		const char *p = l->text;
		for (int w = 0; w < 64 && sz_torreply_word(&p, out, sizeof out) == SZ_OK; w++)
			;
		sz_torreply_sanitize(out, sizeof out, l->text);
		if (sz_onion_id_check(l->text) == SZ_OK) {
			uint8_t pk[SZ_ONION_PK_BYTES];
			if (sz_onion_id_pubkey(l->text, pk) != SZ_OK)
				__builtin_trap();
		}
		(void)sz_onion_key_check(l->text);
		(void)sz_onion_host_check(l->text);
	}
	if (sz_torreply_getinfo(rep, "ServiceID", &v) == SZ_OK)
		(void)sz_onion_id_check(v);
	if (sz_torreply_getinfo(rep, "PrivateKey", &v) == SZ_OK)
		(void)sz_onion_key_check(v);
	if (sz_torreply_getinfo(rep, "config-text", &v) == SZ_OK && strlen(v) > SZ_TORREPLY_MAX_BYTES)
		__builtin_trap();
	(void)sz_torreply_is_event(rep);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0;
	while (off < size) {
		sz_torreply rep;
		size_t used = 0;
		int r = sz_torreply_parse(data + off, size - off, &used, &rep);
		if (r != SZ_OK) {
			if (used != 0 || rep.mem != NULL || rep.line != NULL)
				__builtin_trap();
			break;
		}
		if (used == 0 || used > size - off || rep.n == 0 || rep.code < 100 || rep.code > 699)
			__builtin_trap();
		take_apart(&rep);
		sz_torreply_free(&rep);
		off += used;
	}
	return 0;
}
