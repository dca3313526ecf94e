// Layout of everything the runtime shares between processes.
//
// Every struct in this file lives in shared memory that different processes
// map at different addresses: fixed layout (sizes are static_asserted), no
// pointers (indexes and offsets only), and no index read from it is trusted
// before it has been bounds-checked, because another process may have died
// half-way through an update, or the object may be hostile.
//
// Two kinds of objects:
//  - the per-user state object "/shmcheck-<uid>-<session>" (one SharedStateShm):
//    processes, thread slots and their vector clocks, segments, sync objects,
//    the stack depot, access history, pending reports;
//  - one shadow object per segment ("...-s<index>-<generation>"), a
//    ShadowHeaderShm followed by one ShadowWordShm per 8 bytes of the segment.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "robust_mutex.h"

namespace shmcheck::core {

inline constexpr uint64_t kStateMagic = 0x3154534b43484d53ull;   // "SHMCKST1"
inline constexpr uint64_t kShadowMagic = 0x3144534b43484d53ull;  // "SHMCKSD1"
inline constexpr uint32_t kLayoutVersion = 6;  // 2: segment names, 3: sync object versions,
                                               // 4: compact shadow words, sync words,
                                               // recycling stack depot, 5: sync word pages,
                                               // 6: held locks of a slot

inline constexpr uint32_t kMaxSlots = 256;      // thread slots = vector clock width
inline constexpr uint32_t kMaxProcesses = 256;  // a live process holds >= 1 slot
inline constexpr uint32_t kMaxSegments = 1024;
inline constexpr uint32_t kMaxModules = 512;
inline constexpr uint32_t kSlotHeldLocks = 16;  // as many as a thread keeps (core_state.h)
inline constexpr uint32_t kModulePathMax = 500;
inline constexpr uint32_t kSyncStripes = 64;
inline constexpr uint32_t kSyncPerStripe = 128;
inline constexpr uint32_t kDepotBuckets = 32768;
inline constexpr uint32_t kDepotStacks = 65536;    // a power of two (ids wrap)
inline constexpr uint32_t kDepotFrames = 1048576;
inline constexpr uint32_t kMaxStackDepth = 32;
inline constexpr uint32_t kHistorySize = 65536;  // access contexts kept
inline constexpr uint32_t kContextLocks = 4;     // locks remembered per access
inline constexpr uint32_t kReadSets = 32768;
inline constexpr uint32_t kReadSetEntries = 10;
inline constexpr uint32_t kReportSlots = 128;
inline constexpr uint32_t kDedupSlots = 4096;
inline constexpr uint32_t kShadowStripes = 64;
inline constexpr uint32_t kShadowStripeShift = 6;  // 64-byte chunks per stripe
inline constexpr uint32_t kExpandedWords = 16384;
inline constexpr uint32_t kShadowChunkBits = 2048;   // commitment bits per shadow
inline constexpr uint32_t kShadowChunkMinShift = 13;  // 8192 words: 192 KiB of shadow

using Clock = uint32_t;
// A slot's clock stops here instead of wrapping: epochs never go back.
inline constexpr Clock kClockLimit = 0xfffffff0u;

struct VectorClockShm {
  Clock c[kMaxSlots];
};
static_assert(sizeof(VectorClockShm) == 1024);

// ---------------------------------------------------------------------------
// Processes and thread slots
// ---------------------------------------------------------------------------
enum ProcessState : uint32_t {
  kProcessFree = 0,
  kProcessReserved = 1,  // reserved by a forking parent, child not yet running
  kProcessLive = 2,
};
enum ProcessFlags : uint32_t {
  kProcessRaceInvolved = 1,  // one of its accesses appeared in a report
};
struct ProcessShm {
  uint32_t state;
  uint32_t pid;           // 0 while a reservation has no child pid yet
  uint64_t start_time;    // /proc/<pid>/stat field 22; 0 until known
  uint64_t incarnation;   // unique per state lifetime, never reused
  uint32_t reserver_pid;  // the forking parent, for Reserved entries
  std::atomic<uint32_t> flags;
  uint64_t reserved_at;   // incarnation of the reserver
};
static_assert(sizeof(ProcessShm) == 40);

enum SlotState : uint32_t {
  kSlotFree = 0,
  kSlotLive = 1,
};
// One thread's vector clock. Only the owning thread writes `vc`; others read
// it only after the owner died (reclaim), so it needs no lock.
struct ThreadSlotShm {
  uint32_t state;
  uint32_t process;       // index into processes[]
  uint64_t incarnation;   // of the owning process
  uint32_t tid;
  uint32_t used;          // ever used: a fresh slot is preferred to reusing
  std::atomic<Clock> clock;  // the slot's own clock; kept when freed
  uint32_t free_order;    // when it was freed, to reuse the oldest first
  VectorClockShm vc;
  // Tags (held_lock_tag) of the locks the thread holds, 0 where none; kept
  // when the slot is freed, so that a lock found abandoned by a dead owner
  // (EOWNERDEAD) leads to the slot, and the clock, of the thread that held it.
  std::atomic<uint64_t> held[kSlotHeldLocks];
};
static_assert(sizeof(ThreadSlotShm) == 1056 + 8 * kSlotHeldLocks);

// Never 0 (the empty entry).
inline uint64_t held_lock_tag(uint8_t kind, uint64_t a, uint64_t b) {
  uint64_t h = (0x9e3779b97f4a7c15ull ^ kind ^ a) * 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h = (h ^ b) * 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return h | 1;
}

// ---------------------------------------------------------------------------
// Segments
// ---------------------------------------------------------------------------
enum SegmentState : uint32_t { kSegmentFree = 0, kSegmentLive = 1 };
struct SegmentShm {
  uint32_t state;
  uint32_t generation;   // bumped on every reuse of the entry
  uint8_t kind;          // SegmentKind
  uint8_t removed;       // IPC_RMID / shm_unlink seen: destroy with the last detach
  uint8_t pad[6];
  uint64_t id;
  uint64_t key;
  uint64_t size;
  uint64_t attached[kMaxProcesses / 64];  // bit per process entry
  uint32_t where_pid;    // first attach, for "Location is ..." in reports
  uint32_t where_tid;
  uint32_t where_stack;
  uint32_t pad2;
};
static_assert(sizeof(SegmentShm) == 88);

// What reports call a segment that is a POSIX object ("object /dev/shm/x",
// "anonymous shared mapping", ...): parallel to segments[], set once per
// generation of the entry. Empty for System V segments.
struct SegmentNameShm {
  uint32_t generation;  // the entry's generation the text belongs to
  char text[124];
};
static_assert(sizeof(SegmentNameShm) == 128);

// ---------------------------------------------------------------------------
// Modules: stack frames are stored as (module, offset) so that one process can
// symbolize another's stack despite different load addresses.
// ---------------------------------------------------------------------------
struct ModuleShm {
  uint32_t used;
  uint32_t path_len;
  char path[kModulePathMax + 4];
};
static_assert(sizeof(ModuleShm) == 512);

// A frame: module index + 1 in the top 16 bits, offset in the low 48; module
// 0 means "absolute pc, no module known".
using PackedFrame = uint64_t;
inline constexpr int kFrameModuleShift = 48;
inline constexpr uint64_t kFrameOffsetMask = (1ull << kFrameModuleShift) - 1;

// The depot recycles in place (stack_depot.h): stack id N lives in
// stacks[(N - 1) % kDepotStacks] until a newer stack takes the entry, and
// frames sit in a ring addressed by a position that only grows.
struct StackEntryShm {
  std::atomic<uint32_t> id;  // the stack stored here, 0 while written
  uint32_t hash;
  uint32_t next;         // older stack id in the bucket, 0 = end
  uint32_t size;
  uint64_t first_frame;  // ring position of frames[0]
};
static_assert(sizeof(StackEntryShm) == 24);
struct StackDepotShm {
  uint32_t stack_count;  // the last id given out (wraps, skipping 0)
  uint32_t pad;
  std::atomic<uint64_t> frame_head;  // ring positions handed out so far
  std::atomic<uint64_t> recycled;    // stacks overwritten by newer ones
  uint32_t buckets[kDepotBuckets];   // newest stack id, 0 = empty
  StackEntryShm stacks[kDepotStacks];
  PackedFrame frames[kDepotFrames];
};

// ---------------------------------------------------------------------------
// Access history: who made an access, from where, holding which locks.
// Shadow cells name a context by id; the ring overwrites the oldest, and a
// reader detects that by the id stored in the record (seqlock).
// ---------------------------------------------------------------------------
struct HeldLockShm {
  uint8_t kind;    // SyncKind
  uint8_t shared;  // read lock
  uint8_t segment_known;        // in a report: a lock in a segment whose entry
  uint8_t pad;                  // had `segment_generation` when it was queued,
  uint32_t segment_generation;  // so that it is named after the segment leaves
  uint64_t a;
  uint64_t b;
};
static_assert(sizeof(HeldLockShm) == 24);

struct AccessContextShm {
  std::atomic<uint32_t> seq;  // the context id stored here, 0 while written
  uint32_t pid;
  uint32_t tid;
  uint32_t stack_id;
  uint16_t process;           // index into processes[]
  uint8_t nlocks;
  uint8_t type;               // AccessType
  uint32_t size;
  uint64_t incarnation;
  HeldLockShm locks[kContextLocks];
};
static_assert(sizeof(AccessContextShm) == 128);

// ---------------------------------------------------------------------------
// Sync objects: a hash table split into stripes, each with its own lock and
// open addressing inside the stripe. Vector clocks sit in a parallel array so
// that scanning the keys touches little memory.
// ---------------------------------------------------------------------------
struct SyncObjectShm {
  uint8_t used;
  uint8_t kind;  // SyncKind
  uint16_t pad;
  uint32_t order;  // insertion order, to evict the oldest one-shot edge
  uint64_t a;
  uint64_t b;
  // Odd while the slot (its key or its clock) is being changed, bumped to
  // the next even value after: acquires read the clock without the
  // stripe's lock and keep what they read only if it did not move.
  uint64_t version;
};
static_assert(sizeof(SyncObjectShm) == 32);

struct SyncStripeShm {
  RobustMutex lock;
  uint32_t count;
  uint32_t next_order;
  SyncObjectShm objects[kSyncPerStripe];
};

// ---------------------------------------------------------------------------
// Shared reads of one byte (FastTrack's read vector clock, kept sparse):
// one entry per reading slot, chained when more slots read concurrently.
// ---------------------------------------------------------------------------
struct ReadEntryShm {
  Clock clock;
  uint32_t ctx;
  uint16_t slot;
  uint8_t atomic;
  uint8_t index;  // byte's position inside that access
};
static_assert(sizeof(ReadEntryShm) == 12);
struct ReadSetShm {
  uint32_t next;   // chained read set index + 1, 0 = end; also free-list link
  uint32_t count;
  ReadEntryShm entries[kReadSetEntries];
};
static_assert(sizeof(ReadSetShm) == 128);

// ---------------------------------------------------------------------------
// Reports waiting to be printed. access() fills them in signal context; any
// process may print one whose detector died before printing it.
// ---------------------------------------------------------------------------
enum ReportState : uint32_t {
  kReportFree = 0,
  kReportFilling = 1,
  kReportPending = 2,
  kReportPrinting = 3,
};
struct AccessSnapshotShm {
  uint32_t pid;
  uint32_t tid;
  uint32_t stack_id;
  uint16_t process;
  uint8_t nlocks;
  uint8_t type;
  uint64_t size;
  uint64_t offset;
  uint64_t incarnation;
  HeldLockShm locks[kContextLocks];
};
static_assert(sizeof(AccessSnapshotShm) == 136);

struct ReportShm {
  std::atomic<uint32_t> state;
  uint32_t detector_pid;
  uint64_t detector_incarnation;
  uint32_t segment;
  uint32_t previous_known;  // 0: history of the earlier access was lost
  uint8_t seg_kind;
  uint8_t pad[7];
  uint64_t seg_id;
  uint64_t seg_key;
  uint64_t seg_size;
  uint32_t where_pid;
  uint32_t where_tid;
  uint32_t where_stack;
  uint32_t pad2;
  AccessSnapshotShm current;
  AccessSnapshotShm previous;
};
static_assert(sizeof(ReportShm) == 344);

// ---------------------------------------------------------------------------
// Shadow object of one segment: a ShadowHeaderShm, then one ShadowWordShm per
// 8-byte word of the segment (3 bytes of state per byte). The file is sparse
// and committed (fallocate) a chunk at a time when first touched.
// ---------------------------------------------------------------------------
enum ShadowFlags : uint8_t {
  kWriteAtomic = 1,
  kReadAtomic = 2,
  kReadShared = 4,  // read_clock holds a read set index + 1
};
// FastTrack state of one byte. A clock of 0 means "no such access yet"
// (slot clocks start at 1). Words whose bytes need more than a word's two
// records keep one cell per byte in an ExpandedWordShm.
struct ShadowCellShm {
  Clock write_clock;
  uint32_t write_ctx;
  Clock read_clock;
  uint32_t read_ctx;
  uint16_t write_slot;
  uint16_t read_slot;
  uint8_t flags;
  uint8_t write_index;  // byte's position inside the write that set it
  uint8_t read_index;
  uint8_t pad;
};
static_assert(sizeof(ShadowCellShm) == 24);

// One access (its epoch, context, kind) over the bytes `mask` of a word. The
// byte's position inside that access (reports print where the earlier access
// started) is `index` for the lowest byte of the mask and follows from it:
// counting up (kIndexLinear, saturating at 255), or repeating every 1, 2 or
// 4 bytes for a loop of small accesses that one record stands for.
enum ShadowRecordBits : uint16_t {
  kRecordSlotMask = 0x0fff,
  kRecordWrite = 0x1000,
  kRecordAtomic = 0x2000,
  kRecordPeriodShift = 14,  // 0: linear, 1/2/3: repeats every 1/2/4 bytes
};
struct ShadowRecordShm {
  Clock clock;  // 0: no record
  uint32_t ctx;
  uint8_t mask;
  uint8_t index;
  uint16_t bits;
};
static_assert(sizeof(ShadowRecordShm) == 12);

// The state of 8 bytes: a byte's last write is the write record whose mask
// holds it, its last read the read record that holds it. A word that needs
// more (three different accesses, or concurrent reads, which keep a read
// set) is expanded: records[0] has clock 0, mask kExpandedMask and names the
// ExpandedWordShm (index + 1) in ctx.
struct ShadowWordShm {
  ShadowRecordShm records[2];
};
static_assert(sizeof(ShadowWordShm) == 24);
inline constexpr uint8_t kExpandedMask = 0xff;

struct ShadowHeaderShm {
  uint64_t magic;
  uint32_t version;
  uint32_t generation;
  uint64_t segment_size;
  uint64_t cells_offset;
  RobustMutex stripes[kShadowStripes];
  RobustMutex commit_lock;
  uint32_t chunk_shift;  // a chunk is 1 << chunk_shift words (fixed at creation)
  uint32_t pad;
  // Commitment of the words area, one bit per chunk: committed (its file
  // pages are allocated), or refused for want of room (left unchecked).
  std::atomic<uint64_t> committed[kShadowChunkBits / 64];
  std::atomic<uint64_t> refused[kShadowChunkBits / 64];
};
inline constexpr uint64_t kShadowCellsOffset = 4096;
static_assert(sizeof(ShadowHeaderShm) <= kShadowCellsOffset);

// A word's bytes, one cell each, while the word is expanded. Owned by one
// word of one generation of one segment entry; any other owner found there
// means the reference is stale or forged, and is ignored.
struct ExpandedWordShm {
  uint32_t next;        // free list link (index + 1)
  uint32_t segment;     // owner: segment entry + 1, 0 while free
  uint32_t generation;
  uint32_t pad;
  uint64_t word;
  ShadowCellShm cells[8];
};
static_assert(sizeof(ExpandedWordShm) == 216);
// Synchronisation words (sync_words.h): the bytes that a locked instruction
// or an atomic read-modify-write has updated. A set of 8-byte granules with
// open addressing, changed only by compare-and-swap and fetch-or: an entry
// is (granule key << 8 | byte mask), 0 when empty, and is never removed
// (the key carries the segment entry's generation, so a reused entry does
// not inherit the words of its previous segment).
// ---------------------------------------------------------------------------
// Plain accesses ask whether they touch a sync word: `pages` answers "no"
// for most of them from one bit per (segment, page) hash, set before any
// granule of the page is recorded, so that the table is probed only on
// pages that have sync words (or share their bit).
inline constexpr uint32_t kSyncWordEntries = 1u << 18;  // a power of two
inline constexpr uint32_t kSyncWordPageBits = 1u << 16;  // a power of two
struct SyncWordTableShm {
  std::atomic<uint64_t> used;     // granules recorded
  std::atomic<uint64_t> dropped;  // granules that found no free entry
  std::atomic<uint64_t> pages[kSyncWordPageBits / 64];
  std::atomic<uint64_t> entries[kSyncWordEntries];
};

// ---------------------------------------------------------------------------
// The state object.
// ---------------------------------------------------------------------------
enum StateStatus : uint32_t {
  kStateInitializing = 0,
  kStateReady = 1,
  kStateClosed = 2,  // the last process left; joiners must start afresh
};

struct StateHeaderShm {
  uint64_t magic;
  uint32_t version;
  std::atomic<uint32_t> status;
  uint64_t total_size;
  uint32_t creator_pid;
  uint32_t owner_uid;
  uint64_t nonce;  // distinguishes shadow object names between state lifetimes
  RobustMutex registry_lock;  // processes, slots, segments, modules
  RobustMutex depot_lock;
  RobustMutex readset_lock;
  std::atomic<uint64_t> next_incarnation;
  std::atomic<uint32_t> next_context;
  std::atomic<uint32_t> slots_high_water;  // vector clocks only use [0, this)
  std::atomic<uint32_t> slot_free_counter;
  uint32_t readset_free;   // free list head (index + 1)
  uint32_t readset_used;   // bump allocator
  uint32_t module_count;
  // Counters, reported with verbosity>=1 and read by tests.
  std::atomic<uint64_t> races_reported;
  std::atomic<uint64_t> reports_dropped;
  std::atomic<uint64_t> unordered_slot_reuses;
  std::atomic<uint64_t> sync_evictions;
  std::atomic<uint64_t> readset_exhausted;
  std::atomic<uint64_t> processes_reclaimed;
  std::atomic<uint64_t> lock_recoveries;
  std::atomic<uint64_t> processes_registered;
  RobustMutex expanded_lock;
  uint32_t expanded_free;  // free list head (index + 1)
  uint32_t expanded_used;  // bump allocator
  std::atomic<uint64_t> expanded_exhausted;  // words kept lossily
  std::atomic<uint64_t> state_bytes;         // committed: state object + shadows
  std::atomic<uint64_t> state_peak_bytes;
  std::atomic<uint64_t> state_limit_bytes;   // max_state_mb of the creator
  std::atomic<uint64_t> chunks_refused;      // shadow chunks left unchecked
};

struct SharedStateShm {
  StateHeaderShm header;
  ProcessShm processes[kMaxProcesses];
  ThreadSlotShm slots[kMaxSlots];
  SegmentShm segments[kMaxSegments];
  ModuleShm modules[kMaxModules];
  SyncStripeShm sync_stripes[kSyncStripes];
  VectorClockShm sync_clocks[kSyncStripes][kSyncPerStripe];
  std::atomic<uint64_t> dedup_pcs[kDedupSlots];    // pair of top-frame pcs
  std::atomic<uint64_t> dedup_lines[kDedupSlots];  // pair of source lines
  ReportShm reports[kReportSlots];
  AccessContextShm history[kHistorySize];
  ReadSetShm readsets[kReadSets];
  StackDepotShm depot;
  SegmentNameShm segment_names[kMaxSegments];
  ExpandedWordShm expanded[kExpandedWords];
  SyncWordTableShm sync_words;
};

}  // namespace shmcheck::core
