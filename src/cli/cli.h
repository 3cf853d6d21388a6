/*
 * cli.h - what the subcommand files of the samizdat program share.
 * Layer: cli (the top).  One table of commands (main.c), one file per group of subcommands, as
 * WireGuard's wg.c does.  Commands write to c->out / c->err, never to stdout directly, so the same
 * code answers a terminal and (in the daemon) a client on the control socket.
 */
#ifndef SZ_CLI_CLI_H
#define SZ_CLI_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/bytes.h"
#include "lib/jsonw.h"

#define SZ_CLI_MAX_ARGS 64

/* Exit codes (stable; documented in docs/samizdat.1 and README.md). */
enum {
	SZ_EXIT_OK = 0,
	SZ_EXIT_FAIL = 1,      /* the command was understood but failed; the message says why */
	SZ_EXIT_USAGE = 2,     /* missing, extra or malformed arguments */
	SZ_EXIT_LOCKED = 3,    /* wrong passphrase, or the node is locked / not set up */
	SZ_EXIT_NETWORK = 4,   /* the peer could not be reached or broke off */
	SZ_EXIT_DATA = 5,      /* damaged or forged input (bundle, invite, entry) */
	SZ_EXIT_NOT_MEMBER = 6,/* not a member of that cell */
};

struct sz_node;

typedef struct sz_cli {
	FILE *out;            /* results: human text, or the one JSON document */
	FILE *err;            /* messages, progress */
	bool json;            /* --json */
	bool tty;             /* err is a terminal: progress bars, escapes */
	bool in_daemon;       /* running inside `samizdat serve` for a control-socket client */
	const char *home;     /* the data directory */
	const char *passfile; /* --passphrase-file */
	struct sz_node *node; /* opened on demand by sz_cli_node(), or the daemon's */
	bool own_node;        /* close it at the end */
	sz_buf jbuf;          /* the JSON document being built */
	sz_jsonw jw;
	struct sz_daemon *daemon; /* inside `samizdat serve`: the daemon */
	void *client;         /* inside the daemon: the control client asking */
	const char *secret;   /* inside the daemon: a passphrase the client sent (unlock) */
	size_t secretlen;
	const char *cmdname;  /* "cell invite", for messages */
	const char *usage;    /* the usage line of the running command */
	struct sz_web *web;   /* inside the daemon: its web interface, or NULL */
} sz_cli;

typedef struct sz_cli_cmd {
	const char *name;
	int (*fn)(sz_cli *c, int argc, char **argv);
	const char *usage;    /* arguments after the command name */
	const char *summary;  /* one line */
	const struct sz_cli_cmd *sub; /* a group: subcommands, NULL-terminated */
} sz_cli_cmd;

/* Run one command line (argv[0] is the command name) with c prepared by the caller. */
int sz_cli_dispatch(sz_cli *c, int argc, char **argv);

