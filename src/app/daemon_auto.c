/*
 * daemon_auto.c - the daemon runs the network by itself: it syncs with its cells' members' nodes
 * and its peers list (periodically with jitter, within a second or so after something is made
 * here, backing off after failures, a few at a time), keeps its "where to reach me" records in
 * step with its addresses and members, and keeps the events a front end shows (docs/PROTOCOL.md
 * §8, Automatic sync).  Layer: app.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/daemon_int.h"
#include "app/node_reach.h"
#include "cell/cell.h"
#include "crypto/crypto.h"
#include "lib/jsonw.h"
#include "transport/tcpdial.h"
#include "wire/entry.h"
#include "wire/identity.h"

/* --- events ------------------------------------------------------------------------------- */

static void
event_add(sz_daemon *d, const char *kind, const char *cell, const uint8_t *who, const uint8_t *id)
{
	sz_daemon_event *e = &d->ev[d->ev_seq % SZ_DAEMON_EVENTS];
	memset(e, 0, sizeof *e);
	e->seq = ++d->ev_seq;
	e->time_ms = d->node != NULL ? sz_now_ms(d->node->env) : 0;
	snprintf(e->kind, sizeof e->kind, "%s", kind);
	if (cell != NULL)
		snprintf(e->cell, sizeof e->cell, "%s", cell);
	if (who != NULL && !sodium_is_zero(who, 32) && sz_fingerprint(e->who, who) != SZ_OK)
		e->who[0] = '\0';
	if (id != NULL)
		sz_hex_encode(e->id, id, 32);
}

/* The cell named cell brought entries: pushed on after the session's bytes are fed. */
static void
fwd_note(sz_daemon *d, const char *cell)
{
	for (size_t i = 0; i < d->nfwd; i++)
		if (strcmp(d->fwd_cell[i], cell) == 0)
			return;
	if (d->nfwd == SZ_DAEMON_FWD_CELLS) {
		d->fwd_all = true;
		return;
	}
	snprintf(d->fwd_cell[d->nfwd++], sizeof d->fwd_cell[0], "%s", cell);
}

/* Node hook: what the cells reported in a batch, once it has committed (node_batch.c). */
static void
on_event(void *ctx, const sz_node_event *e)
{
	sz_daemon *d = ctx;
	if (e == NULL) { /* a batch too big to tell event by event: look at everything again */
		d->publish_dirty = true;
		d->targets_dirty = true;
		d->fwd_all = true;
		event_add(d, "sync", NULL, NULL, NULL);
		return;
	}
	if (e->type == SZ_NODE_EV_PUBLIC) {
		d->fwd_all = true; /* leaflets go to every node this one syncs with */
		return;
	}
	/* Pushed on: what arrived of a cell, but not a ballot or a pledge (a prompt push would
	 * narrow the moment its sender released it: docs/threat/decisions.md §10). */
	if (!e->mine && (e->type == SZ_CELL_EV_CONTROL || (e->kind != SZ_KIND_BALLOT &&
	    e->kind != SZ_KIND_PLEDGE)))
		fwd_note(d, e->cell);
	if (e->type == SZ_CELL_EV_CONTROL) {
		/* Members changed: my record goes again (a newcomer cannot read the old one), and the
		 * targets follow (a removed member's node is no longer one). */
		d->publish_dirty = true;
		d->targets_dirty = true;
		const char *k = e->op == SZ_CELL_OP_ADD ? "member-added" : e->op == SZ_CELL_OP_REMOVE ?
		    "member-removed" : e->op == SZ_CELL_OP_LEAVE ? "member-left" : NULL;
		if (k != NULL && !e->mine)
			event_add(d, k, e->cell, e->op == SZ_CELL_OP_LEAVE ? e->actor : e->subject, NULL);
		return;
	}
	if (e->type != SZ_CELL_EV_MESSAGE || e->mine)
		return;
	const char *k = NULL;
	switch (e->kind) {
	case SZ_KIND_POST: k = "post"; break;
	case SZ_KIND_PROPOSAL: k = "proposal"; break;
	case SZ_KIND_PLEDGE_CALL: k = "pledge-call"; break;
	case SZ_KIND_DECLARATION: k = "declaration"; break;
	case SZ_KIND_COSIGN: k = "cosignature"; break;
	case SZ_KIND_REVEAL: k = "reveal"; break;
	case SZ_KIND_REACH: d->targets_dirty = true; return;
	default: return; /* ballots and pledges: nothing that would date one or name its sender */
	}
	event_add(d, k, e->cell, e->actor, e->entry_id);
}

