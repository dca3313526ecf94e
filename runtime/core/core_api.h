// The one interface between the runtime's front ends and its core.
//
// Front ends (runtime/interpose: libc interceptors; runtime/trap: page-protection
// access capture; later the compiler-instrumentation entry points) translate
// what a process does into the events below. The core (runtime/core) owns
// everything that must be shared between processes: thread/process slots and
// their vector clocks, sync objects, per-segment shadow memory, the stack depot
// and report de-duplication. Reporting (runtime/report) only formats.
//
// Addresses never cross this interface for shared things: a front end turns an
// address inside an attached segment into (SegmentRef, offset), because the
// same segment sits at different addresses in different processes.
//
// Functions marked [signal-safe] may be called from the SIGSEGV/SIGTRAP
// handlers: they do not allocate, take no lock the application may hold, and
// do no stdio. Everything else must be called from normal context.
//
// Additions made while implementing the core (all compatible with the first
// version): segment_attached() takes an optional stack (where the segment was
// attached, for reports); process_reaped() is the waitpid edge;
// access_completed() gives acquiring loads their edge after they executed;
// sync_destroyed() drops a sync object (mutex/sem destroy, semctl IPC_RMID).
// acquire() on a ThreadExit, ProcessExit or ForkEdge key consumes it.
// For POSIX objects: PosixObject segments are found by identity whatever
// their size and grow; segment_named(), segment_attached_again(),
// object_removed().
#pragma once

#include <cstddef>
#include <cstdint>
#include <sys/types.h>

