# runoff — build, test, run, bench, install.
#
#   make            build build/runoff; needs only the build packages and
#                   never touches the package manager
#   make run        build, then forecast the default scenario (installs the
#                   build packages first, only if one is missing)
#   make backtest   build, then back-test scenarios/backtest/*.yaml
#   make check      the fast stage, under a minute: the normal build and the
#                   cmocka suite (no sanitizers, valgrind or fuzzing)
#   make test       `make deps`, then every test in five stages
#                   (scripts/test-all.sh); nothing is installed after the
#                   dependency step
#   make deps       install what is missing for DEPS=build|check|test|plots
#                   (default test) as root, or print the exact apt-get
#                   command (scripts/deps.sh)
#   make bench      speed and memory measurements (bench/README.md)
#   make install    PREFIX=/usr/local DESTDIR=
#   make MPI=1      the same, built with Open MPI's mpicc into build-mpi/, so
#                   that `mpirun -np N build-mpi/runoff run|sweep ...` divides
#                   the draws or points among the ranks (docs/scale-out.md)
#
# Every object and program depends on the headers it includes (-MMD, for
# the library, the CLI, tests, benches and fuzzers alike) and on
# $(BUILD)/.make-settings, so changing CC, CFLAGS, SANITIZE or DEBUG
# rebuilds everything built with the old ones.
#
# Settings (override on the command line):
CC       ?= cc
DEBUG    ?= 0
SANITIZE ?= 0
PREFIX   ?= /usr/local
SCENARIO ?= scenarios/fr-2022-runoff.yaml
BACKTEST_SCENARIOS ?= scenarios/backtest/*.yaml
REGIONAL_BACKTEST ?= scenarios/regional/fr-2017-regions.yaml
RUN_ARGS ?=
FUZZ_SECONDS ?= 60
FUZZ_TEST_SECONDS ?= 20
FUZZ_CC  ?= clang
DEPS     ?= test
MPI      ?= 0

PKGS     := gsl yaml-0.1 json-c
# Libraries without a pkg-config file: libcsv (libcsv-dev) reads poll tables.
NOPC_LIBS := -lcsv
BUILD    := build
ifeq ($(SANITIZE),1)
BUILD    := build-san
endif
ifeq ($(SANITIZE),thread)
BUILD    := build-tsan
endif
MPI_CFLAGS :=
ifeq ($(MPI),1)
CC       := mpicc
BUILD    := build-mpi
MPI_CFLAGS := -DRUNOFF_MPI
endif

WARN     := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes
OPT      := -O2
ifeq ($(DEBUG),1)
OPT      := -O0
endif
SANFLAGS :=
ifeq ($(SANITIZE),1)
# float-cast-overflow: part of clang's "undefined", not of gcc's.
SANFLAGS := -fsanitize=address,undefined,float-cast-overflow -fno-omit-frame-pointer \
            -fno-sanitize-recover=undefined,float-cast-overflow
OPT      := -O1
endif
ifeq ($(SANITIZE),thread)
# ThreadSanitizer, for the programs that run threads (TSAN_TESTS)
SANFLAGS := -fsanitize=thread -fno-omit-frame-pointer
OPT      := -O1
endif

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CMOCKA_LIBS = $(shell pkg-config --libs cmocka 2>/dev/null)

CFLAGS   ?= $(OPT) -g
ALL_CFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L $(WARN) $(CFLAGS) $(SANFLAGS) $(MPI_CFLAGS) \
              -pthread -Iinclude -Iengine $(PKG_CFLAGS) -MMD -MP
LDLIBS_ALL = $(PKG_LIBS) $(NOPC_LIBS) -lm -pthread

# The library is every engine/ file except the CLI (cli*.c), which is only
# a client of include/runoff.h.
CLI_SRC  := $(wildcard engine/cli*.c)
LIB_SRC  := $(filter-out $(CLI_SRC),$(wildcard engine/*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/%.o)
LIB      := $(BUILD)/librunoff.a
BIN      := $(BUILD)/runoff

# The shared library: librunoff.so.VERSION, soname librunoff.so.MAJOR, and
# the two links a loader and a linker look for. Its objects are the static
# library's, all built -fPIC (-fno-semantic-interposition keeps calls inside
# the library direct, as in the static one); engine/librunoff.map exports the
# runoff_* functions of include/runoff.h and hides every internal ro_* one.
VERSION  := $(shell sed -n 's/^\#define RUNOFF_VERSION "\(.*\)"/\1/p' include/runoff.h)
SOMAJOR  := $(firstword $(subst ., ,$(VERSION)))
SONAME   := librunoff.so.$(SOMAJOR)
SO_FILE  := librunoff.so.$(VERSION)
SO       := $(BUILD)/$(SO_FILE)
SO_LINKS := $(BUILD)/$(SONAME) $(BUILD)/librunoff.so
PIC_CFLAGS := -fPIC -fno-semantic-interposition

TEST_SRC := $(wildcard tests/test_*.c)
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
# The tests whose code runs threads: also built with ThreadSanitizer.
TSAN_TESTS := build/tests/test_sim build/tests/test_sweep
BENCH_SRC := $(wildcard bench/*.c)
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)

.PHONY: all deps run backtest check test bench install uninstall clean scenarios plots fuzz fuzz-build

all: $(BIN) $(SO_LINKS)

# Missing packages are installed (as root) or the exact command is printed.
deps:
	@scripts/deps.sh $(DEPS)

# The targets that run something check for their packages first, and call
# scripts/deps.sh only when one is missing (a shell test, no apt). The
# build itself then runs in a sub-make, which reads pkg-config afresh.
HAVE_BUILD_DEPS = command -v $(CC) >/dev/null 2>&1 && pkg-config --exists $(PKGS) 2>/dev/null && \
                  test -f /usr/include/csv.h
HAVE_CHECK_DEPS = $(HAVE_BUILD_DEPS) && pkg-config --exists cmocka 2>/dev/null && \
                  command -v python3 >/dev/null 2>&1

# A flag change rebuilds (the idea of Redis's .make-settings): DIR/.make-settings
# holds the compiler, flags and libraries DIR's files are built with; it is
# rewritten only when they differ from the file's, and everything built in DIR
# depends on it. $(call make_settings,DIR,VARIABLE) makes the rule.
define make_settings
ifneq ($$(strip $$($(2))),$$(strip $$(file <$(1)/.make-settings)))
.PHONY: $(1)/.make-settings
endif
$(1)/.make-settings:
	@mkdir -p $(1)
	@printf '%s\n' '$$(subst ','\'',$$($(2)))' >$$@
endef
SETTINGS := CC=$(CC) CFLAGS=$(ALL_CFLAGS) PIC=$(PIC_CFLAGS) LDLIBS=$(LDLIBS_ALL) CMOCKA_LIBS=$(CMOCKA_LIBS)
$(eval $(call make_settings,$(BUILD),SETTINGS))

$(BUILD)/%.o: %.c $(BUILD)/.make-settings
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LIB_OBJ): ALL_CFLAGS += $(PIC_CFLAGS)

$(LIB): $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(SO): $(LIB_OBJ) engine/librunoff.map $(BUILD)/.make-settings
	$(CC) $(ALL_CFLAGS) -shared -Wl,-soname,$(SONAME) -Wl,--version-script=engine/librunoff.map \
	    -Wl,--no-undefined -o $@ $(LIB_OBJ) $(LDLIBS_ALL)

$(SO_LINKS): $(SO)
	ln -sf $(SO_FILE) $(BUILD)/$(SONAME)
	ln -sf $(SONAME) $(BUILD)/librunoff.so

$(BIN): $(CLI_OBJ) $(LIB) $(BUILD)/.make-settings
	$(CC) $(ALL_CFLAGS) -o $@ $(CLI_OBJ) $(LIB) $(LDLIBS_ALL)

# The CLI with the model's hot loops in their baseline x86-64 form only
# (no AVX2 clone), for tests/test_baseline.sh: its output must be the
# same bytes as $(BIN)'s. The hot loops are model_vec.c's kernels and
# summary.c's accumulators; model.c is built the same way so that nothing
# of the model comes from $(LIB).
BASELINE_OBJ := $(BUILD)/baseline/model.o $(BUILD)/baseline/model_vec.o \
                $(BUILD)/baseline/summary.o
$(BUILD)/baseline/%.o: engine/%.c $(BUILD)/.make-settings
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DRO_NO_CLONES -c $< -o $@

$(BUILD)/runoff-baseline: $(CLI_OBJ) $(BASELINE_OBJ) $(LIB) $(BUILD)/.make-settings
	$(CC) $(ALL_CFLAGS) -o $@ $(CLI_OBJ) $(BASELINE_OBJ) $(LIB) $(LDLIBS_ALL)

# Tests and benches are compiled and linked in one step; -MMD writes
# $(BUILD)/tests/NAME.d beside the program.
$(BUILD)/tests/%: tests/%.c $(LIB) $(BUILD)/.make-settings
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests -o $@ $< $(LIB) $(LDLIBS_ALL) $(CMOCKA_LIBS)

$(BUILD)/bench/%: bench/%.c $(LIB) $(BUILD)/.make-settings
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB) $(LDLIBS_ALL)

run:
	@$(HAVE_BUILD_DEPS) || scripts/deps.sh build
	@$(MAKE) --no-print-directory $(BIN)
	$(BIN) run $(SCENARIO) $(RUN_ARGS)

# The model against the naive baselines on every scenario with an actual
# result (docs/model.md, "Back-tests").
backtest:
	@$(HAVE_BUILD_DEPS) || scripts/deps.sh build
	@$(MAKE) --no-print-directory $(BIN)
	$(BIN) backtest $(BACKTEST_SCENARIOS) $(RUN_ARGS)
	$(BIN) backtest $(REGIONAL_BACKTEST) $(RUN_ARGS)
	@$(MAKE) --no-print-directory $(BUILD)/coverage_spread
	$(BUILD)/coverage_spread $(REGIONAL_BACKTEST) 20000 2000 0.85 0.97

# How one election's unconditional regional coverage spreads when the model
# is exactly right (docs/model.md §8); built by make test so it keeps compiling.
$(BUILD)/coverage_spread: scripts/coverage_spread.c $(LIB) $(BUILD)/.make-settings
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB) $(LDLIBS_ALL)

# `make check` is the normal stage's cmocka suite alone, for the edit loop.
check:
	@$(HAVE_CHECK_DEPS) || scripts/deps.sh check
	@$(MAKE) --no-print-directory $(BIN) $(TEST_BIN)
	@RUNOFF_BIN=$(BIN) TESTS_LABEL=check scripts/run-tests.sh $(TEST_BIN)

# Tests run from the source tree; RUNOFF_BIN tells the end-to-end tests
# which binary to drive. `make test` runs five stages (scripts/test-all.sh):
# the suite, the suite under ASan+UBSan (build-san/), the threaded tests
# under TSan (build-tsan/), valgrind on the CLI, and the fuzzers
# (regressions, then FUZZ_TEST_SECONDS each).
# `make test SANITIZE=1` runs only the sanitizer suite.
ifeq ($(SANITIZE),1)
test:
	@scripts/deps.sh test
	@$(MAKE) --no-print-directory $(BIN) $(TEST_BIN)
	@RUNOFF_BIN=$(BIN) ASAN_OPTIONS=detect_leaks=1 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 scripts/run-tests.sh $(TEST_BIN)
else
test:
	@scripts/deps.sh test
	@$(MAKE) --no-print-directory $(BIN) $(SO_LINKS) $(BUILD)/runoff-baseline $(BUILD)/coverage_spread \
	    $(TEST_BIN)
	@$(MAKE) --no-print-directory SANITIZE=1 build-san/runoff $(TEST_BIN:build/%=build-san/%)
	@$(MAKE) --no-print-directory SANITIZE=thread $(TSAN_TESTS:build/%=build-tsan/%)
	@$(MAKE) --no-print-directory $(FUZZ_BIN)
	@! command -v mpicc >/dev/null 2>&1 || $(MAKE) --no-print-directory MPI=1 build-mpi/runoff
	@NORMAL_TESTS="$(TEST_BIN)" SAN_TESTS="$(TEST_BIN:build/%=build-san/%)" \
	    TSAN_TESTS="$(TSAN_TESTS:build/%=build-tsan/%)" \
	    FUZZ_BUILD=$(FUZZ_BUILD) FUZZ_TARGETS="$(FUZZ_TARGETS)" \
	    FUZZ_TEST_SECONDS=$(FUZZ_TEST_SECONDS) scripts/test-all.sh
endif

bench:
	@$(HAVE_CHECK_DEPS) || scripts/deps.sh check
	@$(MAKE) --no-print-directory $(BIN) $(BENCH_BIN)
	@RUNOFF_BIN=$(BIN) scripts/bench.sh $(BUILD)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include \
	    $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/runoff
	install -m 755 scripts/plot $(DESTDIR)$(PREFIX)/bin/runoff-plot
	install -m 644 $(LIB) $(DESTDIR)$(PREFIX)/lib/librunoff.a
	install -m 755 $(SO) $(DESTDIR)$(PREFIX)/lib/$(SO_FILE)
	ln -sf $(SO_FILE) $(DESTDIR)$(PREFIX)/lib/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(PREFIX)/lib/librunoff.so
	install -m 644 include/runoff.h $(DESTDIR)$(PREFIX)/include/runoff.h
	install -m 644 docs/runoff.1 $(DESTDIR)$(PREFIX)/share/man/man1/runoff.1
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' \
	    runoff.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/runoff.pc

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/runoff $(DESTDIR)$(PREFIX)/bin/runoff-plot \
	    $(DESTDIR)$(PREFIX)/lib/librunoff.a \
	    $(DESTDIR)$(PREFIX)/lib/$(SO_FILE) $(DESTDIR)$(PREFIX)/lib/$(SONAME) \
	    $(DESTDIR)$(PREFIX)/lib/librunoff.so \
	    $(DESTDIR)$(PREFIX)/include/runoff.h $(DESTDIR)$(PREFIX)/share/man/man1/runoff.1 \
	    $(DESTDIR)$(PREFIX)/lib/pkgconfig/runoff.pc

# Regenerate the scenarios from data/ (committed; `make test` checks they
# are current: scripts/check_fr2022.sh, check_backtest.sh, check_regional.sh).
scenarios: scenarios/fr-2022-polls-only.yaml
scenarios/fr-2022-polls-only.yaml: scripts/gen_fr2022.py data/fr-2022/*.csv
	python3 scripts/gen_fr2022.py --polls-only data/fr-2022 > $@.tmp && mv $@.tmp $@
# The national back-test scenarios (scenarios/backtest/README.md), all written
# by one run of the generator.
NATIONAL_BACKTESTS := $(foreach y,2002 2007 2012 2017 2022,$(foreach h,eve 7d,scenarios/backtest/fr-$(y)-$(h).yaml))
scenarios: $(NATIONAL_BACKTESTS)
$(NATIONAL_BACKTESTS) &: scripts/gen_backtest.py scripts/gen_fr2022.py data/history/README.md \
    data/history/*.csv data/fr-2022/*.csv
	python3 scripts/gen_backtest.py data scenarios/backtest
# The non-French back-test scenarios (scripts/gen_countries.py).
COUNTRY_BACKTESTS := scenarios/backtest/co-2022-eve.yaml scenarios/backtest/sk-2024-eve.yaml
scenarios: $(COUNTRY_BACKTESTS)
$(COUNTRY_BACKTESTS) &: scripts/gen_countries.py data/co-2022/*.csv data/co-2022/*.txt \
    data/sk-2024/*.csv data/sk-2024/*.txt scenarios/calibration/fr-2012-2017.yaml
	python3 scripts/gen_countries.py data scenarios/backtest
# The regional chain (scripts/gen_regional_chain.sh): the 2012 and 2017
# regional scenarios, the regional error fitted on them by runoff calibrate
# (scenarios/calibration/), and the 2022 scenario that uses the fit. The
# years are gen_regional.py's REGION_YEARS.
REGIONAL_CHAIN := scenarios/regional/fr-2012-regions.yaml scenarios/regional/fr-2017-regions.yaml \
    scenarios/calibration/fr-2012.yaml scenarios/calibration/fr-2012-2017.yaml \
    scenarios/fr-2022-runoff.yaml
scenarios: $(REGIONAL_CHAIN)
$(REGIONAL_CHAIN) &: $(BIN) scripts/gen_regional_chain.sh scripts/gen_regional.py \
    scripts/gen_backtest.py scripts/gen_fr2022.py data/history/README.md data/history/*.csv \
    data/fr-2022/*.csv data/fr-2012/*.csv data/fr-2017/*.csv
	scripts/gen_regional_chain.sh . $(BIN)

# The figures README.md shows, from the real 2022 scenario (docs/figures/).
FIG      := docs/figures
FIG_RUN  := $(BUILD)/figures
FIG_DRAWS ?= 200000
FR2022   := scenarios/fr-2022-runoff.yaml
PLOT     := scripts/plot --label-a Macron \
            --source "runoff simulation of scenarios/fr-2022-runoff.yaml; polls NSPPolls, results Ministry of the Interior"
plots:
	@scripts/deps.sh plots
	@$(MAKE) --no-print-directory $(BIN)
	@mkdir -p $(FIG) $(FIG_RUN)
	$(BIN) run $(FR2022) -q --draws $(FIG_DRAWS) --csv $(FIG_RUN)/stats.csv \
	    --histogram-csv $(FIG_RUN)/hist.csv --regions-csv $(FIG_RUN)/regions.csv \
	    --trend-csv $(FIG_RUN)/trend.csv > /dev/null
	$(PLOT) distribution $(FIG_RUN)/stats.csv $(FIG_RUN)/hist.csv $(FIG)/distribution.png
	$(PLOT) regions $(FIG_RUN)/regions.csv $(FIG)/regions.png
	$(PLOT) trend $(FIG_RUN)/trend.csv $(FIG)/trend.png
	$(BIN) sweep $(FR2022) -q --draws 50000 --vary aggregation.as_of=2022-04-11:2022-04-23:1d \
	    --out $(FIG_RUN)/history.csv
	$(PLOT) history $(FIG_RUN)/history.csv $(FIG)/history.png
	$(PLOT) history-share $(FIG_RUN)/history.csv $(FIG)/history-share.png
	$(BIN) sweep $(FR2022) -q --draws 50000 --vary polling_error.scale=0:6:0.5 \
	    --out $(FIG_RUN)/sweep-scale.csv
	$(PLOT) sweep $(FIG_RUN)/sweep-scale.csv $(FIG)/sweep-scale.png
	$(BIN) sweep $(FR2022) -q --draws 50000 --set blend.mode=transfers \
	    --vary transfers.adjust.melenchon.le_pen=5:45:2.5 --out $(FIG_RUN)/sweep-melenchon.csv
	$(PLOT) sweep $(FIG_RUN)/sweep-melenchon.csv $(FIG)/sweep-melenchon.png
	$(BIN) sweep $(FR2022) -q --draws 20000 --set blend.mode=transfers \
	    --vary transfers.adjust.melenchon.le_pen=10:40:2.5 \
	    --vary transfers.adjust.melenchon.none=25:55:2.5 --out $(FIG_RUN)/grid-melenchon.csv
	$(PLOT) heatmap $(FIG_RUN)/grid-melenchon.csv transfers.adjust.melenchon.le_pen \
	    transfers.adjust.melenchon.none $(FIG)/grid-melenchon.png
	$(BIN) run $(FR2022) -q --html $(FIG_RUN)/report.html > /dev/null
	$(BIN) sensitivity $(FR2022) -q --draws 100000 --csv $(FIG_RUN)/sensitivity.csv > /dev/null

# libFuzzer targets (fuzz/README.md): the library is rebuilt with clang
# into build-fuzz/ with coverage instrumentation and ASan/UBSan.
FUZZ_BUILD   := build-fuzz
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CFLAGS  := -std=c11 -D_POSIX_C_SOURCE=200809L -O1 -g $(FUZZ_SAN) -pthread \
                -Iinclude -Iengine $(PKG_CFLAGS) -MMD -MP
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=$(FUZZ_BUILD)/%.o)
FUZZ_LIB     := $(FUZZ_BUILD)/librunoff.a
FUZZ_TARGETS := fuzz_scenario fuzz_set fuzz_pollcsv
FUZZ_BIN     := $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/%)

# The histogram loops (summary.c, backtest.c) scan 20000 bins several times
# per run: tracing their comparisons would triple the time of an input and
# guides nothing (they branch on counts, not on the input's bytes).
FUZZ_NO_CMP  := $(FUZZ_BUILD)/engine/summary.o $(FUZZ_BUILD)/engine/backtest.o
$(FUZZ_NO_CMP): FUZZ_COV := -fno-sanitize-coverage=trace-cmp

FUZZ_SETTINGS := CC=$(FUZZ_CC) CFLAGS=$(FUZZ_CFLAGS) LDLIBS=$(LDLIBS_ALL)
$(eval $(call make_settings,$(FUZZ_BUILD),FUZZ_SETTINGS))

$(FUZZ_BUILD)/%.o: %.c $(FUZZ_BUILD)/.make-settings
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(FUZZ_COV) -c $< -o $@

$(FUZZ_LIB): $(FUZZ_LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(FUZZ_BUILD)/fuzz_%: fuzz/fuzz_%.c $(FUZZ_LIB) $(FUZZ_BUILD)/.make-settings
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_LIB) $(LDLIBS_ALL)

fuzz-build:
	@scripts/deps.sh test
	@$(MAKE) --no-print-directory $(FUZZ_BIN)

# Each target for FUZZ_SECONDS, after replaying its regression inputs.
fuzz: fuzz-build
	@scripts/fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

clean:
	rm -rf build build-san build-tsan build-fuzz build-mpi

# The header dependencies of everything built so far (-MMD -MP).
-include $(wildcard $(BUILD)/engine/*.d $(BUILD)/baseline/*.d $(BUILD)/tests/*.d \
                    $(BUILD)/bench/*.d $(FUZZ_BUILD)/engine/*.d $(FUZZ_BUILD)/*.d)