size_t
sz_daemon_events(const sz_daemon *d, uint64_t since, sz_daemon_event *out, size_t max)
{
	size_t k = 0;
	uint64_t first = d->ev_seq > SZ_DAEMON_EVENTS ? d->ev_seq - SZ_DAEMON_EVENTS + 1 : 1;
	if (since + 1 > first)
		first = since + 1;
	for (uint64_t s = first; s <= d->ev_seq && k < max; s++)
		out[k++] = d->ev[(s - 1) % SZ_DAEMON_EVENTS];
	return k;
}

uint64_t
sz_daemon_events_last(const sz_daemon *d)
{
	return d->ev_seq;
}

/* Text that came from members (a cell's name), with anything that could drive a terminal or
 * break a line shown as \xNN. */
static void
put_text(sz_buf *out, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p == 0x7f || *p == '\\') {
			char t[8];
			int l = snprintf(t, sizeof t, "\\x%02x", *p);
			sz_buf_append(out, t, (size_t)l);
		} else {
			sz_buf_u8(out, *p);
		}
	}
}

/* Answer a waiting front end with the events above its mark (possibly none): JSON if it asked
 * for it, else one line an event. */
static void
events_answer(sz_daemon *d, conn *c)
{
	sz_buf out = { 0 };
	sz_daemon_event ev[64];
	size_t k = sz_daemon_events(d, c->ev_since, ev, 64);
	uint64_t last = k > 0 ? ev[k - 1].seq : c->ev_since > d->ev_seq ? d->ev_seq : c->ev_since;
	if (c->json) {
		sz_jsonw w;
		sz_jsonw_init(&w, &out);
		sz_jsonw_obj_begin(&w);
		sz_jsonw_key(&w, "events");
		sz_jsonw_arr_begin(&w);
		for (size_t i = 0; i < k; i++) {
			sz_jsonw_obj_begin(&w);
			sz_jsonw_key(&w, "seq");
			sz_jsonw_u64(&w, ev[i].seq);
			sz_jsonw_key(&w, "time_ms");
			sz_jsonw_u64(&w, ev[i].time_ms);
			sz_jsonw_key(&w, "kind");
			sz_jsonw_str(&w, ev[i].kind);
			sz_jsonw_key(&w, "cell");
			sz_jsonw_str(&w, ev[i].cell);
			sz_jsonw_key(&w, "who");
			sz_jsonw_str(&w, ev[i].who);
			sz_jsonw_key(&w, "id");
			sz_jsonw_str(&w, ev[i].id);
			sz_jsonw_obj_end(&w);
		}
		sz_jsonw_arr_end(&w);
		sz_jsonw_key(&w, "last");
		sz_jsonw_u64(&w, last);
		sz_jsonw_key(&w, "ok");
		sz_jsonw_bool(&w, true);
		sz_jsonw_key(&w, "exit");
		sz_jsonw_i64(&w, 0);
		sz_jsonw_obj_end(&w);
		sz_buf_u8(&out, '\n');
	} else {
		char line[200];
		for (size_t i = 0; i < k; i++) {
			time_t t = (time_t)(ev[i].time_ms / 1000);
			struct tm tm;
			char when[32] = "";
			if (gmtime_r(&t, &tm) != NULL)
				strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
			int l = snprintf(line, sizeof line, "%llu  %s UTC  %s", (unsigned long long)ev[i].seq,
			    when, ev[i].kind);
			sz_buf_append(&out, line, (size_t)l);
			if (ev[i].cell[0]) {
				sz_buf_append(&out, " in '", 5);
				put_text(&out, ev[i].cell);
				sz_buf_u8(&out, '\'');
			}
			l = snprintf(line, sizeof line, "%s%s%s%.16s\n", ev[i].who[0] ? " by " : "",
			    ev[i].who, ev[i].id[0] ? "  " : "", ev[i].id);
			sz_buf_append(&out, line, (size_t)l);
		}
		int l = snprintf(line, sizeof line, "last %llu\n", (unsigned long long)last);
		sz_buf_append(&out, line, (size_t)l);
	}
	c->ev_wait = false;
	if (out.err)
		c->dead = true;
	else
		sz_daemon_ctl_answer(c, 0, &out, NULL);
	sz_buf_free(&out);
}

