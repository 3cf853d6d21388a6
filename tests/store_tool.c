/*
 * store_tool.c - a driver for the store's process-level tests (the scripts in tests/store/ and tests/soak/).
 * Not part of the library.  Subcommands:
 *   fill DIR PASS MARKERS      create a store full of secrets; append every marker (hex) to MARKERS
 *   hotkill DIR PASS MARKERS   a large batch with new markers, SIGKILLed inside its commit
 *   hotcheck DIR PASS MARKERS  after hotkill: rolled back, every old marker present, none new
 *   scan DIR MARKERS           search every file under DIR (or the file DIR) for each marker: raw,
 *                              hex, base64
 *   crashfill DIR PASS         store batches forever, printing "ack N" after each commit
 *   verify DIR PASS ACKED      integrity ok, >= ACKED entries, whole batches, each verifies
 *   rotinit DIR PA             a new store (passphrase PA) with a secret, for rotatefill
 *   rotatefill DIR PA PB       batches and passphrase changes (PA <-> PB) forever: "ack N" after
 *                              each commit, "rotated to P" after each change
 *   rotverify DIR PA PB ACKED  exactly one of PA, PB opens; then as verify, the secret readable
 * Argon2id runs with tiny parameters: these tests are about the files, not the KDF.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "crypto/crypto.h"
#include "lib/bytes.h"
#include "store/store.h"
#include "store/store_int.h"
#include "wire/entry.h"
#include "wire/envelope.h"

#define BATCH 25

static sz_store_opts opts = { 1, 8, NULL, 0 };

static int
die(const char *what, int r)
{
	fprintf(stderr, "store_tool: %s: %s (%s)\n", what, sz_strerror(r), sz_store_last_error());
	exit(1);
}

static void
add_marker(FILE *m, const uint8_t *p, size_t n)
{
	char hex[2 * 256 + 1];
	if (n > 256)
		n = 256;
	sz_hex_encode(hex, p, n);
	fprintf(m, "%s\n", hex);
}

static void
add_text_marker(FILE *m, const char *s)
{
	add_marker(m, (const uint8_t *)s, strlen(s));
}

/* Build n entries with marker bodies (public leaflets if pub, else posts in scope) and store
 * them in one batch; the bodies, ids, and timestamps go to the marker file. */
static int
put_marked(sz_store *s, FILE *m, const uint8_t sk[64], int pub, const uint8_t *scope, int n,
    uint64_t t0, const char *tag)
{
	uint8_t **bufs = calloc((size_t)n, sizeof *bufs);
	size_t *lens = calloc((size_t)n, sizeof *lens);
	sz_store_entry_in *in = calloc((size_t)n, sizeof *in);
	uint8_t env_id[32];
	int r = SZ_OK;
	if (bufs == NULL || lens == NULL || in == NULL)
		return SZ_ERR_NOMEM;
	randombytes_buf(env_id, sizeof env_id);
	for (int i = 0; i < n && r == SZ_OK; i++) {
		char body[1200], rnd[17], ts[32];
		uint8_t rb[8], id[32], *e = NULL, tsb[8];
		size_t elen;
		randombytes_buf(rb, sizeof rb);
		sz_hex_encode(rnd, rb, sizeof rb);
		snprintf(body, sizeof body, "%s body %d %s: the strike starts at the north gate %s",
		    tag, i, rnd, rnd);
		size_t bl = strlen(body);
		memset(body + bl, 'x', 600);
		body[bl + 600] = '\0';
		uint64_t t = t0 + (uint64_t)i;
		if ((r = sz_entry_build(&e, &elen, id, pub ? SZ_KIND_LEAFLET : SZ_KIND_POST, NULL, 0, t,
		    (const uint8_t *)body, strlen(body), sk)) != SZ_OK)
			break;
		char marker[64];
		snprintf(marker, sizeof marker, "%s body %d %s", tag, i, rnd);
		add_text_marker(m, marker);
		add_marker(m, id, 32);
		sz_store_u64(tsb, t);
		add_marker(m, tsb + 2, 6); /* the significant bytes of the timestamp */
		snprintf(ts, sizeof ts, "%llu", (unsigned long long)t);
		add_text_marker(m, ts);
		if (pub) {
			r = sz_env_wrap_public(&bufs[i], &lens[i], e, elen);
			free(e);
		} else {
			bufs[i] = e;
			lens[i] = elen;
			in[i] = (sz_store_entry_in){ scope, env_id, e, elen };
		}
	}
	if (r == SZ_OK)
		r = pub ? sz_store_put_envelopes(s, (const uint8_t *const *)bufs, lens, (size_t)n, NULL) :
		    sz_store_put_entries(s, in, (size_t)n, NULL);
	for (int i = 0; i < n; i++)
		free(bufs[i]);
	free(bufs);
	free(lens);
	free(in);
	return r;
}

