/*
 * cell_model.c - random cell histories through the real cell code, checked against a small
 * model of the membership rules written separately here (docs/PROTOCOL.md §11 (Cells) §7).
 * `cell_model N [FIRST]` runs N histories from seed FIRST (default 1); tests/cell_model.t runs
 * 10,000 in `make check`, tests/soak/cell_model.t many more.
 *
 * A history: 3 to 6 people; one creates the cell; then random actions by random members (add a
 * newcomer, remove a member, leave, update, post), with partial deliveries in between so that
 * ops cross (concurrent adds, removes, mutual removes, chains of invitations).  Then everything
 * is delivered to everyone, in a random order, and:
 *   1. every node still in the cell ends with the same members;
 *   2. those members are what the model computes from the ops and their causal pasts (the
 *      pasts each op declares; the model knows nothing else of the implementation).  A removal
 *      made by a member whose own removal was concurrent with it takes effect only if a member
 *      vouched for it (§7.2); the model allows either outcome for such a removal when no other
 *      op depends on it, and exactly one of them must match;
 *   3. the saved devices of removed members (their state from before their removal, with every
 *      key they had) then remove members, add a spy and update: no member's view changes;
 *   4. an op forged in a member's name by another member is refused and changes nothing.
 */
#include "cell/cell_int.h"
#include "cell/cell_testnet.h"

#define MOPS 64
#define PEOPLE 6

/* --- the model ---------------------------------------------------------------------------- */

typedef struct mrec {
	int type, author, target; /* people (node indices) */
	uint32_t seq, tseq;
	uint64_t past;            /* strict causal past, as the op declares it (a set of mrecs) */
} mrec;

static mrec ops[MOPS];
static int nops;
static uint64_t cur_seed;

static int
is_removal(const mrec *o)
{
	return o->type == OP_REMOVE || o->type == OP_LEAVE;
}

static int
gone_by(const mrec *o)
{
	return o->type == OP_REMOVE ? o->target : o->author;
}

static int
in(uint64_t set, int i)
{
	return (int)((set >> i) & 1);
}

static int
concurrent(int a, int b)
{
	return a != b && !in(ops[a].past, b) && !in(ops[b].past, a);
}

static unsigned members_of(uint64_t S, uint64_t J);
static int authorized(int o);

/* Does entry e (a create or an add) let its person in, as view J judges it? */
static int
entry_stands(int e, uint64_t J)
{
	const mrec *o = &ops[e];
	if (o->type == OP_CREATE)
		return 1;
	if (!authorized(e) || !(members_of(o->past, J) >> o->author & 1))
		return 0;
	for (int r = 0; r < nops; r++)
		if (in(J, r) && is_removal(&ops[r]) && authorized(r) && gone_by(&ops[r]) == o->author &&
		    concurrent(r, e))
			return 0;
	return 1;
}

/* The members of view S (causally closed), adds judged by view J: a person whose entry stands
 * and follows every removal of theirs in S. */
static unsigned
members_of(uint64_t S, uint64_t J)
{
	unsigned out = 0;
	for (int z = 0; z < PEOPLE; z++) {
		for (int e = 0; e < nops; e++) {
			const mrec *o = &ops[e];
			if (!in(S, e) || (o->type == OP_CREATE ? o->author : o->type == OP_ADD ? o->target :
			    -1) != z || !entry_stands(e, J))
				continue;
			int after_all = 1;
			for (int r = 0; r < nops; r++)
				if (in(S, r) && is_removal(&ops[r]) && authorized(r) && gone_by(&ops[r]) == z &&
				    !in(ops[e].past, r))
					after_all = 0;
			if (after_all)
				out |= 1u << z;
		}
	}
	return out;
}

/* Never to be added again in S: removed after having acted, or left. */
static unsigned
banned_in(uint64_t S)
{
	unsigned out = 0;
	for (int r = 0; r < nops; r++)
		if (in(S, r) && is_removal(&ops[r]) && authorized(r) &&
		    (ops[r].type == OP_LEAVE || ops[r].tseq > 0))
			out |= 1u << gone_by(&ops[r]);
	return out & ~members_of(S, S);
}

static int
authorized(int i)
{
	const mrec *o = &ops[i];
	if (o->type == OP_CREATE)
		return i == 0;
	unsigned m = members_of(o->past, o->past);
	if (!(m >> o->author & 1))
		return 0;
	if (o->type == OP_ADD)
		return !(m >> o->target & 1) && !(banned_in(o->past) >> o->target & 1) &&
		    o->target != o->author;
	if (o->type == OP_REMOVE)
		return (m >> o->target & 1) && o->target != o->author;
	return 1;
}

