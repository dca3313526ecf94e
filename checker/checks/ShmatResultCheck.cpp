#include "ShmatResultCheck.h"

#include "BoolOption.h"
#include "SourceText.h"
#include "analysis/CalleeName.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/ParentMap.h"
#include "clang/ASTMatchers/ASTMatchFinder.h"
#include "clang/Analysis/CFG.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/PostOrderIterator.h"
#include "llvm/ADT/StringSwitch.h"

#include <map>

using namespace clang::ast_matchers;

namespace clang::tidy::shm {

// Everything the analysis of one function wants to tell the check.
struct ShmatResultCheck::Findings {
  struct NullTest {
    const Expr *Test;   // the comparison, `!p`, or the bare `p` tested
    const Expr *Tested; // the attach result as written
    const Expr *Null;   // the NULL operand of a comparison, else nullptr
    bool Negated;       // `!p`: failure branch is the true branch
    const Expr *Origin;
  };
  struct Use {
    const Expr *Pointer;
    const Expr *Origin;
  };
  struct Return {
    const ReturnStmt *Stmt;
    const Expr *Origin;
  };
  std::vector<NullTest> NullTests;
  std::vector<Use> Uses;
  std::vector<Return> Returns;
  /// Globals and fields given an attach result, and the attach call.
  std::vector<std::pair<const ValueDecl *, const Expr *>> Stores;
  /// Attach calls whose result the function compared with something.
  llvm::DenseSet<const Expr *> Checked;
};

namespace {

using Origin = ShmatResultCheck::Origin;
using SourceKind = ShmatResultCheck::SourceKind;

// A (void *)-1 or MAP_FAILED bit pattern: -1 in any integer width, with or
// without casts around it.
bool isFailureValue(const Expr *E, const ASTContext &Ctx) {
  E = E->IgnoreParenCasts();
  if (E->isValueDependent() || E->isTypeDependent())
    return false;
  Expr::EvalResult R;
  if (E->getType()->isIntegralOrEnumerationType() && E->EvaluateAsInt(R, Ctx))
    return R.Val.getInt().isAllOnes();
  if (E->getType()->isPointerType() && E->EvaluateAsRValue(R, Ctx) &&
      R.Val.isLValue() && !R.Val.getLValueBase())
    return R.Val.getLValueOffset().getQuantity() == -1;
  return false;
}

bool isNullValue(const Expr *E, const ASTContext &Ctx) {
  if (E->isValueDependent() || E->isTypeDependent())
    return false;
  if (E->isNullPointerConstant(const_cast<ASTContext &>(Ctx),
                               Expr::NPC_ValueDependentIsNotNull) !=
      Expr::NPCK_NotNull)
    return true;
  const Expr *Bare = E->IgnoreParenCasts();
  Expr::EvalResult R;
  return Bare->getType()->isIntegralOrEnumerationType() &&
         Bare->EvaluateAsInt(R, Ctx) && R.Val.getInt().isZero();
}

// Stable name of a storage location the analysis follows: a variable, a
// member of a followed location, or a member of `this`.
std::optional<std::string> locationKey(const Expr *E) {
  E = E->IgnoreParenCasts();
  if (const auto *DRE = dyn_cast<DeclRefExpr>(E)) {
    if (const auto *VD = dyn_cast<VarDecl>(DRE->getDecl()))
      return "v" + std::to_string(reinterpret_cast<uintptr_t>(
                       VD->getCanonicalDecl()));
    return std::nullopt;
  }
  if (isa<CXXThisExpr>(E))
    return std::string("this");
  if (const auto *ME = dyn_cast<MemberExpr>(E)) {
    std::optional<std::string> Base = locationKey(ME->getBase());
    if (!Base)
      return std::nullopt;
    return *Base + (ME->isArrow() ? ">" : ".") +
           std::to_string(reinterpret_cast<uintptr_t>(ME->getMemberDecl()));
  }
  return std::nullopt;
}

// Conversion letters of a printf format, one per argument consumed
// (`*` widths and precisions consume an int: '*').
std::vector<char> formatConversions(StringRef Format) {
  std::vector<char> Conversions;
  for (size_t I = 0; I < Format.size(); ++I) {
    if (Format[I] != '%')
      continue;
    ++I;
    if (I < Format.size() && Format[I] == '%')
      continue;
    while (I < Format.size() && StringRef("-+ #0'123456789.*hlLqjztI$").contains(Format[I])) {
      if (Format[I] == '*')
        Conversions.push_back('*');
      ++I;
    }
    if (I < Format.size())
      Conversions.push_back(Format[I]);
  }
  return Conversions;
}

// Passing the failure value to these calls does no harm: shmdt/munmap fail
// cleanly, and printf-like calls only print it with %p.
bool ignoresPointerArgument(const CallExpr *Call, StringRef Callee,
                            unsigned Index) {
  if (Callee == "shmdt" || Callee == "munmap")
    return true;
  unsigned FormatIndex = llvm::StringSwitch<unsigned>(Callee)
                             .Cases("printf", "warn", "warnx", 0)
                             .Cases("fprintf", "dprintf", "syslog", 1)
                             .Cases("err", "errx", 1)
                             .Default(~0U);
  if (FormatIndex == ~0U || Index <= FormatIndex ||
      FormatIndex >= Call->getNumArgs())
    return false;
  const auto *Format = dyn_cast<StringLiteral>(
      Call->getArg(FormatIndex)->IgnoreParenImpCasts());
  if (!Format || Format->getCharByteWidth() != 1)
    return false;
  std::vector<char> Conversions = formatConversions(Format->getString());
  unsigned Position = Index - FormatIndex - 1;
  return Position < Conversions.size() && Conversions[Position] == 'p';
}

StringRef failureText(SourceKind Kind) {
  return Kind == SourceKind::Shmat ? "(void *)-1" : "MAP_FAILED";
}

using Findings = ShmatResultCheck::Findings;

// Forward "may be unchecked" dataflow over one function's CFG: which
// locations may hold an attach result that no path has compared with the
// failure value yet. A comparison with the failure value (or with NULL, which
// is reported separately) checks every alias of that result.
class UncheckedResultFlow {
public:
  // Location key -> the attach call whose unchecked result it may hold.
  using State = std::map<std::string, const Expr *>;

