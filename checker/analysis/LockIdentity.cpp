#include "analysis/LockIdentity.h"

#include "analysis/CalleeName.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/ExprCXX.h"
#include "clang/Lex/Lexer.h"
#include "llvm/Support/raw_ostream.h"

namespace clang::tidy::shm {
namespace {

std::string pointerToken(char Kind, const void *P) {
  std::string Out;
  llvm::raw_string_ostream OS(Out);
  OS << '{' << Kind << ':' << P << '}';
  return Out;
}

std::string paramToken(const FunctionDecl *F, unsigned Index) {
  std::string Out;
  llvm::raw_string_ostream OS(Out);
  OS << "{P:" << static_cast<const void *>(F->getCanonicalDecl()) << ':' << Index << '}';
  return Out;
}

std::string declKey(const ValueDecl *D, const FunctionDecl *Scope) {
  if (const auto *Param = dyn_cast<ParmVarDecl>(D)) {
    if (const auto *Owner = dyn_cast<FunctionDecl>(Param->getDeclContext()))
      return paramToken(Owner, Param->getFunctionScopeIndex());
  }
  if (const auto *Var = dyn_cast<VarDecl>(D)) {
    if (Var->hasGlobalStorage())
      return pointerToken('G', Var->getCanonicalDecl());
    return pointerToken('V', Var->getCanonicalDecl());
  }
  return pointerToken('G', D->getCanonicalDecl());
}

std::string key(const Expr *E, const FunctionDecl *Scope) {
  E = E->IgnoreParens();
  if (const auto *Cleanups = dyn_cast<ExprWithCleanups>(E))
    return key(Cleanups->getSubExpr(), Scope);
  if (const auto *Materialize = dyn_cast<MaterializeTemporaryExpr>(E))
    return key(Materialize->getSubExpr(), Scope);
  if (const auto *Cast = dyn_cast<CastExpr>(E)) {
    // Casts do not change which object is named; array decay takes the
    // address of the first element.
    if (Cast->getCastKind() == CK_ArrayToPointerDecay)
      return appendPath(key(Cast->getSubExpr(), Scope), "&");
    return key(Cast->getSubExpr(), Scope);
  }
  if (E->isValueDependent() || E->isTypeDependent())
    return pointerToken('X', E);
  if (const auto *Literal = dyn_cast<IntegerLiteral>(E))
    return "{N:" + std::to_string(Literal->getValue().getSExtValue()) + "}";
  if (const auto *Ref = dyn_cast<DeclRefExpr>(E)) {
    if (const auto *Enumerator = dyn_cast<EnumConstantDecl>(Ref->getDecl()))
      return "{N:" + std::to_string(Enumerator->getInitVal().getSExtValue()) + "}";
    return declKey(Ref->getDecl(), Scope);
  }
  if (isa<CXXThisExpr>(E))
    return Scope ? thisKey(Scope) : pointerToken('X', E);
  if (const auto *Member = dyn_cast<MemberExpr>(E)) {
    std::string Base = key(Member->getBase(), Scope);
    if (Member->isArrow())
      Base = appendPath(Base, "^");
    const ValueDecl *D = Member->getMemberDecl();
    if (isa<VarDecl>(D)) // static data member
      return declKey(D, Scope);
    return Base + "." + D->getNameAsString();
  }
  if (const auto *Subscript = dyn_cast<ArraySubscriptExpr>(E)) {
    std::string Index = key(Subscript->getIdx(), Scope);
    std::string Base = key(Subscript->getBase(), Scope);
    if (Index == "{N:0}")
      return appendPath(Base, "^");
    return Base + "[" + Index + "]";
  }
  if (const auto *Unary = dyn_cast<UnaryOperator>(E)) {
    if (Unary->getOpcode() == UO_Deref)
      return appendPath(key(Unary->getSubExpr(), Scope), "^");
    if (Unary->getOpcode() == UO_AddrOf)
      return appendPath(key(Unary->getSubExpr(), Scope), "&");
  }
  if (const auto *Binary = dyn_cast<BinaryOperator>(E)) {
    if (Binary->getOpcode() == BO_Comma)
      return key(Binary->getRHS(), Scope);
    if (Binary->getOpcode() == BO_Add && Binary->getType()->isPointerType()) {
      // p + i names &p[i]
      const Expr *Pointer = Binary->getLHS()->getType()->isPointerType() ? Binary->getLHS() : Binary->getRHS();
      const Expr *Offset = Pointer == Binary->getLHS() ? Binary->getRHS() : Binary->getLHS();
      std::string Index = key(Offset, Scope);
      if (Index == "{N:0}")
        return key(Pointer, Scope);
      return appendPath(key(Pointer, Scope) + "[" + Index + "]", "&");
    }
  }
  return pointerToken('X', E);
}

} // namespace

std::string appendPath(llvm::StringRef Base, llvm::StringRef Path) {
  std::string Out = Base.str();
  while (!Path.empty() && !Out.empty()) {
    char Last = Out.back();
    char Next = Path.front();
    if ((Last == '&' && Next == '^') || (Last == '^' && Next == '&')) {
      Out.pop_back();
      Path = Path.drop_front();
      continue;
    }
    break;
  }
  Out += Path.str();
  return Out;
}

std::string valueKey(const Expr *E, const FunctionDecl *Scope) { return key(E, Scope); }

std::string variableKey(const VarDecl *Var) { return declKey(Var, nullptr); }

std::string pointeeKey(const Expr *P, const FunctionDecl *Scope) { return appendPath(key(P, Scope), "^"); }

std::string lockObjectKey(const Expr *E, const FunctionDecl *Scope) {
  const Expr *Stripped = E->IgnoreParenImpCasts();
  if (Stripped->getType()->isPointerType() || E->getType()->isPointerType())
    return pointeeKey(E, Scope);
  return valueKey(E, Scope);
}

std::string thisKey(const FunctionDecl *M) {
  std::string Out;
  llvm::raw_string_ostream OS(Out);
  OS << "{T:" << static_cast<const void *>(M->getCanonicalDecl()) << '}';
  return Out;
}

std::optional<std::string>
substituteParameters(llvm::StringRef Key, const FunctionDecl *Callee,
                     llvm::function_ref<std::optional<std::string>(int)> ArgumentKey) {
  std::string CalleeId;
  {
    llvm::raw_string_ostream OS(CalleeId);
    OS << static_cast<const void *>(Callee->getCanonicalDecl());
  }
  const std::string ParamPrefix = "{P:" + CalleeId + ":";
  const std::string ThisToken = "{T:" + CalleeId + "}";
  std::string Out;
  size_t Pos = 0;
  while (Pos < Key.size()) {
    if (Key.substr(Pos).starts_with(ParamPrefix)) {
      size_t Close = Key.find('}', Pos);
      unsigned Index = 0;
      if (Close == llvm::StringRef::npos ||
          Key.slice(Pos + ParamPrefix.size(), Close).getAsInteger(10, Index))
        return std::nullopt;
      std::optional<std::string> Arg = ArgumentKey(static_cast<int>(Index));
      if (!Arg)
        return std::nullopt;
      Out = appendPath(Out, *Arg);
      Pos = Close + 1;
      continue;
    }
    if (Key.substr(Pos).starts_with(ThisToken)) {
      std::optional<std::string> Arg = ArgumentKey(-1);
      if (!Arg)
        return std::nullopt;
      Out = appendPath(Out, *Arg);
      Pos += ThisToken.size();
      continue;
    }
    Out = appendPath(Out, Key.substr(Pos, 1));
    ++Pos;
  }
  return Out;
}

bool isParameterRooted(llvm::StringRef Key) { return Key.starts_with("{P:") || Key.starts_with("{T:"); }

bool isLocallyRooted(llvm::StringRef Key) { return Key.starts_with("{V:") || Key.starts_with("{X:"); }

llvm::StringRef callerHeldKey() { return "{C}"; }

llvm::StringRef flockKeyPrefix() { return "{O}"; }

KeyRoot splitKey(llvm::StringRef Key) {
  KeyRoot Root;
  if (Key.size() < 3 || Key[0] != '{')
    return Root;
  size_t Close = Key.find('}');
  if (Close == llvm::StringRef::npos)
    return Root;
  llvm::StringRef Inside = Key.slice(1, Close);
  Root.Kind = Inside[0];
  Root.Path = Key.substr(Close + 1);
  if (Root.Kind != 'G' && Root.Kind != 'V' && Root.Kind != 'P' && Root.Kind != 'T')
    return Root;
  // The address printed by pointerToken/paramToken/thisKey ("0x...").
  llvm::StringRef Rest = Inside.drop_front(2);
  llvm::StringRef Address = Rest.take_until([](char C) { return C == ':'; });
  uint64_t Value = 0;
  if (Address.getAsInteger(0, Value))
    return KeyRoot();
  Root.D = reinterpret_cast<const Decl *>(static_cast<uintptr_t>(Value));
  if (Root.Kind == 'P' && Rest.size() > Address.size() + 1 &&
      Rest.substr(Address.size() + 1).getAsInteger(10, Root.Param))
    return KeyRoot();
  return Root;
}

llvm::SmallVector<PathStep, 4> pathSteps(llvm::StringRef Path) {
  llvm::SmallVector<PathStep, 4> Steps;
  size_t Pos = 0;
  while (Pos < Path.size()) {
    char Op = Path[Pos];
    if (Op == '^' || Op == '&') {
      Steps.push_back(PathStep{Op, {}});
      ++Pos;
      continue;
    }
    if (Op == '[') {
      // Indices are keys themselves: find the matching bracket.
      unsigned Depth = 0;
      size_t End = Pos;
      for (; End < Path.size(); ++End) {
        if (Path[End] == '[')
          ++Depth;
        else if (Path[End] == ']' && --Depth == 0)
          break;
      }
      Steps.push_back(PathStep{'[', Path.slice(Pos + 1, End)});
      Pos = End + 1;
      continue;
    }
    if (Op == '#') {
      Steps.push_back(PathStep{'#', Path.substr(Pos + 1)});
      break;
    }
    if (Op == '.') {
      size_t End = Path.find_first_of("^&.[#", Pos + 1);
      if (End == llvm::StringRef::npos)
        End = Path.size();
      Steps.push_back(PathStep{'.', Path.slice(Pos + 1, End)});
      Pos = End;
      continue;
    }
    break; // not a path we make
  }
  return Steps;
}

std::string spelling(const Expr *E, const ASTContext &Ctx) {
  const Expr *Stripped = E->IgnoreParenImpCasts();
  if (const auto *AddrOf = dyn_cast<UnaryOperator>(Stripped); AddrOf && AddrOf->getOpcode() == UO_AddrOf)
    Stripped = AddrOf->getSubExpr()->IgnoreParens();
  const SourceManager &SM = Ctx.getSourceManager();
  CharSourceRange Range = CharSourceRange::getTokenRange(Stripped->getSourceRange());
  llvm::StringRef Text = Lexer::getSourceText(Range, SM, Ctx.getLangOpts());
  if (!Text.empty() && Text.size() < 120 && !Text.contains('\n'))
    return Text.str();
  std::string Printed;
  llvm::raw_string_ostream OS(Printed);
  Stripped->printPretty(OS, nullptr, Ctx.getPrintingPolicy());
  return Printed;
}

} // namespace clang::tidy::shm
