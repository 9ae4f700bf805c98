# libspectralfake - see README.md.
#   make run        build, then score the repo's generated sample images
#   make test       everything CI runs (Swift tests, Python tests through the
#                   real dist/ library, C examples, hostile-input corpus)
#   make bench      speed against the numpy pipelines, ratios printed
SHELL := /bin/bash
.DEFAULT_GOAL := build

VERSION := $(shell sed -n 's/^\#define SF_VERSION_STRING "\(.*\)"/\1/p' include/spectralfake.h)
DIST := $(CURDIR)/dist
PYTHON ?= python3
SWIFT ?= swift
APT_PACKAGES := libfftw3-dev libjpeg-dev libpng-dev pkg-config
PY_TEST_PACKAGES := numpy scipy opencv-python-headless scikit-learn pillow skops pytest
export PYTHONPATH := $(CURDIR)/bindings/python
export PKG_CONFIG_PATH := $(DIST)/lib/pkgconfig:$(PKG_CONFIG_PATH)
SAMPLES := $(CURDIR)/.build-samples
# Swift builds are heavy on a 2-core machine: one at a time, even across
# concurrent make invocations.
LOCK := flock /tmp/spectralfake-build.lock

.PHONY: build deps test-deps run test test-swift test-python test-c bench clean examples samples

# System packages, installed with apt-get only when missing.
deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

# Python packages the tests and benchmarks need (not the binding itself).
test-deps:
	@$(PYTHON) scripts/ensure_py_deps.py $(PY_TEST_PACKAGES)

# dist/: the library with the Swift runtime linked in statically (loads
# without a Swift toolchain), its header and its pkg-config file.
build: deps
	SF_STATIC_STDLIB=1 $(LOCK) $(SWIFT) build -c release --scratch-path .build-dist --product spectralfake
	@rm -rf $(DIST) && mkdir -p $(DIST)/lib/pkgconfig $(DIST)/include
	install -m 755 .build-dist/release/libspectralfake.so $(DIST)/lib/libspectralfake.so.$(VERSION)
	strip --strip-unneeded $(DIST)/lib/libspectralfake.so.$(VERSION)
	ln -sf libspectralfake.so.$(VERSION) $(DIST)/lib/libspectralfake.so.1
	ln -sf libspectralfake.so.1 $(DIST)/lib/libspectralfake.so
	install -m 644 include/spectralfake.h $(DIST)/include/
	sed -e 's|@PREFIX@|$(DIST)|' -e 's|@VERSION@|$(VERSION)|' scripts/spectralfake.pc.in > $(DIST)/lib/pkgconfig/spectralfake.pc
	@echo "built $(DIST)/lib/libspectralfake.so.$(VERSION)"

# C examples, compiled against dist/ through pkg-config.
examples: build
	@mkdir -p $(DIST)/bin
	cc -std=c11 -O2 -Wall -Wextra -Werror examples/c/features.c $$(pkg-config --cflags --libs spectralfake) \
	   -Wl,-rpath,$(DIST)/lib -o $(DIST)/bin/sf-features

samples: test-deps
	@$(PYTHON) scripts/make_samples.py $(SAMPLES)

# The main job on built-in defaults: features (celeba preset) of sample
# images the repo generates itself.
run: examples samples
	$(DIST)/bin/sf-features $(SAMPLES)/*.jpg $(SAMPLES)/*.png

test: build test-deps test-swift test-python test-c
	@echo "make test: all passed"

test-swift:
	$(LOCK) $(SWIFT) test

test-python: build test-deps
	$(PYTHON) -m pytest -q Tests/python

test-c: examples samples
	$(PYTHON) Tests/c/run_c_examples.py $(DIST)/bin $(SAMPLES)

bench: build test-deps
	$(PYTHON) bench/bench.py

clean:
	rm -rf .build .build-dist .build-asan .build-tsan .build-samples dist
