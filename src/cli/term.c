/*
 * term.c - safe printing of outside text, progress bars, passphrase input.
 * Layer: cli.  Text from other people never reaches the terminal raw: an escape sequence in a post
 * must not be able to rewrite what the reader sees.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "samizdat.h"
#include "app/strength.h"
#include "cli/cli.h"
#include "crypto/crypto.h"
#include "lib/jsonw.h"

void
sz_cli_print_text(FILE *f, const uint8_t *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t k = sz_utf8_seq(s + i, n - i);
		uint8_t ch = s[i];
		if (k == 0 || (ch < 0x20 && ch != '\n' && ch != '\t') || ch == 0x7f) {
			fprintf(f, "\\x%02x", ch);
			i++;
		} else if (k == 2 && ch == 0xc2 && s[i + 1] < 0xa0) {
			/* C1 control characters (U+0080..U+009F) can drive terminals too. */
			fprintf(f, "\\u%04x", s[i + 1]);
			i += 2;
		} else {
			fwrite(s + i, 1, k, f);
			i += k;
		}
	}
}

static uint64_t
mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void
sz_progress_start(sz_progress *p, sz_cli *c, const char *what, uint64_t total)
{
	memset(p, 0, sizeof *p);
	p->c = c;
	p->what = what;
	p->total = total;
	p->last_pct = -1;
	p->last_ms = mono_ms();
	/* Not a terminal: stay quiet unless the work takes long (see update). */
}

void
sz_progress_update(sz_progress *p, uint64_t done)
{
	int pct = p->total ? (int)(done * 100 / p->total) : 0;
	uint64_t now = mono_ms();
	if (pct > 100)
		pct = 100;
	if (p->c->tty) {
		if (pct == p->last_pct && now - p->last_ms < 200)
			return;
		int width = 30, fill = pct * width / 100;
		fprintf(p->c->err, "\r%s [", p->what);
		for (int i = 0; i < width; i++)
			fputc(i < fill ? '#' : '.', p->c->err);
		if (p->total)
			fprintf(p->c->err, "] %3d%% (%llu/%llu)", pct, (unsigned long long)done,
			    (unsigned long long)p->total);
		else
			fprintf(p->c->err, "] %llu", (unsigned long long)done);
		fflush(p->c->err);
	} else {
		/* Quiet lines: at most one every ten seconds. */
		if (now - p->last_ms < 10000)
			return;
		fprintf(p->c->err, "%s: %llu of %llu\n", p->what, (unsigned long long)done,
		    (unsigned long long)p->total);
		p->said = true;
	}
	p->last_pct = pct;
	p->last_ms = now;
}

void
sz_progress_end(sz_progress *p, uint64_t done)
{
	if (p->c->tty) {
		p->last_pct = -1;
		p->last_ms = 0;
		sz_progress_update(p, done);
		fputc('\n', p->c->err);
	} else if (p->said) {
		fprintf(p->c->err, "%s: done (%llu)\n", p->what, (unsigned long long)done);
	}
}

/* Read one line (without its newline) from fd into guarded memory. */
static int
read_secret_line(int fd, char **out, size_t *len)
{
	const size_t cap = 1024;
	char *buf = sz_secret_alloc(cap);
	size_t n = 0;
	*out = NULL;
	*len = 0;
	if (buf == NULL)
		return SZ_ERR_NOMEM;
	for (;;) {
		char ch;
		ssize_t k = read(fd, &ch, 1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0 || ch == '\n')
			break;
		if (n + 1 >= cap) {
			sz_secret_free(buf);
			return SZ_ERR_TOO_LARGE;
		}
		buf[n++] = ch;
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return SZ_OK;
}

static int
prompt_tty(const char *prompt, char **out, size_t *len)
{
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return SZ_ERR_LOCKED;
	/* Started in the background ('samizdat serve &'): reading the terminal would stop this
	 * process until someone brings it back, which nobody does. */
	pid_t fg = tcgetpgrp(fd);
	if (fg != -1 && fg != getpgrp()) {
		close(fd);
		return SZ_ERR_BUSY;
	}
	struct termios old, quiet;
	int have_term = tcgetattr(fd, &old) == 0;
	if (have_term) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		quiet.c_lflag |= ICANON;
		tcsetattr(fd, TCSAFLUSH, &quiet);
	}
	if (write(fd, prompt, strlen(prompt)) < 0) {
		/* The prompt is a courtesy; reading still works. */
	}
	int r = read_secret_line(fd, out, len);
	if (have_term)
		tcsetattr(fd, TCSAFLUSH, &old);
	if (write(fd, "\n", 1) < 0) {
		/* as above */
	}
	close(fd);
	return r;
}

