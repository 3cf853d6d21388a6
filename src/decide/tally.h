/*
 * tally.h - counting the anonymous ballots of one proposal: one vote per linking tag, the same
 * result on every node that holds the same entries, whatever order they arrived in.
 * Layer: decide.  Rules (docs/PROTOCOL.md §13 (Collective decisions) §4.3): a ballot counts if it is valid and signed
 * by its deadline; of several valid ballots with one tag, the highest revision counts, and among
 * equal revisions the smallest body hash; exact copies count once.
 */
#ifndef SZ_DECIDE_TALLY_H
#define SZ_DECIDE_TALLY_H

#include <stddef.h>
#include <stdint.h>

#include "decide/ballot.h"

typedef struct sz_tally {
	size_t noptions;
	uint32_t counts[SZ_PROPOSAL_MAX_OPTIONS]; /* votes per option */
	uint32_t voters;        /* distinct tags counted (= the sum of counts) */
	uint32_t roster_size;   /* the ring size (sz_tally_run): voters == roster_size: all voted */
	uint32_t replaced;      /* valid ballots replaced by a later revision of the same voter */
	uint32_t duplicates;    /* copies of counted ballots */
	uint32_t rejected;      /* entries that are not valid ballots on this proposal */
	int winner;             /* the option with the most votes, or -1 (no votes, or a tie) */
} sz_tally;

/* Aggregate checked ballots (from sz_ballot_check against the same proposal, n of them, any
 * order): records whose verdict is OK, REPLACED or DUPLICATE take part and get their final
 * verdict here; other verdicts are counted as rejected and left alone.  t's counts are sized by
 * noptions (2..16).  Deterministic: the result and every record's verdict depend only on the set
 * of records.  Errors: SZ_ERR_INVALID (noptions), SZ_ERR_NOMEM; t is zeroed on error. */
SZ_MUST_CHECK int sz_tally_records(sz_tally *t, sz_ballot_record *recs, size_t n,
    size_t noptions);

/* Check every ballot entry against the proposal entry and aggregate: sz_proposal_from_entry,
 * sz_ballot_check per ballot, sz_tally_records.
 * verdicts (NULL, or nballots bytes) receives each ballot's sz_verdict.  The caller has checked
 * the proposal's roster against the cell's admitted keys (sz_roster_compare).  Errors of
 * sz_proposal_from_entry (the proposal is unusable), SZ_ERR_NOMEM, SZ_ERR_INTERNAL; t is zeroed
 * on error. */
SZ_MUST_CHECK int sz_tally_run(sz_tally *t, uint8_t *verdicts, const uint8_t cell_id[static 32],
    const sz_decide_entry *proposal, const sz_decide_entry *ballots, size_t nballots);

#endif /* SZ_DECIDE_TALLY_H */
