# kbisect: one GNU Makefile.
#   make          install missing Debian packages (make deps), build the programs
#   make deps     the Debian packages the build needs; make deps-lab: and the tests'
#   make deb      the four Debian packages (debian/), in $(B)/deb/
#   make check    ... and run every test tier (tests/run), last line "N passed, N failed"
#   make fuzz     run the libFuzzer targets for FUZZ_SECONDS each (default 60)
#   make bench    run the benchmarks under bench/ (they print their figures)
#   make demo     the whole lab on this machine, ending in a real bisection
#   make clean
.DEFAULT_GOAL := all
SHELL := /bin/bash
B ?= build
export B

# Compiles go through ccache when it is installed (tools/ensure-deps installs it)
# and its cache directory, beside the lab's downloads, is writable: a new clone
# then compiles nothing it compiled before. Paths are taken relative to the clone
# and its directory left out of the hash, so every clone shares the cache.
KBISECT_CACHE ?= /var/cache/kbisect
CCACHE := $(shell command -v ccache >/dev/null 2>&1 && mkdir -p '$(KBISECT_CACHE)/ccache' 2>/dev/null && \
	[ -w '$(KBISECT_CACHE)/ccache' ] && echo ccache)
ifneq ($(CCACHE),)
export CCACHE_DIR := $(KBISECT_CACHE)/ccache
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := 1
endif

# --- glibc side (host): unit tests and fuzzers ------------------------------------
CXX := g++
WARN := -Wall -Wextra -Werror
# The unit tests at -O0: a third of -O1's compile (121 s of CPU against 298 s for the 83
# files, googletest's macros under ASan being the heavy part), the tests run as fast
# (8.6 s, mostly their own waits), and the sanitizers see every access; the same
# sources' warnings at -O2 come from the release build.
HOST_CXXFLAGS := -std=c++20 $(WARN) -g -O0 -I. -fsanitize=address,undefined -fno-sanitize-recover=all
HOST_LDFLAGS := -fsanitize=address,undefined
FUZZ_CXX := clang++
FUZZ_CXXFLAGS := -std=c++20 $(WARN) -g -O1 -I. -fsanitize=address,undefined

# --- musl side: the static stage-1 init (recipe: shared/lab-facts.md) ---------------
MUSL_SPECS := /usr/lib/x86_64-linux-musl/musl-gcc.specs
MUSL_CXX := g++ -specs $(MUSL_SPECS) -isystem /usr/include/c++/12 \
	-isystem /usr/include/x86_64-linux-gnu/c++/12 -idirafter /usr/include \
	'-D__GLIBC_PREREQ(a,b)=0'
MUSL_CC := musl-gcc
# Certificates are checked as of this time when the machine's clock is older.
BUILD_TIME := $(shell git log -1 --format=%ct 2>/dev/null || date +%s)
MUSL_CXXFLAGS := -std=c++20 $(WARN) -Os -I. -fno-exceptions -fno-rtti \
	-fno-asynchronous-unwind-tables -ffunction-sections -fdata-sections