int
sz_cli_passphrase(sz_cli *c, const char *prompt, bool confirm, char **out, size_t *len)
{
	const char *file = c->passfile ? c->passfile : getenv("SAMIZDAT_PASSPHRASE_FILE");
	int r;
	*out = NULL;
	*len = 0;
	if (file != NULL && file[0] != '\0') {
		int fd = open(file, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			fprintf(c->err, "samizdat: cannot read the passphrase file %s: %s\n", file,
			    strerror(errno));
			return SZ_ERR_IO;
		}
		r = read_secret_line(fd, out, len);
		close(fd);
		return r;
	}
	if ((r = prompt_tty(prompt, out, len)) != SZ_OK) {
		if (r == SZ_ERR_LOCKED)
			fprintf(c->err, "samizdat: a passphrase is needed and there is no terminal to ask "
			    "on: give --passphrase-file FILE (or SAMIZDAT_PASSPHRASE_FILE).\n");
		if (r == SZ_ERR_BUSY) {
			fprintf(c->err, "samizdat: running in the background, it cannot ask for the "
			    "passphrase. Run 'samizdat serve --detach' instead (it asks first, then goes to "
			    "the background), or 'samizdat serve --locked &' and then 'samizdat unlock' "
			    "(or 'samizdat ui --open').\n");
			r = SZ_ERR_LOCKED;
		}
		return r;
	}
	if (confirm) {
		char *again;
		size_t alen;
		if ((r = prompt_tty("Repeat the passphrase: ", &again, &alen)) != SZ_OK) {
			sz_secret_free(*out);
			*out = NULL;
			return r;
		}
		int same = alen == *len && sz_ct_equal(again, *out, alen);
		sz_secret_free(again);
		if (!same) {
			fprintf(c->err, "samizdat: the two passphrases differ; nothing was changed.\n");
			sz_secret_free(*out);
			*out = NULL;
			*len = 0;
			return SZ_ERR_PASSPHRASE;
		}
	}
	return SZ_OK;
}

/* A line typed on the terminal, echoed (a question, not a secret): SZ_OK, or an error if there is
 * no terminal. */
static int
ask_tty(const char *prompt, char *line, size_t n)
{
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return SZ_ERR_LOCKED;
	if (write(fd, prompt, strlen(prompt)) < 0) {
		/* the answer is still read */
	}
	size_t k = 0;
	char ch;
	while (k + 1 < n && read(fd, &ch, 1) == 1 && ch != '\n')
		line[k++] = ch;
	line[k] = '\0';
	close(fd);
	return SZ_OK;
}

int
sz_cli_passphrase_check(sz_cli *c, const char *pass, size_t len, bool weak_ok, double *bits)
{
	sz_strength st;
	const char *home = strrchr(c->home, '/');
	const char *words[] = { home != NULL ? home + 1 : c->home, "samizdat", NULL };
	*bits = 0;
	int r = sz_passphrase_strength(pass, len, words, &st);
	if (r != SZ_OK) {
		fprintf(c->err, "samizdat %s: the passphrase cannot be measured (%s); nothing was "
		    "changed.\n", c->cmdname ? c->cmdname : "", r == SZ_ERR_INVALID ? "it holds a NUL "
		    "byte" : sz_strerror(r));
		return SZ_EXIT_USAGE;
	}
	*bits = st.bits;
	if (!st.weak)
		return SZ_EXIT_OK;
	fprintf(c->err, "samizdat %s: this passphrase is weak: about 2^%.0f guesses would find it "
	    "(samizdat asks for 2^%.0f, years of guessing for whoever seizes the device); %s.\n",
	    c->cmdname ? c->cmdname : "", st.bits, SZ_PASSPHRASE_MIN_BITS, st.advice);
	if (weak_ok) {
		fprintf(c->err, "Kept anyway (--weak-ok).\n");
		return SZ_EXIT_OK;
	}
	/* Typed on a terminal: the person may insist, in words.  From a file: --weak-ok. */
	const char *file = c->passfile ? c->passfile : getenv("SAMIZDAT_PASSPHRASE_FILE");
	char line[32] = "";
	if ((file == NULL || file[0] == '\0') && ask_tty("To keep it anyway, type: keep it\n"
	    "(anything else stops, and nothing is changed): ", line, sizeof line) == SZ_OK &&
	    strcmp(line, "keep it") == 0)
		return SZ_EXIT_OK;
	fprintf(c->err, "Nothing was changed. Choose a longer passphrase (four or five unrelated "
	    "words), or keep this one with --weak-ok.\n");
	return SZ_EXIT_FAIL;
}

