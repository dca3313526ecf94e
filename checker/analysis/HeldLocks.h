// Held locks: which locks are held on every path (must-hold) and on some path
// (may-hold) before each statement of the translation unit's functions, and
// whether that statement may run while other processes use shared memory.
//
// A forward dataflow over clang's CFG of each function (implicit and temporary
// destructors on, so RAII guards release at scope exit), iterated to a
// fixpoint with a bound; meet is intersection for must-hold, union for
// may-hold. Recognised lock operations (LockOperations.h):
//   - pthread mutex/rwlock/spin lock, timedlock, unlock; trylock only on the
//     branch where it succeeded;
//   - sem_wait/sem_timedwait acquire, sem_post releases, sem_trywait on its
//     success branch; semop/semtimedop by the sign of each `struct sembuf`
//     sem_op known in the function (negative acquires, positive releases);
//   - Clang thread-safety attributes (ACQUIRE, RELEASE, TRY_ACQUIRE,
//     REQUIRES, SCOPED_CAPABILITY), std::lock_guard, std::unique_lock,
//     std::scoped_lock, std::shared_lock, lock()/unlock() members;
//   - flock/lockf, fcntl F_SETLK(W) by the struct flock's l_type; spinlocks
//     on an atomic word (test-and-set, exchange, compare-and-swap take it on
//     success, a store of 0 gives it back);
//   - message passing as ordering events (pipe/socketpair read and write,
//     msgsnd/msgrcv, mq_send/mq_receive, pthread_barrier_wait), and atomic
//     publication likewise (release stores and fences publish, acquire
//     loads and fences wait);
//   - names configured as lock/unlock functions (LockConfig);
//   - translation unit functions whose net effect is to acquire or release
//     (`P()`/`V()` wrappers), found by per-function summaries computed once,
//     bottom-up over the call graph.
// Callers' locks flow into callees: a function only ever called with a lock
// held starts with that lock held (top-down over the call graph).
//
// Semaphores are classified by their initial value (SemaphoreValues.h): one
// starting at 1 excludes (HeldLock is a plain lock), others only order
// (HeldLock::Counting / Event / Signal). Alongside the locks, the dataflow
// follows which processes run each statement (ProcessSet: fork sites, the
// branch on fork's result, wait/waitpid, counting the children forked and
// reaped so that the parent is alone only after the last) and, backward,
// whether a semaphore release publishes it.
//
// Lock identity: a lock is named by the lvalue of the lock object, spelled
// canonically (parens, casts, `&*` removed; variables by declaration, not by
// name), so `pthread_mutex_lock(&s->m)` and `pthread_mutex_unlock(&(s->m))`
// name one lock. Inside a summarised function, parameters stand for the
// call's arguments. A semaphore of a System V set is the set id plus the
// semaphore number ("semid#0"). Whether a lock is shared between processes
// at all is LockSharing's question, asked of these names.
#pragma once

#include "clang/AST/ASTContext.h"
#include "clang/AST/Decl.h"
#include "clang/AST/Stmt.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/SmallVector.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace clang::tidy::shm {

enum class LockKind {
  Mutex,          ///< pthread_mutex_t, std::mutex, BasicLockable classes
  RwLock,         ///< pthread_rwlock_t, std::shared_mutex
  SpinLock,       ///< pthread_spinlock_t
  PosixSemaphore, ///< sem_t
  SysVSemaphore,  ///< one semaphore of a semget set, used through semop
  Capability,     ///< anything named by a thread-safety attribute
  Configured,     ///< a LockFunctions/UnlockFunctions name
  FileLock,       ///< flock/lockf on a descriptor
  AtomicFlag,     ///< a word used as a spinlock through atomic test-and-set,
                  ///< exchange or compare-and-swap, released by a store of 0
};

enum class LockMode { Exclusive, Shared };

/// A lock object. Key is canonical and unique in the translation unit;
/// Display is how the source spells it ("seg->lock", "semid").
struct LockId {
  LockKind Kind = LockKind::Mutex;
  std::string Key;
  std::string Display;
  /// For semaphores: the declaration naming it in every function (the field
  /// or variable holding the sem_t or sem_t *, or the System V set id), and
  /// the number in the set (-1 unknown). nullptr when not known.
  const Decl *Holder = nullptr;
  int64_t HolderNum = 0;
};

