/*
 * node_bundle_test.c - what a courier bundle may plant in a node, attacked through real nodes
 * (stores in a temporary directory, cells formed by add and welcome) and bundles made with the
 * real writer (sz_bundle_writer_*), as an attacker would make them.  docs/PROTOCOL.md §9
 * (Import), docs/THREAT_MODEL.md §3.3.  Layer: app.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/node_int.h"
#include "app/node_testlib.h"
#include "cell/cell.h"
#include "crypto/crypto.h"
#include "lib/bytes.h"
#include "wire/entry.h"
#include "sync/bundle.h"
#include "wire/envelope.h"

/* O: a victim in no cell.  M: the attacker, an infiltrator of V's cell X.  V: a member of X and
 * Y.  W: a member of Y only. */
enum { O, M, V, W, NN };
enum { X, Y };

static char dir[TN_DIR_BYTES];
static sz_node *nd[NN];
static sz_cell *cl[NN][2];   /* cl[who][X or Y], NULL if not a member */

/* --- helpers ------------------------------------------------------------------------------- */

/* Envelopes a holds in the scopes of its cell c (NULL: the public scope) that b lacks; each
 * malloc()ed into envs (at most max). */
static size_t
lacking(int a, const sz_cell *c, int b, uint8_t **envs, size_t *lens, size_t max)
{
	uint8_t sc[64][16];
	size_t ns = 1, k = 0;
	if (c != NULL)
		assert_int_equal(sz_cell_scopes(c, sc, 64, &ns), SZ_OK);
	else
		sz_env_public_scope(sc[0]);
	for (size_t s = 0; s < ns; s++) {
		sz_store_item *items;
		size_t count;
		assert_int_equal(sz_store_list_envelopes(nd[a]->store, sc[s], 0, UINT64_MAX, 0, &items,
		    &count), SZ_OK);
		for (size_t i = 0; i < count; i++) {
			uint8_t *env;
			size_t len;
			if (sz_store_get_envelope(nd[b]->store, items[i].id, &env, &len) == SZ_OK) {
				free(env);
				continue;
			}
			assert_true(k < max);
			assert_int_equal(sz_store_get_envelope(nd[a]->store, items[i].id, &envs[k], &lens[k]),
			    SZ_OK);
			k++;
		}
		free(items);
	}
	return k;
}

static void
free_all(uint8_t **envs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(envs[i]);
}

/* Carry what a holds of its cell c to b, as a sync would; returns how many b stored. */
static size_t
carry(int a, const sz_cell *c, int b)
{
	uint8_t *envs[256];
	size_t lens[256], n = lacking(a, c, b, envs, lens, 256), stored = 0;
	int res[256];
	if (n > 0)
		assert_int_equal(sz_node_ingest(nd[b], (const uint8_t *const *)envs, lens, n, res), SZ_OK);
	for (size_t i = 0; i < n; i++)
		stored += res[i] == SZ_OK;
	free_all(envs, n);
	return stored;
}

/* Members a and b of cell k exchange until nothing new moves. */
static void
converge(int a, int b, int k)
{
	for (int round = 0; round < 8; round++)
		if (carry(a, cl[a][k], b) + carry(b, cl[b][k], a) == 0)
			return;
	fail_msg("the members did not settle");
}

/* V adds who to its cell k; who joins from the welcome V's add made (handed over as the answer
 * to an invitation would). */
static void
join(int who, int k)
{
	assert_int_equal(tn_add_join(nd[V], cl[V][k], nd[who], &cl[who][k]), SZ_OK);
	converge(V, who, k);
}

/* The envelope of the leaflet who publishes with text. */
static void
leaflet(int who, const char *text, uint8_t **env, size_t *len)
{
	uint8_t id[32], env_id[32], *entry;
	size_t elen;
	assert_int_equal(sz_node_leaflet_publish(nd[who], (const uint8_t *)text, strlen(text), id),
	    SZ_OK);
	assert_int_equal(sz_store_get_entry(nd[who]->store, id, &entry, &elen, NULL, env_id), SZ_OK);
	free(entry);
	assert_int_equal(sz_store_get_envelope(nd[who]->store, env_id, env, len), SZ_OK);
}

/* A sealed envelope under scope, of bucket size, that nobody can open: what an attacker plants
 * to recognize the node that keeps it. */