void
sz_daemon_events_wait(sz_daemon *d, void *client, uint64_t since, bool wait)
{
	conn *c = client;
	c->ev_since = since;
	c->stage_ms = sz_tcpdial_now_ms();
	if (!wait || d->ev_seq > since) {
		events_answer(d, c);
		return;
	}
	/* Waiters hold control slots: a few at most, the oldest answered (with nothing) first. */
	size_t nw = 0;
	conn *oldest = NULL;
	for (size_t i = 0; i < d->nconns; i++) {
		conn *o = d->conns[i];
		if (o->kind == C_CTL && o->ev_wait && !o->dead) {
			nw++;
			if (oldest == NULL || o->stage_ms < oldest->stage_ms)
				oldest = o;
		}
	}
	if (nw >= SZ_DAEMON_EVENT_WAITERS && oldest != NULL)
		events_answer(d, oldest);
	c->ev_wait = true;
}

/* --- targets and records ------------------------------------------------------------------- */

/* Is a one of the addresses this node serves on or is reached at? */
static bool
is_mine(sz_daemon *d, const sz_addr *a, const sz_addr *reach, size_t nr)
{
	for (size_t i = 0; i < nr; i++)
		if (reach[i].port == a->port && strcmp(reach[i].host, a->host) == 0)
			return true;
	for (size_t i = 0; i < d->nl; i++)
		if (d->o.listen[i].port == a->port && (strcmp(d->o.listen[i].host, a->host) == 0 ||
		    (sz_tcpdial_is_loopback(a->host) && sz_tcpdial_is_loopback(d->o.listen[i].host))))
			return true;
	return false;
}

/* Order a member node's addresses by how this node may dial them, leaving out those it may not:
 * over Tor when either side is an onion.  With Tor, its onion addresses first; its clear ones
 * only if this node is itself reached at a clear address (a node reached only at its onion never
 * shows its network address to a member's node: docs/PROTOCOL.md §8, Automatic sync).  Returns
 * how many. */
static size_t
route(sz_daemon *d, sz_autosync_want *w, const sz_addr *reach, size_t nr)
{
	/* configured for Tor (even while it starts, or if it failed): no clear address is dialled
	 * unless this node shows one itself */
	bool clear_ok = d->o.tor_control == NULL && d->o.tor_path == NULL;
	for (size_t i = 0; i < nr && !clear_ok; i++)
		clear_ok = !reach[i].onion;
	sz_addr keep[SZ_AUTOSYNC_MAX_ADDRS];
	size_t k = 0;
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < w->naddr && k < SZ_AUTOSYNC_MAX_ADDRS; i++) {
			const sz_addr *a = &w->addr[i];
			if (pass == 0 ? (!a->onion || !d->tor_ready) : (a->onion || !clear_ok))
				continue;
			if (!is_mine(d, a, reach, nr))
				keep[k++] = *a;
		}
	memcpy(w->addr, keep, k * sizeof keep[0]);
	w->naddr = k;
	return k;
}

