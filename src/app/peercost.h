/*
 * peercost.h - what refused envelopes have cost each sync peer, by its transport key (the static
 * key its Noise handshake proved), so that a peer that pushes junk is refused for a while right
 * after the handshake.  Layer: app; used by the daemon (daemon.c).  docs/PROTOCOL.md §8, Limits.
 *
 * Why the key and not the address: over Tor every peer arrives from 127.0.0.1, so an address ban
 * would shut out everyone.  A fresh transport key costs nothing, so this stops a misbehaving node
 * that keeps its key (a buggy or compromised member's node), not a determined attacker; what
 * bounds the work any one session can cause is the session's own limits.
 */
#ifndef SZ_APP_PEERCOST_H
#define SZ_APP_PEERCOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SZ_PEERCOST_SLOTS 1024            /* keys remembered (bounded memory: 48 KiB) */
#define SZ_PEERCOST_LIMIT 64              /* refused envelopes within the window ... */
#define SZ_PEERCOST_WINDOW_MS 3600000ull  /* ... of an hour ... */
#define SZ_PEERCOST_COOLDOWN_MS 600000ull /* ... refuse the key for 10 minutes */

typedef struct sz_peercost_slot {
	uint8_t key[32];
	uint64_t window_start;    /* when the counting window began */
	uint64_t refused;         /* refused envelopes in the window */
	uint64_t until;           /* refused until this time (0: not) */
	uint64_t seen;            /* last time it was charged */
	bool used;
} sz_peercost_slot;

typedef struct sz_peercost {
	sz_peercost_slot slot[SZ_PEERCOST_SLOTS];
} sz_peercost;

/* Charge key for refused envelopes at time now (ms, any monotonic clock); a violation of the
 * protocol is charged as the whole limit.  Past the limit within the window, the key is refused
 * until now + cooldown.  When every slot is taken, the one charged longest ago that is not
 * refused gives way (a refused key is forgotten last, the oldest ban first). */
void sz_peercost_charge(sz_peercost *t, const uint8_t key[32], uint64_t refused, uint64_t now);
/* Is key refused at time now? */
bool sz_peercost_refused(const sz_peercost *t, const uint8_t key[32], uint64_t now);
/* Until when key is refused (0 if it is not at time now). */
uint64_t sz_peercost_until(const sz_peercost *t, const uint8_t key[32], uint64_t now);

#endif /* SZ_APP_PEERCOST_H */