  UncheckedResultFlow(ShmatResultCheck &Owner, const FunctionDecl &FD,
                      ASTContext &Context)
      : Check(Owner), Ctx(Context), Parents(FD.getBody()) {
    llvm::SmallVector<const Stmt *, 64> Work{FD.getBody()};
    while (!Work.empty()) {
      const Stmt *St = Work.pop_back_val();
      if (!St)
        continue;
      if (const auto *BO = dyn_cast<BinaryOperator>(St);
          BO && BO->isAssignmentOp())
        if (const ValueDecl *Holder = sharedHolder(BO->getLHS()))
          AssignedHere.insert(Holder);
      if (const auto *Call = dyn_cast<CallExpr>(St))
        Calls.push_back(Call);
      for (const Stmt *Child : St->children())
        Work.push_back(Child);
    }
  }

  void run(const CFG &Graph, Findings &Found) {
    llvm::DenseMap<const CFGBlock *, State> Entry;
    llvm::ReversePostOrderTraversal<const CFG *> Order(&Graph);
    Entry[&Graph.getEntry()] = State();
    // Union of finitely many keys and origins: converges; the bound only
    // protects against pathological graphs.
    bool Changed = true;
    for (unsigned Round = 0; Changed && Round < 32; ++Round) {
      Changed = false;
      for (const CFGBlock *Block : Order) {
        auto It = Entry.find(Block);
        if (It == Entry.end())
          continue;
        State Out = It->second;
        transferBlock(*Block, Out, nullptr);
        for (const CFGBlock *Succ : Block->succs()) {
          if (!Succ)
            continue;
          auto [SuccIt, Inserted] = Entry.try_emplace(Succ, Out);
          if (Inserted) {
            Changed = true;
            continue;
          }
          for (const auto &[Key, Src] : Out)
            Changed |= SuccIt->second.insert({Key, Src}).second;
        }
      }
    }
    for (const CFGBlock *Block : Order) {
      auto It = Entry.find(Block);
      if (It == Entry.end())
        continue;
      State S = It->second;
      transferBlock(*Block, S, &Found);
    }
  }

private:
  void transferBlock(const CFGBlock &Block, State &S, Findings *Out) {
    for (const CFGElement &Element : Block)
      if (std::optional<CFGStmt> CS = Element.getAs<CFGStmt>())
        transfer(CS->getStmt(), S, Out);
  }