/* --- recording what the real nodes did ---------------------------------------------------- */

static int
person_of(net *w, const uint8_t id[32])
{
	for (int i = 0; i < w->nn; i++)
		if (memcmp(w->n[i].pk, id, 32) == 0)
			return i;
	return -1;
}

static int
rec_find(int author, uint32_t seq)
{
	for (int i = 0; i < nops; i++)
		if (ops[i].author == author && ops[i].seq == seq)
			return i;
	return -1;
}

/* The membership op node i just made (the newest in its table), with the past it declared. */
static void
record(net *w, int i)
{
	const sz_cell *c = w->n[i].c;
	const cell_mop *m = &c->mop[c->nmops - 1];
	if (nops >= MOPS)
		fail_msg("too many ops");
	mrec *o = &ops[nops];
	memset(o, 0, sizeof *o);
	o->type = m->type;
	o->author = person_of(w, c->m[m->author].id);
	o->target = person_of(w, c->m[m->target].id);
	o->seq = m->seq;
	o->tseq = m->tseq;
	assert_int_equal(o->author, i);
	for (int j = 0; j < c->nmops - 1; j++) {
		if (!oset_has(&m->past, (unsigned)j))
			continue;
		int r = rec_find(person_of(w, c->m[c->mop[j].author].id), c->mop[j].seq);
		if (r < 0)
			fail_msg("a past op that nobody made");
		o->past |= 1ull << r;
	}
	nops++;
}

/* --- the history -------------------------------------------------------------------------- */

static uint32_t
pick(net *w, uint32_t n)
{
	return sz_random_uniform(&w->order.env, n);
}

static int
active(net *w, int i)
{
	node *x = &w->n[i];
	return !x->gone && x->c != NULL && sz_cell_status(x->c) == SZ_CELL_ACTIVE &&
	    sz_cell_is_member(x->c, x->pk) && x->c->send.used;
}

/* Deliver about half of what is pending, in a random order. */
static void
partial(net *w)
{
	for (int i = 0; i < w->nn; i++)
		for (int k = 0; k < w->nlog; k++)
			if (!w->n[i].got[k] && !w->n[i].gone && pick(w, 2) == 0)
				(void)deliver(w, i, k);
}

typedef struct snap {
	int who;
	uint8_t *st;
	size_t len;
} snap;

/* Members of node i's view, as a set of people. */
static unsigned
view_of(net *w, int i)
{
	unsigned out = 0;
	for (int z = 0; z < w->nn; z++)
		if (sz_cell_is_member(w->n[i].c, w->n[z].pk))
			out |= 1u << z;
	return out;
}

static int forks;

/* With SZ_MODEL_TRACE set: each node's standing, view, held ops and what it could not open. */
static void
dump(net *w)
{
	if (!getenv("SZ_MODEL_TRACE"))
		return;
	for (int o = 0; o < nops; o++)
		fprintf(stderr, "op %d: type %d by %d of %d seq %u tseq %u past %#llx auth %d\n", o,
		    ops[o].type, ops[o].author, ops[o].target, ops[o].seq, ops[o].tseq,
		    (unsigned long long)ops[o].past, authorized(o));
	for (int i = 0; i < w->nn; i++) {
		if (w->n[i].c == NULL)
			continue;
		fprintf(stderr, "node %d (%08x): status %d active %d view %#x held %zu missing:", i,
		    w->n[i].c->m[w->n[i].c->me].mref, sz_cell_status(w->n[i].c), active(w, i),
		    view_of(w, i), w->n[i].c->nheld);
		for (int k = 0; k < w->nlog; k++)
			if (!w->n[i].got[k])
				fprintf(stderr, " %d(from %d, scope %02x%02x)", k, w->from[k], w->log[k][1],
				    w->log[k][2]);
		fprintf(stderr, "\n   epochs:");
		for (int e = 0; e < CELL_EPOCHS; e++)
			if (w->n[i].c->ep[e].used)
				fprintf(stderr, " %02x%02x", w->n[i].c->ep[e].scope[0], w->n[i].c->ep[e].scope[1]);
		fprintf(stderr, "\n");
	}
	for (int k = 0; k < w->nlog; k++)
		fprintf(stderr, "env %d from %d scope %02x%02x\n", k, w->from[k], w->log[k][1],
		    w->log[k][2]);
}

/* Is removal o made by a member that a removal concurrent with it puts out (removes it, or
 * voids the add that let it in)?  Whether such a removal counts depends on who vouches for it:
 * a member that applied it before learning that its author was out (§7.2). */
