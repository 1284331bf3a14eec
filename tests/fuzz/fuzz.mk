# libFuzzer harnesses of every parser of outside input (tests/fuzz).
#
#   make fuzz                   every harness for FUZZ_SECONDS (default 60) each
#   make fuzz FUZZ_TARGETS=acpi_walk FUZZ_SECONDS=600
#   make fuzz-check             what `make test` runs: replay the committed
#                               corpus, then FUZZ_CHECK_SECONDS of fuzzing each
#
# Every tests/fuzz/fuzz_<name>.c but fuzz_fakes.c is one harness, fed from
# its seed corpus tests/fuzz/corpus/<name>/ (tests/fuzz/make_seeds.py
# writes the seeds; crash inputs kept as regressions sit next to them).
# The harnesses are built from the same sources as the unit tests
# (UNIT_LIB_SRCS in tests/unit/unit.mk: kernel/, capsules/, the chips'
# *_parse.c, the host fakes) with clang's libFuzzer, ASan and UBSan, plus
# the other tests/fuzz/*.c helpers. They do not link cmocka: the fakes may
# call only its mock_assert(), which tests/fuzz/fuzz_fakes.c provides.
# Harnesses run FUZZ_JOBS at a time; each one's libFuzzer output is in
# build/fuzz/logs/, crash inputs in build/fuzz/artifacts/<name>/.

FUZZ_CC      := clang
FUZZ_CFLAGS  := -std=gnu11 -O1 -g $(WARN) -I. -DKNOCK_HOST_TEST \
                -DKNOCK_VERSION='"$(VERSION)"' \
                -fsanitize=address,undefined -fno-sanitize-recover=all \
                -fno-omit-frame-pointer
FUZZ_SECONDS       ?= 60
FUZZ_CHECK_SECONDS ?= 5
FUZZ_JOBS          ?= $(shell nproc)

FUZZ_HARNESS_SRCS := $(filter-out tests/fuzz/fuzz_fakes.c,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_NAMES        := $(patsubst tests/fuzz/fuzz_%.c,%,$(FUZZ_HARNESS_SRCS))
FUZZ_TARGETS      ?= $(FUZZ_NAMES)
FUZZ_LIB_SRCS     := $(UNIT_LIB_SRCS) \
                     $(filter-out $(FUZZ_HARNESS_SRCS),$(wildcard tests/fuzz/*.c))
FUZZ_LIB_OBJS     := $(patsubst %.c,$(BUILD)/fuzz/obj/%.o,$(FUZZ_LIB_SRCS))
FUZZ_BINS         := $(patsubst %,$(BUILD)/fuzz/fuzz_%,$(FUZZ_NAMES))

$(BUILD)/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $<"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB_OBJS)
	@mkdir -p $(dir $@)
	@echo "  FUZZLD  $@"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -MMD -MP $< $(FUZZ_LIB_OBJS) -o $@

-include $(FUZZ_LIB_OBJS:.o=.d) $(FUZZ_BINS:=.d)
.SECONDARY: $(FUZZ_LIB_OBJS)

.PHONY: fuzz fuzz-build fuzz-check
fuzz-build: $(FUZZ_BINS)

# xargs runs every harness even after a failure, then fails (status 123).
fuzz: deps
	@$(MAKE) --no-print-directory fuzz-build
	@printf '%s\n' $(FUZZ_TARGETS) | \
	  FUZZ_BUILD=$(BUILD)/fuzz xargs -P $(FUZZ_JOBS) -I{} tests/fuzz/run.sh fuzz {} $(FUZZ_SECONDS) || \
	  { echo "fuzz: FAILED"; exit 1; }

fuzz-check: fuzz-build
	@printf '%s\n' $(FUZZ_TARGETS) | \
	  FUZZ_BUILD=$(BUILD)/fuzz xargs -P $(FUZZ_JOBS) -I{} tests/fuzz/run.sh check {} $(FUZZ_CHECK_SECONDS) || \
	  { echo "fuzz-check: FAILED"; exit 1; }
	@echo "fuzz-check: all passed"