  // The attach call whose unchecked result E may be, or nullptr.
  const Expr *originOf(const Expr *E, const State &S) const {
    E = E->IgnoreParenCasts();
    if (const auto *Call = dyn_cast<CallExpr>(E))
      return Check.classifyCall(Call) ? Call : nullptr;
    if (std::optional<std::string> Key = locationKey(E)) {
      auto It = S.find(*Key);
      return It == S.end() ? nullptr : It->second;
    }
    if (const auto *BO = dyn_cast<BinaryOperator>(E)) {
      if (BO->getOpcode() == BO_Assign || BO->getOpcode() == BO_Comma)
        return originOf(BO->getOpcode() == BO_Assign ? BO->getLHS()
                                                     : BO->getRHS(),
                        S);
      if (BO->isAdditiveOp()) {
        if (BO->getLHS()->getType()->isPointerType())
          return originOf(BO->getLHS(), S);
        if (BO->getRHS()->getType()->isPointerType())
          return originOf(BO->getRHS(), S);
      }
      return nullptr;
    }
    if (const auto *CO = dyn_cast<ConditionalOperator>(E)) {
      if (const Expr *O = originOf(CO->getTrueExpr(), S))
        return O;
      return originOf(CO->getFalseExpr(), S);
    }
    return nullptr;
  }

  void markChecked(const Expr *Source, State &S, Findings *Out) {
    if (Out)
      Out->Checked.insert(Source);
    for (auto It = S.begin(); It != S.end();)
      It = It->second == Source ? S.erase(It) : std::next(It);
  }

  void assign(const std::string &Key, const Expr *Value, State &S) {
    // Writing a whole struct replaces what its members held.
    for (auto It = S.lower_bound(Key); It != S.end() &&
                                       StringRef(It->first).starts_with(Key);)
      It = S.erase(It);
    if (const Expr *O = Value ? originOf(Value, S) : nullptr)
      S[Key] = O;
  }

  void transfer(const Stmt *St, State &S, Findings *Out) {
    if (const auto *DS = dyn_cast<DeclStmt>(St)) {
      for (const Decl *D : DS->decls())
        if (const auto *VD = dyn_cast<VarDecl>(D))
          if (const Expr *Init = VD->getInit())
            if (VD->getType()->isPointerType() ||
                VD->getType()->isIntegerType())
              assign("v" + std::to_string(reinterpret_cast<uintptr_t>(
                               VD->getCanonicalDecl())),
                     Init, S);
      return;
    }
    if (const auto *BO = dyn_cast<BinaryOperator>(St)) {
      if (BO->getOpcode() == BO_Assign) {
        if (std::optional<std::string> Key = locationKey(BO->getLHS())) {
          assign(*Key, BO->getRHS(), S);
          if (const ValueDecl *Holder = sharedHolder(BO->getLHS()); Holder && Out)
            if (const Expr *O = originOf(BO->getRHS(), S))
              Out->Stores.push_back({Holder, O});
        }
      } else if (BO->isEqualityOp() || BO->isRelationalOp()) {
        comparison(BO, S, Out);
      }
      return;
    }
    if (const auto *UO = dyn_cast<UnaryOperator>(St)) {
      if (UO->getOpcode() == UO_Deref)
        use(UO->getSubExpr(), S, Out);
      return;
    }
    if (const auto *ME = dyn_cast<MemberExpr>(St)) {
      if (ME->isArrow())
        use(ME->getBase(), S, Out);
      return;
    }
    if (const auto *AS = dyn_cast<ArraySubscriptExpr>(St)) {
      if (AS->getBase()->getType()->isPointerType())
        use(AS->getBase(), S, Out);
      return;
    }
    if (const auto *RS = dyn_cast<ReturnStmt>(St)) {
      if (const Expr *Value = RS->getRetValue())
        if (const Expr *O = originOf(Value, S); O && Out)
          Out->Returns.push_back({RS, O});
      return;
    }
    if (const auto *Call = dyn_cast<CallExpr>(St)) {
      callArguments(Call, S, Out);
      truthTest(Call, S, Out);
      return;
    }
    if (const auto *Cast = dyn_cast<ImplicitCastExpr>(St)) {
      if (Cast->getCastKind() == CK_LValueToRValue &&
          Cast->getType()->isPointerType())
        truthTest(Cast, S, Out);
      return;
    }
  }

