/*
 * web_test.c - the web interface's pieces that need no server: the QR code of an invitation as
 * SVG (well formed, the text itself never in it, every dark module drawn once, the size of the
 * symbol libqrencode makes).  The server's checks are tried from outside by tests/ui/security.t.
 * Layer: web.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qrencode.h>

#include "web/web_int.h"

/* Count the modules the path draws: "M<x> <y>h<run>v1h-<run>z" segments. */
static long
drawn(const char *svg)
{
	long total = 0;
	const char *p = strstr(svg, " d=\"");
	assert_non_null(p);
	for (p += 4; *p == 'M';) {
		int x, y, run, back, k = 0;
		assert_int_equal(sscanf(p, "M%d %dh%dv1h-%dz%n", &x, &y, &run, &back, &k), 4);
		assert_int_equal(run, back);
		assert_true(run > 0);
		total += run;
		p += k;
	}
	assert_int_equal(*p, '"');
	return total;
}

static void
test_qr_svg(void **state)
{
	(void)state;
	const char *code = "sz1-akk6u-2jsu7-xxyys-vde2x-cuwrb-q7333-mgsqj-fpm4a-aaquy-5xyql-2fggw";
	char *svg = NULL;
	assert_int_equal(sz_web_qr_svg(code, &svg), SZ_OK);
	assert_non_null(svg);
	assert_true(strncmp(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\"", 39) == 0);
	size_t n = strlen(svg);
	assert_true(n > 6 && strcmp(svg + n - 6, "</svg>") == 0);
	assert_null(strstr(svg, "sz1-"));   /* the code is drawn, never written */
	assert_null(strstr(svg, "<script"));
	QRcode *q = QRcode_encodeString(code, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	assert_non_null(q);
	long dark = 0;
	for (int i = 0; i < q->width * q->width; i++)
		dark += q->data[i] & 1;
	char vb[64];
	snprintf(vb, sizeof vb, "viewBox=\"0 0 %d %d\"", q->width + 8, q->width + 8);
	assert_non_null(strstr(svg, vb));
	assert_int_equal(drawn(svg), dark);
	QRcode_free(q);
	free(svg);
}

static void
test_qr_too_long(void **state)
{
	(void)state;
	char *big = malloc(8000), *svg = (char *)1;
	memset(big, 'a', 7999);
	big[7999] = '\0';
	assert_int_equal(sz_web_qr_svg(big, &svg), SZ_ERR_TOO_LARGE);
	assert_null(svg);
	free(big);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qr_svg),
		cmocka_unit_test(test_qr_too_long),
	};
	if (sz_init() != SZ_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
