/*
 * attach.h - attachments on the wire: the manifest that names a file in a post or a leaflet,
 * the block of manifests in their bodies, and the chunk arithmetic (docs/PROTOCOL.md
 * § Attachments §2-§3).  Layer: wire.
 *
 * A file is cut into chunks of SZ_ATTACH_CHUNK bytes (the last one shorter), each named by its
 * BLAKE2b-256; the concatenation of those hashes (the index) is itself one chunk.  Chunks travel
 * as ordinary envelopes: in a cell sealed (cell layer, SEAL_CHUNK), for a leaflet as public
 * entries of kind SZ_KIND_CHUNK signed by the publisher.  The manifest names the file by its
 * size, its whole hash and the hash of its index.
 */
#ifndef SZ_WIRE_ATTACH_H
#define SZ_WIRE_ATTACH_H

#include <stddef.h>
#include <stdint.h>

#include "samizdat.h"
#include "lib/bytes.h"

/* Bytes of file in each chunk: a sealed chunk (1 + 65,280 bytes under the seal) and a public
 * one (an entry of 111 + 65,280 bytes) both fill the 64 KiB bucket. */
#define SZ_ATTACH_CHUNK 65280u
/* The largest file: 100 MiB, 1,607 chunks; its index (51,424 bytes) fits one chunk. */
#define SZ_ATTACH_MAX (100u << 20)
/* Attachments per post or leaflet. */
#define SZ_ATTACH_PER_ENTRY 8
/* Bytes of an encoded manifest. */
#define SZ_MANIFEST_BYTES 75

/* Manifest flags. */
#define SZ_MANIFEST_AS_IS 0x01   /* carries metadata its sender accepted (--as-is): a type with no
                                  * stripper, or a PDF with embedded files or a signature */

typedef struct sz_manifest {
	uint8_t type;        /* SZ_MEDIA_* (media/strip.h): what the first bytes said */
	uint8_t flags;       /* SZ_MANIFEST_* */
	uint64_t size;       /* 1..SZ_ATTACH_MAX */
	uint8_t hash[32];    /* BLAKE2b-256 of the whole file */
	uint8_t index[32];   /* BLAKE2b-256 of the index chunk */
} sz_manifest;

/* Where a node files the entries of public chunks among its readable entries: the first 16
 * bytes of BLAKE2b-256("samizdat public chunks v1").  Never on a wire (their envelopes are in
 * the public scope); it keeps chunks out of the leaflets' list and heads. */
void sz_attach_chunk_scope(uint8_t scope[static 16]);

/* The number of data chunks of a file of size bytes (ceil(size / SZ_ATTACH_CHUNK)). */
uint32_t sz_attach_nchunks(uint64_t size);

/* version u8 (1) ‖ type u8 ‖ flags u8 ‖ size u64 ‖ hash[32] ‖ index[32]: 75 bytes into out. */
void sz_manifest_encode(const sz_manifest *m, uint8_t out[static SZ_MANIFEST_BYTES]);
/* Exactly SZ_MANIFEST_BYTES bytes.  SZ_ERR_UNSUPPORTED (version, type), SZ_ERR_MALFORMED
 * (unknown flags), SZ_ERR_TOO_LARGE / SZ_ERR_MALFORMED (size 0 or above SZ_ATTACH_MAX);
 * *m zeroed on error. */
SZ_MUST_CHECK int sz_manifest_decode(sz_manifest *m, const uint8_t *p, size_t len);

/* The block of a body: count u8 (1..SZ_ATTACH_PER_ENTRY) ‖ manifest × count.  Append one to b. */
void sz_attach_block_encode(sz_buf *b, const sz_manifest *m, size_t count);
/* Decode the block at the start of p (len bytes): up to SZ_ATTACH_PER_ENTRY manifests into m,
 * *count of them, *used the bytes it took.  Errors as sz_manifest_decode, SZ_ERR_TRUNCATED,
 * SZ_ERR_MALFORMED for a count of 0 or above the bound. */
SZ_MUST_CHECK int sz_attach_block_decode(const uint8_t *p, size_t len,
    sz_manifest m[static SZ_ATTACH_PER_ENTRY], size_t *count, size_t *used);

/* A post's body (docs/PROTOCOL.md § Node state, A post's body): version u8 (1) ‖ flags u8 (bit 0
 * a reply, bit 1 files) ‖ [reply_to[32]] ‖ [block] ‖ text.  A leaflet's: text, or 0x00 ‖ block ‖
 * text for one with files (no text starts with a NUL byte). */
#define SZ_POST_REPLY 0x01
#define SZ_POST_FILES 0x02
typedef struct sz_body {
	int reply;
	uint8_t reply_to[32];
	sz_manifest files[SZ_ATTACH_PER_ENTRY];
	size_t nfiles;
	const uint8_t *text;  /* into the body */
	size_t len;
} sz_body;
/* Decode a post body (SZ_ERR_UNSUPPORTED for another version, SZ_ERR_MALFORMED for unknown
 * flags or a bad block) or a leaflet body. */
SZ_MUST_CHECK int sz_post_body_decode(sz_body *b, const uint8_t *p, size_t len);
SZ_MUST_CHECK int sz_leaflet_body_decode(sz_body *b, const uint8_t *p, size_t len);
/* Encode them into out (appended). */
void sz_post_body_encode(sz_buf *out, const uint8_t *reply_to, const sz_manifest *m,
    size_t nfiles, const uint8_t *text, size_t len);
void sz_leaflet_body_encode(sz_buf *out, const sz_manifest *m, size_t nfiles,
    const uint8_t *text, size_t len);

#endif /* SZ_WIRE_ATTACH_H */