int
sz_cli_open_input(sz_cli *c, const char *path)
{
	/* O_NONBLOCK so that opening a FIFO with no writer returns at once; the file must then be a
	 * regular file, whose reads never wait. */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	struct stat st;
	if (fd < 0) {
		fprintf(c->err, "samizdat %s: cannot read %s: %s\n", c->cmdname ? c->cmdname : "", path,
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		fprintf(c->err, "samizdat %s: %s is not a regular file (a pipe, a device or a "
		    "directory): refused, so that nothing waits on it for ever. Copy it to a file "
		    "first.\n", c->cmdname ? c->cmdname : "", path);
		close(fd);
		return -1;
	}
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0) {
		fprintf(c->err, "samizdat %s: cannot read %s: %s\n", c->cmdname ? c->cmdname : "", path,
		    strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int
sz_cli_read_file(sz_cli *c, const char *path, size_t max, sz_buf *out)
{
	struct stat st;
	int fd = sz_cli_open_input(c, path);
	if (fd < 0)
		return SZ_ERR_IO;
	if (fstat(fd, &st) != 0 || (uint64_t)st.st_size > max) {
		fprintf(c->err, "samizdat %s: %s is larger than %zu MiB.\n", c->cmdname ? c->cmdname : "",
		    path, max >> 20);
		close(fd);
		return SZ_ERR_TOO_LARGE;
	}
	int r = sz_buf_reserve(out, (size_t)st.st_size + 1);
	while (r == SZ_OK) {
		ssize_t k = read(fd, out->p + out->len, out->cap - out->len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			r = SZ_ERR_IO;
			break;
		}
		if (k == 0)
			break;
		out->len += (size_t)k;
		if (out->len > max)
			r = SZ_ERR_TOO_LARGE;
		else if (out->len == out->cap)
			r = sz_buf_reserve(out, out->cap);
	}
	close(fd);
	if (r != SZ_OK)
		fprintf(c->err, "samizdat %s: cannot read %s: %s\n", c->cmdname ? c->cmdname : "", path,
		    sz_strerror(r));
	return r;
}

int
sz_cli_write_file(sz_cli *c, const char *path, const uint8_t *p, size_t n)
{
	char tmp[4096];
	struct stat st;
	int r = SZ_OK;
	if (lstat(path, &st) == 0) {
		fprintf(c->err, "samizdat %s: %s exists; give a new name.\n", c->cmdname ? c->cmdname : "",
		    path);
		return SZ_ERR_EXISTS;
	}
	if ((size_t)snprintf(tmp, sizeof tmp, "%s.part", path) >= sizeof tmp)
		return SZ_ERR_INVALID;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		fprintf(c->err, "samizdat %s: cannot write %s: %s\n", c->cmdname ? c->cmdname : "", tmp,
		    strerror(errno));
		return SZ_ERR_IO;
	}
	for (size_t off = 0; off < n && r == SZ_OK;) {
		ssize_t k = write(fd, p + off, n - off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			r = errno == ENOSPC ? SZ_ERR_DISK_FULL : SZ_ERR_IO;
		else
			off += (size_t)k;
	}
	if (r == SZ_OK && fsync(fd) != 0)
		r = SZ_ERR_IO;
	close(fd);
	if (r == SZ_OK && link(tmp, path) != 0) /* never replaces a file made meanwhile */
		r = errno == EEXIST ? SZ_ERR_EXISTS : SZ_ERR_IO;
	unlink(tmp);
	if (r != SZ_OK)
		fprintf(c->err, "samizdat %s: cannot write %s: %s\n", c->cmdname ? c->cmdname : "", path,
		    sz_strerror(r));
	return r;
}
