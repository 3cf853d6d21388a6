/*
 * err.c - sz_strerror and library initialisation.
 * Layer: lib (the bottom).  Words here reach people through the CLI: say what happened plainly.
 */
#include "samizdat.h"

#include <sodium.h>

const char *
sz_strerror(int err)
{
	switch (err) {
	case SZ_OK: return "success";
	case SZ_ERR_INTERNAL: return "internal error (a bug in samizdat; please report it)";
	case SZ_ERR_NOMEM: return "out of memory";
	case SZ_ERR_INVALID: return "invalid argument";
	case SZ_ERR_MALFORMED: return "the data is malformed";
	case SZ_ERR_NONCANONICAL: return "the data is not in canonical form";
	case SZ_ERR_TOO_LARGE: return "the data is larger than allowed";
	case SZ_ERR_TRUNCATED: return "the data ends too early (truncated)";
	case SZ_ERR_BAD_SIGNATURE: return "a signature does not verify: the data was altered or forged";
	case SZ_ERR_DECRYPT: return "decryption failed: the data was damaged, forged, or is not for us";
	case SZ_ERR_STATE: return "not possible in the current state";
	case SZ_ERR_IO: return "a read or write failed";
	case SZ_ERR_DISK_FULL: return "the disk is full";
	case SZ_ERR_CORRUPT: return "stored data is damaged or was tampered with";
	case SZ_ERR_PASSPHRASE: return "wrong passphrase";
	case SZ_ERR_LOCKED: return "the node is locked";
	case SZ_ERR_NOT_FOUND: return "not found";
	case SZ_ERR_EXISTS: return "already exists";
	case SZ_ERR_LIMIT: return "a limit was reached";
	case SZ_ERR_TIMEOUT: return "timed out";
	case SZ_ERR_UNSUPPORTED: return "unsupported version or feature";
	case SZ_ERR_NOT_MEMBER: return "not a member of that cell";
	case SZ_ERR_EXPIRED: return "expired";
	case SZ_ERR_REPLAY: return "seen before (replay) and refused";
	case SZ_ERR_PEER: return "the other side broke the protocol";
	case SZ_ERR_UNREACHABLE: return "the other side could not be reached";
	case SZ_ERR_BUSY: return "in use by another samizdat process";
	case SZ_ERR_CRYPTO: return "an invalid key or point";
	case SZ_ERR_AGAIN: return "more input is needed";
	case SZ_ERR_WIPED: return "the keys of this node were destroyed (wiped)";
	case SZ_ERR_DECODE: return "set reconciliation did not finish within its bounds";
	case SZ_ERR_DENIED: return "not allowed";
	case SZ_ERR_CLOSED: return "the connection was closed";
	}
	return "unknown error";
}

int
sz_init(void)
{
	/* sodium_init returns 0 on first success, 1 when already initialised. */
	if (sodium_init() < 0)
		return SZ_ERR_INTERNAL;
	return SZ_OK;
}
