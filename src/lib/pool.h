/*
 * pool.h - a small pool of worker threads that runs one job at a time: fn(ctx, i) for every i
 * of [0, n), claimed in chunks in increasing order, so that the one thread that started the job
 * can consume results in order while the workers run ahead (a node verifies a batch's signatures
 * this way while its single writer stores what is already verified).  Layer: lib.
 *
 * Threads: the pool's workers block every signal and touch nothing but what fn touches; fn must
 * be safe to run concurrently with itself on different i and must not call into the pool.  A
 * pool handle is used by one thread at a time (the one that starts, waits for and ends jobs).
 */
#ifndef SZ_LIB_POOL_H
#define SZ_LIB_POOL_H

#include <stddef.h>

#include "samizdat.h"

typedef struct sz_pool sz_pool;

/* Items of a job handed out at a time. */
#define SZ_POOL_CHUNK 8
/* The most workers a pool starts. */
#define SZ_POOL_MAX_THREADS 64

/* The number of worker threads for "one per core": the online CPUs (at most
 * SZ_POOL_MAX_THREADS), or what the environment variable SAMIZDAT_THREADS says (0: no worker;
 * the thread that runs a job does all of it). */
unsigned sz_pool_default_threads(void);

/* Start nthreads workers (at most SZ_POOL_MAX_THREADS; with 0, a job is run by whoever waits
 * for it).  SZ_ERR_NOMEM, SZ_ERR_INTERNAL (a thread could not be started: the ones started are
 * joined again). */
SZ_MUST_CHECK int sz_pool_new(sz_pool **out, unsigned nthreads);

/* Join the workers and free the pool.  No job may be running.  Accepts NULL. */
void sz_pool_free(sz_pool *p);

/* Begin the job fn(ctx, i) for i in [0, n).  SZ_ERR_BUSY if a job is running (jobs do not
 * nest: run the inner one inline). */
SZ_MUST_CHECK int sz_pool_start(sz_pool *p, void (*fn)(void *ctx, size_t i), void *ctx, size_t n);

/* Return once items [0, upto) of the running job are done; the calling thread runs unclaimed
 * chunks itself rather than sleep.  Their effects (what fn wrote) are
 * visible to the caller on return. */
void sz_pool_wait(sz_pool *p, size_t upto);

/* Wait for every item, and for every worker to leave the job; then another may start. */
void sz_pool_end(sz_pool *p);

#endif /* SZ_LIB_POOL_H */
