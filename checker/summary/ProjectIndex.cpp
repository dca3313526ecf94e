#include "summary/ProjectIndex.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringMap.h"

namespace clang::tidy::shm {
namespace {

struct CallEdge {
  const CallGraphNode *Caller;
  unsigned CalleeIndex;
};

} // namespace

ProjectFacts mergeUnitSummaries(const std::vector<UnitSummary> &Units) {
  ProjectFacts Facts;
  Facts.WholeProgram = true;
  for (const UnitSummary &Unit : Units)
    Facts.merge(Unit.Facts);
  Facts.WholeProgram = true;

  // The call graph: nodes by name (a function defined in several units, such
  // as an inline function of a header, is one node with all their calls).
  llvm::StringMap<std::vector<const CallGraphNode *>> Nodes;
  llvm::StringMap<std::vector<CallEdge>> Callers;
  for (const UnitSummary &Unit : Units)
    for (const CallGraphNode &Node : Unit.Calls) {
      Nodes[Node.Name].push_back(&Node);
      for (unsigned I = 0; I < Node.Callees.size(); ++I)
        Callers[Node.Callees[I]].push_back({&Node, I});
    }

  // Forks: least fixpoint over "calls something that forks".
  llvm::StringMap<bool> Forks;
  Forks["<spawn>"] = true;
  for (const auto &Entry : Facts.Functions)
    if (Entry.getValue().Forks)
      Forks[Entry.getKey()] = true;
  for (const auto &Entry : Nodes)
    if (llvm::any_of(Entry.getValue(), [](const CallGraphNode *N) { return N->Forks; }))
      Forks[Entry.getKey()] = true;
  for (bool Changed = true; Changed;) {
    Changed = false;
    for (const auto &Entry : Nodes) {
      if (Forks.lookup(Entry.getKey()))
        continue;
      for (const CallGraphNode *Node : Entry.getValue()) {
        // A direct fork counts through the unit's own summary (Facts), which
        // knows whether the function waits for its children before returning.
        bool Spawns = llvm::any_of(Node->Callees, [&](const std::string &C) {
          return C != "<spawn>" && Forks.lookup(C);
        });
        if (Spawns) {
          Forks[Entry.getKey()] = true;
          Changed = true;
          break;
        }
      }
    }
  }

  // EnteredConcurrently: least fixpoint from the roots.
  llvm::StringMap<bool> Concurrent;
  for (const auto &Entry : Nodes) {
    bool IsMain = llvm::any_of(Entry.getValue(), [](const CallGraphNode *N) { return N->IsMain; });
    bool Escapes = llvm::any_of(Entry.getValue(), [](const CallGraphNode *N) { return N->Escapes; });
    bool Called = Callers.count(Entry.getKey()) > 0;
    Concurrent[Entry.getKey()] = !IsMain && (Escapes || !Called);
  }
  for (bool Changed = true; Changed;) {
    Changed = false;
    for (const auto &Entry : Nodes) {
      bool &Mine = Concurrent[Entry.getKey()];
      if (Mine)
        continue;
      for (const CallEdge &Edge : Callers.lookup(Entry.getKey())) {
        const std::vector<unsigned> &Before = Edge.Caller->PrecededBy[Edge.CalleeIndex];
        bool AfterFork = llvm::any_of(Before, [&](unsigned J) { return Forks.lookup(Edge.Caller->Callees[J]); });
        if (AfterFork || Concurrent.lookup(Edge.Caller->Name)) {
          Mine = true;
          Changed = true;
          break;
        }
      }
    }
  }

  for (const auto &Entry : Forks)
    if (Entry.getValue() && Entry.getKey() != "<spawn>")
      Facts.Functions[Entry.getKey()].Forks = true;
  if (Facts.ProgramSpawns)
    for (const auto &Entry : Concurrent)
      Facts.Functions[Entry.getKey()].EnteredConcurrently = Entry.getValue();
  return Facts;
}

} // namespace clang::tidy::shm
