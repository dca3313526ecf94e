// The summary of one translation unit, written by the first pass of
// whole-program mode and merged into the project index (ProjectIndex.h).
//
// It holds the unit's own facts (ProjectFacts: what its functions with
// external linkage, its globals and its struct members do with shared
// memory and locks) and its part of the program's call graph, from which
// the merge decides which functions only run before the first fork.
#pragma once

#include "summary/ProjectFacts.h"

#include "clang/AST/ASTContext.h"

#include <string>
#include <utility>
#include <vector>

namespace clang::tidy::shm {

/// One function with a body, as a node of the program's call graph.
struct CallGraphNode {
  std::string Name; ///< index name
  bool IsMain = false;
  /// Its address is taken: it may be called from anywhere, at any time.
  bool Escapes = false;
  /// May return with children or threads it started still running (its own
  /// unit's lock summary, which sees waits; other files' callees excluded).
  bool Forks = false;
  /// Distinct functions it calls (index names).
  std::vector<std::string> Callees;
  /// For each callee: the callees (indices into Callees) whose call may run
  /// before one of its calls, in the same activation of this function.
  std::vector<std::vector<unsigned>> PrecededBy;
};

struct UnitSummary {
  /// The source file, the key it was made for (content and flags), and the
  /// files it read (path, content hash) for checking it is still current.
  std::string File;
  std::string Key;
  std::vector<std::pair<std::string, std::string>> Dependencies;
  ProjectFacts Facts;
  std::vector<CallGraphNode> Calls;

  llvm::json::Value toJSON() const;
  static llvm::Expected<UnitSummary> fromJSON(const llvm::json::Value &V);
};

/// Summarises the translation unit of Ctx (File, Key and Dependencies are
/// left to the caller).
UnitSummary summariseUnit(ASTContext &Ctx);

} // namespace clang::tidy::shm