static int
racing(int o)
{
	if (ops[o].type != OP_REMOVE)
		return 0;
	uint64_t all = nops == 64 ? ~0ull : (1ull << nops) - 1;
	for (int r = 0; r < nops; r++) {
		if (!is_removal(&ops[r]) || !authorized(r) || !concurrent(r, o))
			continue;
		uint64_t S = ops[o].past | ops[r].past | 1ull << r;
		if (!(members_of(S, all) >> ops[o].author & 1))
			return 1;
	}
	return 0;
}

/* The history is tangled: a removal raced its author's being put out, or an add was voided by a
 * removal of its author concurrent with it.  Only then may a node be cut off (below). */
static int
tangled(void)
{
	for (int o = 0; o < nops; o++) {
		if (racing(o))
			return 1;
		if (ops[o].type != OP_ADD)
			continue;
		for (int r = 0; r < nops; r++)
			if (is_removal(&ops[r]) && authorized(r) && gone_by(&ops[r]) == ops[o].author &&
			    concurrent(r, o))
				return 1;
	}
	return 0;
}

/* Does the state of the nodes fit the model outcome M (a set of people)?  Every node in the cell
 * in its own view that M counts sees exactly M (or M and nodes that are out of the cell, when the
 * removal that put them out is sealed under keys that went with them: cut off too); any other
 * node in the cell in its own view is cut off: no node of M counts it.  Cut-off nodes are a documented limit (docs/threat/cell.md):
 * when members remove each other at the same moment with no third member to vouch, or a
 * member's admission is voided by a removal sealed under keys it was never given, that member
 * may never learn it is out; it then reads nothing new and no member takes what it sends. */
static int
fits(net *w, unsigned M, int *cut)
{
	unsigned gone = 0;
	*cut = 0;
	for (int i = 0; i < w->nn; i++)
		if (!active(w, i))
			gone |= 1u << i;
	for (int i = 0; i < w->nn; i++) {
		if (!active(w, i))
			continue;
		unsigned v = view_of(w, i);
		if (!(v >> i & 1))
			fail_msg("seed %llu: node %d is active but not in its own view",
			    (unsigned long long)cur_seed, i);
		if (M >> i & 1) {
			/* exactly M; or, cut off the other way, M and ghosts: nodes out of the cell
			 * that it never learnt are out (the removal's keys went with them) */
			if (v != M && (v & ~gone) != M)
				return 0;
			if (v != M)
				(*cut)++;
			continue;
		}
		for (int j = 0; j < w->nn; j++)
			if ((M >> j & 1) && active(w, j) && (view_of(w, j) >> i & 1))
				return 0;
		(*cut)++;
	}
	for (int j = 0; j < w->nn; j++) /* every member M counts is in the cell in its own view */
		if ((M >> j & 1) && !active(w, j))
			return 0;
	return 1;
}

static int
feed_everyone(net *w, sz_cell_result *res)
{
	int taken = 0;
	for (size_t k = 0; k < res->nout; k++)
		for (int i = 0; i < w->nn; i++) {
			if (!active(w, i))
				continue;
			sz_cell_result rr = { 0 };
			int r = sz_cell_receive(w->n[i].c, res->out[k], res->outlen[k], &rr);
			if (r != SZ_OK && r != SZ_ERR_NOT_FOUND && r != SZ_ERR_DECRYPT)
				fail_msg("receive failed: %d", r);
			taken++;
			if (getenv("SZ_CELL_TRACE"))
				for (size_t e = 0; e < rr.nev; e++)
					fprintf(stderr, "feed: node %d <- saved %zu: ev %d op %d reason %d %s\n", i, k,
					    rr.ev[e].type, rr.ev[e].op, rr.ev[e].reason, rr.ev[e].text);
			net_take(w, i, &rr);
		}
	return taken;
}

