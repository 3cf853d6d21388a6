/*
 * sz_fill.c - put N leaflets into a node, quickly (for tests and benchmarks).
 *   sz_fill HOME PASSPHRASE-FILE N [BODY-BYTES]
 * Each leaflet's text is "leaflet <i>" padded to BODY-BYTES (default 100).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "samizdat.h"

int
main(int argc, char **argv)
{
	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: sz_fill HOME PASSPHRASE-FILE N [BODY-BYTES]\n");
		return 2;
	}
	char *end;
	errno = 0;
	unsigned long n = strtoul(argv[3], &end, 10), size = 100;
	if (errno || *end || n > 10000000) {
		fprintf(stderr, "sz_fill: N must be a number up to 10000000\n");
		return 2;
	}
	if (argc == 5 && ((size = strtoul(argv[4], &end, 10)) < 16 || size > 65536 || *end)) {
		fprintf(stderr, "sz_fill: BODY-BYTES must be 16..65536\n");
		return 2;
	}
	FILE *f = fopen(argv[2], "r");
	char pass[256];
	if (f == NULL || fgets(pass, sizeof pass, f) == NULL) {
		fprintf(stderr, "sz_fill: cannot read %s\n", argv[2]);
		return 1;
	}
	fclose(f);
	pass[strcspn(pass, "\n")] = '\0';
	sz_node *node;
	int r;
	if ((r = sz_init()) != SZ_OK || (r = sz_node_open(&node, argv[1], pass, strlen(pass))) != SZ_OK) {
		fprintf(stderr, "sz_fill: %s\n", sz_strerror(r));
		return 1;
	}
	char *text = malloc(size);
	if (text == NULL)
		return 1;
	for (unsigned long i = 0; i < n && r == SZ_OK; i++) {
		memset(text, '.', size);
		int k = snprintf(text, size, "leaflet %lu ", i);
		text[k] = '.';
		uint8_t id[32];
		r = sz_node_leaflet_publish(node, (const uint8_t *)text, size, id);
	}
	free(text);
	sz_node_close(node);
	if (r != SZ_OK) {
		fprintf(stderr, "sz_fill: %s\n", sz_strerror(r));
		return 1;
	}
	return 0;
}
