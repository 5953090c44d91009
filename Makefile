# kbisect: one GNU Makefile.
#   make          install missing Debian packages, build everything
#   make check    ... and run every test tier (tests/run), last line "N passed, N failed"
#   make fuzz     run the libFuzzer targets for FUZZ_SECONDS each (default 60)
#   make clean
.DEFAULT_GOAL := all
SHELL := /bin/bash
B ?= build
export B

# --- glibc side (host): unit tests and fuzzers ------------------------------------
CXX := g++
WARN := -Wall -Wextra -Werror
HOST_CXXFLAGS := -std=c++20 $(WARN) -g -O1 -I. -fsanitize=address,undefined -fno-sanitize-recover=all
HOST_LDFLAGS := -fsanitize=address,undefined
FUZZ_CXX := clang++
FUZZ_CXXFLAGS := -std=c++20 $(WARN) -g -O1 -I. -fsanitize=fuzzer,address,undefined

# --- musl side: the static stage-1 init (recipe: shared/lab-facts.md) ---------------
MUSL_SPECS := /usr/lib/x86_64-linux-musl/musl-gcc.specs
MUSL_CXX := g++ -specs $(MUSL_SPECS) -isystem /usr/include/c++/12 \
	-isystem /usr/include/x86_64-linux-gnu/c++/12 -idirafter /usr/include \
	'-D__GLIBC_PREREQ(a,b)=0'
MUSL_CC := musl-gcc
MUSL_CXXFLAGS := -std=c++20 $(WARN) -Os -I. -fno-exceptions -fno-rtti \
	-fno-asynchronous-unwind-tables -ffunction-sections -fdata-sections
# Linked by the C driver: libstdc++ is never on the link line, so anything that needs
# it fails to link instead of slipping in.
MUSL_LD := gcc -specs $(MUSL_SPECS)
MUSL_LDFLAGS := -static -Wl,--gc-sections
BEARSSL_A := /usr/lib/x86_64-linux-gnu/libbearssl.a

COMMON_SRC := $(filter-out %_test.cc,$(wildcard common/*.cc))
COMMON_TESTS := $(wildcard common/*_test.cc)
INIT_SRC := $(wildcard init/*.cc)
FUZZ_SRC := $(wildcard tests/fuzz/*_fuzz.cc)

HOST_COMMON_OBJ := $(COMMON_SRC:%.cc=$(B)/host/%.o)
UNIT_OBJ := $(COMMON_TESTS:%.cc=$(B)/host/%.o)
MUSL_OBJ := $(COMMON_SRC:%.cc=$(B)/musl/%.o) $(INIT_SRC:%.cc=$(B)/musl/%.o) $(B)/musl/init/fortify.o
FUZZERS := $(FUZZ_SRC:tests/fuzz/%.cc=$(B)/fuzz/%)

INIT := $(B)/kbisect-init
UNIT := $(B)/host/unit_tests

.PHONY: all build check deps fuzz clean
all: deps
	@$(MAKE) --no-print-directory build

check: deps
	@$(MAKE) --no-print-directory build
	@tests/run

deps:
	@tools/ensure-deps

build: $(INIT) $(UNIT) $(FUZZERS)

fuzz: build
	@KBISECT_FUZZ_SECONDS=$${FUZZ_SECONDS:-60} tests/run fuzz

# The unstripped link keeps its symbols for the link check (tests/build).
$(INIT).full: $(MUSL_OBJ)
	$(MUSL_LD) $(MUSL_LDFLAGS) -o $@ $^ $(BEARSSL_A)

$(INIT): $(INIT).full
	strip -o $@ $<

$(UNIT): $(HOST_COMMON_OBJ) $(UNIT_OBJ)
	$(CXX) $(HOST_LDFLAGS) -o $@ $^ -lgtest_main -lgtest -lpthread

$(B)/fuzz/%: tests/fuzz/%.cc $(COMMON_SRC) | $(B)/fuzz
	$(FUZZ_CXX) $(FUZZ_CXXFLAGS) -o $@ $< $(COMMON_SRC)

$(B)/host/%.o: %.cc
	@mkdir -p $(dir $@)
	$(CXX) $(HOST_CXXFLAGS) -MMD -MP -c -o $@ $<

$(B)/musl/%.o: %.cc
	@mkdir -p $(dir $@)
	$(MUSL_CXX) $(MUSL_CXXFLAGS) -MMD -MP -c -o $@ $<

$(B)/musl/%.o: %.c
	@mkdir -p $(dir $@)
	$(MUSL_CC) -std=c11 $(WARN) -Os -c -o $@ $<

$(B)/fuzz:
	@mkdir -p $@

clean:
	rm -rf $(B)

-include $(shell find $(B) -name '*.d' 2>/dev/null)
