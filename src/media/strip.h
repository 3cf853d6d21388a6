/*
 * strip.h - metadata stripping: what a picture or a document says about who made it, where and
 * when, removed before anything leaves the device (docs/PROTOCOL.md § Attachments §1,
 * docs/threat/attach.md).  Layer: media (over lib only; PDF through libqpdf's C API).
 *
 * JPEG and PNG are walked segment by segment by our own bounded parsers and rebuilt from what
 * decoding needs; PDF is rewritten whole by libqpdf after its document information, XMP and
 * other per-object metadata are removed.  Pixels and page contents are never re-encoded.
 */
#ifndef SZ_MEDIA_STRIP_H
#define SZ_MEDIA_STRIP_H

#include <stddef.h>
#include <stdint.h>

#include "samizdat.h"
#include "lib/bytes.h"

/* What a file is, by its first bytes (never by its name).  Stable: travels in manifests. */
enum {
	SZ_MEDIA_OTHER = 0,
	SZ_MEDIA_JPEG = 1,
	SZ_MEDIA_PNG = 2,
	SZ_MEDIA_PDF = 3,
};

/* The largest file sz_strip takes. */
#define SZ_STRIP_MAX_INPUT (256u << 20)

/* What was found and removed (sz_strip_report.removed). */
enum {
	SZ_STRIP_EXIF = 1u << 0,      /* EXIF (camera, serial numbers, times) */
	SZ_STRIP_GPS = 1u << 1,       /* ... and it held a GPS position */
	SZ_STRIP_XMP = 1u << 2,       /* XMP packets (authors, tools, history) */
	SZ_STRIP_IPTC = 1u << 3,      /* IPTC / Photoshop records (bylines, places) */
	SZ_STRIP_COMMENT = 1u << 4,   /* JPEG comments */
	SZ_STRIP_TEXT = 1u << 5,      /* PNG text chunks */
	SZ_STRIP_ICC = 1u << 6,       /* colour profiles (they name devices and dates) */
	SZ_STRIP_THUMB = 1u << 7,     /* embedded thumbnails and extra images */
	SZ_STRIP_TIME = 1u << 8,      /* PNG modification time */
	SZ_STRIP_TRAILER = 1u << 9,   /* bytes after the end of the picture */
	SZ_STRIP_INFO = 1u << 10,     /* PDF document information (author, title, producer, dates) */
	SZ_STRIP_HISTORY = 1u << 11,  /* PDF earlier revisions and unused objects */
	SZ_STRIP_ANNOT = 1u << 12,    /* PDF annotation authors and dates */
	SZ_STRIP_OTHER = 1u << 13,    /* other application segments or chunks */
};

/* What could not be removed and needs the person's word (sz_strip_report.residual). */
enum {
	SZ_STRIP_RES_EMBEDDED = 1u << 0, /* a PDF carrying files of its own */
	SZ_STRIP_RES_SIGNED = 1u << 1,   /* a PDF with a digital signature (names its signer) */
};

typedef struct sz_strip_report {
	int type;            /* SZ_MEDIA_* */
	uint32_t removed;    /* SZ_STRIP_* */
	uint32_t residual;   /* SZ_STRIP_RES_* */
	uint32_t dropped;    /* segments, chunks or keys removed */
	uint8_t orientation; /* JPEG: the EXIF orientation kept (1..8; 0 none) */
} sz_strip_report;

/* The type of the file that starts with p (n bytes): SZ_MEDIA_JPEG, _PNG, _PDF or _OTHER. */
int sz_media_sniff(const uint8_t *p, size_t n);
/* "JPEG picture", "PNG picture", "PDF document", "file"; never NULL. */
const char *sz_media_name(int type);
/* "jpg", "png", "pdf", "bin"; never NULL. */
const char *sz_media_ext(int type);

/* Strip the metadata of in (len bytes, at most SZ_STRIP_MAX_INPUT) into out (appended; reset it
 * first), by the type its first bytes name.  rep (required) says what was removed and what
 * could not be (residual: the caller must ask the person before sending).
 * Errors: SZ_ERR_UNSUPPORTED (another type, or a variant we do not rebuild: arithmetic-free
 * JPEG extensions, encrypted PDF), SZ_ERR_MALFORMED / SZ_ERR_TRUNCATED (a damaged file: nothing
 * is guessed), SZ_ERR_TOO_LARGE, SZ_ERR_NOMEM.  On error out is reset.  Thread-safe: touches
 * nothing but its arguments (and, for PDF, a libqpdf object of its own). */
SZ_MUST_CHECK int sz_strip(const uint8_t *in, size_t len, sz_buf *out, sz_strip_report *rep);

/* What rep->removed says, as a list for a person ("EXIF (with a GPS position), XMP, a comment"),
 * into out (n bytes, always NUL-terminated); "nothing" if empty. */
void sz_strip_describe(uint32_t removed, char *out, size_t n);

#endif /* SZ_MEDIA_STRIP_H */