static void
history(uint64_t seed)
{
	net *w = net_new(3 + (int)(seed % 4), seed);
	cur_seed = seed;
	snap snaps[2];
	int nsnap = 0;
	nops = 0;
	memset(ops, 0, sizeof ops);
	record(w, 0);
	int steps = 8 + (int)pick(w, 6);
	for (int s = 0; s < steps; s++) {
		if (pick(w, 4) == 0) {
			partial(w);
			continue;
		}
		if (pick(w, 8) == 0) { /* a node restarts: its state goes through the store's bytes */
			node *x = &w->n[pick(w, (uint32_t)w->nn)];
			if (x->c != NULL) {
				uint8_t *st;
				size_t len;
				sz_cell *y;
				assert_int_equal(sz_cell_serialize(x->c, &st, &len), SZ_OK);
				assert_int_equal(sz_cell_deserialize(&y, &x->env.env, st, len), SZ_OK);
				uint8_t *st2;
				size_t len2;
				assert_int_equal(sz_cell_serialize(y, &st2, &len2), SZ_OK);
				assert_int_equal(len2, len);
				assert_memory_equal(st2, st, len);
				sz_wipe(st, len);
				sz_wipe(st2, len2);
				free(st);
				free(st2);
				sz_cell_free(x->c);
				x->c = y;
			}
			continue;
		}
		int i = (int)pick(w, (uint32_t)w->nn);
		if (!active(w, i)) {
			(void)deliver(w, i, (int)pick(w, (uint32_t)w->nlog));
			continue;
		}
		sz_cell *c = w->n[i].c;
		sz_cell_result res = { 0 };
		uint32_t a = pick(w, 20);
		int fresh = -1, victim = -1, nmem = 0;
		for (int z = 0; z < w->nn; z++) {
			if (w->n[z].c == NULL && w->n[z].welcome == NULL && sz_cellm_find(c, w->n[z].pk) < 0)
				fresh = z;
			if (z != i && sz_cell_is_member(c, w->n[z].pk) && (victim < 0 || pick(w, 2)))
				victim = z;
			nmem += sz_cell_is_member(c, w->n[z].pk);
		}
		if (getenv("SZ_MODEL_TRACE"))
			fprintf(stderr, "step %d: node %d action %u fresh %d victim %d nmem %d\n", s, i, a,
			    fresh, victim, nmem);
		if (a < 6 && fresh >= 0) {
			add(w, i, fresh);
			record(w, i);
		} else if (a < 10 && victim >= 0) {
			node *v = &w->n[victim];
			if (nsnap < 2 && v->c != NULL && sz_cell_status(v->c) == SZ_CELL_ACTIVE) {
				snaps[nsnap].who = victim;
				assert_int_equal(sz_cell_serialize(v->c, &snaps[nsnap].st, &snaps[nsnap].len),
				    SZ_OK);
				nsnap++;
			}
			assert_int_equal(sz_cell_remove(c, v->pk, &res), SZ_OK);
			net_take(w, i, &res);
			record(w, i);
		} else if (a < 11 && nmem > 2) {
			assert_int_equal(sz_cell_leave(c, &res), SZ_OK);
			net_take(w, i, &res);
			record(w, i);
		} else if (a < 15) {
			assert_int_equal(sz_cell_update(c, &res), SZ_OK);
			net_take(w, i, &res);
		} else {
			post(w, i, "a post");
		}
	}
	run(w);
	/* 1 and 2: agreement, and the model */
	int amb[MOPS], namb = 0, cut = 0, match = 0;
	uint64_t all = nops == 64 ? ~0ull : (1ull << nops) - 1;
	unsigned real = 0;
	for (int o = 0; o < nops; o++)
		if (racing(o))
			amb[namb++] = o;
	if (namb > 10)
		fail_msg("too many racing removals to enumerate");
	for (unsigned m = 0; m < (1u << namb) && !match; m++) {
		uint64_t V = all;
		for (int k = 0; k < namb; k++)
			if (!(m >> k & 1))
				V &= ~(1ull << amb[k]);
		/* an op left out cannot be in the past of an op kept that another member made (that
		 * op's author applied it: a vouch) */
		int closed = 1;
		for (int p = 0; p < nops && closed; p++)
			for (int o = 0; o < nops && in(V, p); o++)
				if (!in(V, o) && in(ops[p].past, o) && ops[p].author != ops[o].author)
					closed = 0;
		real = members_of(V, V);
		match = closed && fits(w, real, &cut);
	}
	if (!match || (cut > 0 && !tangled())) {
		dump(w);
		fail_msg("seed %llu: the nodes' views fit no outcome of the model (%d racing removals, "
		    "%d cut off)", (unsigned long long)seed, namb, cut);
	}
	forks += cut > 0;
	/* 3: the saved devices of removed members */
	for (int k = 0; k < nsnap; k++) {
		sz_env_seeded env;
		sz_cell *d;
		sz_env_seeded_init(&env, seed * 7 + (uint64_t)k, 1800000000000ull);
		assert_int_equal(sz_cell_deserialize(&d, &env.env, snaps[k].st, snaps[k].len), SZ_OK);
		sz_wipe(snaps[k].st, snaps[k].len);
		free(snaps[k].st);
		/* came back (a revocation re-added)?  Or a ghost: a node in the cell that never
		 * learnt it is out (a tangle, counted as cut off above)?  Then nothing to try. */
		int ghost = 0;
		for (int z = 0; z < w->nn; z++)
			ghost |= active(w, z) && (view_of(w, z) >> snaps[k].who & 1);
		if ((real >> snaps[k].who & 1) || ghost) {
			sz_cell_free(d);
			continue;
		}
		sz_cell_result res = { 0 };
		for (int z = 0; z < w->nn; z++)
			if (z != snaps[k].who && sz_cell_is_member(d, w->n[z].pk) && (real >> z & 1))
				assert_int_equal(sz_cell_remove(d, w->n[z].pk, &res), SZ_OK);
		for (int z = 0; z < w->nn; z++)
			if (sz_cellm_find(d, w->n[z].pk) < 0) {
				assert_int_equal(sz_cell_add(d, w->n[z].pk, w->n[z].jk.prekey_pk,
				    w->n[z].jk.csk_pk, &res), SZ_OK);
				break;
			}
		assert_int_equal(sz_cell_update(d, &res), SZ_OK);
		(void)feed_everyone(w, &res);
		sz_cell_result_free(&res);
		sz_cell_free(d);
		run(w);
		int cut2;
		if (!fits(w, real, &cut2) && getenv("SZ_MODEL_TRACE")) {
			dump(w);
			fprintf(stderr, "saved device of %d; before %#x\n", snaps[k].who, real);
		}
		if (!fits(w, real, &cut2))
			fail_msg("seed %llu: a removed member's saved device changed the members",
			    (unsigned long long)seed);
	}
	/* 4: an op forged in a member's name */
	int forger = -1, victim = -1;
	for (int z = 0; z < w->nn; z++)
		if (active(w, z)) {
			if (forger < 0)
				forger = z;
			else
				victim = z;
		}
	if (forger >= 0 && victim >= 0) {
		sz_cell *c = w->n[forger].c;
		int vi = sz_cellm_find(c, w->n[victim].pk);
		uint16_t heads[CELL_MAX_HEADS];
		size_t nh = sz_cellm_heads(c, heads, CELL_MAX_HEADS);
		sz_buf b = { 0 };
		sz_buf_u8(&b, 3);
		sz_buf_u8(&b, OP_LEAVE);
		sz_buf_u32(&b, c->m[vi].mref);
		sz_buf_u32(&b, c->m[vi].done + 1);
		sz_buf_append(&b, c->m[vi].oprec[c->m[vi].done % CELL_OPREC], 8);
		sz_buf_u8(&b, (uint8_t)nh);
		for (size_t h = 0; h < nh; h++) {
			sz_buf_u32(&b, c->m[c->mop[heads[h]].author].mref);
			sz_buf_u32(&b, c->mop[heads[h]].seq);
			sz_buf_append(&b, c->mop[heads[h]].id, 8);
		}
		sz_buf_u8(&b, 0);
		uint8_t fpk[32], fsk[64], fseed[32];
		memcpy(fseed, &seed, sizeof seed);
		fseed[31] = 0x77;
		assert_int_equal(sz_sign_seed_keypair(fpk, fsk, fseed), SZ_OK);
		uint8_t sc[1][16];
		size_t ks;
		assert_int_equal(sz_cell_scopes(c, sc, 1, &ks), SZ_OK);
		const cell_epoch *ep = NULL;
		for (int e = 0; e < CELL_EPOCHS; e++)
			if (c->ep[e].used && memcmp(c->ep[e].scope, sc[0], 16) == 0)
				ep = &c->ep[e];
		sz_cell_result f = { 0 };
		forge(&b, fsk, ep, &w->n[forger].env, &f);
		sz_buf_free(&b);
		(void)feed_everyone(w, &f);
		sz_cell_result_free(&f);
		run(w);
		int cut2;
		if (!fits(w, real, &cut2))
			fail_msg("seed %llu: a forged leave changed the members", (unsigned long long)seed);
	}
	net_free(w);
}

static uint64_t first = 1, count = 100;

static void
test_histories(void **state)
{
	(void)state;
	for (uint64_t s = first; s < first + count; s++)
		history(s);
	printf("cell_model: %llu histories from seed %llu; in %d a tangle of concurrent removals cut "
	    "a node off (it never learnt it was out)\n", (unsigned long long)count, (unsigned long long)first,
	    forks);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_histories),
	};
	if (argc > 1)
		count = strtoull(argv[1], NULL, 10);
	if (argc > 2)
		first = strtoull(argv[2], NULL, 10);
	if (sz_init() != SZ_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