# The version (tools/version, from git describe) is given to common/version.cc
# alone, for the programs (not the unit tests and fuzzers); $(B)/version changes
# with it, so that only that object is compiled again.
# (KBISECT_VERSION gives it where there is no git: make deb's copy of the tree.)
VERSION := $(or $(KBISECT_VERSION),$(shell tools/version))
VERSION_OBJ := $(B)/rel/common/version.o $(B)/musl/common/version.o $(B)/i386/musl/common/version.o
$(VERSION_OBJ): $(B)/version
$(B)/rel/common/version.o: REL_CXXFLAGS += -DKBISECT_VERSION='"$(VERSION)"'
$(B)/musl/common/version.o $(B)/i386/musl/common/version.o: MUSL_CXXFLAGS += -DKBISECT_VERSION='"$(VERSION)"'
ifneq ($(file <$(B)/version),$(VERSION))
$(shell mkdir -p $(B))
$(file >$(B)/version,$(VERSION))
endif
$(B)/version: ;
# Only the TLS code is given the build time, so that a clone of another commit
# finds every other object of the init in ccache.
$(B)/musl/init/tls.o $(B)/i386/musl/init/tls.o: MUSL_CXXFLAGS += -DKBISECT_BUILD_TIME=$(BUILD_TIME)
# Linked by the C driver: libstdc++ is never on the link line, so anything that needs
# it fails to link instead of slipping in.
MUSL_LD := gcc -specs $(MUSL_SPECS)
MUSL_LDFLAGS := -static -Wl,--gc-sections
BEARSSL_A := /usr/lib/x86_64-linux-gnu/libbearssl.a
# The same init for 32-bit machines ($(B)/i386/kbisect-init): Debian's i386 musl and
# BearSSL (multiarch, musl-dev:i386 and libbearssl-dev:i386) with the i686 cross
# compiler that musl-dev:i386 brings (and its g++ for the C++ headers' i686 config).
I386_SPECS := /usr/lib/i386-linux-musl/musl-gcc.specs
I386_CXX := i686-linux-gnu-g++ -specs $(I386_SPECS) -isystem /usr/i686-linux-gnu/include/c++/12 \
	-isystem /usr/i686-linux-gnu/include/c++/12/i686-linux-gnu -idirafter /usr/include \
	'-D__GLIBC_PREREQ(a,b)=0'
I386_CC := i686-linux-gnu-gcc -specs $(I386_SPECS)
I386_LD := i686-linux-gnu-gcc -specs $(I386_SPECS)
I386_BEARSSL_A := /usr/lib/i386-linux-gnu/libbearssl.a