void
sz_daemon_auto_tor(sz_daemon *d, const sz_autosync_want *want, size_t n, const char *extra_id,
    const uint8_t *extra_sk)
{
	static uint8_t clients[SZ_TORCTL_MAX_CLIENTS][32];
	static char ids[SZ_AUTOSYNC_MAX_TARGETS + 1][SZ_ONION_ID_BUF];
	uint8_t (*sks)[32] = sz_secret_alloc((SZ_AUTOSYNC_MAX_TARGETS + 1) * 32);
	if (!d->tor_ready || d->node == NULL || sks == NULL) {
		sz_secret_free(sks);
		return;
	}
	size_t nc = sz_node_reach_clients(d->node, clients, SZ_TORCTL_MAX_CLIENTS), nr = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < want[i].naddr && want[i].has_key; k++) {
			const sz_addr *a = &want[i].addr[k];
			if (!a->onion || strlen(a->host) != SZ_ONION_ID_LEN + 6)
				continue;
			memcpy(ids[nr], a->host, SZ_ONION_ID_LEN);
			ids[nr][SZ_ONION_ID_LEN] = '\0';
			sz_node_reach_client_secret(d->node, want[i].key, sks[nr]);
			nr++;
		}
	if (extra_id != NULL) {
		snprintf(ids[nr], sizeof ids[nr], "%s", extra_id);
		memcpy(sks[nr++], extra_sk, 32);
	}
	sz_daemon_tor_want(d, (const uint8_t(*)[32])clients, nc, (const char(*)[SZ_ONION_ID_BUF])ids,
	    (const uint8_t(*)[32])sks, nr);
	sz_secret_free(sks);
}

/* The idle cap (lib/backoff.h) for a node that announces nr addresses: a node nobody can dial
 * (--unlisted, or reached only from this computer: plain `serve`, the web page's default) gets
 * no push, so it keeps asking more often. */
static uint32_t
idle_cap(const sz_daemon *d, size_t nr)
{
	return d->o.unlisted || nr == 0 ? SZ_AUTOSYNC_IDLE_CAP_UNLISTED : SZ_AUTOSYNC_IDLE_CAP;
}

/* Gather the targets: every member node the cells' records name, and the peers list. */
static void
targets_gather(sz_daemon *d, uint64_t now)
{
	static sz_autosync_want want[SZ_AUTOSYNC_MAX_TARGETS];
	sz_addr reach[SZ_DAEMON_MAX_REACH];
	size_t nr = sz_daemon_reach(d, reach, SZ_DAEMON_MAX_REACH), k = 0;
	size_t nb = sz_node_reach_targets(d->node, want, SZ_AUTOSYNC_MAX_TARGETS);
	if (d->as_ready) /* the reach may have changed: an onion came up, say */
		sz_autosync_set_idle_cap(&d->as, idle_cap(d, nr), now);
	for (size_t i = 0; i < nb; i++)
		if (route(d, &want[i], reach, nr) > 0)
			want[k++] = want[i];
	size_t members = k;
	/* tor: the members' nodes let in, the secrets for their onions */
	sz_daemon_auto_tor(d, want, members, NULL, NULL);
	sz_buf list = { 0 };
	if (sz_store_kv_get(d->node->store, KV_PEERS, &list) == SZ_OK) {
		sz_buf_u8(&list, 0);
		char *save = NULL;
		for (char *l = list.err ? NULL : strtok_r((char *)list.p, "\n", &save); l != NULL &&
		    k < SZ_AUTOSYNC_MAX_TARGETS; l = strtok_r(NULL, "\n", &save)) {
			char why[128];
			sz_addr *a = &want[k].addr[0];
			memset(&want[k], 0, sizeof want[k]);
			want[k].naddr = 1;
			/* the person named it: dialled as named (an onion needs Tor) */
			if (sz_addr_parse(a, l, why, sizeof why) != SZ_OK || a->port == 0 ||
			    (a->onion && !d->tor_ready) || is_mine(d, a, reach, nr))
				continue;
			bool known = false; /* a member node's address: synced with as that node */
			for (size_t m = 0; m < members && !known; m++)
				for (size_t j = 0; j < want[m].naddr && !known; j++)
					known = want[m].addr[j].port == a->port &&
					    strcmp(want[m].addr[j].host, a->host) == 0;
			if (!known)
				k++;
		}
	}
	sz_buf_free(&list);
	sz_autosync_set(&d->as, want, k, now);
	d->targets_ms = now;
	d->targets_dirty = false;
}