  void callArguments(const CallExpr *Call, State &S, Findings *Out) {
    const FunctionDecl *Callee = Call->getDirectCallee();
    StringRef Name = cFunctionName(Call);
    for (unsigned I = 0, N = Call->getNumArgs(); I < N; ++I) {
      const Expr *Arg = Call->getArg(I);
      if (!Arg->IgnoreParenCasts()->getType()->isPointerType())
        continue;
      const Expr *O = originOf(Arg, S);
      if (!O)
        continue;
      if (Callee && Check.calleeComparesParam(Callee, I)) {
        markChecked(O, S, Out);
        continue;
      }
      if (ignoresPointerArgument(Call, Name, I))
        continue;
      if (Out)
        Out->Uses.push_back({Arg, O});
    }
  }

  void use(const Expr *Pointer, State &S, Findings *Out) {
    if (const Expr *O = originOf(Pointer, S); O && Out)
      Out->Uses.push_back({Pointer, O});
  }

  // Whether a comparison of the same location with the failure value sits in
  // the same condition (`p == NULL || p == (void *)-1`).
  bool conditionAlsoTestsFailure(const Expr *Cond, const std::string &Key) {
    Cond = Cond->IgnoreParenImpCasts();
    if (const auto *UO = dyn_cast<UnaryOperator>(Cond))
      return UO->getOpcode() == UO_LNot &&
             conditionAlsoTestsFailure(UO->getSubExpr(), Key);
    const auto *BO = dyn_cast<BinaryOperator>(Cond);
    if (!BO)
      return false;
    if (BO->isLogicalOp())
      return conditionAlsoTestsFailure(BO->getLHS(), Key) ||
             conditionAlsoTestsFailure(BO->getRHS(), Key);
    if (!BO->isEqualityOp() && !BO->isRelationalOp())
      return false;
    for (auto [Side, Other] : {std::pair(BO->getLHS(), BO->getRHS()),
                               std::pair(BO->getRHS(), BO->getLHS())}) {
      std::optional<std::string> SideKey =
          locationKey(Side->IgnoreParenCasts());
      if (!SideKey) {
        const auto *Assign =
            dyn_cast<BinaryOperator>(Side->IgnoreParenCasts());
        if (Assign && Assign->getOpcode() == BO_Assign)
          SideKey = locationKey(Assign->getLHS());
      }
      if (SideKey && *SideKey == Key && isFailureValue(Other, Ctx))
        return true;
    }
    return false;
  }

  const Expr *outermostCondition(const Expr *E) {
    const Expr *Top = E;
    while (const Stmt *P = Parents.getParent(Top)) {
      const auto *PE = dyn_cast<Expr>(P);
      if (!PE)
        break;
      if (isa<ParenExpr>(PE) || isa<ImplicitCastExpr>(PE)) {
        Top = PE;
        continue;
      }
      if (const auto *UO = dyn_cast<UnaryOperator>(PE);
          UO && UO->getOpcode() == UO_LNot) {
        Top = PE;
        continue;
      }
      if (const auto *BO = dyn_cast<BinaryOperator>(PE);
          BO && BO->isLogicalOp()) {
        Top = PE;
        continue;
      }
      break;
    }
    return Top;
  }

  std::string keyOfTested(const Expr *Tested) {
    const Expr *Bare = Tested->IgnoreParenCasts();
    if (const auto *Assign = dyn_cast<BinaryOperator>(Bare);
        Assign && Assign->getOpcode() == BO_Assign)
      Bare = Assign->getLHS();
    return locationKey(Bare).value_or("");
  }

  void nullTest(const Expr *Test, const Expr *Tested, const Expr *Null,
                bool Negated, const Expr *O, State &S, Findings *Out) {
    markChecked(O, S, Out);
    std::string Key = keyOfTested(Tested);
    if (!Key.empty() &&
        conditionAlsoTestsFailure(outermostCondition(Test), Key))
      return;
    if (Out)
      Out->NullTests.push_back({Test, Tested, Null, Negated, O});
  }

