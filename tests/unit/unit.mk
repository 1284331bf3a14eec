# Host unit tests (cmocka) of the portable code, under ASan and UBSan.
#
# Every tests/unit/test_*.c becomes one binary, linked with the portable
# sources below built for the host, plus the host fakes of the arch
# interface (tests/unit/fake_*.c). A test that needs to see a panic uses
# cmocka's expect_assert_failure(): the fake arch_halt_forever() calls
# mock_assert().

HOST_CC      := gcc
HOST_CFLAGS  := -std=gnu11 -O1 -g $(WARN) -I. -DKNOCK_HOST_TEST \
                -DKNOCK_VERSION='"$(VERSION)"' \
                -fsanitize=address,undefined -fno-sanitize-recover=all \
                -fno-omit-frame-pointer
HOST_LDLIBS  := -lcmocka

# Portable sources the tests build against: kernel/, capsules/, and the
# pure parsers of chips/ (files named *_parse.c: functions over bytes, no
# port or MMIO access). kernel/string.c is left out: on the host, libc
# provides those functions.
UNIT_LIB_SRCS := $(filter-out kernel/string.c,$(wildcard kernel/*.c kernel/lab/*.c)) \
                 $(wildcard capsules/*.c capsules/lab/*.c) \
                 $(wildcard chips/x86_64/*_parse.c) \
                 $(wildcard tests/unit/fake_*.c)

UNIT_TESTS   := $(patsubst tests/unit/%.c,$(BUILD)/unit/%,$(wildcard tests/unit/test_*.c))
UNIT_LIB_OBJS := $(patsubst %.c,$(BUILD)/unit/obj/%.o,$(UNIT_LIB_SRCS))
# Helpers that call cmocka beyond mock_assert() (tests/unit/fixture.c):
# linked into the unit tests only, not into the fuzz harnesses, which
# build from UNIT_LIB_SRCS without cmocka.
UNIT_SUPPORT_OBJS := $(BUILD)/unit/obj/tests/unit/fixture.o

$(BUILD)/unit/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $<"
	$(Q)$(HOST_CC) $(HOST_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/unit/test_%: tests/unit/test_%.c $(UNIT_LIB_OBJS) $(UNIT_SUPPORT_OBJS)
	@mkdir -p $(dir $@)
	@echo "  HOSTLD  $@"
	$(Q)$(HOST_CC) $(HOST_CFLAGS) -MMD -MP $< $(UNIT_LIB_OBJS) $(UNIT_SUPPORT_OBJS) -o $@ \
	  $(HOST_LDLIBS)

-include $(UNIT_LIB_OBJS:.o=.d) $(UNIT_SUPPORT_OBJS:.o=.d) $(UNIT_TESTS:=.d)

.PHONY: unit unit-build
unit-build: $(UNIT_TESTS)

# Runs every test binary, even after a failure, then fails if any failed.
unit: unit-build
	@fail=0; for t in $(UNIT_TESTS); do \
	  echo "== $$t"; \
	  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 $$t || fail=1; \
	done; \
	if [ $$fail -ne 0 ]; then echo "unit tests: FAILED"; exit 1; fi; \
	echo "unit tests: all passed"

# Keep the host objects between test links (make would treat them as
# intermediates and delete them).
.SECONDARY: $(UNIT_LIB_OBJS) $(UNIT_SUPPORT_OBJS)

# The thread tests under ThreadSanitizer run with the unit tests.
include tests/tsan/tsan.mk
unit: tsan