static int
cmd_fill(const char *dir, const char *pass, const char *markers)
{
	FILE *m = fopen(markers, "a");
	sz_store *s;
	int r;
	if (m == NULL)
		return die("markers", SZ_ERR_IO);
	if ((r = sz_store_create(&s, dir, pass, strlen(pass), &opts)) != SZ_OK)
		return die("create", r);
	uint8_t pk[32], sk[64], cell[SZ_SCOPE_BYTES];
	if (sz_sign_keypair(pk, sk) != SZ_OK)
		return die("keypair", SZ_ERR_INTERNAL);
	add_marker(m, pk, 32);
	add_marker(m, sk, 32); /* the seed */
	if ((r = sz_store_kv_put(s, "identity", sk, 64)) != SZ_OK)
		return die("kv", r);
	/* A cell: its name, its scope, its members' public keys. */
	char name[64];
	uint8_t rb[6];
	randombytes_buf(rb, sizeof rb);
	snprintf(name, sizeof name, "Red Printers of Ward %02x%02x%02x", rb[0], rb[1], rb[2]);
	add_text_marker(m, name);
	randombytes_buf(cell, sizeof cell);
	add_marker(m, cell, sizeof cell);
	sz_buf state = { 0 };
	sz_buf_append(&state, name, strlen(name));
	for (int i = 0; i < 8; i++) {
		uint8_t mpk[32], msk[64];
		if (sz_sign_keypair(mpk, msk) != SZ_OK)
			return die("keypair", SZ_ERR_INTERNAL);
		add_marker(m, mpk, 32);
		sz_buf_append(&state, mpk, 32);
	}
	if (state.err || (r = sz_store_kv_put(s, "cell:state", state.p, state.len)) != SZ_OK)
		return die("kv", state.err ? state.err : r);
	sz_buf_free(&state);
	/* Entries readable by this node (the cell's posts) and public leaflets. */
	if ((r = put_marked(s, m, sk, 0, cell, 200, 1700000000000ull, "post")) != SZ_OK ||
	    (r = put_marked(s, m, sk, 1, NULL, 100, 1700000100000ull, "leaflet")) != SZ_OK)
		return die("put", r);
	/* Sealed envelopes of the cell: their scope is a marker too. */
	uint8_t key[32], nonce[24], *env;
	size_t elen;
	randombytes_buf(key, sizeof key);
	for (int i = 0; i < 20; i++) {
		randombytes_buf(nonce, sizeof nonce);
		if ((r = sz_env_seal(&env, &elen, cell, (const uint8_t *)name, strlen(name), key,
		    nonce)) != SZ_OK || (r = sz_store_put_envelopes(s, (const uint8_t *const *)&env,
		    &elen, 1, NULL)) != SZ_OK)
			return die("sealed", r);
		free(env);
	}
	sz_store_close(s);
	fclose(m);
	return 0;
}

static sz_store *
open_or_die(const char *dir, const char *pass)
{
	sz_store *s;
	int r = sz_store_open(&s, dir, pass, strlen(pass), &opts);
	if (r != SZ_OK)
		die("open", r);
	return s;
}

static int
kill_in_commit(void *ctx)
{
	(void)ctx;
	raise(SIGKILL); /* the journal is hot: pages already spilled into the database */
	return 0;
}