namespace shmcheck::core {

// ---------------------------------------------------------------------------
// Process lifetime
// ---------------------------------------------------------------------------

// Opens (or creates) the user's shared state and registers this process and
// its main thread. Returns false when checking must be disabled (the reason
// has been printed once); the front ends then pass every call straight
// through and the program runs unchecked.
bool process_start();

// Unregisters the process; the last process to leave removes the shared
// state. Also flushes pending reports. Idempotent.
void process_exit();

// True when this process printed a race report or made one of the two
// accesses of a reported race, even if another process printed it (drives
// the exit code).
bool reported_race();

// Races reported so far by every process of the shared state.
uint64_t races_reported_in_session();

// Whether this process's parent is a live checked process of the same
// shared state (false at the top of a checked process tree).
bool parent_is_checked();

// Options parsed from SHMCHECK_OPTIONS (see options.inc).
struct Options;
const Options &options();

// ---------------------------------------------------------------------------
// Threads. A ThreadState is the per-thread slot: vector clock, epoch, the
// locks held (for reports). One per live thread of a checked process.
// ---------------------------------------------------------------------------
struct ThreadState;

// [signal-safe] The calling thread's state, or nullptr if the thread is not
// registered (e.g. checking is disabled).
ThreadState *current_thread();

// Registers the calling thread (called first thing in a new thread).
ThreadState *thread_start();
// Releases the slot of the calling thread; its clock is published on the
// thread's exit sync object so that join can acquire it: the core releases
// SyncKey{ThreadExit, process_incarnation(), (uint64_t)pthread_self()}; after
// pthread_join the front end acquires the same key (the acquire consumes it).
void thread_exit();

// ---------------------------------------------------------------------------
// Fork. prepare runs in the parent before the real fork; exactly one of
// parent/child runs after it. The parent's history happens-before everything
// the child does.
// The core makes that edge itself (the child's slot is reserved in
// fork_prepare with the parent's vector clock): front ends need no ForkEdge
// key. fork_prepare also flushes pending reports.
// posix_spawn (and vfork+exec): call fork_prepare() before and
// fork_parent(pid or -1) after, never fork_child(); the new image's
// process_start() finds the reservation by its pid and starts from the
// parent's clock. An exec after fork keeps the edge the same way.
// ---------------------------------------------------------------------------
void fork_prepare();
void fork_parent(pid_t child);
void fork_child();

// The waitpid edge. Call after wait/waitpid/wait4/waitid returned child
// `pid` as exited or killed. process_exit() publishes the exiting process's
// clock on SyncKey{ProcessExit, pid}; this acquires it (and consumes it). A
// child that died without process_exit (SIGKILL, an _exit that was not
// intercepted) has its clock published from its slots here, so the edge
// holds either way.
void process_reaped(ThreadState *thread, pid_t pid);

// ---------------------------------------------------------------------------
// Segments
// ---------------------------------------------------------------------------

// Process-independent identity of a shared memory object.
enum class SegmentKind : uint8_t { SysV = 1, PosixObject = 2 };
struct SegmentIdentity {
  SegmentKind kind;
  uint64_t id;   // SysV: shmid. Posix: st_dev.
  uint64_t key;  // SysV: the IPC key (0 for IPC_PRIVATE). Posix: st_ino.
};

// Index of a segment in the shared segment table; stable while any process
// has the segment attached.
using SegmentRef = uint32_t;
inline constexpr SegmentRef kNoSegment = ~0u;

struct StackTrace;

// Called after a successful shmat/mmap. `size` is the segment's size in bytes.
// `where`, if given, is the attaching stack, shown in reports ("Location is
// segment ... attached by pid P thread T at:"). Returns kNoSegment when the
// segment cannot be checked (table full, shadow not creatable).
SegmentRef segment_attached(const SegmentIdentity &identity, size_t size,
                            const StackTrace *where = nullptr);
// Called after shmdt/munmap of one attachment.
void segment_detached(SegmentRef segment);
// Called when the segment is marked for removal (shmctl IPC_RMID).
void segment_removed(SegmentRef segment);

// POSIX objects (shm_open objects, memfds, MAP_SHARED|MAP_ANONYMOUS regions,
// shared file mappings). A PosixObject segment is found by its identity
// alone: `size` passed to segment_attached() is the extent this attachment
// needs (object offset + length of the mapping, at least the object's size),
// and a larger one grows the shadow, so an object mapped partly, at several
// offsets, or grown with ftruncate + mremap stays one segment. Offsets
// passed to access() and in InSegment keys are offsets in the object.
//
// What reports call the segment ("object /dev/shm/name", "object
// memfd:name", "anonymous shared mapping", "file /path"); the first name
// given sticks.
void segment_named(SegmentRef segment, const char *description);
// One more attachment of a segment this process has attached already (a
// mapping that munmap or mprotect split in two); balanced by one more
// segment_detached().
void segment_attached_again(SegmentRef segment);
// A named object was unlinked (shm_unlink): the segment of this identity, if
// any, goes away with its last detach, like a System V segment after
// IPC_RMID.
void object_removed(const SegmentIdentity &identity);

// ---------------------------------------------------------------------------
// Memory accesses to a segment
// ---------------------------------------------------------------------------
enum class AccessType : uint8_t {
  Read,
  Write,
  AtomicRead,   // atomic load (order given separately)
  AtomicWrite,  // atomic store
  AtomicUpdate, // atomic read-modify-write (lock-prefixed instruction, CAS...)
};

// C11 memory orders, numbered as the compiler's tsan instrumentation passes
// them: 0 relaxed, 1 consume, 2 acquire, 3 release, 4 acq_rel, 5 seq_cst.
using MemoryOrder = int;
inline constexpr MemoryOrder kSeqCst = 5;

// Return addresses of the access, innermost first; frames[0] is the pc of
// the accessing instruction. The core keeps a copy.
struct StackTrace {
  const uintptr_t *frames;
  uint32_t size;
};

// [signal-safe] Checks one access of `size` bytes (1..any; a rep movs range
// comes as one call) at `offset` in `segment` against the shadow, updates it
// and queues a report when it races with an earlier access.
void access(ThreadState *thread, SegmentRef segment, uint64_t offset,
            uint64_t size, AccessType type, MemoryOrder order,
            const StackTrace &stack);

// [signal-safe] Whether the byte at `offset` of `segment` was last written
// by an atomic operation. Its loads can then be acquires, which the trap
// budget must not sample away (it keeps such pages checked).
bool written_atomically(SegmentRef segment, uint64_t offset);

// Called once by a process whose accesses come from compiler
// instrumentation, which reports atomic loads as such: its plain loads are
// then plain for certain, atomic_plain_loads no longer applies to them, and
// a plain load that races with an atomic store is reported.
void plain_loads_are_exact();

// [signal-safe] Optional second half of access() for front ends that call
// access() before the instruction executes (the trap front end): call this
// after it executed (after the single-step). An acquiring load (an atomic
// acquire load, the load half of a read-modify-write, or a plain load that
// atomic_plain_loads treats as one) must take its edge only after it has
// read the value, or it can miss the release of the store it observed and
// report a race that did not happen. Stores need nothing here: their release
// is already published by access(), before the store becomes visible.
void access_completed(ThreadState *thread, SegmentRef segment, uint64_t offset,
                      uint64_t size, AccessType type, MemoryOrder order);

// Synchronisation words (sync_words=1). access() with AtomicUpdate makes the
// bytes it covers a sync word, for every process of the session; from then
// on access() itself treats a plain Write that lies wholly inside sync words
// as a release store and a plain Read as an acquire load (taken after the
// load: in access_completed(), or else at the thread's next access or
// release). [signal-safe] Call after a read-modify-write of `size` <= 8
// bytes executed, with the word's value before and after it, and whether
// it was an exchange or a compare-exchange (the updates that take locks;
// not a counter's fetch_add): an exchange from 0 to non-zero takes a
// spinlock (SyncKind::SpinWord, shown in "locks"), which the thread's next
// store to the word or next update of it drops. A front end that captures
// a locked instruction (a trap, or a patched site) calls
// access(AtomicUpdate, kSeqCst) before it runs,
// access_completed(AtomicUpdate, kSeqCst) and this after.
void atomic_update_done(ThreadState *thread, SegmentRef segment, uint64_t offset,
                        uint64_t size, uint64_t before, uint64_t after, bool exchange);

// ---------------------------------------------------------------------------
// Synchronization. Every edge is expressed as release(key) ... acquire(key)
// on a process-independent key.
// ---------------------------------------------------------------------------
enum class SyncKind : uint8_t {
  InSegment = 1,    // a = SegmentRef, b = offset (mutex, sem_t, futex word...)
  SysVSemaphore,    // a = semid, b = semnum
  NamedSemaphore,   // a = hash of the name, b = 0
  ProcessLocal,     // a = process incarnation, b = address (thread-only sync)
  ForkEdge,         // a = parent incarnation, b = fork counter
                    // (also pthread_create -> new thread, one-shot like a
                    // fork: a = process incarnation, b = kThreadCreateEdge |
                    // creation counter)
  ThreadExit,       // a = process incarnation, b = pthread_t
  ProcessExit,      // a = pid, b = 0
  SpinWord,         // a = SegmentRef, b = offset: a spinlock on a sync word
                    // (held-lock name only; its edges go through InSegment)
  // The kernel's own objects (runtime/kernel_sync):
  KernelObject,     // a = st_dev, b = st_ino (pipe, FIFO, POSIX message queue)
  SocketChannel,    // a = hash of the connection or receiving address, b = 0
  EventCounter,     // a = eventfd id, b = 0
  MessageQueue,     // a = System V msqid, b = 0
  SignalDelivery,   // a = target pid (or kSignalGroup | pgid), b = signal
  FileLock,         // a = st_ino, b = kernel_sync's (device, byte) packing
};
struct SyncKey {
  SyncKind kind;
  uint64_t a;
  uint64_t b;
};

// Marks the ForkEdge keys that the front end uses for thread creation.
inline constexpr uint64_t kThreadCreateEdge = 1ull << 63;

// The identity of this process run, unique even when pids are reused.
uint64_t process_incarnation();

// [signal-safe] Acquire: the thread's clock joins the sync object's clock.
void acquire(ThreadState *thread, const SyncKey &key);
// [signal-safe] Release: the sync object's clock joins the thread's clock,
// then the thread's epoch advances.
void release(ThreadState *thread, const SyncKey &key);

// The sync object behind `key` is gone (pthread_mutex_destroy, sem_destroy,
// semctl IPC_RMID): its clock is dropped, so a new object reusing the key
// starts afresh.
void sync_destroyed(const SyncKey &key);

// Locks currently held, kept only to print "(locks: ...)" in reports. A held
// lock is named by its key; shared=true for a read lock.
void lock_held(ThreadState *thread, const SyncKey &key, bool shared);
void lock_dropped(ThreadState *thread, const SyncKey &key);

// A robust mutex came back with EOWNERDEAD: its owner died holding it.
// Everything that owner did is released onto `key` (from the clock its slot
// kept, found by the locks the slot names), then the thread acquires `key`.
void owner_died(ThreadState *thread, const SyncKey &key);

// ---------------------------------------------------------------------------
// Reports are queued by access() (possibly in a signal handler) and written
// here, from normal context: symbolization forks a symbolizer and formats
// with fmt. Front ends call this from interceptors and at exit.
// ---------------------------------------------------------------------------
void flush_reports();

}  // namespace shmcheck::core
