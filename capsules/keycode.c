#include "capsules/keycode.h"

static const char *const key_code_names[KEY_COUNT] = {
#define KEY_CODE_NAME(id, name) [KEY_##id] = (name),
	KEY_CODES(KEY_CODE_NAME)
#undef KEY_CODE_NAME
};

const char *key_code_name(enum key_code code)
{
	if ((unsigned)code >= KEY_COUNT)
		return "?";
	return key_code_names[code];
}
