#include "UncheckedAttachFlow.h"

#include "analysis/CalleeName.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/ParentMap.h"
#include "clang/Analysis/Analyses/PostOrderCFGView.h"
#include "llvm/ADT/StringSwitch.h"

#include <map>
#include <optional>
#include <string>

namespace clang::tidy::shm {

bool isAttachFailureValue(const Expr *E, const ASTContext &Ctx) {
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

namespace {

using Findings = ShmatResultCheck::Findings;

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
    // Clang's own order: it skips the edges the CFG pruned as never taken
    // (null successors, as after `if (0)`), which llvm's generic traversal
    // would follow into a null block.
    PostOrderCFGView Order(&Graph);
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
      if (SideKey && *SideKey == Key && isAttachFailureValue(Other, Ctx))
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
      if (isAttachFailureValue(Other, Ctx)) {
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

} // namespace

void findUncheckedAttachResults(ShmatResultCheck &Check,
                                const FunctionDecl &FD, const CFG &Graph,
                                ASTContext &Ctx, Findings &Found) {
  UncheckedResultFlow(Check, FD, Ctx).run(Graph, Found);
}

} // namespace clang::tidy::shm
