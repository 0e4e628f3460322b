# radcode: build, test and demo. `make help` lists the targets.
# The version lives here only; it reaches C as RC_VERSION and Lua as
# radcode.version.
VERSION       = 0.1.0

LUA           ?= lua5.4
LUA_VERSION   = 5.4
LUA_INCDIR    ?= /usr/include/lua5.4
SQLITE_INCDIR ?= /usr/include
SQLITE_LIBDIR ?= /usr/lib
CC            ?= cc
CFLAGS        ?= -O2 -g
LIBFLAG       ?= -shared
BUSTED        ?= busted
LUAROCKS      ?= luarocks
ROCKSPEC      = rockspec/radcode-scm-1.rockspec
ROCKS_FLAGS   ?= --local

# Debian packages radcode needs to build, test and install.
DEB_PACKAGES  = gcc make libc6-dev lua5.4 liblua5.4-dev libsqlite3-dev \
                lua-busted luarocks sqlite3 zlib1g-dev tidy zip

BUILD         ?= build
SANFLAGS      ?=
RC_CFLAGS     = -std=c99 -Wall -Wextra -Werror -fPIC $(SANFLAGS) \
                -I$(LUA_INCDIR) -I$(SQLITE_INCDIR) -Icsrc -DRC_VERSION='"$(VERSION)"'
LDLIBS        = -L$(SQLITE_LIBDIR) -lsqlite3 -lz

