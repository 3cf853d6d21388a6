/*
 * assets.h - the web interface's files (HTML, CSS, JavaScript, icons), embedded in the binary at
 * build time by scripts/embed.sh from src/web/assets/.  Layer: web.  Nothing is read from disk.
 */
#ifndef SZ_WEB_ASSETS_H
#define SZ_WEB_ASSETS_H

#include <stddef.h>
#include <stdint.h>

typedef struct sz_web_asset {
	const char *path;      /* "/app.js" */
	const char *type;      /* its Content-Type */
	const uint8_t *data;
	size_t len;
} sz_web_asset;

/* Terminated by an entry whose path is NULL. */
extern const sz_web_asset sz_web_assets[];

#endif /* SZ_WEB_ASSETS_H */