static void
beacon(const uint8_t scope[16], uint8_t **env, size_t *len)
{
	uint8_t key[32], nonce[24];
	static const uint8_t pt[] = "where do you sync from?";
	sz_random(nd[M]->env, key, sizeof key);
	sz_random(nd[M]->env, nonce, sizeof nonce);
	assert_int_equal(sz_env_seal(env, len, scope, pt, sizeof pt, key, nonce), SZ_OK);
}

/* Write a bundle with the real writer: sealed to secrets and/or a passphrase, carrying items. */
static void
write_bundle(const char *path, const uint8_t (*secrets)[32], size_t nsecrets, const char *pass,
    uint8_t *const *items, const size_t *lens, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	sz_bundle_io io = { sz_node_fd_write, NULL, &fd };
	sz_bundle_writer *w;
	assert_int_equal(sz_bundle_writer_new(&w, &io, SZ_BUNDLE_ENVELOPES, secrets, nsecrets,
	    nd[M]->env, sz_now_ms(nd[M]->env)), SZ_OK);
	if (pass != NULL) {
		uint8_t salt[SZ_BUNDLE_SALT_BYTES], sec[32];
		sz_bundle_writer_salt(w, salt);
		assert_int_equal(sz_bundle_passphrase_secret(sec, pass, strlen(pass), salt), SZ_OK);
		assert_int_equal(sz_bundle_writer_add_recipient(w, sec), SZ_OK);
	}
	for (size_t i = 0; i < n; i++)
		assert_int_equal(sz_bundle_writer_add(w, items[i], lens[i]), SZ_OK);
	assert_int_equal(sz_bundle_writer_finish(w), SZ_OK);
	sz_bundle_writer_free(w);
	close(fd);
}

static int
import(int who, const char *path, const char *pass, sz_node_bundle_stats *st)
{
	sz_bundle_report rep;
	int fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	int r = sz_node_bundle_import(nd[who], fd, pass, st, &rep);
	close(fd);
	return r;
}

static bool
holds(int who, const uint8_t *env, size_t len)
{
	uint8_t id[32], *got;
	size_t gl;
	assert_int_equal(sz_env_id(id, env, len), SZ_OK);
	if (sz_store_get_envelope(nd[who]->store, id, &got, &gl) != SZ_OK)
		return false;
	free(got);
	return true;
}

typedef struct find_text {
	const char *text;
	bool found;
} find_text;

static int
find_post(void *ctx, const sz_post *p)
{
	find_text *f = ctx;
	if (p->len == strlen(f->text) && memcmp(p->text, f->text, p->len) == 0)
		f->found = true;
	return SZ_OK;
}

static bool
reads(int who, int k, const char *text)
{
	find_text f = { text, false };
	assert_int_equal(sz_node_read(nd[who], cl[who][k], find_post, &f), SZ_OK);
	return f.found;
}

/* One real sync session in memory, a initiating; a offers extra as well as its own scopes (an
 * attacker's node answers to whatever scope it likes). */
static void
sync_pair(int a, const uint8_t extra[16], int b, sz_sync_stats *sa, sz_sync_stats *sb)
{
	sz_sync_config ca, cb;
	void *mem_a, *mem_b;
	assert_int_equal(sz_node_sync_config(nd[a], SZ_NOISE_INITIATOR, &ca, &mem_a), SZ_OK);
	assert_int_equal(sz_node_sync_config(nd[b], SZ_NOISE_RESPONDER, &cb, &mem_b), SZ_OK);
	uint8_t(*offer)[16] = calloc(ca.nscopes + 1, 16);
	assert_non_null(offer);
	memcpy(offer, ca.scopes, ca.nscopes * 16);
	bool have = false;
	for (size_t i = 0; i < ca.nscopes; i++)
		have |= memcmp(offer[i], extra, 16) == 0;
	if (!have)
		memcpy(offer[ca.nscopes++], extra, 16);
	ca.scopes = (const uint8_t(*)[16])offer;
	tn_result r = tn_run(&ca, &cb);
	free(offer);
	sz_node_sync_config_free(mem_a);
	sz_node_sync_config_free(mem_b);
	assert_int_equal(r.ea, SZ_OK);
	assert_int_equal(r.eb, SZ_OK);
	*sa = r.a;
	*sb = r.b;
}

/* --- fixture ------------------------------------------------------------------------------- */

static int
setup(void **state)
{
	(void)state;
	if (tn_nodes(dir, "node-bundle", nd, NN) != 0)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	tn_nodes_free(dir, nd, NN);
	return 0;
}

