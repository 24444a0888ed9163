// Software prefetch, which Swift does not expose: the decoding kernels stream weights and the
// KV cache from L3, and the hardware prefetcher starts each panel's and head's stream too late.
#ifndef RLHF_CPREFETCH_H
#define RLHF_CPREFETCH_H

/// Asks for the cache line holding `address` in every level of cache, without waiting for it.
static inline void rlhf_prefetch(const void *address) { __builtin_prefetch(address, 0, 3); }

#endif
