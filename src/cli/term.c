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