SOURCES       = $(wildcard csrc/*.c)
HEADERS       = $(wildcard csrc/*.h)
OBJECTS       = $(SOURCES:csrc/%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/default_db.o
MODULE        = $(BUILD)/radcode/core.so
TOOLS         = build/tools
DATA          = data/schema.sql $(sort $(wildcard data/*.tsv)) $(sort $(wildcard data/national/*.tsv))
DEFAULT_DB    = build/default.db

SAN_RUNTIME   = LD_PRELOAD="$$($(CC) -print-file-name=libasan.so) $$($(CC) -print-file-name=libubsan.so)" \
                ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
                UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
RADCODE       = LUA_PATH="lua/?.lua;lua/?/init.lua;;" LUA_CPATH="$(BUILD)/?.so;;" $(LUA) bin/radcode

.PHONY: all module deps test demo sanitize bench install install-check rock-install clean help \
        fuzz-deps fuzz fuzz-build valgrind fuzz-dict

all: module

help:
	@echo "make deps      install the Debian packages radcode needs (as root), or say which"
	@echo "make           build the module ($(MODULE)) with the embedded default data"
	@echo "make test      build, then run every spec under Lua $(LUA_VERSION)"
	@echo "make demo      a short tour of radcode on the embedded default data"
	@echo "make sanitize  run every spec against an ASan+UBSan build"
	@echo "make fuzz      build the libFuzzer targets (clang) and run each FUZZ_SECONDS (fuzz/README.md)"
	@echo "make valgrind  run the spec suite under valgrind (memcheck, leaks)"
	@echo "make bench     full-scale benchmark against two baselines (see bench/README.md)"
	@echo "make install   install with luarocks make ($(ROCKS_FLAGS))"
	@echo "make install-check  install, then use the installed copy from outside the tree"

module: $(MODULE)

$(MODULE): $(OBJECTS)
	@mkdir -p $(dir $@)
	$(CC) $(LIBFLAG) $(SANFLAGS) -o $@ $(OBJECTS) $(LDLIBS)

$(BUILD)/obj/%.o: csrc/%.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(RC_CFLAGS) -c -o $@ $<

$(BUILD)/obj/default_db.o: build/default_db.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(RC_CFLAGS) -c -o $@ $<

# The default dataset: data/*.tsv and data/national/*.tsv -> SQLite image -> C array in the module.
build/default_db.c: $(DEFAULT_DB) $(TOOLS)/bin2c
	$(TOOLS)/bin2c $(DEFAULT_DB) $@ rc_default_image

$(DEFAULT_DB): $(TOOLS)/mkdb $(DATA)
	$(TOOLS)/mkdb $@ $(DATA)

$(TOOLS)/mkdb: tools/mkdb.c tools/noimage.c csrc/tsv.c csrc/db.c csrc/upgrade.c csrc/ptp_pack.c csrc/fsize.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) -O2 -std=c99 -Wall -Wextra -Werror -I$(SQLITE_INCDIR) -Icsrc -DRC_VERSION='"$(VERSION)"' \
	  -o $@ tools/mkdb.c tools/noimage.c csrc/tsv.c csrc/db.c csrc/upgrade.c csrc/ptp_pack.c csrc/fsize.c $(LDLIBS)

$(TOOLS)/bin2c: tools/bin2c.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -std=c99 -Wall -Wextra -Werror -o $@ $<

# Installs what is missing; idempotent. Not root: prints the command to run.
# $(call ensure_packages,TARGET,PACKAGES)
define ensure_packages
	@missing=""; for p in $(2); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then echo "$(1): all installed"; \
	elif [ "$$(id -u)" = 0 ]; then \
	  echo "$(1): installing$$missing"; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	else \
	  echo "$(1): missing$$missing; run: sudo apt-get update && sudo apt-get install -y$$missing" >&2; exit 1; \
	fi
endef

deps:
	$(call ensure_packages,deps,$(DEB_PACKAGES))

test: deps module
	RADCODE_BUILD=$(BUILD) $(BUSTED)

sanitize: deps
	$(MAKE) BUILD=build/asan SANFLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" module
	RADCODE_BUILD=build/asan $(SAN_RUNTIME) $(BUSTED) --run=sanitize

# ---- reliability: fuzzing and valgrind (fuzz/README.md) -----------------
# Packages only these targets need, so `make test` stays lean.
FUZZ_PACKAGES = clang libclang-rt-14-dev valgrind
FUZZ_CC       ?= clang
FUZZ_SECONDS  ?= 60
FUZZ_RUNS     ?=
FUZZ_JOBS     ?= $(shell nproc 2>/dev/null || echo 1)
FUZZ_BUILD    = build/fuzz
FUZZ_SAN      = -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CFLAGS   = -O1 -g $(FUZZ_SAN) -std=c99 -Wall -Wextra -Werror -I$(LUA_INCDIR) -I$(SQLITE_INCDIR) \
                -Icsrc -DRC_VERSION='"$(VERSION)"'
FUZZ_IMPORTS  = ncci mue mue_rows aoc hcpcs rvu opps cpt
FUZZ_TARGETS  ?= json x12 claims check check_json claim_lua overlay classify lookup date code csv zip ptp_pack $(FUZZ_IMPORTS:%=import_%)
FUZZ_OBJECTS  = $(SOURCES:csrc/%.c=$(FUZZ_BUILD)/obj/%.o) $(FUZZ_BUILD)/obj/default_db.o
FUZZ_BINS     = $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%)
FUZZ_LDLIBS   = -llua$(LUA_VERSION) $(LDLIBS) -lm

fuzz-deps:
	$(call ensure_packages,fuzz-deps,$(FUZZ_PACKAGES))

fuzz-build: fuzz-deps $(FUZZ_BINS) fuzz/dict/classify.dict

# The classify dictionary is built from classify_facts / classify_rules.
fuzz-dict: fuzz/dict/classify.dict
fuzz/dict/classify.dict: tools/classify_dict.lua data/classify_facts.tsv data/classify_rules.tsv
	lua$(LUA_VERSION) tools/classify_dict.lua data > $@.tmp && mv $@.tmp $@

# Pattern-rule prerequisites: keep them, or make deletes them after a build.
.SECONDARY: $(FUZZ_OBJECTS)

# Runs every target (FUZZ_JOBS at a time) for FUZZ_SECONDS, or FUZZ_RUNS
# executions when set; fails on any crash, leak or sanitizer report.
fuzz: fuzz-build
	fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) "$(FUZZ_RUNS)" $(FUZZ_JOBS) $(FUZZ_TARGETS)

$(FUZZ_BUILD)/obj/%.o: csrc/%.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_BUILD)/obj/default_db.o: build/default_db.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_BUILD)/fuzz_import_%: fuzz/fuzz_import.c $(FUZZ_OBJECTS)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -DFUZZ_KIND_$* -o $@ $< $(FUZZ_OBJECTS) $(FUZZ_LDLIBS)

$(FUZZ_BUILD)/fuzz_%: fuzz/fuzz_%.c fuzz/fuzz_lua.h $(FUZZ_OBJECTS)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -DRC_ROOT='"$(CURDIR)"' -o $@ $< $(FUZZ_OBJECTS) $(FUZZ_LDLIBS)

# The whole spec suite under valgrind's memcheck, against its own -O1 -g
# build. fuzz/valgrind-lua.sh stands in for $(LUA) first in PATH, so busted
# and every Lua child the specs start (bin/radcode, helper.lua_in, imports)
# run under memcheck, each with its own log; shells and utilities stay
# native. fuzz/valgrind-scan.sh then fails on any memcheck error, definite
# leak or crash in any log; a failing spec fails too. fuzz/valgrind.supp
# says what may be suppressed (nothing needs it today). RADCODE_VALGRIND=1
# lets specs scale down their largest inputs. VALGRIND_SPECS: a subset;
# VALGRIND_FLAGS: extra valgrind flags (e.g. --track-origins=yes).
VALGRIND_DIR  = build/valgrind
VALGRIND_ENV  = PATH="$(CURDIR)/$(VALGRIND_DIR)/bin:$$PATH" VALGRIND_DIR="$(CURDIR)/$(VALGRIND_DIR)" \
                VALGRIND_LUA="$(shell command -v $(LUA))" VALGRIND_SUPP="$(CURDIR)/fuzz/valgrind.supp" \
                RADCODE_BUILD=$(VALGRIND_DIR) RADCODE_VALGRIND=1
valgrind: deps
	$(call ensure_packages,valgrind,valgrind)
	$(MAKE) BUILD=$(VALGRIND_DIR) CFLAGS="-O1 -g" module
	rm -rf $(VALGRIND_DIR)/logs && mkdir -p $(VALGRIND_DIR)/logs $(VALGRIND_DIR)/bin
	ln -sf "$(CURDIR)/fuzz/valgrind-lua.sh" $(VALGRIND_DIR)/bin/$(LUA)
	@start=$$(date +%s); \
	$(VALGRIND_ENV) $(VALGRIND_DIR)/bin/$(LUA) "$(shell command -v $(BUSTED))" --ignore-lua \
	  --cpath='$(VALGRIND_DIR)/?.so' $(VALGRIND_SPECS); specs=$$?; \
	fuzz/valgrind-scan.sh $(VALGRIND_DIR)/logs; scan=$$?; \
	echo "valgrind: $$(( $$(date +%s) - start )) s; busted exit $$specs, scan exit $$scan"; \
	test $$specs -eq 0 && test $$scan -eq 0

demo: deps module
	@for step in \
	  "lookup 77385 --date 2025-06-02 --setting hospital" \
	  "lookup 77385 --date 2026-03-02 --setting hospital" \
	  "search proton with compensation --limit 3" \
	  "search 7740 --date 2025-06-02" \
	  "classify --service delivery --date 2025-06-02 --setting practitioner --payer medicare --energy 6 --areas 2" \
	  "classify --service delivery --date 2026-03-02 --setting hospital --technique imrt --motion-management breath_hold" \
	  "classify --service management --fractions 18 --date 2025-06-02" \
	  "pair 77295 77301 --date 2025-06-02"; do \
	  echo; echo "\$$ radcode $$step"; $(RADCODE) $$step; test $$? -le 1 || exit 1; \
	done
	@for claim in examples/prostate_imrt_2025.json examples/breast_2026_hospital.json \
	  examples/physician_2026_pos22.json \
	  examples/sbrt_lung.json examples/mistakes.json; do \
	  echo; echo "\$$ radcode check $$claim"; $(RADCODE) check $$claim; test $$? -le 1 || exit 1; \
	done
	@for file in examples/prostate_imrt_2025_837p.edi examples/physician_2026_pos22_837p.edi \
	  examples/breast_2026_hospital_837i.edi examples/sbrt_lung_2025_fhir.json; do \
	  echo; echo "\$$ radcode check $$file"; $(RADCODE) check $$file; test $$? -le 1 || exit 1; \
	done
	@echo; echo "\$$ radcode claims examples/breast_2026_hospital_837i.edi"; \
	  $(RADCODE) claims examples/breast_2026_hospital_837i.edi

# Full-scale benchmark: import, throughput, memory, baselines (bench/README.md).
bench: deps module build/bench/baseline_sqlite.so
	LUA_PATH="lua/?.lua;lua/?/init.lua;bench/?.lua" LUA_CPATH="build/?.so;build/bench/?.so" $(LUA) bench/run.lua

build/bench/baseline_sqlite.so: bench/baseline_sqlite.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -std=c99 -Wall -Wextra -Werror -fPIC $(LIBFLAG) -I$(LUA_INCDIR) -I$(SQLITE_INCDIR) -o $@ $< $(LDLIBS)

install: deps
	$(LUAROCKS) --lua-version=$(LUA_VERSION) make $(ROCKS_FLAGS) $(ROCKSPEC)

# Proves the rockspec: the installed module and command work from /tmp.
install-check: install
	cd /tmp && eval "$$($(LUAROCKS) --lua-version=$(LUA_VERSION) path $(ROCKS_FLAGS))" && \
	  test "$$($(LUA) -e 'print(require("radcode").open():lookup("77407").family)')" = delivery && \
	  radcode lookup 77407 --date 2025-06-02 | grep -q '^77407  CPT  delivery' && \
	  radcode data | grep -q 'v30.1' && radcode explain 77412 --date 2026-03-02 >/dev/null && \
	  echo "install-check: the installed radcode works from /tmp"

# Called by luarocks make (see the rockspec): the Lua files and the command
# are installed by the rockspec's build.install table.
rock-install: module
	mkdir -p $(INST_LIBDIR)/radcode
	cp $(MODULE) $(INST_LIBDIR)/radcode/core.so

clean:
	rm -rf build
