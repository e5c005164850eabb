/* The interop driver's I/O: JSON lines out (emit), flat JSON objects in (jparse), stderr log. */
#pragma once

#include <stddef.h>

typedef struct {
	char *buf;
	size_t len, cap;
} sbuf_t;

#define MAX_KV 16
typedef struct {
	char *key[MAX_KV];
	char *val[MAX_KV]; /* strings decoded; other scalars as their literal text */
	int n;
} jobj_t;

extern double t0; /* the driver's time zero (monotonic seconds) */

void sb_putc(sbuf_t *b, char c);
void sb_puts(sbuf_t *b, const char *s);
void sb_json_str(sbuf_t *b, const char *s);
void emit(const char *type, ...);
double now_s(void);
void logf_(const char *fmt, ...);
int jparse(const char *s, jobj_t *o);
const char *jget(const jobj_t *o, const char *k);
void jfree(jobj_t *o);

#define LOG(...) logf_(__VA_ARGS__)
