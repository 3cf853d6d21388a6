/*
 * tally.c - one vote per linking tag, deterministically (see tally.h, docs/PROTOCOL.md §13 (Collective decisions)
 * §4.3).  Layer: decide.
 */
#include "decide/tally.h"

#include <stdlib.h>
#include <string.h>

#include "decide/decide_int.h"

/* The canonical order of valid ballots: by tag; within a tag, the one that counts first (highest
 * revision, then smallest body hash); entry ids last, so that only byte-identical entries tie. */
static int
cmp_record(const void *a, const void *b)
{
	const sz_ballot_record *x = *(const sz_ballot_record *const *)a;
	const sz_ballot_record *y = *(const sz_ballot_record *const *)b;
	int c = memcmp(x->tag, y->tag, 32);
	if (c != 0)
		return c;
	if (x->revision != y->revision)
		return x->revision > y->revision ? -1 : 1;
	if ((c = memcmp(x->body_hash, y->body_hash, 32)) != 0)
		return c;
	return memcmp(x->entry_id, y->entry_id, 32);
}

static int
participates(const sz_ballot_record *r)
{
	return r->verdict == SZ_VERDICT_OK || r->verdict == SZ_VERDICT_REPLACED ||
	    r->verdict == SZ_VERDICT_DUPLICATE;
}

int
sz_tally_records(sz_tally *t, sz_ballot_record *recs, size_t n, size_t noptions)
{
	sz_ballot_record **v = NULL;
	size_t nv = 0;

	memset(t, 0, sizeof *t);
	t->winner = -1;
	if (noptions < SZ_PROPOSAL_MIN_OPTIONS || noptions > SZ_PROPOSAL_MAX_OPTIONS)
		return SZ_ERR_INVALID;
	t->noptions = noptions;
	if (n == 0)
		return SZ_OK;
	if ((v = calloc(n, sizeof *v)) == NULL) {
		memset(t, 0, sizeof *t);
		return SZ_ERR_NOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		if (participates(&recs[i]) && recs[i].option >= noptions)
			recs[i].verdict = SZ_VERDICT_BAD_OPTION; /* checked against another proposal */
		if (!participates(&recs[i])) {
			t->rejected++;
			continue;
		}
		recs[i].verdict = SZ_VERDICT_OK;
		v[nv++] = &recs[i];
	}
	qsort(v, nv, sizeof *v, cmp_record);
	for (size_t i = 0; i < nv; i++) {
		const sz_ballot_record *head = v[i];
		t->counts[head->option]++;
		t->voters++;
		for (; i + 1 < nv && memcmp(v[i + 1]->tag, head->tag, 32) == 0; i++) {
			if (memcmp(v[i + 1]->body_hash, head->body_hash, 32) == 0) {
				v[i + 1]->verdict = SZ_VERDICT_DUPLICATE;
				t->duplicates++;
			} else {
				v[i + 1]->verdict = SZ_VERDICT_REPLACED;
				t->replaced++;
			}
		}
	}
	uint32_t best = 0;
	for (size_t o = 0; o < noptions; o++) {
		if (t->counts[o] > best) {
			best = t->counts[o];
			t->winner = (int)o;
		} else if (t->counts[o] == best && best > 0) {
			t->winner = -1;
		}
	}
	free(v);
	return SZ_OK;
}

int
sz_tally_run(sz_tally *t, uint8_t *verdicts, const uint8_t cell_id[static 32],
    const sz_decide_entry *proposal, const sz_decide_entry *ballots, size_t nballots)
{
	sz_ballot_record *recs = NULL;
	sz_proposal p;
	uint8_t scope_t[32];
	int r;

	memset(t, 0, sizeof *t);
	t->winner = -1;
	if (verdicts != NULL && nballots > 0)
		memset(verdicts, SZ_VERDICT_MALFORMED, nballots);
	if ((r = sz_proposal_from_entry(&p, proposal)) != SZ_OK)
		return r;
	if ((r = sz_proposal_scope(scope_t, cell_id, &p)) != SZ_OK)
		return r;
	if (nballots > 0 && (recs = calloc(nballots, sizeof *recs)) == NULL)
		return SZ_ERR_NOMEM;
	for (size_t i = 0; i < nballots; i++)
		if ((r = sz_ballot_check(&recs[i], &p, scope_t, &ballots[i])) != SZ_OK)
			goto out;
	if ((r = sz_tally_records(t, recs, nballots, p.noptions)) != SZ_OK)
		goto out;
	t->roster_size = (uint32_t)p.n;
	for (size_t i = 0; verdicts != NULL && i < nballots; i++)
		verdicts[i] = recs[i].verdict;
out:
	if (r != SZ_OK) {
		memset(t, 0, sizeof *t);
		t->winner = -1;
	}
	free(recs);
	return r;
}
