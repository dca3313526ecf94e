/* Annotations for synchronization that shmcheck cannot see by itself.
 *
 * libshmcheck.so recognises pthread mutexes, rwlocks, spinlocks, condition
 * variables, barriers, POSIX and System V semaphores. Home-made
 * synchronization (a futex word, a sequence counter, a ring buffer's
 * published index) is invisible to it: say where the hand-off happens.
 *
 *   producer:  fill(slot); SHMCHECK_RELEASE(&ring->head); publish(&ring->head);
 *   consumer:  wait_for(&ring->head); SHMCHECK_ACQUIRE(&ring->head); use(slot);
 *
 * Everything a thread did before shmcheck_release(addr) happens-before
 * everything another thread (of any checked process) does after a later
 * shmcheck_acquire(addr) on the same object. When `addr` lies in a shared
 * memory segment, the object is named by the segment and the offset, so
 * processes that attached the segment at different addresses still meet.
 *
 * The functions live in libshmcheck.so. The macros call them only when they
 * are present, so a program using the macros runs unchanged without the
 * runtime and needs no link flag: the runtime's definitions are found when it
 * is preloaded. Both are no-ops while checking is disabled.
 */
#ifndef SHMCHECK_ANNOTATIONS_H
#define SHMCHECK_ANNOTATIONS_H

#ifdef __cplusplus
extern "C" {
#endif

/* Everything done before this call happens-before what a later
 * shmcheck_acquire(addr) caller does after its call. */
__attribute__((weak)) void shmcheck_release(const volatile void *addr);

/* Joins the history released on `addr` so far. */
__attribute__((weak)) void shmcheck_acquire(const volatile void *addr);

#ifdef __cplusplus
}
#endif

#define SHMCHECK_RELEASE(addr) \
  do { if (shmcheck_release) shmcheck_release(addr); } while (0)
#define SHMCHECK_ACQUIRE(addr) \
  do { if (shmcheck_acquire) shmcheck_acquire(addr); } while (0)

#endif /* SHMCHECK_ANNOTATIONS_H */
