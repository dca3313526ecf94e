// Facts about a whole program that one translation unit cannot see: which
// functions of other files hand out shared memory, take or give back locks,
// fork; which globals and struct members hold shared memory; which functions
// run only before the program's first fork.
//
// They come from three places, merged into one ProjectFacts:
//   - the project index (ProjectIndex.h), built from one summary per
//     translation unit (UnitSummary) in whole-program mode;
//   - the library models shipped with shm-tidy (LibraryModels.h), e.g.
//     PostgreSQL's ShmemInitStruct or nginx's ngx_shmtx_lock;
//   - the SharedMemoryFunctions and TryLockFunctions check options.
//
// The driver installs them (ProjectFacts::install) before it forks the
// process that analyses a file; the analyses ask ProjectFacts::current().
// Everything is keyed by names that mean the same in every file: a function
// or global with external linkage by its qualified name, a struct member as
// "record.member", a file-local function as "file::name".
#pragma once

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace clang {
class Decl;
class FunctionDecl;
class NamedDecl;
} // namespace clang

namespace clang::tidy::shm {

/// A lock operation of a function, with the lock named in the function's own
/// terms: "{P:i}" stands for parameter i, "{g:name}" for a global; the rest
/// is LockIdentity's path syntax ("{P:0}^.lock" is `&param0->lock`).
struct PortableLockEffect {
  enum class Action { Acquire, Release, TryAcquire };
  Action Act = Action::Acquire;
  std::string Kind = "mutex"; ///< LockKind, spelled as in the models
  bool Shared = false;        ///< read lock
  std::string Key;
  std::string Display;
  /// For TryAcquire: 0 means success (pthread style); else true means success.
  bool SuccessIsZero = true;

  bool operator==(const PortableLockEffect &O) const {
    return Act == O.Act && Kind == O.Kind && Shared == O.Shared && Key == O.Key &&
           SuccessIsZero == O.SuccessIsZero;
  }
};

/// What is known about one function.
struct FunctionFacts {
  /// Returns a pointer into shared memory; the kind as shareKindName spells
  /// it ("System V", "POSIX", "anonymous shared", "memfd", or "library").
  std::optional<std::string> ReturnsShm;
  /// Returns a pointer derived from these parameters (bit i: parameter i),
  /// shared memory wherever it is called with shared memory.
  uint64_t ReturnsFromParams = 0;
  /// Stores a pointer into shared memory through these pointer parameters.
  std::vector<unsigned> OutParams;
  /// Some caller passes shared memory in these parameters.
  std::vector<unsigned> ParamsReceivingShm;
  std::vector<PortableLockEffect> Locks;
  /// Creates processes or threads (directly or through its callees).
  bool Forks = false;
  /// Waits for children (wait, waitpid, pthread_join).
  bool Joins = false;
  /// Whole-program answer: may run while other processes of the program run
  /// (entered after a fork, from an unknown caller, or through a pointer).
  /// Unset when not known (no index, or only models).
  std::optional<bool> EnteredConcurrently;
  /// From a library model or a check option: it wins over what the analysis
  /// finds in the function's own body (an inline `tas()` in assembly).
  bool Model = false;

  bool empty() const {
    return !ReturnsShm && !ReturnsFromParams && OutParams.empty() && ParamsReceivingShm.empty() && Locks.empty() &&
           !Forks && !Joins && !EnteredConcurrently;
  }
};

class ProjectFacts {
public:
  llvm::StringMap<FunctionFacts> Functions;
  /// Macros of library models whose expansion releases a lock by storing 0
  /// through their argument (PostgreSQL's S_UNLOCK); models only.
  llvm::StringMap<FunctionFacts> Macros;
  /// Globals and struct members ("record.member") holding shared memory,
  /// with the kind of memory.
  llvm::StringMap<std::string> SharedGlobals;
  llvm::StringMap<std::string> SharedFields;
  /// Struct members somewhere assigned a pointer that is not shared memory
  /// (nginx's ngx_str_t.data: a zone's name, and every other string). Such
  /// a member holds shared memory only where this file's own analysis says
  /// so; SharedFields does not make all of its reads shared.
  llvm::StringSet<> PrivateFields;
  /// Some file of the program creates processes or threads.
  bool ProgramSpawns = false;
  /// The facts cover the whole program (an index was built), so what is not
  /// said here does not happen.
  bool WholeProgram = false;

  /// The facts installed in this process, or nullptr.
  static const ProjectFacts *current();
  /// Replaces the facts of this process (the driver, before forking).
  static void install(ProjectFacts Facts);
  /// Adds names from a check option (SharedMemoryFunctions: returns shared
  /// memory; TryLockFunctions: "name" succeeds on non-zero, "name=0" on 0).
  static void addConfiguredNames(llvm::StringRef SharedMemoryFunctions, llvm::StringRef TryLockFunctions);

  const FunctionFacts *function(llvm::StringRef Name) const;
  /// The facts of FD (by its index name), or nullptr.
  const FunctionFacts *function(const FunctionDecl *FD) const;

  /// Adds Other's facts (union; a function's lock effects are kept from the
  /// first source that has any).
  void merge(const ProjectFacts &Other);

  llvm::json::Value toJSON() const;
  static llvm::Expected<ProjectFacts> fromJSON(const llvm::json::Value &V);
};

/// The name under which a declaration is known across files ("" when it has
/// none: locals, unnamed records).
std::string indexName(const NamedDecl *D);

/// "record.member" of a field, or "".
std::string fieldIndexName(const Decl *Field);

} // namespace clang::tidy::shm
