/*
 * compat.h - force-included (gcc -include compat.h) when test-fixtures/nlplug-findfs/build
 * compiles mkinitfs's unmodified nlplug-findfs.c against glibc. Upstream builds it against musl;
 * on glibc two things differ, and both are handled here so that not one line of nlplug-findfs.c
 * changes:
 *
 * 1. glibc before 2.38 has no strlcpy (musl and the BSDs do). The replacement below has the BSD
 *    semantics: copy at most size-1 bytes, always NUL-terminate when size > 0, return
 *    strlen(src).
 *
 * 2. At exit, main() calls pthread_cond_destroy on trigger_cond while trigger_thread (a detached
 *    thread that never returns) is still blocked in pthread_cond_wait on it. POSIX leaves that
 *    undefined; musl returns, glibc (since 2.25) waits for every waiter to leave and so hangs
 *    forever. The condition variable lives in main's frame until the process exits a few
 *    statements later, so not destroying it loses nothing: pthread_cond_destroy becomes a no-op
 *    returning 0 (success), and everything else main() does at exit still happens.
 *
 * This file is ours (lbuvault's), not mkinitfs's.
 */
#ifndef LBUVAULT_NLPLUG_COMPAT_H
#define LBUVAULT_NLPLUG_COMPAT_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <pthread.h>
#include <string.h>

#if defined(__GLIBC__) && !__GLIBC_PREREQ(2, 38)
static inline size_t compat_strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size > 0) {
		size_t n = len < size - 1 ? len : size - 1;
		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}
#define strlcpy compat_strlcpy
#endif

#if defined(__GLIBC__)
static inline int compat_pthread_cond_destroy(pthread_cond_t *cond)
{
	(void)cond;
	return 0;
}
#define pthread_cond_destroy compat_pthread_cond_destroy
#endif

#endif