  void comparison(const BinaryOperator *BO, State &S, Findings *Out) {
    for (auto [Side, Other] : {std::pair(BO->getLHS(), BO->getRHS()),
                               std::pair(BO->getRHS(), BO->getLHS())}) {
      if (!Side->IgnoreParenCasts()->getType()->isPointerType() &&
          !Side->IgnoreParenCasts()->getType()->isIntegerType())
        continue;
      const Expr *O = originOf(Side, S);
      if (!O)
        continue;
      if (isFailureValue(Other, Ctx)) {
        markChecked(O, S, Out);
        return;
      }
      if (BO->isEqualityOp() && isNullValue(Other, Ctx)) {
        nullTest(BO, Side, Other, BO->getOpcode() == BO_EQ, O, S, Out);
        return;
      }
      if (BO->isRelationalOp() && integerConstant(Other, Ctx)) {
        markChecked(O, S, Out); // `(long)p < 0` catches -1 too
        return;
      }
    }
    // A global or field filled with an unchecked result elsewhere.
    if (!BO->isEqualityOp())
      return;
    for (auto [Side, Other] : {std::pair(BO->getLHS(), BO->getRHS()),
                               std::pair(BO->getRHS(), BO->getLHS())})
      if (const Expr *O = heldElsewhere(Side); O && isNullValue(Other, Ctx)) {
        nullTest(BO, Side, Other, BO->getOpcode() == BO_EQ, O, S, Out);
        return;
      }
  }

  // `if (p)`, `!p`, `p && ...`, `p ? a : b` on an attach result: a test
  // against NULL.
  void truthTest(const Expr *Value, State &S, Findings *Out) {
    const Expr *O = originOf(Value, S);
    if (!O)
      O = heldElsewhere(Value);
    if (!O)
      return;
    const Expr *Child = Value;
    const Stmt *P = Parents.getParent(Child);
    while (P && (isa<ParenExpr>(P) || isa<ImplicitCastExpr>(P))) {
      Child = cast<Expr>(P);
      P = Parents.getParent(P);
    }
    if (!P)
      return;
    if (const auto *UO = dyn_cast<UnaryOperator>(P);
        UO && UO->getOpcode() == UO_LNot) {
      nullTest(UO, UO->getSubExpr(), nullptr, true, O, S, Out);
      return;
    }
    bool IsCondition = false;
    if (const auto *BO = dyn_cast<BinaryOperator>(P))
      IsCondition = BO->isLogicalOp();
    else if (const auto *If = dyn_cast<IfStmt>(P))
      IsCondition = If->getCond() == Child;
    else if (const auto *While = dyn_cast<WhileStmt>(P))
      IsCondition = While->getCond() == Child;
    else if (const auto *Do = dyn_cast<DoStmt>(P))
      IsCondition = Do->getCond() == Child;
    else if (const auto *For = dyn_cast<ForStmt>(P))
      IsCondition = For->getCond() == Child;
    else if (const auto *CO = dyn_cast<ConditionalOperator>(P))
      IsCondition = CO->getCond() == Child;
    if (IsCondition)
      nullTest(Child, Child, nullptr, false, O, S, Out);
  }

  // A global variable or a field: storage other functions can see.
  static const ValueDecl *sharedHolder(const Expr *LValue) {
    LValue = LValue->IgnoreParenCasts();
    if (const auto *Ref = dyn_cast<DeclRefExpr>(LValue)) {
      const auto *Var = dyn_cast<VarDecl>(Ref->getDecl());
      return Var && Var->hasGlobalStorage() && !Var->isStaticLocal()
                 ? Var->getCanonicalDecl()
                 : nullptr;
    }
    if (const auto *Member = dyn_cast<MemberExpr>(LValue))
      return dyn_cast<FieldDecl>(Member->getMemberDecl());
    return nullptr;
  }

  // The attach call whose unchecked result another function stored in the
  // global or field E reads, when this function never writes it itself.
  // Only right after calling the function that stored it
  // (`attach(); if (g_seg == NULL)`), not in lazy initialisation
  // (`if (!g_seg) attach();`), where NULL means "not attached yet".
  const Expr *heldElsewhere(const Expr *E) const {
    const ValueDecl *Holder = sharedHolder(E);
    if (!Holder || AssignedHere.count(Holder))
      return nullptr;
    const ShmatResultCheck::HolderStore *Store = Check.uncheckedHolder(Holder);
    if (!Store)
      return nullptr;
    const SourceManager &SM = Ctx.getSourceManager();
    for (const CallExpr *Call : Calls)
      if (const FunctionDecl *Callee = Call->getDirectCallee();
          Callee && Callee->getCanonicalDecl() == Store->Writer &&
          SM.isBeforeInTranslationUnit(Call->getEndLoc(), E->getBeginLoc()))
        return Store->Source;
    return nullptr;
  }

