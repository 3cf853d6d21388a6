/*
 * cmd_store.c - check: the store as a whole, what is damaged and what can still be read, in a
 * person's words (docs/threat/store.md, What is found); passphrase: a new passphrase and a new
 * master key, every page re-encrypted.  Layer: cli.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "samizdat.h"
#include "app/node_int.h"
#include "cli/cli.h"
#include "crypto/crypto.h"
#include "store/check.h"
#include "store/store.h"

static void
progress_cb(void *ctx, uint64_t done, uint64_t total)
{
	sz_progress *p = ctx;
	p->total = total;
	sz_progress_update(p, done);
}

/* "page 7", "pages 7, 9 and 12", "pages 7, 9, ... (40 in all)" */
static void
page_list(char *out, size_t n, const sz_vfs_scan_result *db)
{
	size_t k = db->damaged < SZ_VFS_SCAN_LIST ? (size_t)db->damaged : SZ_VFS_SCAN_LIST, w = 0;
	w += (size_t)snprintf(out, n, "page%s ", db->damaged == 1 ? "" : "s");
	for (size_t i = 0; i < k && w < n; i++)
		w += (size_t)snprintf(out + w, n - w, "%s%u", i == 0 ? "" : i + 1 == k &&
		    db->damaged == k ? " and " : ", ", db->first_damaged[i]);
	if (db->damaged > k && w < n)
		snprintf(out + w, n - w, ", ... (%llu in all)", (unsigned long long)db->damaged);
}

/* Say what the pages of the database are (one line after "database"). */
static void
say_pages(sz_cli *c, const sz_vfs_scan_result *db)
{
	char list[256];
	if (db->damaged == 0 && !db->partial && !db->missing) {
		sz_cli_say(c, "  database   %llu pages (%llu KiB), every one authentic\n",
		    (unsigned long long)db->pages, (unsigned long long)(db->bytes / 1024));
		return;
	}
	sz_cli_say(c, "  database   %llu pages", (unsigned long long)db->pages);
	if (db->damaged > 0) {
		page_list(list, sizeof list, db);
		sz_cli_say(c, "; %llu fail%s authentication: %s (damaged on disk, or altered)",
		    (unsigned long long)db->damaged, db->damaged == 1 ? "s" : "", list);
	}
	if (db->partial)
		sz_cli_say(c, "; the file is cut inside page %llu", (unsigned long long)db->pages + 1);
	if (db->missing)
		sz_cli_say(c, "; page 1 says there are %llu: the end of the file is cut off",
		    (unsigned long long)db->header_pages);
	sz_cli_say(c, "\n");
}

static const char *
table_words(const char *t)
{
	if (strcmp(t, "envelopes") == 0)
		return "envelopes (everything held for syncing)";
	if (strcmp(t, "entries") == 0)
		return "readable entries (posts, leaflets, decisions)";
	if (strcmp(t, "kv") == 0)
		return "node secrets and cell states";
	if (strcmp(t, "parents") == 0)
		return "thread links";
	if (strcmp(t, "gone") == 0)
		return "ids deleted by retention";
	if (strcmp(t, "chunks") == 0)
		return "parts of attachments held";
	if (strcmp(t, "files") == 0)
		return "attachments named by posts and leaflets";
	if (strcmp(t, "unwanted") == 0)
		return "parts refused for a quota";
	return "schema records";
}

static void
say_contents(sz_cli *c, const sz_store_verdict *v, sz_store *s)
{
	int stopped = 0;
	for (size_t i = 0; i < SZ_STORE_NTABLES; i++)
		stopped |= v->tables[i].stopped;
	if (!stopped) {
		sz_cli_say(c, "  contents   %llu envelopes, %llu readable entries, %llu node secrets and "
		    "states, all read through\n", (unsigned long long)v->tables[1].rows,
		    (unsigned long long)v->tables[2].rows, (unsigned long long)v->tables[5].rows);
	} else {
		sz_cli_say(c, "  contents   what can still be read:\n");
		for (size_t i = 0; i < SZ_STORE_NTABLES; i++)
			sz_cli_say(c, "               %llu %s%s\n", (unsigned long long)v->tables[i].rows,
			    table_words(v->tables[i].table), v->tables[i].stopped ?
			    " before a damaged page stopped the reading (there may be more)" : "");
	}
	if (s != NULL) {
		sz_buf b = { 0 };
		int id = sz_store_kv_get(s, KV_IDENTITY, &b);
		sz_buf_free(&b);
		int tr = sz_store_kv_get(s, KV_TRANSPORT, &b);
		sz_buf_free(&b);
		sz_cli_say(c, "  keys       this node's identity key %s; its transport key %s\n",
		    id == SZ_OK ? "can be read" : "is lost", tr == SZ_OK ? "can be read" : "is lost");
	}
}