static void
test_cells_form(void **state)
{
	(void)state;
	assert_int_equal(sz_node_cell_create(nd[V], "factory", &cl[V][X]), SZ_OK);
	assert_int_equal(sz_node_cell_create(nd[V], "school", &cl[V][Y]), SZ_OK);
	join(M, X);
	join(W, Y);
	assert_non_null(cl[M][X]);
	assert_non_null(cl[W][Y]);
}

/* --- the attacks --------------------------------------------------------------------------- */

/* A passphrase bundle made by an outsider carries a valid leaflet and, under a scope the
 * attacker chose, a sealed envelope nobody can open (plus a forged leaflet and a non-envelope).
 * The victim keeps the leaflet only, and in a real sync with the attacker's node afterwards
 * shares no scope but the public one: no beacon. */
static void
test_passphrase_bundle_plants_no_beacon(void **state)
{
	(void)state;
	char path[128];
	snprintf(path, sizeof path, "%s/leaflets.bundle", dir);
	uint8_t *items[4], chosen[16];
	size_t lens[4];
	sz_random(nd[M]->env, chosen, sizeof chosen);
	leaflet(M, "Strike on Thursday: pass it on.", &items[0], &lens[0]);
	beacon(chosen, &items[1], &lens[1]);
	/* a forged leaflet (one byte of its text changed) and an item that is no envelope */
	items[2] = malloc(lens[0]);
	assert_non_null(items[2]);
	memcpy(items[2], items[0], lens[0]);
	items[2][SZ_ENV_HEADER_BYTES + 4 + 40] ^= 1;
	lens[2] = lens[0];
	items[3] = calloc(1, 100);
	assert_non_null(items[3]);
	lens[3] = 100;
	write_bundle(path, NULL, 0, "courier phrase", items, lens, 4);

	/* The attacker's own node keeps the beacon (it is his). */
	int res;
	const uint8_t *b = items[1];
	assert_int_equal(sz_node_ingest(nd[M], &b, &lens[1], 1, &res), SZ_OK);

	sz_node_bundle_stats st;
	assert_int_equal(import(O, path, "courier phrase", &st), SZ_OK);
	assert_int_equal(st.envelopes, 4);
	assert_int_equal(st.stored, 1);
	assert_int_equal(st.refused, 3);
	assert_int_equal(st.refused_kind, 1);  /* the sealed one: a passphrase bundle may not */
	assert_null(st.cell);
	assert_true(holds(O, items[0], lens[0]));
	assert_false(holds(O, items[1], lens[1]));
	assert_false(holds(O, items[2], lens[2]));

	/* The victim answers to the public scope alone... */
	uint8_t *scopes, pub[16];
	size_t ns;
	sz_env_public_scope(pub);
	assert_int_equal(sz_node_scopes(nd[O], &scopes, &ns), SZ_OK);
	assert_int_equal(ns, 1);
	assert_memory_equal(scopes, pub, 16);
	free(scopes);
	/* ...and a real session with the attacker's node, which offers the chosen scope, finds
	 * only the public scope shared, from either side. */
	sz_sync_stats sa, sb;
	sync_pair(M, chosen, O, &sa, &sb);
	assert_int_equal(sa.scopes_shared, 1);
	assert_int_equal(sb.scopes_shared, 1);
	/* Importing it again changes nothing. */
	assert_int_equal(import(O, path, "courier phrase", &st), SZ_OK);
	assert_int_equal(st.stored, 0);
	assert_int_equal(st.refused_kind, 1);
	assert_false(holds(O, items[1], lens[1]));
	free_all(items, 4);
}

/* An infiltrator of X (M) writes a bundle sealed to X's bundle secrets carrying an envelope of
 * Y (W's post, which M carried as a relay), a public leaflet, M's own post in X and a sealed
 * envelope of a scope no cell of V knows.  V, a member of X and Y, refuses Y's envelope (it is
 * never stored and V does not read W's post from it) and takes in the rest: the leaflet and X's
 * post (cell bundles carry public leaflets by design: sz_node_bundle_export puts them in), and
 * the unknown scope goes to the ordinary ingest. */
