# samizdat - build, test, fuzz, bench.  GNU make; dependencies from Debian 12 via pkg-config.
#
#   make            build/libsamizdat.a and build/samizdat (release, -O2)
#   make deps       install missing Debian packages (apt-get; silent when all are present)
#   make check      sanitizer build + every test, vector, interop and fuzz smoke run; summary last
#   make demo       build, then act out the main scenario on 127.0.0.1
#   make bench      benchmarks, printed as ratios measured in the same run
#   make fuzz       long fuzz runs (FUZZ_SECONDS per target, default 600)
#   make soak       long crash-safety and convergence runs
#   make install    PREFIX=/usr/local DESTDIR=
#
# Sources are discovered, not listed: src/<layer>/*.c is the library (src/cli is the program),
# src/<layer>/*_test.c are unit tests, tools/*.c and tests/*.c are standalone programs,
# fuzz/fuzz_*.c are libFuzzer targets, bench/*.c are benchmarks.

CC ?= cc
FUZZ_CC ?= clang
PREFIX ?= /usr/local
PKGS := libsodium sqlite3 libqpdf libmicrohttpd
MAKEFLAGS += --no-builtin-rules
# Quiet by default (one short line per step); V=1 shows every command.
ifeq ($(V),1)
Q :=
say = @true
else
Q := @
say = @printf '  %-6s %s\n' $(1) $(2)
endif

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CMOCKA_CFLAGS := $(shell pkg-config --cflags cmocka 2>/dev/null)
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null)
QR_CFLAGS := $(shell pkg-config --cflags libqrencode 2>/dev/null)
QR_LIBS := $(shell pkg-config --libs libqrencode 2>/dev/null)
# Tests only: decoding pictures back after stripping (src/media/strip_test.c, tests/media_check.c).
IMG_CFLAGS := $(shell pkg-config --cflags libpng libjpeg 2>/dev/null)
IMG_LIBS := $(shell pkg-config --libs libpng libjpeg 2>/dev/null)

# libzxcvbn (Debian's libzxcvbn-dev, passphrase strength: src/app/strength.c) has no pkg-config
# file: found by its header and its library.  Missing, strength.c stops the build with a message
# (make deps installs it; make check's build runs after make deps, in a make that looks again).
ZXCVBN_OK := $(shell printf '\043include <zxcvbn.h>\n' | $(CC) -E -x c - >/dev/null 2>&1 && \
	test -e "$$($(CC) -print-file-name=libzxcvbn.so)" && echo yes)
ifeq ($(ZXCVBN_OK),yes)
ZXCVBN_LIBS := -lzxcvbn
else
ZXCVBN_LIBS :=
BASE_ZX := -DSZ_NO_ZXCVBN
endif
WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla \
	-Wformat=2 -Wno-unused-parameter
BASE_CFLAGS := -std=c11 -D_DEFAULT_SOURCE -D_GNU_SOURCE $(WARN) -Iinclude -Isrc $(PKG_CFLAGS) \
	$(QR_CFLAGS) $(BASE_ZX) -MMD -MP
REL_CFLAGS := $(BASE_CFLAGS) -O2 -g -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
SAN_CFLAGS := $(BASE_CFLAGS) -O1 -g $(SAN_FLAGS)
FUZZ_CFLAGS := $(BASE_CFLAGS) -O1 -g -fsanitize=address,undefined,fuzzer-no-link \
	-fno-sanitize-recover=all -DSZ_FUZZING
LIBS := $(PKG_LIBS) $(QR_LIBS) $(ZXCVBN_LIBS) -lpthread -lm

