#include "capsules/hello.h"
#include "kernel/log.h"

static void hello_fire(void *ctx)
{
	struct hello *h = ctx;
	h->printed++;
	log_info("%s", h->banner);
}

void hello_init(struct hello *h, const char *banner)
{
	h->banner = banner;
	h->printed = 0;
	deferred_call_init(&h->dc, "hello");
	deferred_call_register(&h->dc, "hello", hello_fire, h);
}

void hello_start(struct hello *h)
{
	deferred_call_set(&h->dc);
}
