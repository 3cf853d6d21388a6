/*
 * pool.c - worker threads that run one job at a time, in chunks claimed in order (see pool.h).
 * Layer: lib.  The owner of the pool (the thread that starts a job) may consume items in order
 * as they finish and runs unclaimed chunks itself instead of sleeping.
 */
#include "lib/pool.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define STACK_BYTES (512u << 10)

struct sz_pool {
	pthread_mutex_t mu;
	pthread_cond_t work;            /* to workers: a job started, or quit */
	pthread_cond_t done;            /* to the owner: a chunk finished, or a worker left a job */
	pthread_t th[SZ_POOL_MAX_THREADS];
	unsigned nthreads;
	bool quit;                      /* under mu */
	/* The job.  Written by the owner while no worker is inside (under mu), read by workers
	 * after they took mu and entered. */
	void (*fn)(void *ctx, size_t i);
	void *ctx;
	size_t n, nchunks;
	atomic_size_t next;             /* the next chunk to claim */
	atomic_uchar *ok;               /* per chunk: finished */
	size_t cap;
	size_t waited;                  /* owner: chunks [0, waited) are known finished */
	uint64_t gen;                   /* under mu: bumped per job */
	bool running;                   /* under mu */
	bool waiting;                   /* under mu: the owner sleeps on done */
	unsigned inside;                /* under mu: workers inside the job */
};

unsigned
sz_pool_default_threads(void)
{
	const char *e = getenv("SAMIZDAT_THREADS");
	if (e != NULL && *e != '\0') {
		char *end;
		unsigned long v = strtoul(e, &end, 10);
		if (*end == '\0')
			return v > SZ_POOL_MAX_THREADS ? SZ_POOL_MAX_THREADS : (unsigned)v;
	}
	long c = sysconf(_SC_NPROCESSORS_ONLN);
	if (c < 1)
		c = 1;
	return c > SZ_POOL_MAX_THREADS ? SZ_POOL_MAX_THREADS : (unsigned)c;
}

/* Run chunks until none is left to claim. */
static void
run_chunks(sz_pool *p, bool worker)
{
	for (;;) {
		size_t c = atomic_fetch_add_explicit(&p->next, 1, memory_order_relaxed);
		if (c >= p->nchunks)
			return;
		size_t end = (c + 1) * SZ_POOL_CHUNK;
		if (end > p->n)
			end = p->n;
		for (size_t i = c * SZ_POOL_CHUNK; i < end; i++)
			p->fn(p->ctx, i);
		atomic_store_explicit(&p->ok[c], 1, memory_order_release);
		if (worker) {
			pthread_mutex_lock(&p->mu);
			if (p->waiting)
				pthread_cond_broadcast(&p->done);
			pthread_mutex_unlock(&p->mu);
		}
	}
}

static void *
worker_main(void *arg)
{
	sz_pool *p = arg;
	uint64_t seen = 0;
	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->quit && (!p->running || p->gen == seen))
			pthread_cond_wait(&p->work, &p->mu);
		if (p->quit)
			break;
		seen = p->gen;
		p->inside++;
		pthread_mutex_unlock(&p->mu);
		run_chunks(p, true);
		pthread_mutex_lock(&p->mu);
		p->inside--;
		pthread_cond_broadcast(&p->done);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

static void
stop(sz_pool *p)
{
	pthread_mutex_lock(&p->mu);
	p->quit = true;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
	for (unsigned i = 0; i < p->nthreads; i++)
		pthread_join(p->th[i], NULL);
	p->nthreads = 0;
}