  ShmatResultCheck &Check;
  ASTContext &Ctx;
  ParentMap Parents;
  llvm::DenseSet<const ValueDecl *> AssignedHere;
  std::vector<const CallExpr *> Calls;
};

// `!p` becomes `p == X`; parentheses are needed only where the result is an
// operand of something binding tighter than `==`.
bool needsParentheses(const Expr *Replaced, const ParentMap &Parents) {
  const Stmt *P = Parents.getParent(Replaced);
  while (P && isa<ImplicitCastExpr>(P))
    P = Parents.getParent(P);
  if (!P || !isa<Expr>(P) || isa<ParenExpr>(P) ||
      isa<ConditionalOperator>(P) || isa<CallExpr>(P) || isa<InitListExpr>(P))
    return false;
  if (const auto *BO = dyn_cast<BinaryOperator>(P))
    return BO->getOpcode() <= BO_NE;
  return true;
}

// `p == NULL` -> `p == X`, `!p` -> `p == X`, `if (p)` -> `if (p != X)`.
std::optional<FixItHint> nullTestFix(const Findings::NullTest &T,
                                     StringRef Failure,
                                     const ParentMap &Parents,
                                     const SourceManager &SM,
                                     const LangOptions &LO) {
  if (T.Null) {
    CharSourceRange Range = fileRange(T.Null, SM, LO);
    if (Range.isInvalid())
      return std::nullopt;
    return FixItHint::CreateReplacement(Range, Failure);
  }
  StringRef Tested = spelledText(T.Tested, SM, LO);
  CharSourceRange Range = fileRange(T.Test, SM, LO);
  if (Tested.empty() || Range.isInvalid())
    return std::nullopt;
  std::string Text =
      (Tested + (T.Negated ? " == " : " != ") + Failure).str();
  if (T.Negated && needsParentheses(T.Test, Parents))
    Text = "(" + Text + ")";
  return FixItHint::CreateReplacement(Range, Text);
}

bool isSharedMmapFlags(const Expr *Flags, const ASTContext &Ctx) {
  std::optional<int64_t> Value = integerConstant(Flags, Ctx);
  // Unknown flags: assume the common shared case. MAP_SHARED (1) and
  // MAP_SHARED_VALIDATE (3) both carry bit 0.
  return !Value || (*Value & 1) != 0;
}

} // namespace

ShmatResultCheck::ShmatResultCheck(StringRef Name, ClangTidyContext *TidyContext)
    : ClangTidyCheck(Name, TidyContext), CheckMmap(parseBoolOption(Options.get("CheckMmap", "true"), true)),
      CheckUncheckedUse(parseBoolOption(Options.get("CheckUncheckedUse", "true"), true)) {}

void ShmatResultCheck::storeOptions(ClangTidyOptions::OptionMap &Opts) {
  Options.store(Opts, "CheckMmap", boolOptionText(CheckMmap));
  Options.store(Opts, "CheckUncheckedUse", boolOptionText(CheckUncheckedUse));
}

void ShmatResultCheck::registerMatchers(MatchFinder *Finder) {
  Finder->addMatcher(functionDecl(isDefinition(), unless(isImplicit()))
                         .bind("function"),
                     this);
}

void ShmatResultCheck::check(const MatchFinder::MatchResult &Result) {
  Ctx = Result.Context;
  const auto *FD = Result.Nodes.getNodeAs<FunctionDecl>("function");
  if (FD && FD->hasBody() && !FD->isDependentContext() &&
      !Result.SourceManager->isInSystemHeader(FD->getLocation()))
    Functions.push_back(FD);
}

std::optional<ShmatResultCheck::Origin>
ShmatResultCheck::classifyCall(const CallExpr *Call) const {
  const FunctionDecl *FD = Call->getDirectCallee();
  if (!FD)
    return std::nullopt;
  StringRef Name = cFunctionName(Call);
  if (Name == "shmat")
    return Origin{Call, SourceKind::Shmat, Name.str(), nullptr};
  if (CheckMmap && (Name == "mmap" || Name == "mmap64") &&
      Call->getNumArgs() >= 4 &&
      isSharedMmapFlags(Call->getArg(3), *Ctx))
    return Origin{Call, SourceKind::Mmap, Name.str(), nullptr};
  auto It = Returners.find(FD->getCanonicalDecl());
  if (It != Returners.end())
    return Origin{Call, It->second.Kind, FD->getNameAsString(), FD};
  return std::nullopt;
}

bool ShmatResultCheck::calleeComparesParam(const FunctionDecl *Callee,
                                           unsigned Index) {
  const FunctionDecl *Def = Callee->getDefinition();
  if (!Def || !Def->hasBody() || Index >= Def->getNumParams())
    return false;
  auto [It, Inserted] = ParamCompareCache.try_emplace(Def);
  if (Inserted) {
    It->second.assign(Def->getNumParams(), false);
    llvm::SmallVector<const Stmt *, 64> Work{Def->getBody()};
    while (!Work.empty()) {
      const Stmt *S = Work.pop_back_val();
      if (!S)
        continue;
      for (const Stmt *Child : S->children())
        Work.push_back(Child);
      const auto *BO = dyn_cast<BinaryOperator>(S);
      if (!BO || !BO->isEqualityOp())
        continue;
      for (auto [Side, Other] : {std::pair(BO->getLHS(), BO->getRHS()),
                                 std::pair(BO->getRHS(), BO->getLHS())}) {
        const auto *Ref = dyn_cast<DeclRefExpr>(Side->IgnoreParenCasts());
        const auto *Param =
            Ref ? dyn_cast<ParmVarDecl>(Ref->getDecl()) : nullptr;
        if (Param && isFailureValue(Other, *Ctx) &&
            Param->getFunctionScopeIndex() < It->second.size())
          It->second[Param->getFunctionScopeIndex()] = true;
      }
    }
  }
  auto Found = ParamCompareCache.find(Def);
  return Found->second[Index];
}

bool ShmatResultCheck::mentionsSource(const FunctionDecl *FD) const {
  llvm::SmallVector<const Stmt *, 64> Work{FD->getBody()};
  while (!Work.empty()) {
    const Stmt *S = Work.pop_back_val();
    if (!S)
      continue;
    if (const auto *Call = dyn_cast<CallExpr>(S))
      if (const FunctionDecl *Callee = Call->getDirectCallee()) {
        StringRef Name = cFunctionName(Call);
        if (Name == "shmat" || Name == "mmap" || Name == "mmap64" ||
            Returners.count(Callee->getCanonicalDecl()))
          return true;
      }
    if (const auto *Ref = dyn_cast<DeclRefExpr>(S))
      if (const auto *Var = dyn_cast<VarDecl>(Ref->getDecl());
          Var && UncheckedHolders.count(Var->getCanonicalDecl()))
        return true;
    if (const auto *Member = dyn_cast<MemberExpr>(S))
      if (UncheckedHolders.count(Member->getMemberDecl()))
        return true;
    for (const Stmt *Child : S->children())
      Work.push_back(Child);
  }
  return false;
}

bool ShmatResultCheck::analyze(const FunctionDecl *FD, Findings &Found) {
  CFG::BuildOptions Opts;
  Opts.setAllAlwaysAdd();
  std::unique_ptr<CFG> Graph =
      CFG::buildCFG(FD, FD->getBody(), Ctx, Opts);
  if (!Graph)
    return false;
  UncheckedResultFlow(*this, *FD, *Ctx).run(*Graph, Found);
  return true;
}

void ShmatResultCheck::learn(const FunctionDecl *FD, const Findings &Found) {
  for (const auto &[Holder, Source] : Found.Stores)
    if (!Found.Checked.count(Source))
      UncheckedHolders.try_emplace(
          Holder, HolderStore{Source, FD->getCanonicalDecl()});
  for (const Findings::Return &R : Found.Returns) {
    std::optional<Origin> O = classifyCall(cast<CallExpr>(R.Origin));
    if (!O)
      continue;
    std::string Underlying =
        O->Helper ? Returners.find(O->Helper->getCanonicalDecl())
                        ->second.Underlying
                  : O->Callee;
    Returners.try_emplace(FD->getCanonicalDecl(),
                          UncheckedReturner{O->Kind, Underlying, R.Stmt});
    break;
  }
}

void ShmatResultCheck::report(const FunctionDecl *FD, const Findings &Found) {
  const SourceManager &SM = Ctx->getSourceManager();
  const LangOptions &LO = getLangOpts();
  ParentMap Parents(FD->getBody());

  auto originNote = [&](const Origin &O) {
    diag(SM.getExpansionLoc(O.Call->getBeginLoc()), "'%0' called here", DiagnosticIDs::Note)
        << O.Callee;
    if (O.Helper) {
      const UncheckedReturner &R =
          Returners.find(O.Helper->getCanonicalDecl())->second;
      diag(R.Return->getBeginLoc(),
           "'%0' returns the result of '%1' without checking it",
           DiagnosticIDs::Note)
          << O.Callee << R.Underlying;
    }
  };

  llvm::DenseSet<const Expr *> Reported;
  for (const Findings::NullTest &T : Found.NullTests) {
    if (!Reported.insert(T.Test).second)
      continue;
    std::optional<Origin> O = classifyCall(cast<CallExpr>(T.Origin));
    if (!O)
      continue;
    StringRef Failure = failureText(O->Kind);
    const Expr *Bare = T.Tested->IgnoreParenCasts();
    if (const auto *Assign = dyn_cast<BinaryOperator>(Bare);
        Assign && Assign->getOpcode() == BO_Assign)
      Bare = Assign->getLHS()->IgnoreParenCasts();
    bool IsCall = Bare == T.Origin;
    {
      SourceLocation Loc = SM.getExpansionLoc(T.Test->getBeginLoc());
      auto D = IsCall ? diag(Loc,
                             "result of '%0' compared with NULL, but it "
                             "returns %1 on failure")
                            << O->Callee << Failure
                      : diag(Loc,
                             "'%0' compared with NULL, but '%1' returns %2 "
                             "on failure")
                            << spelledText(Bare, SM, LO) << O->Callee
                            << Failure;
      if (std::optional<FixItHint> Fix = nullTestFix(T, Failure, Parents, SM, LO))
        D << *Fix;
    }
    if (!IsCall)
      originNote(*O);
  }

  if (!CheckUncheckedUse)
    return;
  // One report per attach result: its first unchecked use.
  llvm::DenseMap<const Expr *, const Expr *> FirstUse;
  for (const Findings::Use &U : Found.Uses) {
    auto [It, Inserted] = FirstUse.try_emplace(U.Origin, U.Pointer);
    if (!Inserted && SM.isBeforeInTranslationUnit(U.Pointer->getBeginLoc(),
                                                  It->second->getBeginLoc()))
      It->second = U.Pointer;
  }
  for (const auto &[OriginCall, Pointer] : FirstUse) {
    std::optional<Origin> O = classifyCall(cast<CallExpr>(OriginCall));
    if (!O)
      continue;
    const Expr *Bare = Pointer->IgnoreParenCasts();
    StringRef Failure = failureText(O->Kind);
    if (Bare == OriginCall) {
      diag(SM.getExpansionLoc(Pointer->getBeginLoc()),
           "result of '%0' used without checking it for %1")
          << O->Callee << Failure;
      continue;
    }
    StringRef Text = spelledText(Bare, SM, LO);
    {
      diag(SM.getExpansionLoc(Pointer->getBeginLoc()),
           "'%0' used without checking the result of '%1' for %2")
          << (Text.empty() ? StringRef("pointer") : Text) << O->Callee
          << Failure;
    }
    originNote(*O);
  }
}

void ShmatResultCheck::onEndOfTranslationUnit() {
  if (!Ctx)
    return;
  // Helpers returning an unchecked attach result (and helpers of helpers),
  // globals and fields holding one: iterate until nothing new is learnt. The
  // findings of the last, stable round are final and get reported.
  llvm::DenseMap<const FunctionDecl *, Findings> Latest;
  bool Stable = false;
  for (unsigned Round = 0; Round < 4 && !Stable; ++Round) {
    size_t Before = Returners.size() + UncheckedHolders.size();
    Latest.clear();
    for (const FunctionDecl *FD : Functions) {
      if (Returners.count(FD->getCanonicalDecl()) || !mentionsSource(FD))
        continue;
      Findings Found;
      if (!analyze(FD, Found))
        continue;
      learn(FD, Found);
      Latest[FD] = std::move(Found);
    }
    Stable = Returners.size() + UncheckedHolders.size() == Before;
  }
  for (const FunctionDecl *FD : Functions) {
    if (!mentionsSource(FD))
      continue;
    auto It = Latest.find(FD);
    if (Stable && It != Latest.end()) {
      report(FD, It->second);
      continue;
    }
    Findings Found;
    if (analyze(FD, Found))
      report(FD, Found);
  }
  Functions.clear();
  Returners.clear();
  UncheckedHolders.clear();
  ParamCompareCache.clear();
  Ctx = nullptr;
}

} // namespace clang::tidy::shm
