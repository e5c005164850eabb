/* The interop driver's I/O: JSON lines out (emit), flat JSON objects in (jparse), stderr log. */
#include "driver_io.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------------ output */

static pthread_mutex_t g_out = PTHREAD_MUTEX_INITIALIZER;


void sb_putc(sbuf_t *b, char c) {
	if (b->len + 2 > b->cap) {
		b->cap = b->cap ? b->cap * 2 : 256;
		b->buf = realloc(b->buf, b->cap);
	}
	b->buf[b->len++] = c;
	b->buf[b->len] = 0;
}
void sb_puts(sbuf_t *b, const char *s) {
	while (*s)
		sb_putc(b, *s++);
}
void sb_json_str(sbuf_t *b, const char *s) {
	sb_putc(b, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		switch (c) {
		case '"': sb_puts(b, "\\\""); break;
		case '\\': sb_puts(b, "\\\\"); break;
		case '\n': sb_puts(b, "\\n"); break;
		case '\r': sb_puts(b, "\\r"); break;
		case '\t': sb_puts(b, "\\t"); break;
		default:
			if (c < 0x20) {
				char tmp[8];
				snprintf(tmp, sizeof(tmp), "\\u%04x", c);
				sb_puts(b, tmp);
			} else {
				sb_putc(b, (char)c);
			}
		}
	}
	sb_putc(b, '"');
}

/* emit("type", "k1", "v1", "k2", "v2", ..., NULL): a flat JSON object of string values.
 * A value starting with '\x01' is written raw (numbers, booleans). */
void emit(const char *type, ...) {
	sbuf_t b = {0};
	sb_puts(&b, "{\"type\":");
	sb_json_str(&b, type);
	va_list ap;
	va_start(ap, type);
	const char *k;
	while ((k = va_arg(ap, const char *)) != NULL) {
		const char *v = va_arg(ap, const char *);
		sb_putc(&b, ',');
		sb_json_str(&b, k);
		sb_putc(&b, ':');
		if (!v)
			sb_puts(&b, "null");
		else if (v[0] == '\x01')
			sb_puts(&b, v + 1);
		else
			sb_json_str(&b, v);
	}
	va_end(ap);
	sb_puts(&b, "}\n");
	pthread_mutex_lock(&g_out);
	fwrite(b.buf, 1, b.len, stdout);
	fflush(stdout);
	pthread_mutex_unlock(&g_out);
	free(b.buf);
}

double t0;
double now_s(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}
void logf_(const char *fmt, ...) {
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "[driver %7.3f] ", now_s() - t0);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* ------------------------------------------------------------ flat JSON in */


static const char *skip_ws(const char *p) {
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	return p;
}

static void put_utf8(sbuf_t *b, unsigned cp) {
	if (cp < 0x80) {
		sb_putc(b, (char)cp);
	} else if (cp < 0x800) {
		sb_putc(b, (char)(0xC0 | (cp >> 6)));
		sb_putc(b, (char)(0x80 | (cp & 0x3F)));
	} else if (cp < 0x10000) {
		sb_putc(b, (char)(0xE0 | (cp >> 12)));
		sb_putc(b, (char)(0x80 | ((cp >> 6) & 0x3F)));
		sb_putc(b, (char)(0x80 | (cp & 0x3F)));
	} else {
		sb_putc(b, (char)(0xF0 | (cp >> 18)));
		sb_putc(b, (char)(0x80 | ((cp >> 12) & 0x3F)));
		sb_putc(b, (char)(0x80 | ((cp >> 6) & 0x3F)));
		sb_putc(b, (char)(0x80 | (cp & 0x3F)));
	}
}

static const char *parse_str(const char *p, char **out) {
	if (*p != '"')
		return NULL;
	p++;
	sbuf_t b = {0};
	sb_puts(&b, "");
	while (*p && *p != '"') {
		if (*p == '\\') {
			p++;
			switch (*p) {
			case 'n': sb_putc(&b, '\n'); break;
			case 'r': sb_putc(&b, '\r'); break;
			case 't': sb_putc(&b, '\t'); break;
			case 'b': sb_putc(&b, '\b'); break;
			case 'f': sb_putc(&b, '\f'); break;
			case 'u': {
				unsigned cp = 0;
				if (sscanf(p + 1, "%4x", &cp) != 1)
					goto fail;
				p += 4;
				if (cp >= 0xD800 && cp < 0xDC00 && p[1] == '\\' && p[2] == 'u') {
					unsigned lo = 0;
					if (sscanf(p + 3, "%4x", &lo) == 1 && lo >= 0xDC00 && lo < 0xE000) {
						cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
						p += 6;
					}
				}
				put_utf8(&b, cp);
				break;
			}
			case 0: goto fail;
			default: sb_putc(&b, *p);
			}
			p++;
		} else {
			sb_putc(&b, *p++);
		}
	}
	if (*p != '"')
		goto fail;
	*out = b.buf;
	return p + 1;
fail:
	free(b.buf);
	return NULL;
}

int jparse(const char *s, jobj_t *o) {
	memset(o, 0, sizeof(*o));
	const char *p = skip_ws(s);
	if (*p++ != '{')
		return -1;
	p = skip_ws(p);
	if (*p == '}')
		return 0;
	while (o->n < MAX_KV) {
		char *k = NULL, *v = NULL;
		p = parse_str(skip_ws(p), &k);
		if (!p)
			return -1;
		p = skip_ws(p);
		if (*p++ != ':') {
			free(k);
			return -1;
		}
		p = skip_ws(p);
		if (*p == '"') {
			p = parse_str(p, &v);
			if (!p) {
				free(k);
				return -1;
			}
		} else {
			const char *e = p;
			while (*e && *e != ',' && *e != '}' && *e != ' ')
				e++;
			v = strndup(p, e - p);
			p = e;
		}
		o->key[o->n] = k;
		o->val[o->n] = v;
		o->n++;
		p = skip_ws(p);
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p == '}')
			return 0;
		return -1;
	}
	return -1;
}
const char *jget(const jobj_t *o, const char *k) {
	for (int i = 0; i < o->n; i++)
		if (strcmp(o->key[i], k) == 0)
			return o->val[i];
	return NULL;
}
void jfree(jobj_t *o) {
	for (int i = 0; i < o->n; i++) {
		free(o->key[i]);
		free(o->val[i]);
	}
	o->n = 0;
}