# Shared code: common/*.cc is pure and also built for musl, except the files below
# that use the full C++ library or glibc-side libraries.
COMMON_GLIBC := common/ini.cc common/fileio.cc
COMMON_SRC := $(filter-out %_test.cc,$(wildcard common/*.cc))
COMMON_PURE := $(filter-out $(COMMON_GLIBC),$(COMMON_SRC))
INIT_SRC := $(wildcard init/*.cc)
CGI_PROGRAMS := list default booted status lease request
# The image store's module: written by the builder, read by the CGI.
STORE_LIB := $(filter-out %_test.cc,$(wildcard store/*.cc))
# The handlers are a library (unit-tested); cgi/bin/ has one thin main a program.
CGI_LIB := $(filter-out %_test.cc,$(wildcard cgi/*.cc)) $(STORE_LIB)
# glibc-side edges shared by the builder and the control program: git (libgit2)
# and processes.
LIB_SRC := $(filter-out %_test.cc,$(wildcard lib/*.cc))
BUILDER_LIB := $(filter-out builder/main.cc %_test.cc,$(wildcard builder/*.cc)) cgi/state.cc $(STORE_LIB) $(LIB_SRC)
# The control program `kbisect` (issue 13): its pure core (also in the fuzzers) and
# its edges (HTTP with libcurl, git, processes, files), unit-tested; main.cc is thin.
CONTROL_PURE := control/format.cc control/bisection.cc control/console_judge.cc control/step.cc control/engine.cc \
	control/redfish.cc \
	control/engine_check.cc control/verdicts.cc control/options.cc
CONTROL_LIB := $(filter-out control/main.cc %_test.cc,$(wildcard control/*.cc)) $(LIB_SRC)
TESTS_SRC := $(wildcard common/*_test.cc store/*_test.cc cgi/*_test.cc builder/*_test.cc control/*_test.cc lib/*_test.cc)
FUZZ_SRC := $(wildcard tests/fuzz/*_fuzz.cc)

UNIT_OBJ := $(patsubst %.cc,$(B)/host/%.o,$(COMMON_SRC) $(sort $(CGI_LIB) $(BUILDER_LIB) $(CONTROL_LIB)) $(TESTS_SRC))
MUSL_OBJ := $(COMMON_PURE:%.cc=$(B)/musl/%.o) $(INIT_SRC:%.cc=$(B)/musl/%.o) $(B)/musl/init/fortify.o \
	$(B)/musl/init/purgatory_blob.o
I386_OBJ := $(MUSL_OBJ:$(B)/musl/%=$(B)/i386/musl/%)
FUZZERS := $(FUZZ_SRC:tests/fuzz/%.cc=$(B)/fuzz/%)
# The project's sources are compiled once for all fuzz targets (with coverage
# instrumentation but without libFuzzer's main), each target then only links.
FUZZ_OBJ := $(patsubst %.cc,$(B)/fuzz/obj/%.o,$(COMMON_SRC) $(CGI_LIB) $(CONTROL_PURE))

INIT := $(B)/kbisect-init
INIT_I386 := $(B)/i386/kbisect-init
BUILDER := $(B)/kbisect-builder
BUILDER_OBJ := $(patsubst %.cc,$(B)/rel/%.o,$(COMMON_SRC) $(BUILDER_LIB) builder/main.cc)
KBISECT := $(B)/kbisect
KBISECT_OBJ := $(patsubst %.cc,$(B)/rel/%.o,$(COMMON_SRC) $(CONTROL_LIB) control/main.cc)
UNIT := $(B)/host/unit_tests
CGIS := $(CGI_PROGRAMS:%=$(B)/cgi/%)
# bench/list.sh's baseline: a CGI program that only answers, built as the CGIs are.
EMPTY_CGI := $(B)/bench/empty-cgi
# The CGI programs are static so that an admin can copy them into any Apache.
# A section a function, so that a CGI program (a new process a request) links only
# the code it calls: its static binary 0.9 MB, not 2.3, and a third fewer page
# faults a request (bench/list.sh).
REL_CXXFLAGS := -std=c++20 $(WARN) -O2 -I. -ffunction-sections -fdata-sections
CGI_OBJ := $(patsubst %.cc,$(B)/rel/%.o,$(COMMON_SRC) $(CGI_LIB))

# make install-server [DESTDIR=] [PREFIX=/usr/local] (install-cgi is the same): the CGI
# programs, the Apache snippet kbisect.conf, and kbisect.ini (kept when it exists).
# The Debian packages (make deb, debian/rules) are these install-* targets with
# PREFIX=/usr and their own IMAGES, STATE and SYSTEMDUNITDIR.
PREFIX ?= /usr/local
SYSCONFDIR ?= /etc
CGIDIR ?= $(PREFIX)/lib/kbisect/cgi-bin
APACHE_CONFDIR ?= $(SYSCONFDIR)/apache2/conf-available
SYSTEMDUNITDIR ?= $(SYSCONFDIR)/systemd/system
MANDIR ?= $(PREFIX)/share/man
IMAGES ?= /srv/kbisect/images
STATE ?= /var/lib/kbisect
KBISECT_INI ?= $(SYSCONFDIR)/kbisect/kbisect.ini
# A script as installed: its @PREFIX@ and @VERSION@ filled in.
INSTALL_SCRIPT = sed -e 's|@PREFIX@|$(PREFIX)|g; s|@VERSION@|$(VERSION)|g' $(1) >$(2) && chmod 755 $(2)

# make initramfs [ARCH=i386] [KERNEL_MODULES=/lib/modules/<release>] [NICS=default|host|none|A,B]
#                [CA=ca.pem] [SIGNING_KEY=pub.pem]:
# the stage-1 initramfs; without KERNEL_MODULES, for a stage-1 kernel with its drivers
# built in; with SIGNING_KEY (the builder's public key), it boots only signed images;
# with ARCH=i386, for a 32-bit stage-1 kernel (such as Debian's 686), in $(B)/i386/.
# make install-initramfs [ARCH=i386]: it in /boot, the GRUB snippet in /etc/grub.d, an example
# /etc/default/kbisect, kbisect-init + kbisect-mkinitramfs for rebuilding, and
# kbisect-reboot (leaves a candidate for the stage-1 by kexec, without the firmware).
ARCH ?= x86_64
# The architectures: common/arches.def's rows (the first field of each).
ARCHES := $(shell sed -nE 's/^ARCH.([a-z0-9_]+),.*/\1/p' common/arches.def)
ifeq ($(filter $(ARCHES),$(ARCH)),)
ifeq ($(origin ARCH),command line)
$(error ARCH=$(ARCH): the stage-1 is built for $(ARCHES) (common/arches.def))
endif
# A kernel tree's ARCH (such as x86) in the environment is not this Makefile's.
ARCH := x86_64
endif
STAGE1_INIT := $(if $(filter i386,$(ARCH)),$(INIT_I386),$(INIT))
INITRAMFS := $(if $(filter i386,$(ARCH)),$(B)/i386,$(B))/kbisect-initramfs.cpio.gz
KERNEL_MODULES ?=
NICS ?= default
CA ?=
SIGNING_KEY ?=
BOOTDIR ?= /boot

.PHONY: all build programs check deps deps-lab fuzz bench demo clean install-cgi install-server initramfs install-initramfs install-stage1 \
	install-builder install-control man package-build deb
all: deps
	@$(MAKE) --no-print-directory -j$$(nproc) programs

# The runner's time table includes the time spent installing and building.
check:
	@t0=$$(date +%s) && tools/ensure-deps --lab && $(MAKE) --no-print-directory -j$$(nproc) $(BUILDER) && \
		MAKEFLAGS= KBISECT_SETUP_START=$$t0 tests/run --build

deps:
	@tools/ensure-deps

deps-lab:
	@tools/ensure-deps --lab

build: $(INIT) $(INIT_I386) $(CGIS) $(EMPTY_CGI) $(BUILDER) $(KBISECT) $(UNIT) $(FUZZERS)

fuzz: build
	@KBISECT_FUZZ_SECONDS=$${FUZZ_SECONDS:-60} tests/run fuzz

# The demo needs the programs, not the tests (the unit tests and the fuzzers
# are a third of a cold build).
demo: deps-lab
	@$(MAKE) --no-print-directory -j$$(nproc) $(INIT) $(INIT_I386) $(CGIS) $(BUILDER) $(KBISECT)
	@tests/demo/run

bench:
	@tools/ensure-deps --bench
	@$(MAKE) --no-print-directory -j$$(nproc) build
	@for b in bench/*.sh; do echo "== $$b"; bash $$b || exit 1; done

install-cgi: install-server
install-server: $(CGIS) $(B)/man/kbisect.ini.5
	install -d $(DESTDIR)$(CGIDIR) $(DESTDIR)$(APACHE_CONFDIR) $(DESTDIR)$(dir $(KBISECT_INI)) $(DESTDIR)$(MANDIR)/man5
	install -m 755 $(CGIS) $(DESTDIR)$(CGIDIR)/
	sed -e 's|@IMAGES@|$(IMAGES)|g; s|@CGIDIR@|$(CGIDIR)|g; s|@CONFIG@|$(KBISECT_INI)|g; s|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
		cgi/kbisect.conf.in >$(DESTDIR)$(APACHE_CONFDIR)/kbisect.conf
	test -e $(DESTDIR)$(KBISECT_INI) || \
		printf '[server]\nimages = %s\nstate = %s\n' '$(IMAGES)' '$(STATE)' >$(DESTDIR)$(KBISECT_INI)
	install -m 644 $(B)/man/kbisect.ini.5 $(DESTDIR)$(MANDIR)/man5/

# `make initramfs` always makes it again (KERNEL_MODULES, CA and SIGNING_KEY are
# arguments, not files make can compare); install-initramfs installs the one made
# last (made only if there is none), so the arguments are given once.
MKINITRAMFS = scripts/kbisect-mkinitramfs -o $(INITRAMFS) --init $(STAGE1_INIT) --skel rootfs-skel \
	$(if $(KERNEL_MODULES),--kernel-modules $(KERNEL_MODULES) --nics $(NICS)) $(if $(CA),--ca $(CA)) \
	$(if $(SIGNING_KEY),--signing-key $(SIGNING_KEY))
initramfs: $(STAGE1_INIT) scripts/kbisect-mkinitramfs
	@mkdir -p $(dir $(INITRAMFS))
	$(MKINITRAMFS)

$(INITRAMFS): $(STAGE1_INIT) scripts/kbisect-mkinitramfs $(shell find rootfs-skel -type f)
	$(MKINITRAMFS)

# make install-stage1: a test machine's programs without an initramfs (the Debian
# package's: kbisect-update-stage1 makes it there from /etc/default/kbisect), and
# the kernel hooks that make it again when the stage-1 kernel is upgraded.
install-stage1: $(STAGE1_INIT) $(B)/man/kbisect-init.7 $(B)/man/kbisect-mkinitramfs.8 $(B)/man/kbisect-update-stage1.8 \
	$(B)/man/kbisect-reboot.8
	install -d $(DESTDIR)$(SYSCONFDIR)/grub.d $(DESTDIR)$(SYSCONFDIR)/default $(DESTDIR)$(PREFIX)/lib/kbisect \
		$(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/share/kbisect $(DESTDIR)$(SYSCONFDIR)/kernel/postinst.d \
		$(DESTDIR)$(SYSCONFDIR)/kernel/postrm.d $(DESTDIR)$(MANDIR)/man7 $(DESTDIR)$(MANDIR)/man8
	install -m 755 scripts/grub.d/42_kbisect $(DESTDIR)$(SYSCONFDIR)/grub.d/42_kbisect
	test -e $(DESTDIR)$(SYSCONFDIR)/default/kbisect || \
		install -m 644 scripts/kbisect.default $(DESTDIR)$(SYSCONFDIR)/default/kbisect
	install -m 755 $(STAGE1_INIT) $(DESTDIR)$(PREFIX)/lib/kbisect/kbisect-init
	for s in kbisect-mkinitramfs kbisect-reboot kbisect-update-stage1; do \
		$(call INSTALL_SCRIPT,scripts/$$s,$(DESTDIR)$(PREFIX)/sbin/$$s) || exit 1; done
	install -m 755 scripts/kernel/zz-kbisect $(DESTDIR)$(SYSCONFDIR)/kernel/postinst.d/zz-kbisect
	install -m 755 scripts/kernel/zz-kbisect $(DESTDIR)$(SYSCONFDIR)/kernel/postrm.d/zz-kbisect
	rm -rf $(DESTDIR)$(PREFIX)/share/kbisect/rootfs-skel
	cp -R rootfs-skel $(DESTDIR)$(PREFIX)/share/kbisect/
	install -m 644 $(B)/man/kbisect-init.7 $(DESTDIR)$(MANDIR)/man7/
	install -m 644 $(B)/man/kbisect-mkinitramfs.8 $(B)/man/kbisect-update-stage1.8 $(B)/man/kbisect-reboot.8 \
		$(DESTDIR)$(MANDIR)/man8/

# make install-initramfs: install-stage1 and the initramfs made last, in /boot.
install-initramfs: $(INITRAMFS) install-stage1
	install -d $(DESTDIR)$(BOOTDIR)
	install -m 644 $(INITRAMFS) $(DESTDIR)$(BOOTDIR)/kbisect-initramfs.cpio.gz

# make install-control: kbisect, the engineer's program (control machine), and its scripts.
install-control: $(KBISECT) $(B)/man/kbisect.1 $(B)/man/kbisect-ssh-test.1 $(B)/man/kbisect-curl-step.1
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(MANDIR)/man1
	install -m 755 $(KBISECT) $(DESTDIR)$(PREFIX)/bin/kbisect
	for s in kbisect-ssh-test kbisect-curl-step; do \
		$(call INSTALL_SCRIPT,scripts/$$s,$(DESTDIR)$(PREFIX)/bin/$$s) || exit 1; done
	install -m 644 $(B)/man/kbisect.1 $(B)/man/kbisect-ssh-test.1 $(B)/man/kbisect-curl-step.1 $(DESTDIR)$(MANDIR)/man1/

# make install-builder: kbisect-builder, its systemd unit and an example builder.ini
# (kept when one exists).
install-builder: $(BUILDER) $(B)/man/kbisect-builder.8 $(B)/man/builder.ini.5
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(SYSCONFDIR)/kbisect \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8
	install -m 755 $(BUILDER) $(DESTDIR)$(PREFIX)/bin/kbisect-builder
	sed 's|@PREFIX@|$(PREFIX)|g' builder/kbisect-builder.service >$(DESTDIR)$(SYSTEMDUNITDIR)/kbisect-builder.service
	test -e $(DESTDIR)$(SYSCONFDIR)/kbisect/builder.ini || \
		install -m 644 builder/builder.ini $(DESTDIR)$(SYSCONFDIR)/kbisect/builder.ini
	install -m 644 $(B)/man/kbisect-builder.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 644 $(B)/man/builder.ini.5 $(DESTDIR)$(MANDIR)/man5/

# The manual pages: the programs' from their own --help and --version (help2man,
# with doc/man/NAME.h2m's sections), so that the option lists are the tables --help
# prints; the files' (kbisect.ini(5), builder.ini(5), kbisect-init(7)) from
# doc/man/, checked against the parsers' keys by tests/build/t-man.sh.
MAN_PAGES := $(B)/man/kbisect.1 $(B)/man/kbisect-builder.8 $(B)/man/kbisect-mkinitramfs.8 \
	$(B)/man/kbisect-update-stage1.8 $(B)/man/kbisect.ini.5 $(B)/man/builder.ini.5 $(B)/man/kbisect-init.7 \
	$(B)/man/kbisect-ssh-test.1 $(B)/man/kbisect-curl-step.1 $(B)/man/kbisect-reboot.8
HELP2MAN = help2man --no-info --no-discard-stderr --version-string=$(VERSION) $(if $(2),--include=$(2)) \
	--source=kbisect --manual="kbisect" --section=$(3) --name="$(4)" --output=$@ $(1)
man: $(MAN_PAGES)
$(B)/man/kbisect.1: $(KBISECT) doc/man/kbisect.h2m $(B)/version
	@mkdir -p $(dir $@)
	$(call HELP2MAN,$(KBISECT),doc/man/kbisect.h2m,1,bisect a kernel regression on real test machines)
$(B)/man/kbisect-builder.8: $(BUILDER) doc/man/kbisect-builder.h2m $(B)/version
	@mkdir -p $(dir $@)
	$(call HELP2MAN,$(BUILDER),doc/man/kbisect-builder.h2m,8,build a kernel image of every commit for kbisect)
$(B)/man/kbisect-mkinitramfs.8: scripts/kbisect-mkinitramfs doc/man/kbisect-mkinitramfs.h2m $(B)/version
	@mkdir -p $(dir $@)
	$(call HELP2MAN,scripts/kbisect-mkinitramfs,doc/man/kbisect-mkinitramfs.h2m,8,make the kbisect stage-1 initramfs)
$(B)/man/kbisect-update-stage1.8: scripts/kbisect-update-stage1 doc/man/kbisect-update-stage1.h2m $(B)/version
	@mkdir -p $(dir $@)
	$(call HELP2MAN,scripts/kbisect-update-stage1,doc/man/kbisect-update-stage1.h2m,8,make a test machine's kbisect stage-1 again)
$(B)/man/kbisect-ssh-test.1: scripts/kbisect-ssh-test $(B)/version
	@mkdir -p $(dir $@)
	$(call HELP2MAN,scripts/kbisect-ssh-test,,1,judge a candidate that boots its own OS over ssh)
$(B)/man/kbisect-curl-step.1: scripts/kbisect-curl-step $(B)/version
	@mkdir -p $(dir $@)
	$(call HELP2MAN,scripts/kbisect-curl-step,,1,a git bisect run step on kbisect's HTTP interface)
$(B)/man/kbisect-reboot.8: scripts/kbisect-reboot $(B)/version
	@mkdir -p $(dir $@)
	$(call HELP2MAN,scripts/kbisect-reboot,,8,leave a candidate for the kbisect stage-1 by kexec)
$(B)/man/%: doc/man/% $(B)/version
	@mkdir -p $(dir $@)
	sed 's|@VERSION@|$(VERSION)|g' $< >$@

# The programs and their manual pages, without the unit tests and fuzzers (whose
# packages are the lab's): what `make` builds.
programs: $(INIT) $(INIT_I386) $(CGIS) $(BUILDER) $(KBISECT) $(MAN_PAGES)

# make package-build: what the Debian packages hold (debian/rules).
package-build: $(INIT) $(CGIS) $(BUILDER) $(KBISECT) $(MAN_PAGES)

# make deb: the four Debian packages in $(B)/deb/, versioned from tools/version
# (debian/changelog is written for the build), then lintian on them.
deb:
	@tools/ensure-deps --deb
	@rm -rf $(B)/deb && mkdir -p $(B)/deb/src
	git ls-files -z | xargs -0 cp --parents -t $(B)/deb/src
	printf 'kbisect (%s) unstable; urgency=medium\n\n  * Built from %s.\n\n -- kbisect developers <kbisect@example.org>  %s\n' \
		'$(VERSION)' "$$(git rev-parse --short HEAD 2>/dev/null || echo a tree)" "$$(date -R)" >$(B)/deb/src/debian/changelog
	cd $(B)/deb/src && env -u B -u MAKEFLAGS KBISECT_VERSION=$(VERSION) CCACHE_BASEDIR=$$PWD dpkg-buildpackage -b -uc -us --no-sign >../build.log 2>&1 || \
		{ tail -30 ../build.log; exit 1; }
	lintian --fail-on error $(B)/deb/*.changes

# The unstripped link keeps its symbols for the link check (tests/build).
$(INIT).full: $(MUSL_OBJ)
	$(MUSL_LD) $(MUSL_LDFLAGS) -o $@ $^ $(BEARSSL_A)

$(INIT): $(INIT).full
	strip -o $@ $<

$(INIT_I386).full: $(I386_OBJ)
	$(I386_LD) $(MUSL_LDFLAGS) -o $@ $^ $(I386_BEARSSL_A)

$(INIT_I386): $(INIT_I386).full
	strip -o $@ $<

$(UNIT): $(UNIT_OBJ)
	$(CXX) $(HOST_LDFLAGS) -o $@ $^ -lgit2 -lcurl -lbearssl -linih -lgtest_main -lgtest -lpthread

$(BUILDER): $(BUILDER_OBJ)
	$(CXX) -o $@ $^ -lgit2 -lbearssl -linih

$(KBISECT): $(KBISECT_OBJ)
	$(CXX) -o $@ $^ -lgit2 -lcurl -lbearssl -linih

$(B)/cgi/%: $(B)/rel/cgi/bin/%.o $(CGI_OBJ)
	@mkdir -p $(dir $@)
	$(CXX) -static -s -Wl,--gc-sections -o $@ $^ -l:libinih.a -l:libbearssl.a

$(EMPTY_CGI): $(B)/rel/bench/empty_cgi.o
	@mkdir -p $(dir $@)
	$(CXX) -static -s -Wl,--gc-sections -o $@ $^ -l:libinih.a -l:libbearssl.a

$(B)/fuzz/%: $(B)/fuzz/obj/tests/fuzz/%.o $(FUZZ_OBJ)
	$(FUZZ_CXX) -fsanitize=fuzzer,address,undefined -o $@ $^ -linih -lbearssl

$(B)/fuzz/obj/tests/fuzz/%.o: tests/fuzz/%.cc $(B)/flags
	@mkdir -p $(dir $@)
	$(CCACHE) $(FUZZ_CXX) $(FUZZ_CXXFLAGS) -fsanitize=fuzzer -MMD -MP -c -o $@ $<

$(B)/fuzz/obj/%.o: %.cc $(B)/flags
	@mkdir -p $(dir $@)
	$(CCACHE) $(FUZZ_CXX) $(FUZZ_CXXFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

$(B)/host/%.o: %.cc $(B)/flags
	@mkdir -p $(dir $@)
	$(CCACHE) $(CXX) $(HOST_CXXFLAGS) -MMD -MP -c -o $@ $<

$(B)/rel/%.o: %.cc $(B)/flags
	@mkdir -p $(dir $@)
	$(CCACHE) $(CXX) $(REL_CXXFLAGS) -MMD -MP -c -o $@ $<

$(B)/musl/%.o: %.cc $(B)/flags
	@mkdir -p $(dir $@)
	$(CCACHE) $(MUSL_CXX) $(MUSL_CXXFLAGS) -MMD -MP -c -o $@ $<

# The purgatory kexec_load starts (common/purgatory.h): freestanding 32-bit code
# linked at a fixed address, then bytes in the init (init/purgatory_blob.S).
PURGATORY_CFLAGS := -m32 -std=c11 $(WARN) -Os -I. -ffreestanding -fno-builtin -fno-pic -fno-stack-protector \
	-fno-asynchronous-unwind-tables -mgeneral-regs-only
# Every object depends on the compilers and flags it was built with ($(B)/flags,
# rewritten when they change): a change of either rebuilds (cheaply, through
# ccache) instead of linking objects made with the old ones.
BUILD_FLAGS := $(CXX) $(HOST_CXXFLAGS) | $(FUZZ_CXX) $(FUZZ_CXXFLAGS) | $(REL_CXXFLAGS) | \
	$(MUSL_CXX) $(MUSL_CXXFLAGS) | $(MUSL_CC) | $(I386_CXX) | $(I386_CC) | $(CC) $(PURGATORY_CFLAGS)
ifneq ($(file <$(B)/flags),$(BUILD_FLAGS))
$(shell mkdir -p $(B))
$(file >$(B)/flags,$(BUILD_FLAGS))
endif
$(B)/flags: ;

$(B)/purgatory/purgatory.o: init/purgatory/purgatory.c common/purgatory.h init/purgatory/sha256.h $(B)/flags
	@mkdir -p $(dir $@)
	$(CCACHE) $(CC) $(PURGATORY_CFLAGS) -c -o $@ $<

$(B)/purgatory/entry.o: init/purgatory/entry.S $(B)/flags
	@mkdir -p $(dir $@)
	$(CCACHE) $(CC) -m32 -c -o $@ $<

$(B)/purgatory.bin: $(B)/purgatory/entry.o $(B)/purgatory/purgatory.o init/purgatory/purgatory.ld
	ld -m elf_i386 -nostdlib -static -z noexecstack --no-warn-rwx-segments -T init/purgatory/purgatory.ld \
		-o $(B)/purgatory/purgatory.elf $(filter %.o,$^)
	objcopy -O binary $(B)/purgatory/purgatory.elf $@

# Not through ccache: it cannot see the .incbin'd purgatory.bin change.
$(B)/musl/init/purgatory_blob.o: init/purgatory_blob.S $(B)/purgatory.bin
	@mkdir -p $(dir $@)
	$(MUSL_CC) -c -Wa,-I$(B) -o $@ $<

$(B)/musl/%.o: %.c $(B)/flags
	@mkdir -p $(dir $@)
	$(CCACHE) $(MUSL_CC) -std=c11 $(WARN) -Os -c -o $@ $<

$(B)/i386/musl/%.o: %.cc $(B)/flags
	@mkdir -p $(dir $@)
	$(CCACHE) $(I386_CXX) $(MUSL_CXXFLAGS) -MMD -MP -c -o $@ $<

$(B)/i386/musl/%.o: %.c $(B)/flags
	@mkdir -p $(dir $@)
	$(CCACHE) $(I386_CC) -std=c11 $(WARN) -Os -c -o $@ $<

$(B)/i386/musl/init/purgatory_blob.o: init/purgatory_blob.S $(B)/purgatory.bin
	@mkdir -p $(dir $@)
	$(I386_CC) -c -Wa,-I$(B) -o $@ $<

clean:
	rm -rf $(B)

.SECONDARY:

-include $(shell find $(B) -path '$(B)/deb' -prune -o -name '*.d' -type f -print 2>/dev/null)