/* Print "samizdat CMD: reason" and the usage line, return SZ_EXIT_USAGE. */
int sz_cli_usage_error(sz_cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Report a library error in words a person understands; returns the exit code for it. */
int sz_cli_fail(sz_cli *c, int err, const char *what);
/* The advice that goes with an error, and the exit code it maps to. */
const char *sz_cli_advice(int err);
int sz_cli_exit_code(int err);
/* Human text: to c->out unless --json (then to c->err, so stdout holds only JSON). */
void sz_cli_say(sz_cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Write text that came from outside (a post, a name) to f, escaping control characters and
 * bytes that are not UTF-8 as \xNN so nothing can drive the terminal. */
void sz_cli_print_text(FILE *f, const uint8_t *s, size_t n);

/* Parse --flag VALUE / --flag=VALUE options out of argv (in place).  Returns the number of
 * positional arguments left in argv[1..], or -1 after printing a usage error. */
typedef struct sz_cli_opt {
	const char *name;     /* "--to" */
	bool has_value;
	const char **value;   /* set to the value (or "1" for a flag) */
} sz_cli_opt;
int sz_cli_opts(sz_cli *c, int argc, char **argv, const sz_cli_opt *opts);
/* For an option that may be repeated (sz_cli_opts keeps only the last value): take every
 * "name VALUE" / "name=VALUE" out of argv[1..] (in place; stops at "--") before sz_cli_opts runs,
 * keeping the values, in order, in vals (at most max; pointers into argv).  Returns the new argc,
 * or -1 after printing a usage error (a missing value, more than max). */
int sz_cli_opt_multi(sz_cli *c, int argc, char **argv, const char *name, const char **vals,
    size_t max, size_t *n);

/* Open the node in c->home, asking for the passphrase as needed (or return the daemon's). */
int sz_cli_node(sz_cli *c, struct sz_node **out);
/* Read the passphrase: --passphrase-file, $SAMIZDAT_PASSPHRASE_FILE, or the terminal.  The result
 * is sodium_malloc()ed; free with sz_secret_free.  confirm: ask twice (for init). */
int sz_cli_passphrase(sz_cli *c, const char *prompt, bool confirm, char **out, size_t *len);
/* A passphrase just chosen (init, passphrase): measured (app/strength.h); a weak one is refused,
 * saying why, unless weak_ok (--weak-ok) or, when it was typed on a terminal, the person types
 * "keep it" when asked.  *bits gets the estimate.  SZ_EXIT_OK to go on, else the exit code
 * (nothing was done). */
int sz_cli_passphrase_check(sz_cli *c, const char *pass, size_t len, bool weak_ok, double *bits);

/* Open a file that samizdat reads from outside (a bundle, a courier file) for reading: only a
 * regular file is taken, so that a FIFO or a device can never make the command (or the daemon
 * running it) wait for ever.  Returns the descriptor, or -1 after printing why. */
int sz_cli_open_input(sz_cli *c, const char *path);
/* Read the whole regular file path (at most max bytes) into out (appended).  An sz_err, after
 * printing why. */
int sz_cli_read_file(sz_cli *c, const char *path, size_t max, sz_buf *out);
/* Write p (n bytes) to a new file path, mode 0600: through path.part, synced, then linked in
 * place, so that nothing half-written or existing is ever left or replaced under that name
 * (SZ_ERR_EXISTS).  An sz_err, after printing why. */
int sz_cli_write_file(sz_cli *c, const char *path, const uint8_t *p, size_t n);

/* A progress line on a terminal (bar), quiet lines otherwise.  done <= total. */
typedef struct sz_progress {
	sz_cli *c;
	const char *what;
	uint64_t total;
	uint64_t last_ms;
	int last_pct;
	bool said;            /* a quiet line was printed (so the end is worth a line too) */
} sz_progress;
void sz_progress_start(sz_progress *p, sz_cli *c, const char *what, uint64_t total);
void sz_progress_update(sz_progress *p, uint64_t done);
void sz_progress_end(sz_progress *p, uint64_t done);

/* The text of a post or leaflet: the arguments joined by spaces, or stdin if there are none. */
int sz_cli_text_arg(sz_cli *c, int npos, char **argv, sz_buf *text);
/* A cell's name, which its creator chose, as text safe for a terminal (sz_text_printable); the
 * result lives until the next call from the same thread. */
struct sz_cell;
const char *sz_cli_cell_name(const struct sz_cell *cell);
/* "2026-11-26 16:03 CET": local time, with the zone */
void sz_cli_time(char *out, size_t n, uint64_t ms);

/* The commands, one file per group. */
int sz_cli_selftest(sz_cli *c, int argc, char **argv);
int sz_cli_init(sz_cli *c, int argc, char **argv);             /* cmd_node.c */
int sz_cli_id(sz_cli *c, int argc, char **argv);
int sz_cli_status(sz_cli *c, int argc, char **argv);
int sz_cli_wipe(sz_cli *c, int argc, char **argv);
int sz_cli_duress(sz_cli *c, int argc, char **argv);
int sz_cli_check(sz_cli *c, int argc, char **argv);            /* cmd_store.c */
int sz_cli_passphrase_cmd(sz_cli *c, int argc, char **argv);
int sz_cli_unlock(sz_cli *c, int argc, char **argv);           /* cmd_serve.c */
int sz_cli_lock(sz_cli *c, int argc, char **argv);
int sz_cli_serve(sz_cli *c, int argc, char **argv);
int sz_cli_ping(sz_cli *c, int argc, char **argv);
int sz_cli_sync(sz_cli *c, int argc, char **argv);             /* cmd_sync.c */
int sz_cli_peers(sz_cli *c, int argc, char **argv);
int sz_cli_events(sz_cli *c, int argc, char **argv);           /* cmd_events.c */
/* `read CELL --follow`, run in the command's own process: the read, then each post as the
 * daemon reports it, until interrupted or the daemon goes. */
int sz_cli_read_follow(sz_cli *c, int argc, char **argv);
/* status, inside the daemon: the automatic sync's nodes and the events so far. */
void sz_cli_status_auto(sz_cli *c);
extern const sz_cli_cmd sz_cli_leaflet_cmds[];                 /* cmd_leaflet.c */
extern const sz_cli_cmd sz_cli_cell_cmds[];                    /* cmd_cell.c */
int sz_cli_post(sz_cli *c, int argc, char **argv);             /* cmd_post.c */
int sz_cli_read(sz_cli *c, int argc, char **argv);
extern const sz_cli_cmd sz_cli_bundle_cmds[];                  /* cmd_bundle.c */
int sz_cli_propose(sz_cli *c, int argc, char **argv);          /* cmd_vote.c */
int sz_cli_vote(sz_cli *c, int argc, char **argv);
int sz_cli_tally(sz_cli *c, int argc, char **argv);
extern const sz_cli_cmd sz_cli_pledge_cmds[];                  /* cmd_pledge.c */
int sz_cli_declare(sz_cli *c, int argc, char **argv);          /* cmd_declare.c */
int sz_cli_cosign(sz_cli *c, int argc, char **argv);
int sz_cli_signatures(sz_cli *c, int argc, char **argv);
int sz_cli_decisions(sz_cli *c, int argc, char **argv);        /* cmd_decide.c */
int sz_cli_strip(sz_cli *c, int argc, char **argv);            /* cmd_attach.c */
int sz_cli_save(sz_cli *c, int argc, char **argv);
int sz_cli_files(sz_cli *c, int argc, char **argv);
int sz_cli_quota(sz_cli *c, int argc, char **argv);

/* Attachments (cmd_attach.c).  Read, strip (unless as_is) and store each of paths as chunks
 * for cell (NULL: a leaflet's): m gets np manifests.  An exit code, after saying what was
 * removed from each, or why one was refused. */
struct sz_manifest;
struct sz_cell;
int sz_cli_attach(sz_cli *c, struct sz_node *n, struct sz_cell *cell, const char *const *paths,
    size_t np, bool as_is, struct sz_manifest *m);
/* Show a post's or leaflet's files with their state (a "files" array under --json). */
void sz_cli_show_files(sz_cli *c, struct sz_node *n, const struct sz_manifest *m, size_t k,
    int indent);
int sz_cli_ui(sz_cli *c, int argc, char **argv);               /* cmd_ui.c */
int sz_cli_name(sz_cli *c, int argc, char **argv);             /* cmd_name.c */
/* A person as the other commands show them: the name given to them, else their fingerprint. */
void sz_cli_person(struct sz_node *n, const uint8_t id[32], char *out, size_t len);
/* "name": the name given to id, or null, into the JSON document. */
void sz_cli_json_name(sz_cli *c, struct sz_node *n, const uint8_t id[32]);
/* Which of ids typed means (a name, or the start of a fingerprint): SZ_EXIT_OK and id, or an
 * exit code after saying why (unknown: 6; ambiguous: 2, with the candidates). */
int sz_cli_find_person(sz_cli *c, struct sz_node *n, const uint8_t (*ids)[32], size_t count,
    const char *typed, uint8_t id[32]);
/* Open the link in the daemon's answer to `ui` in the person's browser. */
void sz_cli_ui_open(sz_cli *c, const uint8_t *out, size_t len);

/* What the decision commands share (cmd_decide.c). */
struct sz_cell;
struct sz_node_roster_check;
/* Report a failed decision: the node's words (what), without the general advice, which for these
 * codes is about invitations and membership; a passed deadline exits 1.  Returns the exit code. */
int sz_cli_decide_fail(sz_cli *c, int err, const char *what);
/* Open the node and the cell named name; an exit code (not OK: the message is printed). */
int sz_cli_open_cell(sz_cli *c, const char *name, struct sz_node **n, struct sz_cell **cell);
/* A deadline as typed: "+N" hours (or +Nd, +Nh, +Nm, +Ns; up to a year), "YYYY-MM-DD" (the end
 * of that day) or "YYYY-MM-DDTHH:MM" (UTC).  SZ_ERR_INVALID. */
int sz_cli_deadline(const char *s, uint64_t now_ms, uint64_t *out);
/* The first 16 hex digits of an id, as commands print it. */
void sz_cli_short_id(char out[17], const uint8_t id[32]);
/* A key and an id (64 hex digits) in the JSON document. */
void sz_cli_json_id(sz_cli *c, const char *key, const uint8_t id[32]);
/* Warnings on stderr: a roster below SZ_DECIDE_WARN_RING; members gone, left out, set aside. */
void sz_cli_small_ring(sz_cli *c, size_t ring);
void sz_cli_roster_notes(sz_cli *c, const struct sz_node_roster_check *rc, size_t set_aside);

/* Before what is traceable or cannot be undone (confirm.c): on a terminal, say what it means and
 * ask; --yes answers beforehand (and is taken out of argv).  SZ_EXIT_OK to go on, else the exit
 * code (nothing was done). */
int sz_cli_confirm(sz_cli *c, int *argc, char **argv);

/* Run a command line: through the daemon when one serves this node, else here. */
int sz_cli_run(sz_cli *c, int argc, char **argv);

#endif /* SZ_CLI_CLI_H */
