// Models of IPC libraries: what their functions do to shared memory, locks
// and processes, as readable data shipped with shm-tidy (one YAML file per
// library in share/shm-tidy/models/ next to the binary's directory).
//
//   library: nginx
//   functions:
//     ngx_slab_alloc:   { returns: shared }      # a pointer into shared memory
//     ngx_slab_calloc:  { returns-from: [0] }    # derived from argument 0
//     ngx_shm_alloc:    { fills: [0] }           # stores one through argument 0
//     ngx_shmtx_lock:   { acquires: 0 }          # the lock argument 0 points to
//     ngx_shmtx_unlock: { releases: 0 }
//     ngx_shmtx_trylock: { tries: 0, success: nonzero }
//     ngx_spawn_process: { forks: true }
//   macros:
//     S_UNLOCK: { releases: 0 }   # a store of 0 through argument 0 in it
//
// Optional per entry: `kind` (mutex, rwlock, spinlock, semaphore,
// file-lock; default mutex), `shared: true` (a read lock), `lock` (a key in
// ProjectFacts' portable syntax instead of "the object argument N points
// to", e.g. '{P:0}' for a lock passed by value or '{g:ProcArrayLock}');
// `acquires: this` names the object a method is called on.
#pragma once

#include "summary/ProjectFacts.h"

#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace clang::tidy::shm {

/// Parses one model file's text (Name is for messages).
llvm::Expected<ProjectFacts> parseLibraryModel(llvm::StringRef Text, llvm::StringRef Name);

/// Loads every *.yaml of Dir; problems are appended to Errors, one line each.
ProjectFacts loadLibraryModels(llvm::StringRef Dir, std::vector<std::string> &Errors);

} // namespace clang::tidy::shm
