# breathd: build, test, benchmark, install.  `make help` lists the targets.
PREFIX     ?= /usr/local
DESTDIR    ?=
SWIFT      ?= swift
SUDO       := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
SHARED     ?= $(abspath ../shared)
# Seconds the property-based fuzzing of the sensor parsers runs within `make test`.
FUZZ_SECONDS ?= 60

# System packages the build, the tests and the benchmarks need (Debian names).
APT_PACKAGES := pkg-config python3 python3-pip libsqlite3-dev libasound2-dev libsystemd-dev \
                alsa-utils libasound2-plugins pulseaudio pulseaudio-utils sox systemd util-linux time bc \
                librsvg2-dev dbus-daemon xvfb dunst tmux valgrind \
                python3-dbus python3-gi man-db groff-base socat stress-ng
# Python packages of the reference tools (hrv_reference.py, the NeuroKit2 anchor and benchmark).
PIP_PACKAGES := numpy scipy neurokit2

.PHONY: all help deps build release man test fuzz check-units install-check bench bench-synth bench-realtime bench-xruns bench-daemon bench-analyze bench-memory demo completions install uninstall clean

# `make` builds what `make install` copies (release); `make install` only copies, so `sudo make
# install` never compiles as root.
all: release man

help:
	@echo "make          release build (what make install copies)"
	@echo "make deps     install system and Python packages (sudo when not root)"
	@echo "make build    debug build"
	@echo "make release  release build"
	@echo "make man      the manual pages breathctl(1), breathd(8), breathd.toml(5) in .build/man/"
	@echo "make test     build and run every test (includes FUZZ_SECONDS of parser fuzzing)"
	@echo "make fuzz     only the parser fuzzing, for FUZZ_SECONDS"
	@echo "make bench    benchmarks (release build); each prints a RESULT line"
	@echo "make bench-synth     one hour of each voice against sox synth, no disk I/O, then callgrind instructions (RESULT lines)"
	@echo "make bench-realtime  60 s through a PulseAudio null sink: CPU and peak RSS"
	@echo "make bench-xruns     BENCH_XRUN_SECONDS (600) through PulseAudio null sinks under stress-ng --cpu 2: xruns with and without real time (RESULT lines)"
	@echo "make bench-memory    breathd's anonymous memory over an 8-hour session at 48x with 64 watchers (BENCH_MEMORY_HOURS)"
	@echo "make bench-analyze   breathctl analyze on 30 min of ECG at 360 Hz vs NeuroKit2 ecg_peaks (RESULT line)"
	@echo "make demo     the quick-start demo"
	@echo "make install  copy the release build, systemd units, example config, completions (PREFIX, DESTDIR); run make first"
	@echo "make uninstall"
	@echo "make completions  breathctl's bash, zsh and fish completions in .build/completions/"

deps:
	$(SUDO) apt-get update
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(APT_PACKAGES)
	python3 -m pip install --quiet --disable-pip-version-check $(PIP_PACKAGES)

build:
	$(SWIFT) build

release:
	$(SWIFT) build -c release

# The manual pages, generated from the release build (scripts/make-man): breathctl(1) and breathd(8)
# from the command definitions, breathd.toml(5) from the configuration schema.
MAN := .build/man
man: release
	$(SWIFT) build -c release --product generate-manual
	scripts/make-man "$$($(SWIFT) build -c release --show-bin-path)" $(MAN)

TEST_ENV = BREATHD_BIN_DIR="$$($(SWIFT) build --show-bin-path)" BREATHD_SHARED="$(SHARED)"

