// shm-shmat-result: the result of shmat() (and of mmap() of a shared object)
// is tested for failure the wrong way, or not at all.
#pragma once

#include "clang-tidy/ClangTidyCheck.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallVector.h"

#include <optional>
#include <string>
#include <vector>

namespace clang::tidy::shm {

/// Finds attach results compared with NULL (shmat returns (void *)-1, mmap
/// returns MAP_FAILED) and results used on a path where they were never
/// compared with the failure value. Helpers of the translation unit that
/// return an unchecked attach result count as attach calls themselves, and
/// globals or fields a function fills with one are followed into its callers.
///
/// Per function, a forward "may be unchecked" dataflow over the CFG
/// (UncheckedAttachFlow.h); across functions, summaries learnt until nothing
/// changes.
class ShmatResultCheck : public ClangTidyCheck {
public:
  ShmatResultCheck(StringRef Name, ClangTidyContext *TidyContext);
  void storeOptions(ClangTidyOptions::OptionMap &Opts) override;
  void registerMatchers(ast_matchers::MatchFinder *Finder) override;
  void check(const ast_matchers::MatchFinder::MatchResult &Result) override;
  void onEndOfTranslationUnit() override;

  /// Which failure value an attach result has to be compared with.
  enum class SourceKind { Shmat, Mmap };

  /// A function of the translation unit that returns an attach result without
  /// having compared it with the failure value.
  struct UncheckedReturner {
    SourceKind Kind;
    std::string Underlying; // "shmat" or "mmap"
    const Stmt *Return;     // where the unchecked value leaves the function
  };

  /// The function that produced a value, as seen by the analysis.
  struct Origin {
    const Expr *Call = nullptr; // the call expression producing the value
    SourceKind Kind = SourceKind::Shmat;
    std::string Callee;         // name of the called function
    const FunctionDecl *Helper = nullptr; // set when Callee is a helper
  };

  /// What the analysis of one function found (UncheckedAttachFlow.h).
  struct Findings;

  // Public so that the per-function analysis can ask them.
  /// Call is shmat, mmap of a shared mapping, or an unchecked-result helper.
  std::optional<Origin> classifyCall(const CallExpr *Call) const;
  /// Callee compares its parameter Index with -1 (`die_if_failed(p)`).
  bool calleeComparesParam(const FunctionDecl *Callee, unsigned Index);
  /// A function that stores an attach result in a global or a field
  /// without ever checking it.
  struct HolderStore {
    const Expr *Source;         // the attach call
    const FunctionDecl *Writer; // the function storing it (canonical)
  };
  const HolderStore *uncheckedHolder(const ValueDecl *Holder) const {
    auto It = UncheckedHolders.find(Holder);
    return It == UncheckedHolders.end() ? nullptr : &It->second;
  }

private:
  bool analyze(const FunctionDecl *FD, Findings &Found);
  /// Records the helpers, globals and fields that carry unchecked results.
  void learn(const FunctionDecl *FD, const Findings &Found);
  void report(const FunctionDecl *FD, const Findings &Found);
  bool mentionsSource(const FunctionDecl *FD) const;

  const bool CheckMmap;
  const bool CheckUncheckedUse;

  ASTContext *Ctx = nullptr;
  std::vector<const FunctionDecl *> Functions;
  llvm::DenseMap<const FunctionDecl *, UncheckedReturner> Returners;
  llvm::DenseMap<const FunctionDecl *, llvm::SmallVector<bool, 4>>
      ParamCompareCache;
  llvm::DenseMap<const ValueDecl *, HolderStore> UncheckedHolders;
};

} // namespace clang::tidy::shm
