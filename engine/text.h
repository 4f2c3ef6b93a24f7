/*
 * text.h — which characters a scenario's text may hold, and making any
 * text safe to print on a terminal (internal to the engine).
 *
 * Text is inert when printing it cannot move the cursor, clear or retitle
 * the terminal, start a new line, or reorder what follows it: no C0 or C1
 * control (tab and line breaks included), no DEL, no line or paragraph
 * separator (U+2028, U+2029), no bidirectional override or isolate
 * (U+202A..U+202E, U+2066..U+2069) and no non-character (U+FDD0..U+FDEF,
 * U+xFFFE and U+xFFFF in every plane). Scenario strings must be inert
 * after YAML unescaping; error messages are made inert before anyone
 * prints them.
 */
#ifndef RO_TEXT_H
#define RO_TEXT_H

#include <stddef.h>
#include <stdint.h>

/* What a message about an active character expects instead. */
#define RO_TEXT_EXPECTED                                                                           \
    "expected printable text (no control characters, line separators, bidirectional controls or " \
    "non-characters)"

/* Offset of the first character of s[0..len) that is not inert, or len.
 * Bytes that are not valid UTF-8 count as not inert (*cp = the byte,
 * *invalid = 1); otherwise *cp is the code point and *invalid 0. */
size_t ro_text_find_active(const char *s, size_t len, uint32_t *cp, int *invalid);

/* "U+001B" or "byte 0xFF" for what ro_text_find_active found; returns buf. */
const char *ro_text_describe(uint32_t cp, int invalid, char buf[16]);

/* Rewrites the NUL-terminated text in buf (capacity size) so that it is
 * inert: each active character becomes \xNN per byte (backslashes are
 * left alone; this is for display, not a reversible encoding). The result
 * is cut, at a character boundary, to fit. */
void ro_text_make_inert(char *buf, size_t size);

#endif /* RO_TEXT_H */
