# Thread tests: real pthreads under ThreadSanitizer (tests/tsan). TSan
# cannot share a binary with ASan, so these get objects of their own, built
# from the same portable sources as the unit tests. `make unit` (and so
# `make test`) runs them; `make tsan` runs only them.

TSAN_CFLAGS   := -std=gnu11 -O1 -g $(WARN) -I. -DKNOCK_HOST_TEST \
                 -DKNOCK_VERSION='"$(VERSION)"' -fsanitize=thread -fno-omit-frame-pointer
TSAN_TESTS    := $(patsubst tests/tsan/%.c,$(BUILD)/tsan/%,$(wildcard tests/tsan/test_*.c))
TSAN_LIB_OBJS := $(patsubst %.c,$(BUILD)/tsan/obj/%.o,$(UNIT_LIB_SRCS))

$(BUILD)/tsan/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  TSANCC  $<"
	$(Q)$(HOST_CC) $(TSAN_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/tsan/test_%: tests/tsan/test_%.c $(TSAN_LIB_OBJS)
	@mkdir -p $(dir $@)
	@echo "  TSANLD  $@"
	$(Q)$(HOST_CC) $(TSAN_CFLAGS) -MMD -MP $< $(TSAN_LIB_OBJS) -o $@ $(HOST_LDLIBS) -lpthread

-include $(TSAN_LIB_OBJS:.o=.d) $(TSAN_TESTS:=.d)

.PHONY: tsan tsan-build
tsan-build: $(TSAN_TESTS)

# halt_on_error: the first race fails the run (exit status 66).
tsan: tsan-build
	@fail=0; for t in $(TSAN_TESTS); do \
	  echo "== $$t"; \
	  TSAN_OPTIONS=halt_on_error=1:exitcode=66 $$t || fail=1; \
	done; \
	if [ $$fail -ne 0 ]; then echo "thread tests: FAILED"; exit 1; fi; \
	echo "thread tests: all passed"

.SECONDARY: $(TSAN_LIB_OBJS)
