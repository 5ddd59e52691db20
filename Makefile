# breathd: build, test, benchmark, install.  `make help` lists the targets.
PREFIX     ?= /usr/local
DESTDIR    ?=
SWIFT      ?= swift
SUDO       := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
SHARED     ?= $(abspath ../shared)

# System packages the build, the tests and the benchmarks need (Debian names).
APT_PACKAGES := pkg-config python3 python3-pip libasound2-dev alsa-utils libasound2-plugins pulseaudio pulseaudio-utils sox
# Python packages of the reference tools (hrv_reference.py, the NeuroKit2 anchor and benchmark).
PIP_PACKAGES := numpy scipy neurokit2

.PHONY: help deps build release test bench demo clean

help:
	@echo "make deps     install system and Python packages (sudo when not root)"
	@echo "make build    debug build"
	@echo "make release  release build"
	@echo "make test     build and run every test"
	@echo "make bench    benchmarks (release build); each prints a RESULT line"
	@echo "make demo     the quick-start demo"

deps:
	$(SUDO) apt-get update
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(APT_PACKAGES)
	python3 -m pip install --quiet --disable-pip-version-check $(PIP_PACKAGES)

build:
	$(SWIFT) build

release:
	$(SWIFT) build -c release

test:
	$(SWIFT) build --build-tests
	BREATHD_BIN_DIR="$$($(SWIFT) build --show-bin-path)" BREATHD_SHARED="$(SHARED)" $(SWIFT) test --skip-build

bench: release
	"$$($(SWIFT) build -c release --show-bin-path)/breathbench" hrv --shared "$(SHARED)"

demo: build
	"$$($(SWIFT) build --show-bin-path)/breathctl" analyze "$(SHARED)/data/rr/polar_h10_slow_breathing_600s.csv"

clean:
	rm -rf .build