static void
test_cell_bundle_carries_its_cell_only(void **state)
{
	(void)state;
	char path[128];
	snprintf(path, sizeof path, "%s/x.bundle", dir);
	uint8_t *items[16], unknown[16];
	size_t lens[16], n = 0, ny;
	assert_int_equal(sz_node_post(nd[W], cl[W][Y], NULL, (const uint8_t *)"School meets at 6",
	    17, (uint8_t[32]){ 0 }), SZ_OK);
	ny = lacking(W, cl[W][Y], V, items, lens, 16);
	assert_true(ny >= 1);
	n = ny;
	leaflet(M, "Leaflet carried by M", &items[n], &lens[n]);
	n++;
	assert_int_equal(sz_node_post(nd[M], cl[M][X], NULL, (const uint8_t *)"Factory at 7", 12,
	    (uint8_t[32]){ 0 }), SZ_OK);
	n += lacking(M, cl[M][X], V, items + n, lens + n, 16 - n);
	sz_random(nd[M]->env, unknown, sizeof unknown);
	beacon(unknown, &items[n], &lens[n]);
	n++;
	uint8_t sec[3][32];
	size_t ks;
	assert_int_equal(sz_cell_bundle_secrets(cl[M][X], sec, 3, &ks), SZ_OK);
	write_bundle(path, (const uint8_t(*)[32])sec, ks, NULL, items, lens, n);
	sz_wipe(sec, sizeof sec);

	sz_node_bundle_stats st;
	assert_int_equal(import(V, path, NULL, &st), SZ_OK);
	assert_ptr_equal(st.cell, cl[V][X]);
	assert_int_equal(st.envelopes, n);
	assert_int_equal(st.refused_kind, ny);
	for (size_t i = 0; i < ny; i++)
		assert_false(holds(V, items[i], lens[i]));
	assert_false(reads(V, Y, "School meets at 6"));
	for (size_t i = ny; i + 1 < n; i++)
		assert_true(holds(V, items[i], lens[i]));
	assert_true(reads(V, X, "Factory at 7"));
	free_all(items, n);

	/* Y's envelope still reaches V the ordinary way, from a member of Y. */
	converge(W, V, Y);
	assert_true(reads(V, Y, "School meets at 6"));
}

/* An honest cell bundle, written by sz_node_bundle_export, is taken in whole by a member. */
static void
test_cell_bundle_round_trip(void **state)
{
	(void)state;
	char path[128];
	snprintf(path, sizeof path, "%s/honest.bundle", dir);
	uint8_t id[32];
	assert_int_equal(sz_node_post(nd[V], cl[V][X], NULL, (const uint8_t *)"Bring banners", 13,
	    id), SZ_OK);
	assert_int_equal(sz_node_leaflet_publish(nd[V], (const uint8_t *)"V's leaflet", 11, id), SZ_OK);
	sz_node_bundle_spec spec = { .cell = sz_cell_name(cl[V][X]), .summary_fd = -1 };
	sz_node_bundle_stats st;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(sz_node_bundle_export(nd[V], fd, &spec, &st), SZ_OK);
	close(fd);
	assert_ptr_equal(st.cell, cl[V][X]);
	assert_int_equal(import(M, path, NULL, &st), SZ_OK);
	assert_ptr_equal(st.cell, cl[M][X]);
	assert_int_equal(st.refused, 0);
	assert_true(st.stored >= 2);
	assert_true(reads(M, X, "Bring banners"));
}

/* M sends V a summary for X and V answers without naming a cell: the answer is for X alone.
 * It carries none of Y's envelopes, so M (who is not in Y) learns none of Y's scope tags. */