test:
	$(SWIFT) build --build-tests
	$(TEST_ENV) $(SWIFT) test --skip-build --skip ParserFuzzTests --skip DaemonEndToEndTests --skip DeviceTests --skip LoopRealtimeTests
	@# On their own: real daemons with blocking socket I/O (they would starve the async tests), and
	@# the serial-device tests that count the process's descriptors (other tests open ptys too).
	@# Each in a process of its own: the end-to-end tests' blocking waits hold the cooperative
	@# threads (two on two cores), which starved the async device tests to their time limit.
	$(TEST_ENV) $(SWIFT) test --skip-build --filter DaemonEndToEndTests
	$(TEST_ENV) $(SWIFT) test --skip-build --filter DeviceTests
	@# It lowers the process's RLIMIT_RTTIME, which the programs other tests start would inherit.
	$(TEST_ENV) $(SWIFT) test --skip-build --filter LoopRealtimeTests
	$(MAKE) check-units
	scripts/check-demo "$$($(SWIFT) build --show-bin-path)"
	scripts/check-watch "$$($(SWIFT) build --show-bin-path)"
	scripts/check-readme "$$($(SWIFT) build --show-bin-path)" "$(SHARED)"
	$(MAKE) fuzz

# systemd-analyze verify on every unit and the system unit's security exposure (below 1.0).
check-units:
	$(SWIFT) build --product generate-manual
	scripts/make-man "$$($(SWIFT) build --show-bin-path)" .build/debug-man
	scripts/check-man .build/debug-man
	scripts/check-units "$$($(SWIFT) build --show-bin-path)" .build/debug-man

# Alone, so the CPU-bound fuzzing does not stretch the timed device tests.
fuzz:
	$(SWIFT) build --build-tests
	BREATHD_SHARED="$(SHARED)" BREATHD_FUZZ_SECONDS=$(FUZZ_SECONDS) $(SWIFT) test --skip-build --filter ParserFuzzTests

bench: release bench-synth
	"$$($(SWIFT) build -c release --show-bin-path)/breathbench" hrv --shared "$(SHARED)"
	$(MAKE) bench-realtime bench-daemon bench-analyze bench-xruns bench-memory

# Both sides render into memory or /dev/null (no disk I/O); then the same in instructions under
# callgrind (60 s of audio each side, BENCH_CALLGRIND_SECONDS to change), repeatable on a busy machine.
BENCH_CALLGRIND_SECONDS ?= 60
bench-synth:
	$(SWIFT) build -c release --product synthbench
	"$$($(SWIFT) build -c release --show-bin-path)/synthbench" 3600 3
	scripts/bench-synth-callgrind "$$($(SWIFT) build -c release --show-bin-path)/synthbench" $(BENCH_CALLGRIND_SECONDS)

# Real-time cost of `breathctl play`: 60 s into a PulseAudio null sink, measured by GNU time.
bench-realtime:
	$(SWIFT) build -c release --product breathctl
	@set -e; out=$$(mktemp); \
	scripts/with-pulse-null-sink /usr/bin/time -f "%U %S %e %M" -o $$out \
	  "$$($(SWIFT) build -c release --show-bin-path)/breathctl" play --minutes 1; \
	read user sys wall rss < $$out; rm -f $$out; \
	echo "cpu_s=$$(echo "$$user + $$sys" | bc -l) wall_s=$$wall peak_rss_kb=$$rss"; \
	echo "RESULT realtime_cpu_share=$$(echo "($$user + $$sys) / $$wall" | bc -l | cut -c1-8) peak_rss_mb=$$(echo "$$rss / 1024" | bc -l | cut -c1-6)"

# Xruns under load: `breathctl play` for BENCH_XRUN_SECONDS while stress-ng --cpu 2 saturates both
# cores, each period/buffer choice (BENCH_XRUN_CASES, PERIOD_MS:BUFFER_MS) with and without a
# real-time audio thread, all at once; xruns the player counted and gaps heard on each sink's monitor.
BENCH_XRUN_SECONDS ?= 600
BENCH_XRUN_CASES ?= 100:400 500:2000 666:2000
bench-xruns:
	$(SWIFT) build -c release --product breathctl
	PULSE_DISABLE_SHM=no scripts/with-pulse-null-sink scripts/bench-xruns "$$($(SWIFT) build -c release --show-bin-path)" $(BENCH_XRUN_SECONDS) $(BENCH_XRUN_CASES)

