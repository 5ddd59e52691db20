# breathd: build, test, benchmark, install.  `make help` lists the targets.
PREFIX     ?= /usr/local
DESTDIR    ?=
SWIFT      ?= swift
SUDO       := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
SHARED     ?= $(abspath ../shared)

# System packages the build, the tests and the benchmarks need (Debian names).
APT_PACKAGES := pkg-config python3 python3-pip libasound2-dev alsa-utils libasound2-plugins pulseaudio pulseaudio-utils sox time bc
# Python packages of the reference tools (hrv_reference.py, the NeuroKit2 anchor and benchmark).
PIP_PACKAGES := numpy scipy neurokit2

.PHONY: help deps build release test bench bench-synth bench-realtime demo clean

help:
	@echo "make deps     install system and Python packages (sudo when not root)"
	@echo "make build    debug build"
	@echo "make release  release build"
	@echo "make test     build and run every test"
	@echo "make bench    benchmarks (release build); each prints a RESULT line"
	@echo "make bench-synth     one hour of each voice against sox synth (RESULT line)"
	@echo "make bench-realtime  60 s through a PulseAudio null sink: CPU and peak RSS"
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

bench: release bench-synth
	"$$($(SWIFT) build -c release --show-bin-path)/breathbench" hrv --shared "$(SHARED)"

bench-synth:
	$(SWIFT) build -c release --product synthbench
	"$$($(SWIFT) build -c release --show-bin-path)/synthbench" 3600 3

# Real-time cost of `breathctl play`: a private PulseAudio server with a null sink, ALSA routed
# to it by libasound2-plugins, 60 s of playing measured by GNU time.
bench-realtime:
	$(SWIFT) build -c release --product breathctl
	@set -e; dir=$$(mktemp -d); \
	HOME=$$dir XDG_RUNTIME_DIR=$$dir pulseaudio --daemonize=no --exit-idle-time=-1 -n --use-pid-file=no \
	  --disallow-exit --disable-shm=yes -L "module-native-protocol-unix socket=$$dir/native auth-anonymous=1" \
	  -L "module-null-sink sink_name=bench rate=48000 channels=1" 2>/dev/null & pa=$$!; \
	for i in $$(seq 50); do pactl -s unix:$$dir/native info >/dev/null 2>&1 && break; sleep 0.1; done; \
	printf 'pcm.!default { type pulse; server "unix:%s/native" }\nctl.!default { type pulse; server "unix:%s/native" }\n' $$dir $$dir > $$dir/asound.conf; \
	ALSA_CONFIG_PATH=/usr/share/alsa/alsa.conf:$$dir/asound.conf /usr/bin/time -f "%U %S %e %M" -o $$dir/time \
	  "$$($(SWIFT) build -c release --show-bin-path)/breathctl" play --minutes 1; \
	kill $$pa; wait $$pa 2>/dev/null || true; \
	read user sys wall rss < $$dir/time; rm -rf $$dir; \
	echo "cpu_s=$$(echo "$$user + $$sys" | bc -l) wall_s=$$wall peak_rss_kb=$$rss"; \
	echo "RESULT realtime_cpu_share=$$(echo "($$user + $$sys) / $$wall" | bc -l | cut -c1-8) peak_rss_mb=$$(echo "$$rss / 1024" | bc -l | cut -c1-6)"

demo: build
	"$$($(SWIFT) build --show-bin-path)/breathctl" analyze "$(SHARED)/data/rr/polar_h10_slow_breathing_600s.csv"

clean:
	rm -rf .build