static int
cmd_hotkill(const char *dir, const char *pass, const char *markers)
{
	FILE *m = fopen(markers, "a");
	if (m == NULL)
		return die("markers", SZ_ERR_IO);
	sz_store *s = open_or_die(dir, pass);
	uint8_t pk[32], sk[64], cell[SZ_SCOPE_BYTES];
	if (sz_sign_keypair(pk, sk) != SZ_OK)
		return die("keypair", SZ_ERR_INTERNAL);
	randombytes_buf(cell, sizeof cell);
	/* A small page cache makes SQLite spill pages to the database file before commit. */
	if (sqlite3_exec(s->db, "PRAGMA cache_size=10", NULL, NULL, NULL) != SQLITE_OK)
		return die("cache_size", SZ_ERR_INTERNAL);
	sqlite3_commit_hook(s->db, kill_in_commit, NULL);
	int r = put_marked(s, m, sk, 0, cell, 400, 1800000000000ull, "uncommitted");
	fflush(m);
	fprintf(stderr, "store_tool: hotkill survived its commit (%d)\n", r);
	return 1;
}

static int
cmd_hotcheck(const char *dir, const char *pass, const char *markers)
{
	(void)markers;
	sz_store *s = open_or_die(dir, pass);
	int r = sz_store_check(s);
	if (r != SZ_OK)
		return die("integrity", r);
	uint8_t pub[SZ_SCOPE_BYTES];
	sz_env_public_scope(pub);
	sz_store_item *items;
	size_t n;
	if ((r = sz_store_list_envelopes(s, pub, 0, UINT64_MAX, 0, &items, &n)) != SZ_OK)
		return die("list", r);
	free(items);
	if (n != 100) {
		fprintf(stderr, "store_tool: %zu leaflets after rollback, want 100\n", n);
		return 1;
	}
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM entries", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW)
		return die("count", SZ_ERR_INTERNAL);
	long long total = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (total != 300) {
		fprintf(stderr, "store_tool: %lld entries after rollback, want 300\n", total);
		return 1;
	}
	sz_store_close(s);
	return 0;
}

/* --- scan ------------------------------------------------------------------------------- */

typedef struct needle {
	uint8_t *p;
	size_t n;
	char *label;
} needle;

static needle *needles;
static size_t nneedles, cap_needles;
static int found_any;

static void
add_needle(const uint8_t *p, size_t n, const char *form, const char *hex)
{
	if (n < 6)
		return;
	if (nneedles == cap_needles) {
		cap_needles = cap_needles ? 2 * cap_needles : 256;
		needles = realloc(needles, cap_needles * sizeof *needles);
		if (needles == NULL)
			exit(2);
	}
	needle *d = &needles[nneedles++];
	d->p = malloc(n);
	size_t ll = strlen(form) + strlen(hex) + 8;
	d->label = malloc(ll);
	if (d->p == NULL || d->label == NULL)
		exit(2);
	memcpy(d->p, p, n);
	d->n = n;
	snprintf(d->label, ll, "%s of %s", form, hex);
}

/* Every form a marker could take in a file: raw, hex in both cases, and base64 (standard and
 * URL alphabets) at each of the three alignments, keeping only the characters that depend on
 * the marker alone. */
static void
add_forms(const uint8_t *m, size_t n, const char *hex)
{
	add_needle(m, n, "raw", hex);
	char *h = malloc(2 * n + 1);
	if (h == NULL)
		exit(2);
	sz_hex_encode(h, m, n);
	add_needle((const uint8_t *)h, 2 * n, "hex", hex);
	for (size_t i = 0; i < 2 * n; i++)
		h[i] = (char)((h[i] >= 'a' && h[i] <= 'f') ? h[i] - 32 : h[i]);
	add_needle((const uint8_t *)h, 2 * n, "HEX", hex);
	free(h);
	for (size_t shift = 0; shift < 3; shift++) {
		size_t len = shift + n;
		uint8_t *pre = calloc(1, len);
		size_t b64max = sodium_base64_encoded_len(len, sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
		char *b = malloc(b64max);
		if (pre == NULL || b == NULL)
			exit(2);
		memcpy(pre + shift, m, n);
		for (int v = 0; v < 2; v++) {
			int variant = v ? sodium_base64_VARIANT_URLSAFE_NO_PADDING :
			    sodium_base64_VARIANT_ORIGINAL_NO_PADDING;
			sodium_bin2base64(b, b64max, pre, len, variant);
			size_t bl = strlen(b);
			if (bl > 8)
				add_needle((const uint8_t *)b + 4, bl - 8, v ? "base64url" : "base64", hex);
		}
		free(pre);
		free(b);
	}
}

static void
scan_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return;
	size_t cap = 1 << 16, len = 0, got;
	uint8_t *buf = malloc(cap);
	while (buf != NULL && (got = fread(buf + len, 1, cap - len, f)) > 0) {
		len += got;
		if (len == cap)
			buf = realloc(buf, cap *= 2);
	}
	fclose(f);
	if (buf == NULL)
		exit(2);
	for (size_t k = 0; k < nneedles; k++) {
		needle *d = &needles[k];
		if (d->n <= len && memmem(buf, len, d->p, d->n) != NULL) {
			printf("FOUND %s in %s\n", d->label, path);
			found_any = 1;
		}
	}
	printf("scanned %s (%zu bytes)\n", path, len);
	free(buf);
}