# `breathctl analyze` on a 4.5 MB waveform file (MIT-BIH 100): time and peak RSS, NeuroKit2 alongside.
bench-analyze: release
	"$$($(SWIFT) build -c release --show-bin-path)/breathbench" analyze --shared "$(SHARED)"

# The daemon: start-up, status round trip, and a 60 s real-time session with 64 watchers.
bench-daemon: release
	scripts/with-pulse-null-sink "$$($(SWIFT) build -c release --show-bin-path)/breathbench" daemon

# breathd's own memory over an 8-hour session with 64 watchers, played at 48x simulated speed
# (breathd --clock-rate, hidden; ~10 minutes): anonymous memory every 10 simulated minutes and
# its growth after the first hour. BENCH_MEMORY_HOURS=1 for a shorter run.
BENCH_MEMORY_HOURS ?= 8
bench-memory: release
	"$$($(SWIFT) build -c release --show-bin-path)/breathbench" memory --hours $(BENCH_MEMORY_HOURS)

demo: build
	scripts/demo "$$($(SWIFT) build --show-bin-path)"

BINDIR     := $(PREFIX)/bin
MANDIR     := $(PREFIX)/share/man
MAN_PAGES  := man1/breathctl.1 man8/breathd.8 man5/breathd.toml.5
UNITDIR    := $(PREFIX)/lib/systemd
# The release build's own link, so installing never runs the compiler (nor SwiftPM) as root.
RELEASE_BIN = .build/release