static void
say_journal(sz_cli *c, const sz_store_verdict *v)
{
	if (v->journal_damaged)
		sz_cli_say(c, "  journal    DAMAGED: %s\n", v->journal_msg);
	else if (v->journal.hot && v->opened)
		sz_cli_say(c, "  journal    a write interrupted by a crash (%llu pages) was checked whole "
		    "and undone when the store opened\n", (unsigned long long)v->journal.records);
	else if (v->journal.hot)
		sz_cli_say(c, "  journal    a write interrupted by a crash (%llu pages), authentic in "
		    "full: it is undone when the store opens\n", (unsigned long long)v->journal.records);
	else
		sz_cli_say(c, "  journal    no interrupted write\n");
}

static void
json_verdict(sz_cli *c, const sz_store_verdict *v, int whole)
{
	sz_jsonw_key(&c->jw, "whole");
	sz_jsonw_bool(&c->jw, whole);
	sz_jsonw_key(&c->jw, "opened");
	sz_jsonw_bool(&c->jw, v->opened);
	sz_jsonw_key(&c->jw, "keyfile_version");
	sz_jsonw_u64(&c->jw, (uint64_t)v->keyfile_version);
	sz_jsonw_key(&c->jw, "keyfile_damaged");
	sz_jsonw_bool(&c->jw, v->keyfile_damaged);
	sz_jsonw_key(&c->jw, "journal_damaged");
	sz_jsonw_bool(&c->jw, v->journal_damaged);
	sz_jsonw_key(&c->jw, "journal_hot");
	sz_jsonw_bool(&c->jw, v->journal.hot);
	sz_jsonw_key(&c->jw, "pages");
	sz_jsonw_u64(&c->jw, v->db.pages);
	sz_jsonw_key(&c->jw, "pages_damaged");
	sz_jsonw_u64(&c->jw, v->db.damaged);
	sz_jsonw_key(&c->jw, "damaged_pages");
	sz_jsonw_arr_begin(&c->jw);
	for (size_t i = 0; i < v->db.damaged && i < SZ_VFS_SCAN_LIST; i++)
		sz_jsonw_u64(&c->jw, v->db.first_damaged[i]);
	sz_jsonw_arr_end(&c->jw);
	sz_jsonw_key(&c->jw, "cut");
	sz_jsonw_bool(&c->jw, v->db.partial || v->db.missing);
	sz_jsonw_key(&c->jw, "integrity");
	sz_jsonw_str(&c->jw, v->integrity == 1 ? "not run" : v->integrity_msg);
	if (v->opened) {
		sz_jsonw_key(&c->jw, "readable");
		sz_jsonw_obj_begin(&c->jw);
		for (size_t i = 0; i < SZ_STORE_NTABLES; i++) {
			sz_jsonw_key(&c->jw, v->tables[i].table);
			sz_jsonw_u64(&c->jw, v->tables[i].rows);
		}
		sz_jsonw_obj_end(&c->jw);
	}
}