static void
scan_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		char path[4096];
		struct stat st;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		if (lstat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode))
			scan_dir(path);
		else if (S_ISREG(st.st_mode))
			scan_file(path);
	}
	closedir(d);
}

static int
cmd_scan(const char *dir, const char *markers)
{
	FILE *m = fopen(markers, "r");
	char line[1024];
	if (m == NULL)
		return die("markers", SZ_ERR_IO);
	size_t count = 0;
	while (fgets(line, sizeof line, m) != NULL) {
		size_t l = strcspn(line, "\r\n");
		line[l] = '\0';
		uint8_t *bin;
		size_t n;
		if (l == 0 || sz_hex_decode_alloc(line, &bin, &n) != SZ_OK)
			continue;
		add_forms(bin, n, line);
		free(bin);
		count++;
	}
	fclose(m);
	printf("%zu markers, %zu forms\n", count, nneedles);
	struct stat st;
	if (lstat(dir, &st) == 0 && S_ISREG(st.st_mode))
		scan_file(dir); /* one file (a log) */
	else
		scan_dir(dir);
	return found_any || count == 0 ? 1 : 0;
}

/* --- crash -------------------------------------------------------------------------------- */

static void
seq_key(uint8_t sk[64])
{
	uint8_t pk[32], seed[32] = { 's', 'e', 'q' };
	if (sz_sign_seed_keypair(pk, sk, seed) != SZ_OK)
		exit(2);
}

static const uint8_t crash_scope[SZ_SCOPE_BYTES] = { 'c', 'r', 'a', 's', 'h' };

static size_t
count_entries(sz_store *s)
{
	sz_store_item *items;
	size_t n;
	int r = sz_store_list_entries(s, crash_scope, 0, UINT64_MAX, 0, &items, &n);
	if (r != SZ_OK)
		die("list", r);
	free(items);
	return n;
}

static int
cmd_crashfill(const char *dir, const char *pass)
{
	sz_store *s;
	int r = sz_store_open(&s, dir, pass, strlen(pass), &opts);
	if (r == SZ_ERR_NOT_FOUND)
		r = sz_store_create(&s, dir, pass, strlen(pass), &opts);
	if (r != SZ_OK)
		return die("open", r);
	uint8_t sk[64], env_id[32] = { 0 };
	seq_key(sk);
	size_t next = count_entries(s);
	printf("ack %zu\n", next);
	fflush(stdout);
	for (;;) {
		sz_store_entry_in in[BATCH];
		uint8_t *bufs[BATCH];
		for (int i = 0; i < BATCH; i++) {
			char body[700];
			uint8_t id[32];
			size_t len;
			snprintf(body, sizeof body, "entry %zu %0600zu", next + (size_t)i, next + (size_t)i);
			if (sz_entry_build(&bufs[i], &len, id, SZ_KIND_POST, NULL, 0, next + (size_t)i,
			    (const uint8_t *)body, strlen(body), sk) != SZ_OK)
				return die("build", SZ_ERR_INTERNAL);
			in[i] = (sz_store_entry_in){ crash_scope, env_id, bufs[i], len };
		}
		r = sz_store_put_entries(s, in, BATCH, NULL);
		for (int i = 0; i < BATCH; i++)
			free(bufs[i]);
		if (r != SZ_OK)
			return die("put", r);
		next += BATCH;
		printf("ack %zu\n", next);
		fflush(stdout);
	}
}