install:
	@for b in breathd breathctl; do [ -x "$(RELEASE_BIN)/$$b" ] || { \
	    echo "make install: no release build of $$b in $(RELEASE_BIN): run 'make' first (as yourself, not root)" >&2; exit 1; }; done
	@for m in $(MAN_PAGES); do [ -f "$(MAN)/$$m" ] || { \
	    echo "make install: no manual page $(MAN)/$$m: run 'make' first (as yourself, not root)" >&2; exit 1; }; done
	install -d "$(DESTDIR)$(BINDIR)" "$(DESTDIR)$(UNITDIR)/user" "$(DESTDIR)$(UNITDIR)/system" \
	    "$(DESTDIR)$(PREFIX)/lib/sysusers.d" "$(DESTDIR)$(PREFIX)/share/doc/breathd" \
	    "$(DESTDIR)$(PREFIX)/share/bash-completion/completions" "$(DESTDIR)$(PREFIX)/share/zsh/site-functions" \
	    "$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d" \
	    "$(DESTDIR)$(MANDIR)/man1" "$(DESTDIR)$(MANDIR)/man5" "$(DESTDIR)$(MANDIR)/man8"
	for m in $(MAN_PAGES); do install -m 0644 "$(MAN)/$$m" "$(DESTDIR)$(MANDIR)/$$m"; done
	install -m 0755 "$(RELEASE_BIN)/breathd" "$(RELEASE_BIN)/breathctl" "$(DESTDIR)$(BINDIR)/"
	for unit in systemd/user/* systemd/system/*; do \
	    sed 's#@bindir@#$(BINDIR)#g' "$$unit" > "$(DESTDIR)$(UNITDIR)/$$(basename $$(dirname $$unit))/$$(basename $$unit)"; \
	    chmod 0644 "$(DESTDIR)$(UNITDIR)/$$(basename $$(dirname $$unit))/$$(basename $$unit)"; \
	done
	install -m 0644 systemd/sysusers.d/breathd.conf "$(DESTDIR)$(PREFIX)/lib/sysusers.d/breathd.conf"
	@# BlueZ's bus policy admits the group bluetooth; the group exists only where BlueZ is installed.
	if getent group bluetooth >/dev/null; then \
	    install -d "$(DESTDIR)$(UNITDIR)/system/breathd.service.d" && \
	    install -m 0644 systemd/bluetooth/breathd-bluetooth.conf "$(DESTDIR)$(UNITDIR)/system/breathd.service.d/bluetooth.conf"; \
	fi
	install -m 0644 config/breathd.toml "$(DESTDIR)$(PREFIX)/share/doc/breathd/breathd.toml"
	"$(RELEASE_BIN)/breathctl" --generate-completion-script bash > "$(DESTDIR)$(PREFIX)/share/bash-completion/completions/breathctl"
	"$(RELEASE_BIN)/breathctl" --generate-completion-script zsh > "$(DESTDIR)$(PREFIX)/share/zsh/site-functions/_breathctl"
	"$(RELEASE_BIN)/breathctl" --generate-completion-script fish > "$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/breathctl.fish"

# What CI runs after the tests: install into a scratch DESTDIR, check the installed units against the
# installed binaries, uninstall, and expect nothing left behind.
install-check: release man
	stage=$$(mktemp -d) && \
	$(MAKE) install DESTDIR="$$stage" PREFIX=/usr/local && \
	scripts/check-man "$$stage/usr/local/share/man" && \
	scripts/check-units "$$stage/usr/local/bin" "$$stage/usr/local/share/man" && \
	$(MAKE) uninstall DESTDIR="$$stage" PREFIX=/usr/local && \
	! $(MAKE) -s install DESTDIR="$$stage" RELEASE_BIN=/nonexistent 2>/dev/null && \
	left=$$(find "$$stage" -type f | wc -l) && rm -rf "$$stage" && \
	{ [ "$$left" -eq 0 ] || { echo "uninstall left $$left files" >&2; exit 1; }; }

uninstall:
	rm -f "$(DESTDIR)$(BINDIR)/breathd" "$(DESTDIR)$(BINDIR)/breathctl" \
	    "$(DESTDIR)$(UNITDIR)"/user/breathd.service "$(DESTDIR)$(UNITDIR)"/user/breathd.socket \
	    "$(DESTDIR)$(UNITDIR)"/user/breathd-session.service "$(DESTDIR)$(UNITDIR)"/user/breathd-session.timer \
	    "$(DESTDIR)$(UNITDIR)"/user/breathd-notify.service \
	    "$(DESTDIR)$(UNITDIR)"/system/breathd.service "$(DESTDIR)$(UNITDIR)"/system/breathd.socket \
	    "$(DESTDIR)$(PREFIX)/lib/sysusers.d/breathd.conf" "$(DESTDIR)$(PREFIX)/share/doc/breathd/breathd.toml" \
	    "$(DESTDIR)$(PREFIX)/share/bash-completion/completions/breathctl" \
	    "$(DESTDIR)$(PREFIX)/share/zsh/site-functions/_breathctl" \
	    "$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/breathctl.fish" \
	    "$(DESTDIR)$(MANDIR)/man1/breathctl.1" "$(DESTDIR)$(MANDIR)/man5/breathd.toml.5" "$(DESTDIR)$(MANDIR)/man8/breathd.8"
	rm -f "$(DESTDIR)$(UNITDIR)/system/breathd.service.d/bluetooth.conf"
	-rmdir "$(DESTDIR)$(UNITDIR)/system/breathd.service.d" 2>/dev/null
	-rmdir "$(DESTDIR)$(PREFIX)/share/doc/breathd" 2>/dev/null
# Generated by swift-argument-parser from the command definitions, so they never go stale.
COMPLETIONS := .build/completions
completions: build
	mkdir -p $(COMPLETIONS)
	bin="$$($(SWIFT) build --show-bin-path)/breathctl"; \
	"$$bin" --generate-completion-script bash > $(COMPLETIONS)/breathctl.bash && \
	"$$bin" --generate-completion-script zsh > $(COMPLETIONS)/_breathctl && \
	"$$bin" --generate-completion-script fish > $(COMPLETIONS)/breathctl.fish

clean:
	rm -rf .build