int
sz_cli_check(sz_cli *c, int argc, char **argv)
{
	(void)argv;
	if (argc > 1)
		return sz_cli_usage_error(c, "takes no arguments");
	sz_store_verdict v;
	sz_store *s = NULL, *own = NULL;
	sz_progress p;
	int r;
	memset(&v, 0, sizeof v);
	sz_progress_start(&p, c, "checking", 0);
	if (c->node != NULL) {
		s = c->node->store; /* the daemon's, open */
	} else {
		char *pass = NULL;
		size_t plen = 0;
		if ((r = sz_cli_passphrase(c, "Passphrase: ", false, &pass, &plen)) != SZ_OK)
			return sz_cli_exit_code(r);
		r = sz_store_open(&own, c->home, pass, plen, NULL);
		if (r == SZ_ERR_CORRUPT) {
			char why[640];
			snprintf(why, sizeof why, "%s", sz_store_last_error());
			r = sz_store_examine(c->home, pass, plen, &v, progress_cb, &p);
			snprintf(v.open_msg, sizeof v.open_msg, "%s", why);
		}
		sz_secret_free(pass);
		if (r == SZ_ERR_NOT_FOUND) {
			fprintf(c->err, "samizdat check: there is no node in %s.\n", c->home);
			return SZ_EXIT_FAIL;
		}
		if (r == SZ_ERR_PASSPHRASE && !v.keyfile_damaged)
			return sz_cli_fail(c, r, "cannot open the store");
		if (r != SZ_OK && r != SZ_ERR_PASSPHRASE)
			return sz_cli_fail(c, r, sz_store_last_error());
		s = own;
	}
	if (s != NULL && (r = sz_store_verify(s, &v, progress_cb, &p)) != SZ_OK) {
		sz_store_close(own);
		return sz_cli_fail(c, r, "the check could not read the store");
	}
	sz_progress_end(&p, v.db.pages);
	int whole = sz_store_verdict_whole(&v);
	sz_cli_say(c, "Checked the store in %s.\n", c->home);
	if (!v.opened)
		sz_cli_say(c, "  opening    the store does not open: %s\n", v.open_msg);
	sz_cli_say(c, "  key file   %s (version %d)\n", v.keyfile_damaged ? "DAMAGED: its checksum "
	    "does not match" : "whole", v.keyfile_version);
	if (v.keyfile_version != 0 || v.scanned) {
		say_journal(c, &v);
		if (v.scanned)
			say_pages(c, &v.db);
		else if (v.keyfile_version != 0 && v.open_msg[0] != '\0')
			sz_cli_say(c, "  database   not read: the passphrase opens no slot of the key file\n");
	}
	if (v.integrity == 1)
		sz_cli_say(c, "  structure  not checked: the store does not open\n");
	else if (v.integrity == SZ_OK)
		sz_cli_say(c, "  structure  SQLite's integrity check: ok\n");
	else
		sz_cli_say(c, "  structure  SQLite's integrity check found: %s\n", v.integrity_msg);
	if (v.opened)
		say_contents(c, &v, s);
	if (whole) {
		sz_cli_say(c, "The store is whole.\n");
	} else {
		sz_cli_say(c, "The store is damaged. This check changed nothing but what every unlock "
		    "writes (the key file's refresh value, one row). Copy the whole "
		    "directory somewhere safe before anything else. What is listed above can still be "
		    "read; what a damaged page held is lost here, but the members of your cells hold "
		    "everything that was shared: a new node ('samizdat init' in another directory), "
		    "invited again, gets it back by syncing.\n");
		if (v.keyfile_damaged && v.opened)
			sz_cli_say(c, "The key file is damaged in a part your passphrase does not need (the "
			    "other slot): 'samizdat passphrase' writes a whole one; a duress passphrase, if "
			    "you set one, must be set again.\n");
	}
	if (c->json)
		json_verdict(c, &v, whole);
	sz_store_close(own);
	return whole ? SZ_EXIT_OK : SZ_EXIT_DATA;
}

int
sz_cli_passphrase_cmd(sz_cli *c, int argc, char **argv)
{
	const char *file = NULL, *weak = NULL;
	const sz_cli_opt opts[] = { { "--new-file", true, &file }, { "--weak-ok", false, &weak },
		{ NULL, false, NULL } };
	int npos = sz_cli_opts(c, argc, argv, opts);
	if (npos < 0)
		return SZ_EXIT_USAGE;
	if (npos > 0)
		return sz_cli_usage_error(c, "unexpected argument '%s'", argv[1]);
	if (file == NULL && (c->in_daemon || getenv("SAMIZDAT_PASSPHRASE_FILE") != NULL))
		return sz_cli_usage_error(c, "give the new passphrase with --new-file FILE");
	sz_node *n;
	int r = sz_cli_node(c, &n);
	if (r != SZ_OK)
		return sz_cli_fail(c, r, "cannot open the node");
	/* The new passphrase comes from --new-file or the terminal, never the command line. */
	sz_cli nc = *c;
	nc.passfile = file;
	char *pass;
	size_t plen;
	if ((r = sz_cli_passphrase(&nc, "New passphrase: ", true, &pass, &plen)) != SZ_OK)
		return sz_cli_exit_code(r);
	if (plen == 0) {
		sz_secret_free(pass);
		return sz_cli_usage_error(c, "the new passphrase is empty");
	}
	double bits;
	int ex = sz_cli_passphrase_check(&nc, pass, plen, weak != NULL, &bits);
	if (ex != SZ_EXIT_OK) {
		sz_secret_free(pass);
		return ex;
	}
	sz_progress p;
	sz_progress_start(&p, c, "re-encrypting", 0);
	r = sz_node_change_passphrase(n, pass, plen, progress_cb, &p);
	sz_secret_free(pass);
	sz_progress_end(&p, p.total);
	if (r == SZ_ERR_INVALID)
		return sz_cli_fail(c, r, "that is the duress passphrase, or it is too long; nothing was "
		    "changed");
	if (r != SZ_OK)
		return sz_cli_fail(c, r, sz_node_errmsg(n));
	sz_cli_say(c, "The passphrase is changed, and every page of the store is re-encrypted under "
	    "a new key (%llu pages). An old copy of the key file, with the old passphrase, opens "
	    "nothing written from now on.\n", (unsigned long long)p.total);
	if (c->json) {
		sz_jsonw_key(&c->jw, "pages");
		sz_jsonw_u64(&c->jw, p.total);
	}
	return SZ_EXIT_OK;
}
