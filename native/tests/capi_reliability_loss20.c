/* capi_reliability_loss.c at 20 % loss each way (same delay, jitter, reordering). CI moves
 * 256 KiB on the reliable channel; RELIABILITY_BYTES overrides it (docs/reliability.md). */
#define LOSS_PCT 20.0
#define RELIABLE_BYTES (256 * 1024)
#define UNORDERED_COUNT 100
#define TEST_NAME "capi_reliability_loss20"
#define SEED 777
/* At 20 % loss usrsctp's congestion window collapses and messages wait in its send queue past
 * their lifetime; usrsctp abandons them only when it would retransmit, so the age bound is
 * reported, not asserted (docs/reliability.md, "maxPacketLifeTime"). */
#define LIFETIME_BOUND_UNCHECKED 1
#include "capi_reliability_loss.c"
