/* Connection-setup timeline of the interop driver (issue 17): when each step happened on our
 * side, in ms since the reference point (offer created by us, or the peer's offer applied), and
 * how many DTLS flights and ICE checks our side retransmitted. Steps the C API does not expose
 * come from the library's log lines that start with "timeline: " (rtcInitLogger at INFO). */
#pragma once
#include <stddef.h>

void tl_reference(const char *step);  /* marks the step and makes it time zero */
void tl_mark(const char *step);       /* first occurrence of a step; later ones are ignored */
int tl_native(const char *message);   /* a library log line: 1 when it was a timeline line */
int tl_dtls_retransmissions(void);
int tl_ice_retransmissions(void);
void tl_format(char *buf, size_t size); /* "step +N ms, ..." ordered by time */
double tl_reference_epoch_ms(void);
int tl_has(const char *step);           /* 1 once the step has been marked */     /* time zero on the wall clock (ms since 1970), -1 if unset */