static int
cmd_verify(const char *dir, const char *pass, const char *acked_s)
{
	size_t acked = (size_t)strtoull(acked_s, NULL, 10);
	sz_store *s = open_or_die(dir, pass);
	int r = sz_store_check(s);
	if (r != SZ_OK)
		return die("integrity", r);
	sz_store_item *items;
	size_t n;
	if ((r = sz_store_list_entries(s, crash_scope, 0, UINT64_MAX, 0, &items, &n)) != SZ_OK)
		return die("list", r);
	int bad = 0;
	if (n < acked || n % BATCH != 0) {
		fprintf(stderr, "store_tool: %zu entries, %zu acknowledged, batches of %d\n", n, acked,
		    BATCH);
		bad = 1;
	}
	for (size_t i = 0; i < n && !bad; i++) {
		uint8_t *e;
		size_t len;
		sz_entry ent;
		uint8_t id[32];
		if (items[i].time_ms != i || sz_store_get_entry(s, items[i].id, &e, &len, NULL, NULL) != SZ_OK) {
			fprintf(stderr, "store_tool: entry %zu missing\n", i);
			bad = 1;
			break;
		}
		if (sz_entry_decode(&ent, id, e, len, 0) != SZ_OK || memcmp(id, items[i].id, 32) != 0) {
			fprintf(stderr, "store_tool: entry %zu does not verify\n", i);
			bad = 1;
		}
		free(e);
	}
	free(items);
	sz_store_close(s);
	if (!bad)
		printf("verified %zu entries (%zu acknowledged)\n", n, acked);
	return bad;
}

/* Open with pa or pb, whichever works (*which: 0 or 1); NULL if neither. */
static sz_store *
open_either(const char *dir, const char *pa, const char *pb, int *which, int *err)
{
	sz_store *s = NULL;
	*which = -1;
	*err = sz_store_open(&s, dir, pa, strlen(pa), &opts);
	if (*err == SZ_OK) {
		*which = 0;
		return s;
	}
	if (*err != SZ_ERR_PASSPHRASE)
		return NULL;
	*err = sz_store_open(&s, dir, pb, strlen(pb), &opts);
	if (*err == SZ_OK)
		*which = 1;
	return *err == SZ_OK ? s : NULL;
}

static int
cmd_rotatefill(const char *dir, const char *pa, const char *pb)
{
	sz_store *s;
	int which, r;
	if ((s = open_either(dir, pa, pb, &which, &r)) == NULL)
		return die("open", r);
	uint8_t sk[64], env_id[32] = { 0 };
	seq_key(sk);
	size_t next = count_entries(s);
	printf("ack %zu\n", next);
	fflush(stdout);
	for (;;) {
		sz_store_entry_in in[BATCH];
		uint8_t *bufs[BATCH];
		for (int i = 0; i < BATCH; i++) {
			char body[700];
			uint8_t id[32];
			size_t len;
			snprintf(body, sizeof body, "entry %zu %0600zu", next + (size_t)i, next + (size_t)i);
			if (sz_entry_build(&bufs[i], &len, id, SZ_KIND_POST, NULL, 0, next + (size_t)i,
			    (const uint8_t *)body, strlen(body), sk) != SZ_OK)
				return die("build", SZ_ERR_INTERNAL);
			in[i] = (sz_store_entry_in){ crash_scope, env_id, bufs[i], len };
		}
		r = sz_store_put_entries(s, in, BATCH, NULL);
		for (int i = 0; i < BATCH; i++)
			free(bufs[i]);
		if (r != SZ_OK)
			return die("put", r);
		next += BATCH;
		printf("ack %zu\n", next);
		fflush(stdout);
		const char *to = which ? pa : pb;
		if ((r = sz_store_change_passphrase(s, to, strlen(to), NULL, NULL)) != SZ_OK)
			return die("change passphrase", r);
		which = !which;
		printf("rotated to %s\n", to);
		fflush(stdout);
	}
}

