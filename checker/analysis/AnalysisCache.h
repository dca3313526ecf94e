// One analysis object per translation unit, shared by every check that asks.
//
// clang-tidy runs all checks over one ASTContext at a time; the first check
// that asks computes the analysis, the others reuse it. The entry is dropped
// when the ASTContext is destroyed (ASTContext::AddDeallocation), so a later
// translation unit that happens to reuse the address never sees stale facts.
#pragma once

#include "clang/AST/ASTContext.h"

#include "llvm/ADT/STLExtras.h"

#include <memory>
#include <vector>

namespace clang::tidy::shm {

template <typename Analysis, typename Config> class AnalysisCache {
public:
  /// Make(Ctx, Cfg) builds the analysis when no entry matches.
  template <typename Factory>
  static const Analysis &get(ASTContext &Ctx, const Config &Cfg, Factory Make) {
    std::vector<Entry> &All = entries();
    bool ContextKnown = false;
    for (Entry &E : All) {
      if (E.Ctx != &Ctx)
        continue;
      ContextKnown = true;
      if (E.Cfg == Cfg)
        return *E.Result;
    }
    if (!ContextKnown)
      Ctx.AddDeallocation(&forget, &Ctx);
    All.push_back(Entry{&Ctx, Cfg, Make(Ctx, Cfg)});
    return *All.back().Result;
  }

private:
  struct Entry {
    const ASTContext *Ctx;
    Config Cfg;
    std::unique_ptr<Analysis> Result;
  };

  static std::vector<Entry> &entries() {
    static std::vector<Entry> All;
    return All;
  }

  static void forget(void *Ctx) {
    std::vector<Entry> &All = entries();
    llvm::erase_if(All, [Ctx](const Entry &E) { return E.Ctx == Ctx; });
  }
};

} // namespace clang::tidy::shm