/* My record in every cell I am in says where this node is reached now, to its members now. */
static void
records_publish(sz_daemon *d, uint64_t now)
{
	sz_addr reach[SZ_DAEMON_MAX_REACH];
	size_t nr = sz_daemon_reach(d, reach, SZ_DAEMON_MAX_REACH);
	for (size_t i = 0; i < d->node->ncells; i++) {
		sz_cell *c = d->node->cells[i].cell;
		bool posted = false;
		if (sz_cell_status(c) != SZ_CELL_ACTIVE)
			continue;
		int r = sz_node_reach_publish(d->node, c, reach, nr, d->o.unlisted, &posted);
		if (r == SZ_ERR_STATE)
			continue; /* my first key update is not made yet: the next turn */
		if (r != SZ_OK)
			sz_daemon_log(d, "could not post where this node is reached: %s", sz_strerror(r));
	}
	d->publish_ms = now;
	d->publish_dirty = false;
}

/* --- the schedule ---------------------------------------------------------------------------- */

void
sz_daemon_auto_regather(sz_daemon *d)
{
	if (d->node != NULL && d->as_ready)
		targets_gather(d, sz_tcpdial_now_ms());
}

void
sz_daemon_auto_attach(sz_daemon *d)
{
	if (d->node == NULL)
		return;
	d->node->on_event = on_event;
	d->node->event_ctx = d;
	d->targets_dirty = d->publish_dirty = true;
	if (!d->as_ready) {
		/* a node nobody dials receives no push: it keeps asking more often */
		sz_addr reach[SZ_DAEMON_MAX_REACH];
		sz_autosync_cfg cfg = { .period_ms = d->o.sync_every_ms,
			.idle_cap = idle_cap(d, sz_daemon_reach(d, reach, SZ_DAEMON_MAX_REACH)) };
		sz_autosync_init(&d->as, &cfg, d->node->env);
		d->as_ready = true;
	}
}

void
sz_daemon_auto_note(sz_daemon *d, uint64_t before, bool push)
{
	if (d->node == NULL)
		return;
	if (push && d->node->stored != before)
		d->poke = true;
	d->targets_dirty = true;
	d->publish_dirty = true;
}

void
sz_daemon_auto_forward(sz_daemon *d, const uint8_t *from)
{
	if (d->nfwd == 0 && !d->fwd_all)
		return;
	size_t pushed = 0, ncells = d->nfwd;
	bool all = d->fwd_all;
	if (d->node != NULL && d->as_ready && !d->o.manual) {
		uint64_t now = sz_tcpdial_now_ms();
		if (all) {
			pushed = sz_autosync_forward(&d->as, NULL, 0, from, now);
		} else {
			static uint8_t keys[SZ_AUTOSYNC_MAX_TARGETS][32];
			for (size_t i = 0; i < d->nfwd; i++) {
				size_t k = sz_node_reach_cell_nodes(d->node, d->fwd_cell[i], keys,
				    SZ_AUTOSYNC_MAX_TARGETS);
				pushed += sz_autosync_forward(&d->as, (const uint8_t(*)[32])keys, k, from,
				    now);
			}
		}
	}
	d->nfwd = 0;
	d->fwd_all = false;
	if (pushed > 0)
		sz_daemon_debug(d, "new entries (%s) pushed on to %zu node%s", all ? "public, or many "
		    "cells" : ncells == 1 ? "one cell" : "several cells", pushed, pushed == 1 ? "" : "s");
}

void
sz_daemon_auto_detach(sz_daemon *d)
{
	d->as_ready = false;
	d->poke = false;
	d->nfwd = 0;
	d->fwd_all = false;
}