int
sz_pool_new(sz_pool **out, unsigned nthreads)
{
	sz_pool *p = calloc(1, sizeof *p);
	pthread_attr_t attr;
	sigset_t all, old;
	int r = SZ_OK;
	*out = NULL;
	if (p == NULL)
		return SZ_ERR_NOMEM;
	if (nthreads > SZ_POOL_MAX_THREADS)
		nthreads = SZ_POOL_MAX_THREADS;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->done, NULL);
	atomic_init(&p->next, 0);
	if (nthreads > 0) {
		if (pthread_attr_init(&attr) != 0) {
			sz_pool_free(p);
			return SZ_ERR_INTERNAL;
		}
		(void)pthread_attr_setstacksize(&attr, STACK_BYTES);
		/* Signals go to the threads of the program, never to ours (they inherit this mask). */
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		for (unsigned i = 0; i < nthreads; i++) {
			if (pthread_create(&p->th[i], &attr, worker_main, p) != 0) {
				r = SZ_ERR_INTERNAL;
				break;
			}
			p->nthreads++;
		}
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		pthread_attr_destroy(&attr);
	}
	if (r != SZ_OK) {
		sz_pool_free(p);
		return r;
	}
	*out = p;
	return SZ_OK;
}

void
sz_pool_free(sz_pool *p)
{
	if (p == NULL)
		return;
	stop(p);
	pthread_cond_destroy(&p->done);
	pthread_cond_destroy(&p->work);
	pthread_mutex_destroy(&p->mu);
	free(p->ok);
	free(p);
}

int
sz_pool_start(sz_pool *p, void (*fn)(void *ctx, size_t i), void *ctx, size_t n)
{
	size_t nchunks = (n + SZ_POOL_CHUNK - 1) / SZ_POOL_CHUNK;
	if (p->fn != NULL)
		return SZ_ERR_BUSY;
	if (nchunks > p->cap) {
		atomic_uchar *ok = realloc(p->ok, nchunks * sizeof *ok);
		if (ok == NULL)
			return SZ_ERR_NOMEM;
		p->ok = ok;
		p->cap = nchunks;
	}
	for (size_t c = 0; c < nchunks; c++)
		atomic_init(&p->ok[c], 0);
	p->fn = fn;
	p->ctx = ctx;
	p->n = n;
	p->nchunks = nchunks;
	p->waited = 0;
	atomic_store_explicit(&p->next, 0, memory_order_relaxed);
	pthread_mutex_lock(&p->mu);
	p->running = true;
	p->gen++;
	if (p->nthreads > 0 && nchunks > 0)
		pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
	return SZ_OK;
}

void
sz_pool_wait(sz_pool *p, size_t upto)
{
	if (p->fn == NULL)
		return;
	if (upto > p->n)
		upto = p->n;
	size_t last = (upto + SZ_POOL_CHUNK - 1) / SZ_POOL_CHUNK;
	for (size_t c = p->waited; c < last; c++) {
		while (!atomic_load_explicit(&p->ok[c], memory_order_acquire)) {
			/* Chunks are claimed in order: if c is not claimed yet, this claims it. */
			size_t k = atomic_fetch_add_explicit(&p->next, 1, memory_order_relaxed);
			if (k < p->nchunks) {
				size_t end = (k + 1) * SZ_POOL_CHUNK;
				if (end > p->n)
					end = p->n;
				for (size_t i = k * SZ_POOL_CHUNK; i < end; i++)
					p->fn(p->ctx, i);
				atomic_store_explicit(&p->ok[k], 1, memory_order_release);
				continue;
			}
			pthread_mutex_lock(&p->mu);
			p->waiting = true;
			while (!atomic_load_explicit(&p->ok[c], memory_order_acquire))
				pthread_cond_wait(&p->done, &p->mu);
			p->waiting = false;
			pthread_mutex_unlock(&p->mu);
		}
	}
	if (last > p->waited)
		p->waited = last;
}

void
sz_pool_end(sz_pool *p)
{
	if (p->fn == NULL)
		return;
	sz_pool_wait(p, p->n);
	pthread_mutex_lock(&p->mu);
	p->running = false;
	while (p->inside > 0)
		pthread_cond_wait(&p->done, &p->mu);
	pthread_mutex_unlock(&p->mu);
	p->fn = NULL;
	p->ctx = NULL;
}
