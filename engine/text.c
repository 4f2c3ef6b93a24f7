/*
 * text.c — the inert-text rule shared by the scenario reader (which
 * refuses active characters in strings, with their position) and the
 * error records (which escape them, since a file name or a command-line
 * value can hold anything).
 *
 * One decoder, one list of what is active: a character is judged the same
 * way wherever it comes from.
 */
#include "text.h"

#include "runoff.h"

#include <stdio.h>
#include <string.h>

static int is_active(uint32_t c)
{
    return c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == 0x2028 || c == 0x2029 ||
           (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069) ||
           (c >= 0xFDD0 && c <= 0xFDEF) || (c & 0xFFFE) == 0xFFFE;
}

/* Length of the well-formed UTF-8 character at s (1..4) and its code
 * point, or 0 if the bytes there are not one. */
static size_t decode(const unsigned char *s, size_t len, uint32_t *cp)
{
    unsigned char b = s[0];
    size_t n;
    uint32_t c, min;
    if (b < 0x80) {
        *cp = b;
        return 1;
    } else if ((b & 0xE0) == 0xC0) {
        n = 2, c = b & 0x1Fu, min = 0x80;
    } else if ((b & 0xF0) == 0xE0) {
        n = 3, c = b & 0x0Fu, min = 0x800;
    } else if ((b & 0xF8) == 0xF0) {
        n = 4, c = b & 0x07u, min = 0x10000;
    } else {
        return 0;
    }
    if (n > len)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3Fu);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return n;
}

size_t ro_text_find_active(const char *s, size_t len, uint32_t *cp, int *invalid)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        uint32_t c;
        size_t n = decode(u + i, len - i, &c);
        if (n == 0 || is_active(c)) {
            *cp = n == 0 ? u[i] : c;
            *invalid = n == 0;
            return i;
        }
        i += n;
    }
    return len;
}

const char *ro_text_describe(uint32_t cp, int invalid, char buf[16])
{
    if (invalid)
        snprintf(buf, 16, "byte 0x%02X", (unsigned)cp);
    else
        snprintf(buf, 16, "U+%04X", (unsigned)cp);
    return buf;
}

void ro_text_make_inert(char *buf, size_t size)
{
    size_t len = strlen(buf);
    uint32_t cp;
    int invalid;
    size_t at = ro_text_find_active(buf, len, &cp, &invalid);
    if (at == len || size == 0)
        return;
    char out[4096];
    size_t o = 0;
    const size_t cap = size < sizeof out ? size : sizeof out;
    for (size_t i = 0; i < len;) {
        size_t n = ro_text_find_active(buf + i, len - i, &cp, &invalid);
        if (o + n >= cap) { /* cut the inert run at a character boundary */
            n = cap - 1 - o;
            while (n > 0 && ((unsigned char)buf[i + n] & 0xC0) == 0x80)
                n--;
            memcpy(out + o, buf + i, n);
            o += n;
            break;
        }
        memcpy(out + o, buf + i, n);
        o += n;
        i += n;
        if (i >= len || o + 1 >= cap)
            break;
        uint32_t c;
        size_t clen = invalid ? 1 : decode((const unsigned char *)buf + i, len - i, &c);
        if (o + 4 * clen >= cap)
            break;
        for (size_t k = 0; k < clen; k++)
            o += (size_t)snprintf(out + o, cap - o, "\\x%02X", (unsigned char)buf[i + k]);
        i += clen;
    }
    out[o] = '\0';
    memcpy(buf, out, o + 1);
}

void runoff_text_make_inert(char *buf, size_t size) { ro_text_make_inert(buf, size); }