void
sz_daemon_auto_tick(sz_daemon *d, uint64_t now)
{
	bool settled = sz_daemon_tor_settled(d);
	for (size_t i = 0; i < d->nconns; i++) {
		conn *c = d->conns[i];
		if (c->kind == C_CTL && c->held && !c->dead && (settled ||
		    sz_daemon_since(now, c->held_ms) > SZ_DAEMON_HOLD_MS)) {
			c->held = false;
			sz_daemon_ctl_answer(c, c->held_code, &c->held_out, &c->held_err);
			sz_buf_free(&c->held_out);
			sz_buf_free(&c->held_err);
		}
		if (c->kind == C_CTL && c->ev_wait && !c->dead &&
		    (d->ev_seq > c->ev_since || sz_daemon_since(now, c->stage_ms) >
		    SZ_DAEMON_EVENTS_WAIT_MS))
			events_answer(d, c);
	}
	if (d->node == NULL || !d->as_ready)
		return;
	if (d->publish_dirty || sz_daemon_since(now, d->publish_ms) >= SZ_DAEMON_PUBLISH_MS) {
		uint64_t before = d->node->stored;
		records_publish(d, now);
		if (d->node->stored != before)
			d->poke = true;
	}
	/* gathered even by a --manual daemon: its onion lets in whom the records say */
	if (d->targets_dirty || sz_daemon_since(now, d->targets_ms) >= SZ_DAEMON_TARGETS_MS)
		targets_gather(d, now);
	if (d->o.manual)
		return;
	sz_daemon_auto_forward(d, NULL); /* what came otherwise than in a session (a courier file) */
	if (d->poke) {
		sz_autosync_poke(&d->as, now);
		d->poke = false;
	}
	sz_autosync_target *t;
	while ((t = sz_autosync_next(&d->as, now)) != NULL) {
		int r = sz_daemon_dial_target(d, sz_autosync_addr(t), t->id,
		    t->w.has_key ? t->w.key : NULL);
		if (r != SZ_OK)
			sz_autosync_done(&d->as, t->id, r, -1, false, now);
	}
}

void
sz_daemon_auto_done(sz_daemon *d, uint32_t id, int err, int retry_s, uint64_t stored, bool moved)
{
	if (!d->as_ready)
		return;
	const sz_autosync_target *t = sz_autosync_find(&d->as, id);
	bool first_failure = t != NULL && t->fails == 0 && err != SZ_OK && retry_s < 0;
	char a[SZ_NET_ADDR_TEXT] = "?";
	if (t != NULL && sz_addr_format(sz_autosync_addr(t), a, sizeof a) != SZ_OK)
		a[0] = '\0';
	sz_autosync_done(&d->as, id, err, retry_s, moved, sz_tcpdial_now_ms());
	if (first_failure) { /* the log names no peer (docs/THREAT_MODEL.md §3.4) */
		sz_daemon_log(d, "an automatic sync failed (%s); trying again later", sz_strerror(err));
		sz_daemon_debug(d, "automatic sync with %s failed (%s)", a, sz_strerror(err));
	}
	if (err == SZ_OK && stored > 0)
		event_add(d, "sync", NULL, NULL, NULL);
}

void
sz_daemon_auto_heard(sz_daemon *d, const uint8_t pk[32], int err, bool moved)
{
	if (d->node != NULL && d->as_ready)
		(void)sz_autosync_heard(&d->as, pk, err == SZ_OK, moved, sz_tcpdial_now_ms());
}

size_t
sz_daemon_auto_targets(const sz_daemon *d, sz_autosync_target *out, size_t max)
{
	size_t k = 0;
	for (size_t i = 0; d->as_ready && i < d->as.n && k < max; i++)
		if (d->as.t[i].live)
			out[k++] = d->as.t[i];
	return k;
}

bool
sz_daemon_autosync_on(const sz_daemon *d)
{
	return !d->o.manual;
}