/// One held lock. Id indexes HeldLocks::lock().
struct HeldLock {
  unsigned Id = 0;
  LockMode Mode = LockMode::Exclusive;
  /// The call (or guard construction) that acquired it; nullptr when it was
  /// held by every caller on entry.
  const Stmt *AcquiredAt = nullptr;
  /// The RAII guard variable that owns it, if any.
  const VarDecl *Guard = nullptr;
  /// A semaphore waited for as an event, never given back (no release can
  /// follow): it orders what comes right after the wait, and stops counting
  /// at the next synchronisation (lock, unlock, fork, wait).
  bool Signal = false;
  /// A semaphore whose count starts other than 1 (an event count, free
  /// slots): it orders processes but lets several in at once.
  bool Counting = false;
  /// A semaphore that starts at 0, waited for: what its posters did before
  /// posting is ordered before everything after the wait on this path, so
  /// posting it (passing the turn on) does not end that.
  bool Event = false;
};

/// A small set of held locks, ordered by acquisition.
class LockSet {
public:
  bool empty() const { return Locks.empty(); }
  size_t size() const { return Locks.size(); }
  llvm::ArrayRef<HeldLock> locks() const { return Locks; }
  const HeldLock *find(unsigned Id) const;
  bool contains(unsigned Id) const { return find(Id) != nullptr; }
  /// Some lock is held in exclusive mode (writes are guarded).
  bool holdsExclusive() const;

  // Mutators, used by the dataflow.
  void add(const HeldLock &L);
  bool remove(unsigned Id);
  void removeIf(llvm::function_ref<bool(const HeldLock &)> Pred);
  /// Keeps only locks present in both (weakest mode wins).
  void intersectWith(const LockSet &Other);
  /// Adds locks of Other that are missing.
  void unionWith(const LockSet &Other);
  bool operator==(const LockSet &Other) const;
  bool operator!=(const LockSet &Other) const { return !(*this == Other); }

private:
  llvm::SmallVector<HeldLock, 4> Locks;
};

/// What a call does to a lock.
struct LockOp {
  enum class Action { Acquire, Release, TryAcquire };
  Action Act = Action::Acquire;
  unsigned Id = 0;
  LockMode Mode = LockMode::Exclusive;
  /// For TryAcquire: the call returns 0 on success (pthread, sem_trywait,
  /// semop with IPC_NOWAIT); otherwise it returns true on success.
  bool SuccessIsZero = true;
};

/// Names the analysis cannot see, from the check options.
struct LockConfig {
  std::vector<std::string> LockFunctions;   ///< acquire their first argument
  std::vector<std::string> UnlockFunctions; ///< release their first argument
  bool operator==(const LockConfig &O) const {
    return LockFunctions == O.LockFunctions && UnlockFunctions == O.UnlockFunctions;
  }
};

/// Effect of a translation unit function on locks and processes, computed
/// with nothing held on entry. Lock ids of locks named through parameters are
/// relative to the function ("held through parameter 0"); lockOpsOf() maps
/// them to the caller's arguments.
struct FunctionLockSummary {
  /// Held on every return path, not held on entry: the function acquires.
  std::vector<LockOp> NetAcquires;
  /// Released although not acquired in the function: the function releases.
  std::vector<LockOp> NetReleases;
  /// The function returns the result of a try-lock (a `trylock_segment()`).
  std::optional<LockOp> TryAcquire;
  /// A fork/pthread_create happened and was not followed by a wait.
  bool MayFork = false;
  /// The function waits for children (wait/waitpid/pthread_join).
  bool Joins = false;
  /// Lock state on each way out of the function (ReturnStmt, or nullptr for
  /// falling off the end), from an empty entry state.
  struct Exit {
    const Stmt *Return = nullptr;
    LockSet Must;
    LockSet May;
  };
  std::vector<Exit> Exits;
};

/// Which processes of the program may execute a statement, and which may
/// be running at the same time. Labels: bit 0 the process that runs main,
/// bit I (1..61) the children created by the I-th fork call of the
/// translation unit, AnyProcess for code entered from outside (not main, not
/// called here). Live: the labels of processes that may be alive meanwhile
/// (children not yet waited for, the parent of a child, earlier children of
/// a fork in a loop). Many: labels standing for several processes at once.
struct ProcessSet {
  static constexpr uint64_t MainProcess = 1;
  static constexpr uint64_t AnyProcess = uint64_t(1) << 62;
  uint64_t Labels = 0;
  uint64_t Live = 0;
  uint64_t Many = 0;