LAYERS := lib media crypto wire store recon cell decide sync transport app web
# The web interface's pages, scripts and styles, embedded at build time (scripts/embed.sh).
WEB_ASSETS := $(sort $(wildcard src/web/assets/*))
WEB_GEN := build/gen/web_assets.c
LIB_SRC := $(filter-out %_test.c %_testlib.c,$(foreach l,$(LAYERS),$(wildcard src/$(l)/*.c))) $(WEB_GEN)
CLI_SRC := $(filter-out %_test.c %_testlib.c,$(wildcard src/cli/*.c))
UNIT_SRC := $(foreach l,$(LAYERS) cli,$(wildcard src/$(l)/*_test.c))
PROG_SRC := $(wildcard tools/*.c) $(wildcard tests/*.c)
FUZZ_SRC := $(wildcard fuzz/fuzz_*.c)
BENCH_SRC := $(wildcard bench/*.c)
# Test helpers that the programs in tests/ link too (pictures made and decoded).
TESTPROG_LIB := src/media/media_testlib.c

REL := build/rel
SAN := build/san
FZ := build/fuzz

obj = $(patsubst %.c,$(1)/obj/%.o,$(2))

REL_LIB := $(REL)/libsamizdat.a
SAN_LIB := $(SAN)/libsamizdat.a
FZ_LIB := $(FZ)/libsamizdat.a
CLI_OBJ_NOMAIN = $(filter-out %/main.o,$(call obj,$(1),$(CLI_SRC)))

REL_PROGS := $(patsubst %.c,$(REL)/bin/%,$(notdir $(PROG_SRC)))
SAN_PROGS := $(patsubst %.c,$(SAN)/bin/%,$(notdir $(PROG_SRC)))
SAN_UNITS := $(patsubst %.c,$(SAN)/unit/%,$(notdir $(UNIT_SRC)))
FUZZ_BINS := $(patsubst %.c,$(FZ)/%,$(notdir $(FUZZ_SRC)))
BENCH_BINS := $(patsubst %.c,$(REL)/bench/%,$(notdir $(BENCH_SRC)))

.PHONY: all deps check test-build demo bench fuzz soak install clean interop-deps
.DELETE_ON_ERROR:

all: build/libsamizdat.a build/samizdat $(REL_PROGS)

build/libsamizdat.a: $(REL_LIB)
	@cp $< $@
build/samizdat: $(REL)/samizdat
	@cp $< $@

$(WEB_GEN): $(WEB_ASSETS) scripts/embed.sh
	@mkdir -p $(dir $@)
	$(call say,EMBED,$@)
	$(Q)sh scripts/embed.sh $@ $(WEB_ASSETS)

# --- object rules ------------------------------------------------------------------------
$(REL)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(call say,CC,$<)
	$(Q)$(CC) $(REL_CFLAGS) $(CMOCKA_CFLAGS) $(IMG_CFLAGS) -c $< -o $@
$(SAN)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(call say,CC-SAN,$<)
	$(Q)$(CC) $(SAN_CFLAGS) $(CMOCKA_CFLAGS) $(IMG_CFLAGS) -c $< -o $@
$(FZ)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(call say,CC-FZ,$<)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@

$(REL_LIB): $(call obj,$(REL),$(LIB_SRC))
	@rm -f $@
	$(call say,AR,$@)
	$(Q)ar rcs $@ $^
$(SAN_LIB): $(call obj,$(SAN),$(LIB_SRC))
	@rm -f $@
	$(call say,AR,$@)
	$(Q)ar rcs $@ $^
$(FZ_LIB): $(call obj,$(FZ),$(LIB_SRC))
	@rm -f $@
	$(call say,AR,$@)
	$(Q)ar rcs $@ $^

# --- programs ----------------------------------------------------------------------------
$(REL)/samizdat: $(call obj,$(REL),$(CLI_SRC)) $(REL_LIB)
	$(call say,LD,$@)
	$(Q)$(CC) $(REL_CFLAGS) -pie -o $@ $^ $(LIBS)
$(SAN)/samizdat: $(call obj,$(SAN),$(CLI_SRC)) $(SAN_LIB)
	$(call say,LD,$@)
	$(Q)$(CC) $(SAN_CFLAGS) -o $@ $^ $(LIBS)

$(REL)/bin/%: $(REL)/obj/tools/%.o $(REL_LIB)
	@mkdir -p $(dir $@)
	$(call say,LD,$@)
	$(Q)$(CC) $(REL_CFLAGS) -pie -o $@ $^ $(LIBS)
$(REL)/bin/%: $(REL)/obj/tests/%.o $(call obj,$(REL),$(TESTPROG_LIB)) $(REL_LIB)
	@mkdir -p $(dir $@)
	$(call say,LD,$@)
	$(Q)$(CC) $(REL_CFLAGS) -pie -o $@ $^ $(CMOCKA_LIBS) $(IMG_LIBS) $(LIBS)
$(SAN)/bin/%: $(SAN)/obj/tools/%.o $(SAN_LIB)
	@mkdir -p $(dir $@)
	$(call say,LD,$@)
	$(Q)$(CC) $(SAN_CFLAGS) -o $@ $^ $(LIBS)
$(SAN)/bin/%: $(SAN)/obj/tests/%.o $(call obj,$(SAN),$(TESTPROG_LIB)) $(SAN_LIB)
	@mkdir -p $(dir $@)
	$(call say,LD,$@)
	$(Q)$(CC) $(SAN_CFLAGS) -o $@ $^ $(CMOCKA_LIBS) $(IMG_LIBS) $(LIBS)

# A unit test links the library, its layer's test helpers (src/<layer>/*_testlib.c) and, for
# src/cli tests, the CLI objects except main.
define UNIT_RULE
$(SAN)/unit/$(notdir $(basename $(1))): $(call obj,$(SAN),$(1)) $(call obj,$(SAN),$(wildcard $(dir $(1))*_testlib.c)) $(if $(filter src/cli/%,$(1)),$(call CLI_OBJ_NOMAIN,$(SAN))) $(SAN_LIB)
	@mkdir -p $$(dir $$@)
	$$(call say,LD,$$@)
	$$(Q)$$(CC) $$(SAN_CFLAGS) -o $$@ $$^ $$(CMOCKA_LIBS) $$(IMG_LIBS) $$(LIBS)
endef
$(foreach t,$(UNIT_SRC),$(eval $(call UNIT_RULE,$(t))))

$(REL)/bench/%: $(REL)/obj/bench/%.o $(REL_LIB)
	@mkdir -p $(dir $@)
	$(call say,LD,$@)
	$(Q)$(CC) $(REL_CFLAGS) -pie -o $@ $^ $(LIBS)
# The network simulation links the simulator its unit test uses (src/sync/sim_test.c).
SIM_LIB := src/sync/sim_testlib.c src/sync/simrun_testlib.c src/sync/simsession_testlib.c
$(REL)/bench/bench_sim: $(REL)/obj/bench/bench_sim.o $(call obj,$(REL),$(SIM_LIB)) $(REL_LIB)
	@mkdir -p $(dir $@)
	$(call say,LD,$@)
	$(Q)$(CC) $(REL_CFLAGS) -pie -o $@ $^ $(LIBS)

$(FZ)/fuzz_%: $(FZ)/obj/fuzz/fuzz_%.o $(FZ_LIB)
	$(call say,LD,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^ $(LIBS)

# --- the make targets people run ---------------------------------------------------------
deps:
	@sh scripts/deps.sh

test-build: $(SAN)/samizdat $(SAN_UNITS) $(SAN_PROGS) $(FUZZ_BINS) all

interop-deps:
	@sh scripts/interop-deps.sh

check: deps
	@$(MAKE) --no-print-directory -j2 test-build
	@$(MAKE) --no-print-directory interop-deps
	@sh tests/run.sh

demo: deps
	@$(MAKE) --no-print-directory -j2 all
	@sh scripts/demo.sh

bench: deps
	@$(MAKE) --no-print-directory -j2 all $(BENCH_BINS)
	@sh scripts/bench.sh

fuzz: deps
	@$(MAKE) --no-print-directory -j2 $(FUZZ_BINS)
	@sh scripts/fuzz.sh $${FUZZ_SECONDS:-600}

soak: deps
	@$(MAKE) --no-print-directory -j2 test-build
	@SZ_SOAK=1 sh tests/run.sh soak

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include \
		$(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 build/samizdat $(DESTDIR)$(PREFIX)/bin/samizdat
	install -m 644 build/libsamizdat.a $(DESTDIR)$(PREFIX)/lib/libsamizdat.a
	install -m 644 include/samizdat.h $(DESTDIR)$(PREFIX)/include/samizdat.h
	install -m 644 docs/samizdat.1 $(DESTDIR)$(PREFIX)/share/man/man1/samizdat.1
	install -d $(DESTDIR)$(PREFIX)/share/applications
	install -m 644 contrib/samizdat.desktop $(DESTDIR)$(PREFIX)/share/applications/samizdat.desktop
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(shell sed -n 's/^#define SAMIZDAT_VERSION "\(.*\)"/\1/p' include/samizdat.h)|g' \
		contrib/samizdat.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/samizdat.pc

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
