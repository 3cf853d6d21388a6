/*
 * control.h - the local control socket's messages (docs/PROTOCOL.md §12).  Layer: app.
 *
 * request  := "SZC1" ‖ len u32 ‖ flags u8 ‖ argc u16 ‖ (alen u32 ‖ arg)* ‖ slen u32 ‖ secret
 * response := "SZR1" ‖ len u32 ‖ code i32 ‖ olen u32 ‖ out ‖ elen u32 ‖ err
 * len counts the bytes after it.  The socket is a Unix socket of mode 0600 in the data directory.
 */
#ifndef SZ_APP_CONTROL_H
#define SZ_APP_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "samizdat.h"
#include "lib/bytes.h"

#define SZ_CTL_MAX_REQUEST (1u << 20)
#define SZ_CTL_MAX_RESPONSE (16u << 20)
#define SZ_CTL_MAX_ARGS 64
#define SZ_CTL_FLAG_JSON 0x01

typedef struct sz_ctl_request {
	bool json;
	int argc;
	char *argv[SZ_CTL_MAX_ARGS + 1]; /* NUL-terminated copies, argv[argc] = NULL */
	char *secret;                    /* guarded memory, or NULL */
	size_t secretlen;
} sz_ctl_request;

SZ_MUST_CHECK int sz_ctl_request_encode(sz_buf *b, int argc, char **argv, bool json,
    const char *secret, size_t secretlen);
/* How many bytes a whole message has, once its 8-byte head is in (SZ_ERR_AGAIN before);
 * SZ_ERR_MALFORMED / SZ_ERR_TOO_LARGE for a bad head. */
SZ_MUST_CHECK int sz_ctl_need(const uint8_t *p, size_t n, const char magic[4], size_t max,
    size_t *total);
/* Parse a whole request (p, n = its total).  Arguments must be text without NUL bytes. */
SZ_MUST_CHECK int sz_ctl_request_parse(sz_ctl_request *rq, const uint8_t *p, size_t n);
void sz_ctl_request_free(sz_ctl_request *rq);

SZ_MUST_CHECK int sz_ctl_response_encode(sz_buf *b, int code, const uint8_t *out, size_t olen,
    const uint8_t *err, size_t elen);
SZ_MUST_CHECK int sz_ctl_response_parse(const uint8_t *p, size_t n, int *code, const uint8_t **out,
    size_t *olen, const uint8_t **err, size_t *elen);

#endif /* SZ_APP_CONTROL_H */