  /// Statements with these two sets may run in two processes at once.
  bool mayOverlap(const ProcessSet &Other) const;
  /// This statement may run in two processes at once.
  bool mayRunTwice() const;
};

/// Where a lock held on some paths only is missing.
struct MissingLock {
  unsigned Id = 0;
  /// A statement on a path that reaches the query point without the lock: the
  /// release, or the last statement of a branch that never took it.
  const Stmt *Where = nullptr;
  bool ReleasedThere = false;
  /// When the lock was skipped by a branch: that branch's condition
  /// (`if (++s->readers == 1) sem_wait(&s->rw)`).
  const Expr *Condition = nullptr;
};

class HeldLocks {
public:
  /// The analysis of Ctx's translation unit for Config, computed on first use
  /// and shared by every check that asks with the same configuration.
  static const HeldLocks &of(ASTContext &Ctx, const LockConfig &Config = {});

  HeldLocks(ASTContext &Ctx, const LockConfig &Config);
  ~HeldLocks();
  HeldLocks(const HeldLocks &) = delete;
  HeldLocks &operator=(const HeldLocks &) = delete;

  /// Interned lock identities.
  const LockId &lock(unsigned Id) const;

  /// Locks held on every path right before S is evaluated, with the callers'
  /// locks. nullptr when S is not inside an analysed function body (system
  /// headers, dependent templates, unreachable code).
  const LockSet *mustHoldAt(const Stmt *S) const;
  /// Locks held on at least one path right before S.
  const LockSet *mayHoldAt(const Stmt *S) const;

  /// S may run while another process (or thread) of the program uses shared
  /// memory: after a fork/pthread_create and not after waiting for the
  /// children; in a function whose callers are like that; anywhere in a
  /// translation unit that never creates processes (its partners are other
  /// programs). False for unreachable or unanalysed code.
  bool mayRunConcurrently(const Stmt *S) const;

  /// The processes that may execute S (see ProcessSet); empty for code not
  /// analysed. Meaningful in translation units that fork.
  ProcessSet processesAt(const Stmt *S) const;

  /// S may run more than once in a process: its CFG block lies on a cycle,
  /// or its function is called in a loop, from several places, or from
  /// outside the translation unit.
  bool mayRepeat(const Stmt *S) const;

  /// S is followed, on every path within the same loop iteration and before
  /// any acquire, by a semaphore release (sem_post, semop V, a V() wrapper),
  /// also when that release happens in every caller after the call: S
  /// publishes data to the process that waits for the semaphore.
  bool publishedBySemaphore(const Stmt *S) const;

  /// The semaphores (lock ids) whose release may publish S; empty when
  /// publishedBySemaphore(S) but the releasing semaphore is not known here
  /// (it is released by the callers).
  llvm::SmallVector<unsigned, 2> publishingSemaphores(const Stmt *S) const;

  /// For a query point where a lock is held on some paths but not all: one
  /// such lock and where it is missing.
  std::optional<MissingLock> whereMissing(const Stmt *S) const;

  /// Lock operations performed by a call expression or a guard
  /// construction/member call, in the caller's terms. Try-acquires are
  /// returned as such (the dataflow applies them on the success branch).
  llvm::SmallVector<LockOp, 2> lockOpsOf(const Stmt *Call) const;

  /// Summary of a translation unit function with a body (nullptr otherwise).
  const FunctionLockSummary *summaryOf(const FunctionDecl *FD) const;

  /// The functions analysed: every function, method, constructor and lambda
  /// with a body outside system headers (template instantiations included).
  llvm::ArrayRef<const FunctionDecl *> analysedFunctions() const;

  /// The statements of an analysed function in CFG order, reachable code
  /// only; each expression appears once, before its parent.
  llvm::ArrayRef<const Stmt *> statementsOf(const FunctionDecl *FD) const;

  /// Implementation state (declared in HeldLocks.cpp).
  struct State;

private:
  std::unique_ptr<State> S;
};

} // namespace clang::tidy::shm