static void
test_answer_is_for_the_summary_cell(void **state)
{
	(void)state;
	char sum[128], ans[128];
	snprintf(sum, sizeof sum, "%s/m.summary", dir);
	snprintf(ans, sizeof ans, "%s/v.answer", dir);
	uint8_t id[32];
	assert_int_equal(sz_node_post(nd[V], cl[V][Y], NULL, (const uint8_t *)"Y only", 6, id), SZ_OK);
	assert_int_equal(sz_node_post(nd[V], cl[V][X], NULL, (const uint8_t *)"X news", 6, id), SZ_OK);
	sz_node_bundle_spec spec = { .cell = sz_cell_name(cl[M][X]), .summary_fd = -1,
		.summary_only = true };
	sz_node_bundle_stats st;
	int fd = open(sum, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(sz_node_bundle_export(nd[M], fd, &spec, &st), SZ_OK);
	close(fd);
	sz_node_bundle_spec answer = { .summary_fd = open(sum, O_RDONLY) };
	assert_true(answer.summary_fd >= 0);
	fd = open(ans, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(sz_node_bundle_export(nd[V], fd, &answer, &st), SZ_OK);
	close(fd);
	close(answer.summary_fd);
	assert_ptr_equal(st.cell, cl[V][X]);
	assert_int_equal(import(M, ans, NULL, &st), SZ_OK);
	assert_int_equal(st.refused, 0);
	assert_true(reads(M, X, "X news"));
	uint8_t *scopes;
	size_t ns;
	assert_int_equal(sz_node_scopes(nd[M], &scopes, &ns), SZ_OK);
	for (size_t i = 0; i < ns; i++)
		assert_false(sz_cell_owns(cl[V][Y], scopes + 16 * i));
	free(scopes);
}

/* A bundle of more than two batches: each batch is checked on the pool while the one before is
 * stored and the next is read; the same verdicts as one at a time (a forged leaflet refused, the
 * rest stored), and a bundle cut short still stores every batch that arrived whole. */
static void
test_big_bundle_in_batches(void **state)
{
	(void)state;
	enum { N = 2 * 4096 + 300, FORGED = 5000 };
	char path[128], cut[128];
	snprintf(path, sizeof path, "%s/big.bundle", dir);
	snprintf(cut, sizeof cut, "%s/cut.bundle", dir);
	uint8_t pk[32], sk[64], seed[32] = { 23 }, **envs = calloc(N, sizeof *envs);
	size_t *lens = calloc(N, sizeof *lens);
	assert_non_null(envs);
	assert_non_null(lens);
	assert_int_equal(sz_sign_seed_keypair(pk, sk, seed), SZ_OK);
	for (uint32_t i = 0; i < N; i++) {
		uint8_t *e, id[32];
		size_t el;
		char body[48];
		int w = snprintf(body, sizeof body, "bundled leaflet %u", i);
		assert_int_equal(sz_entry_build(&e, &el, id, SZ_KIND_LEAFLET, NULL, 0,
		    1700000000000ull + i, (const uint8_t *)body, (size_t)w, sk), SZ_OK);
		assert_int_equal(sz_env_wrap_public(&envs[i], &lens[i], e, el), SZ_OK);
		free(e);
	}
	/* a bit of the signature flipped: the last byte of the entry */
	envs[FORGED][SZ_ENV_HEADER_BYTES + 4 + sz_load_u32(envs[FORGED] + SZ_ENV_HEADER_BYTES) - 1] ^= 1;
	write_bundle(path, NULL, 0, "a courier's passphrase", envs, lens, N);
	uint64_t ahead0 = nd[O]->checked_ahead;
	sz_node_bundle_stats st;
	assert_int_equal(import(O, path, "a courier's passphrase", &st), SZ_OK);
	assert_int_equal(st.envelopes, N);
	assert_int_equal(st.stored, N - 1);
	assert_int_equal(st.refused, 1);
	assert_int_equal(nd[O]->checked_ahead - ahead0, 3);
	assert_null(nd[O]->pool_ahead);
	assert_false(holds(O, envs[FORGED], lens[FORGED]));
	assert_true(holds(O, envs[0], lens[0]));
	assert_true(holds(O, envs[N - 1], lens[N - 1]));
	/* Cut in the middle (a bundle is padded: its items fill about half of it). */
	FILE *f = fopen(path, "rb"), *g = fopen(cut, "wb");
	assert_non_null(f);
	assert_non_null(g);
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	rewind(f);
	uint8_t *buf = malloc((size_t)size);
	assert_int_equal(fread(buf, 1, (size_t)size, f), (size_t)size);
	assert_int_equal(fwrite(buf, 1, (size_t)(size / 2), g), (size_t)(size / 2));
	fclose(f);
	fclose(g);
	free(buf);
	/* what came in intact chunks is imported (the command line then says it was cut short,
	 * docs/PROTOCOL.md §9): every batch held is stored at the end */
	assert_int_equal(import(M, cut, "a courier's passphrase", &st), SZ_OK);
	assert_true(st.stored > 4096 && st.stored < N - 1);
	assert_true(holds(M, envs[0], lens[0]));
	assert_true(holds(M, envs[4096], lens[4096]));
	assert_false(holds(M, envs[N - 1], lens[N - 1]));
	assert_null(nd[M]->pool_ahead);
	for (size_t i = 0; i < N; i++)
		free(envs[i]);
	free(envs);
	free(lens);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cells_form),
		cmocka_unit_test(test_passphrase_bundle_plants_no_beacon),
		cmocka_unit_test(test_cell_bundle_carries_its_cell_only),
		cmocka_unit_test(test_cell_bundle_round_trip),
		cmocka_unit_test(test_answer_is_for_the_summary_cell),
		cmocka_unit_test(test_big_bundle_in_batches),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
