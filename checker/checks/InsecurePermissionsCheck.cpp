#include "InsecurePermissionsCheck.h"

#include "BoolOption.h"

#include "clang/AST/ASTContext.h"
#include "clang/ASTMatchers/ASTMatchFinder.h"
#include "clang/Lex/Lexer.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringSwitch.h"

#include <optional>

using namespace clang::ast_matchers;

namespace clang::tidy::shm {
namespace {

// Linux values; the same on every architecture glibc supports.
constexpr uint64_t IpcCreat = 01000;
constexpr uint64_t OpenCreat = 0100;
constexpr uint64_t OthersWrite = 0002;
constexpr uint64_t GroupWrite = 0020;
constexpr uint64_t OthersAll = 0007;

// Where the creation flag and the mode live in each call.
struct CreateCall {
  StringRef Object;   // what the call creates, for the message
  unsigned FlagsArg;  // argument holding the creation flag
  uint64_t CreateBit; // IPC_CREAT or O_CREAT
  unsigned ModeArg;   // argument holding the permission bits
  bool KeyedIpc;      // System V: key IPC_PRIVATE always creates
};

std::optional<CreateCall> describe(StringRef Callee) {
  return llvm::StringSwitch<std::optional<CreateCall>>(Callee)
      .Case("shmget", CreateCall{"a segment", 2, IpcCreat, 2, true})
      .Case("semget", CreateCall{"a semaphore set", 2, IpcCreat, 2, true})
      .Case("shm_open",
            CreateCall{"a shared memory object", 1, OpenCreat, 2, false})
      .Case("sem_open", CreateCall{"a semaphore", 1, OpenCreat, 2, false})
      .Default(std::nullopt);
}

bool isAssignedOrEscapes(const VarDecl *Var, const Stmt *Body) {
  llvm::SmallVector<const Stmt *, 64> Work{Body};
  auto refersToVar = [Var](const Expr *E) {
    const auto *Ref = dyn_cast<DeclRefExpr>(E->IgnoreParenCasts());
    return Ref && Ref->getDecl() == Var;
  };
  while (!Work.empty()) {
    const Stmt *S = Work.pop_back_val();
    if (!S)
      continue;
    if (const auto *BO = dyn_cast<BinaryOperator>(S);
        BO && BO->isAssignmentOp() && refersToVar(BO->getLHS()))
      return true;
    if (const auto *UO = dyn_cast<UnaryOperator>(S);
        UO && (UO->isIncrementDecrementOp() || UO->getOpcode() == UO_AddrOf) &&
        refersToVar(UO->getSubExpr()))
      return true;
    for (const Stmt *Child : S->children())
      Work.push_back(Child);
  }
  return false;
}

// The value of a mode or flags expression when it is known at compile time:
// constants, macros, and variables that only ever hold their constant
// initializer. Returns nullopt for anything computed at run time.
std::optional<uint64_t> knownValue(const Expr *E, const ASTContext &Ctx) {
  E = E->IgnoreParenImpCasts();
  if (E->isValueDependent() || E->isTypeDependent())
    return std::nullopt;
  Expr::EvalResult R;
  if (E->EvaluateAsInt(R, Ctx))
    return R.Val.getInt().getZExtValue();
  if (const auto *BO = dyn_cast<BinaryOperator>(E)) {
    BinaryOperatorKind Op = BO->getOpcode();
    if (Op != BO_Or && Op != BO_Add && Op != BO_Xor)
      return std::nullopt;
    std::optional<uint64_t> L = knownValue(BO->getLHS(), Ctx);
    std::optional<uint64_t> Rv = knownValue(BO->getRHS(), Ctx);
    if (!L || !Rv)
      return std::nullopt;
    return Op == BO_Or ? (*L | *Rv) : Op == BO_Add ? (*L + *Rv) : (*L ^ *Rv);
  }
  if (const auto *Cast = dyn_cast<ExplicitCastExpr>(E))
    return knownValue(Cast->getSubExpr(), Ctx);
  const auto *Ref = dyn_cast<DeclRefExpr>(E);
  const auto *Var = Ref ? dyn_cast<VarDecl>(Ref->getDecl()) : nullptr;
  if (!Var || !Var->getInit() || Var->getType()->isReferenceType())
    return std::nullopt;
  if (Var->getType().isConstQualified())
    return knownValue(Var->getInit(), Ctx);
  // A local that keeps its initializer: `mode_t mode = 0666; ...(mode)`.
  const auto *Owner = dyn_cast<FunctionDecl>(Var->getDeclContext());
  if (!Var->isLocalVarDecl() || Var->isStaticLocal() || !Owner ||
      !Owner->hasBody() || isAssignedOrEscapes(Var, Owner->getBody()))
    return std::nullopt;
  return knownValue(Var->getInit(), Ctx);
}

// Integer literals written at the call whose bits contribute to the mode
// (`IPC_CREAT | 0666`, `0666`, `(0666)`).
void collectModeLiterals(const Expr *E,
                         llvm::SmallVectorImpl<const IntegerLiteral *> &Out) {
  E = E->IgnoreParenImpCasts();
  if (const auto *Lit = dyn_cast<IntegerLiteral>(E)) {
    Out.push_back(Lit);
    return;
  }
  if (const auto *Cast = dyn_cast<ExplicitCastExpr>(E)) {
    collectModeLiterals(Cast->getSubExpr(), Out);
    return;
  }
  if (const auto *BO = dyn_cast<BinaryOperator>(E);
      BO && (BO->getOpcode() == BO_Or || BO->getOpcode() == BO_Add)) {
    collectModeLiterals(BO->getLHS(), Out);
    collectModeLiterals(BO->getRHS(), Out);
  }
}

std::string octal(uint64_t Value) {
  std::string Digits;
  do {
    Digits.insert(Digits.begin(), static_cast<char>('0' + (Value & 7)));
    Value >>= 3;
  } while (Value);
  return "0" + Digits;
}

} // namespace

InsecurePermissionsCheck::InsecurePermissionsCheck(StringRef Name,
                                                   ClangTidyContext *TidyContext)
    : ClangTidyCheck(Name, TidyContext),
      AllowGroupWrite(parseBoolOption(Options.get("AllowGroupWrite", "true"), true)) {}

void InsecurePermissionsCheck::storeOptions(
    ClangTidyOptions::OptionMap &Opts) {
  Options.store(Opts, "AllowGroupWrite", boolOptionText(AllowGroupWrite));
}

void InsecurePermissionsCheck::registerMatchers(MatchFinder *Finder) {
  Finder->addMatcher(
      callExpr(callee(functionDecl(
                   hasAnyName("::shmget", "::semget", "::shm_open",
                              "::sem_open"))))
          .bind("call"),
      this);
}

void InsecurePermissionsCheck::check(const MatchFinder::MatchResult &Result) {
  const auto *Call = Result.Nodes.getNodeAs<CallExpr>("call");
  const ASTContext &Ctx = *Result.Context;
  StringRef Callee = Call->getDirectCallee()->getName();
  std::optional<CreateCall> Shape = describe(Callee);
  if (!Shape || Call->getNumArgs() <= Shape->ModeArg ||
      Call->getNumArgs() <= Shape->FlagsArg)
    return;

  std::optional<uint64_t> Flags =
      knownValue(Call->getArg(Shape->FlagsArg), Ctx);
  bool Creates = Flags && (*Flags & Shape->CreateBit);
  if (!Creates && Shape->KeyedIpc) {
    // IPC_PRIVATE always makes a new object, whatever the flags say.
    std::optional<uint64_t> Key = knownValue(Call->getArg(0), Ctx);
    Creates = Key && *Key == 0;
  }
  if (!Creates)
    return;

  const Expr *ModeExpr = Call->getArg(Shape->ModeArg);
  std::optional<uint64_t> Mode = knownValue(ModeExpr, Ctx);
  if (!Mode)
    return;
  uint64_t Perm = *Mode & 0777;
  bool OthersMayWrite = Perm & OthersWrite;
  bool GroupMayWrite = !AllowGroupWrite && (Perm & GroupWrite);
  if (!OthersMayWrite && !GroupMayWrite)
    return;

  // Report at the written argument, not inside IPC_CREAT's system header.
  const SourceManager &SM = *Result.SourceManager;
  auto D = diag(SM.getExpansionLoc(ModeExpr->getBeginLoc()),
                "'%0' creates %1 writable by %2 (mode %3)")
           << Callee << Shape->Object
           << (OthersMayWrite ? "other users" : "its group") << octal(Perm);

  // Only the permission bits are rewritten; IPC_CREAT and friends stay.
  uint64_t Strip = (OthersMayWrite ? OthersAll : 0) |
                   (AllowGroupWrite ? 0 : GroupWrite);
  llvm::SmallVector<const IntegerLiteral *, 4> Literals;
  collectModeLiterals(ModeExpr, Literals);
  for (const IntegerLiteral *Lit : Literals) {
    uint64_t Value = Lit->getValue().getZExtValue();
    if (!(Value & Strip) || Lit->getBeginLoc().isMacroID())
      continue;
    CharSourceRange Range = Lexer::makeFileCharRange(
        CharSourceRange::getTokenRange(Lit->getSourceRange()), SM,
        getLangOpts());
    if (Range.isValid())
      D << FixItHint::CreateReplacement(Range, octal(Value & ~Strip));
  }
}

} // namespace clang::tidy::shm
