/*
 * Key codes: which key, by position, independent of layout and of the
 * scancode set that reported it. A layout (capsules/keymap.h) turns a key
 * code into a character; the set 1 decoder (capsules/scancode_set1.h) turns
 * bytes into key codes.
 *
 * Positional means KEY_Q is "the key where Q is on a US keyboard", whatever
 * it prints. Keypad keys are their own codes (KEY_KP_7); the keyboard capsule
 * reports them as navigation keys (KEY_HOME) when Num Lock is off.
 *
 * One X-macro list gives the enum and the names, so they never disagree.
 */
#ifndef KNOCK_CAPSULES_KEYCODE_H
#define KNOCK_CAPSULES_KEYCODE_H

/* clang-format off */
#define KEY_CODES(X_)                                                                   \
	X_(NONE, "none")                                                                \
	X_(ESC, "Esc") X_(1, "1") X_(2, "2") X_(3, "3") X_(4, "4") X_(5, "5") X_(6, "6") \
	X_(7, "7") X_(8, "8") X_(9, "9") X_(0, "0") X_(MINUS, "-") X_(EQUAL, "=")       \
	X_(BACKSPACE, "Backspace") X_(TAB, "Tab")                                       \
	X_(Q, "Q") X_(W, "W") X_(E, "E") X_(R, "R") X_(T, "T") X_(Y, "Y") X_(U, "U")    \
	X_(I, "I") X_(O, "O") X_(P, "P") X_(LEFT_BRACKET, "[") X_(RIGHT_BRACKET, "]")   \
	X_(ENTER, "Enter") X_(LEFT_CTRL, "LeftCtrl")                                    \
	X_(A, "A") X_(S, "S") X_(D, "D") X_(F, "F") X_(G, "G") X_(H, "H") X_(J, "J")    \
	X_(K, "K") X_(L, "L") X_(SEMICOLON, ";") X_(APOSTROPHE, "'") X_(GRAVE, "`")     \
	X_(LEFT_SHIFT, "LeftShift") X_(BACKSLASH, "\\")                                 \
	X_(Z, "Z") X_(X, "X") X_(C, "C") X_(V, "V") X_(B, "B") X_(N, "N") X_(M, "M")    \
	X_(COMMA, ",") X_(DOT, ".") X_(SLASH, "/") X_(RIGHT_SHIFT, "RightShift")        \
	X_(KP_ASTERISK, "Keypad*") X_(LEFT_ALT, "LeftAlt") X_(SPACE, "Space")           \
	X_(CAPS_LOCK, "CapsLock")                                                       \
	X_(F1, "F1") X_(F2, "F2") X_(F3, "F3") X_(F4, "F4") X_(F5, "F5") X_(F6, "F6")   \
	X_(F7, "F7") X_(F8, "F8") X_(F9, "F9") X_(F10, "F10") X_(F11, "F11")            \
	X_(F12, "F12")                                                                  \
	X_(NUM_LOCK, "NumLock") X_(SCROLL_LOCK, "ScrollLock")                           \
	X_(KP_7, "Keypad7") X_(KP_8, "Keypad8") X_(KP_9, "Keypad9")                     \
	X_(KP_MINUS, "Keypad-") X_(KP_4, "Keypad4") X_(KP_5, "Keypad5")                 \
	X_(KP_6, "Keypad6") X_(KP_PLUS, "Keypad+") X_(KP_1, "Keypad1")                  \
	X_(KP_2, "Keypad2") X_(KP_3, "Keypad3") X_(KP_0, "Keypad0")                     \
	X_(KP_DOT, "Keypad.") X_(SYSRQ, "SysRq") X_(102ND, "102nd")                     \
	X_(KP_ENTER, "KeypadEnter") X_(RIGHT_CTRL, "RightCtrl")                         \
	X_(KP_SLASH, "Keypad/") X_(PRINT_SCREEN, "PrintScreen")                         \
	X_(RIGHT_ALT, "RightAlt") X_(BREAK, "Break") X_(PAUSE, "Pause")                 \
	X_(HOME, "Home") X_(UP, "Up") X_(PAGE_UP, "PageUp") X_(LEFT, "Left")            \
	X_(RIGHT, "Right") X_(END, "End") X_(DOWN, "Down") X_(PAGE_DOWN, "PageDown")    \
	X_(INSERT, "Insert") X_(DELETE, "Delete")                                       \
	X_(LEFT_GUI, "LeftWindows") X_(RIGHT_GUI, "RightWindows") X_(MENU, "Menu")
/* clang-format on */

enum key_code {
#define KEY_CODE_ENUM(id, name) KEY_##id,
	KEY_CODES(KEY_CODE_ENUM)
#undef KEY_CODE_ENUM
	KEY_COUNT
};

/* "Left", "Keypad7", ...; "?" for a value outside the enum. */
const char *key_code_name(enum key_code code);

#endif
