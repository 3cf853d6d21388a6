/*
 * backoff.h - the waits of the automatic sync's schedule, as pure functions of a random word:
 * the periodic wait that grows after idle sessions, the wait after failures, a push's delay
 * (docs/PROTOCOL.md §8, Automatic sync).  Layer: lib.  One rule for the daemon's schedule
 * (app/autosync.c) and the network simulation that measures it (sync/simrun_testlib.c).
 */
#ifndef SZ_LIB_BACKOFF_H
#define SZ_LIB_BACKOFF_H

#include <stdint.h>

/* Idle streaks past this change nothing (2^5 = 32 >= any cap the schedule takes). */
#define SZ_BACKOFF_STREAK_MAX 16

/* The wait before the next periodic sync with a target after `streak` sessions in a row that
 * moved nothing either way (0: the last one moved something): period_ms * min(2^streak, cap)
 * (cap >= 1, in periods), jittered uniformly by +-25 % with the random word r.  Never 0. */
uint64_t sz_backoff_idle_ms(uint64_t period_ms, uint32_t streak, uint32_t cap, uint32_t r);
/* The idle streak a new target starts at (cap >= 1): one idle session short of the cap.  Its
 * first session (the daemon's start, a new member) catches up; if that moves nothing, nothing
 * says more will come soon, and the next waits the cap; if it moves something, the streak is 0. */
uint32_t sz_backoff_idle_start(uint32_t cap);
/* The wait after `fails` failures in a row (>= 1): min_ms * 2^(fails-1), at most max_ms,
 * jittered down by up to half with r. */
uint64_t sz_backoff_fail_ms(uint64_t min_ms, uint64_t max_ms, uint32_t fails, uint32_t r);
/* A push's delay: uniform in [push_ms / 4, push_ms] with r. */
uint64_t sz_backoff_push_ms(uint64_t push_ms, uint32_t r);

#endif /* SZ_LIB_BACKOFF_H */