/* A fresh store for rotatefill, with its secret: made before the kills begin, since a store
 * whose creation was interrupted is not what these runs test (tests/store/crash.t does). */
static int
cmd_rotinit(const char *dir, const char *pa)
{
	sz_store *s;
	int r;
	if ((r = sz_store_create(&s, dir, pa, strlen(pa), &opts)) != SZ_OK)
		return die("create", r);
	if ((r = sz_store_kv_put(s, "canary", (const uint8_t *)"still here", 10)) != SZ_OK)
		return die("kv", r);
	sz_store_close(s);
	return 0;
}

static int
cmd_rotverify(const char *dir, const char *pa, const char *pb, const char *acked_s)
{
	int which, r;
	sz_store *s = open_either(dir, pa, pb, &which, &r);
	if (s == NULL) {
		fprintf(stderr, "store_tool: neither passphrase opens the store: %s (%s)\n",
		    sz_strerror(r), sz_store_last_error());
		return 1;
	}
	sz_buf v = { 0 };
	if ((r = sz_store_kv_get(s, "canary", &v)) != SZ_OK || v.len != 10 ||
	    memcmp(v.p, "still here", 10) != 0) {
		fprintf(stderr, "store_tool: the secret is not readable after a passphrase change\n");
		return 1;
	}
	sz_buf_free(&v);
	sz_store_close(s);
	/* Settled by that open: the other passphrase opens nothing, and nothing is left over. */
	const char *other = which ? pa : pb;
	sz_store *t = NULL;
	if ((r = sz_store_open(&t, dir, other, strlen(other), &opts)) != SZ_ERR_PASSPHRASE) {
		fprintf(stderr, "store_tool: the other passphrase gave %s\n", sz_strerror(r));
		sz_store_close(t);
		return 1;
	}
	char p[4096];
	snprintf(p, sizeof p, "%s/db.new", dir);
	int left = access(p, F_OK) == 0;
	snprintf(p, sizeof p, "%s/key.new", dir);
	left |= access(p, F_OK) == 0;
	if (left) {
		fprintf(stderr, "store_tool: db.new or key.new left after an open\n");
		return 1;
	}
	printf("opened with passphrase %s\n", which ? "B" : "A");
	return cmd_verify(dir, which ? pb : pa, acked_s);
}

int
main(int argc, char **argv)
{
	if (sz_init() != SZ_OK)
		return 2;
	if (argc == 5 && strcmp(argv[1], "fill") == 0)
		return cmd_fill(argv[2], argv[3], argv[4]);
	if (argc == 5 && strcmp(argv[1], "hotkill") == 0)
		return cmd_hotkill(argv[2], argv[3], argv[4]);
	if (argc == 5 && strcmp(argv[1], "hotcheck") == 0)
		return cmd_hotcheck(argv[2], argv[3], argv[4]);
	if (argc == 4 && strcmp(argv[1], "scan") == 0)
		return cmd_scan(argv[2], argv[3]);
	if (argc == 4 && strcmp(argv[1], "crashfill") == 0)
		return cmd_crashfill(argv[2], argv[3]);
	if (argc == 5 && strcmp(argv[1], "verify") == 0)
		return cmd_verify(argv[2], argv[3], argv[4]);
	if (argc == 5 && strcmp(argv[1], "rotatefill") == 0)
		return cmd_rotatefill(argv[2], argv[3], argv[4]);
	if (argc == 4 && strcmp(argv[1], "rotinit") == 0)
		return cmd_rotinit(argv[2], argv[3]);
	if (argc == 6 && strcmp(argv[1], "rotverify") == 0)
		return cmd_rotverify(argv[2], argv[3], argv[4], argv[5]);
	fprintf(stderr, "usage: store_tool fill|hotkill|hotcheck DIR PASS MARKERS | scan DIR MARKERS "
	    "| crashfill DIR PASS | verify DIR PASS ACKED | rotinit DIR PA | rotatefill DIR PA PB | "
	    "rotverify DIR PA PB ACKED\n");
	return 2;
}
