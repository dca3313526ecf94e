#include "summary/PortableLockKeys.h"

#include "summary/ProjectFacts.h"

#include "llvm/Support/raw_ostream.h"

namespace clang::tidy::shm {
namespace {

std::string pointerText(const void *P) {
  std::string Out;
  llvm::raw_string_ostream OS(Out);
  OS << P;
  return Out;
}

/// The declaration a {G:0x...} token of this process names. Keys are only
/// converted while the AST they were made from is alive.
const NamedDecl *declOfToken(llvm::StringRef Hex) {
  Hex.consume_front("0x");
  uint64_t Address = 0;
  if (Hex.getAsInteger(16, Address) || Address == 0)
    return nullptr;
  return reinterpret_cast<const NamedDecl *>(static_cast<uintptr_t>(Address));
}

} // namespace

std::optional<std::string> toPortableKey(llvm::StringRef Key, const FunctionDecl *Fn) {
  const std::string FnText = pointerText(Fn->getCanonicalDecl());
  std::string Out;
  while (!Key.empty()) {
    if (Key.front() != '{') {
      Out += Key.front();
      Key = Key.drop_front();
      continue;
    }
    size_t Close = Key.find('}');
    if (Close == llvm::StringRef::npos)
      return std::nullopt;
    llvm::StringRef Token = Key.slice(1, Close);
    Key = Key.drop_front(Close + 1);
    if (Token.starts_with("N:")) {
      Out += "{" + Token.str() + "}";
      continue;
    }
    if (Token.consume_front("P:")) {
      auto [Owner, Index] = Token.split(':');
      if (Owner != FnText)
        return std::nullopt;
      Out += "{P:" + Index.str() + "}";
      continue;
    }
    if (Token.consume_front("T:")) {
      if (Token != FnText)
        return std::nullopt;
      Out += "{T}";
      continue;
    }
    if (Token.consume_front("G:")) {
      const NamedDecl *D = declOfToken(Token);
      std::string Name = D ? indexName(D) : std::string();
      if (Name.empty())
        return std::nullopt;
      Out += "{g:" + Name + "}";
      continue;
    }
    return std::nullopt; // locals, expressions, `this`, callers' locks
  }
  return Out;
}

std::string toNativeKey(llvm::StringRef Portable, const FunctionDecl *Callee, ASTContext &Ctx) {
  const std::string CalleeText = pointerText(Callee->getCanonicalDecl());
  std::string Out;
  while (!Portable.empty()) {
    if (Portable.front() != '{') {
      Out += Portable.front();
      Portable = Portable.drop_front();
      continue;
    }
    size_t Close = Portable.find('}');
    if (Close == llvm::StringRef::npos)
      return Out + Portable.str();
    llvm::StringRef Token = Portable.slice(1, Close);
    Portable = Portable.drop_front(Close + 1);
    if (Token.consume_front("P:")) {
      Out += "{P:" + CalleeText + ":" + Token.str() + "}";
      continue;
    }
    if (Token == "T") {
      Out += "{T:" + CalleeText + "}";
      continue;
    }
    if (Token.starts_with("g:") && !Token.contains("::")) {
      // A global this file declares too: the same key as its own uses.
      llvm::StringRef Name = Token.drop_front(2);
      bool Found = false;
      for (const NamedDecl *D : Ctx.getTranslationUnitDecl()->lookup(&Ctx.Idents.get(Name)))
        if (const auto *Var = dyn_cast<VarDecl>(D); Var && Var->hasGlobalStorage()) {
          Out += "{G:" + pointerText(Var->getCanonicalDecl()) + "}";
          Found = true;
          break;
        }
      if (Found)
        continue;
    }
    Out += "{" + Token.str() + "}";
  }
  return Out;
}

llvm::StringRef lockKindName(LockKind Kind) {
  switch (Kind) {
  case LockKind::Mutex:
    return "mutex";
  case LockKind::RwLock:
    return "rwlock";
  case LockKind::SpinLock:
    return "spinlock";
  case LockKind::PosixSemaphore:
    return "semaphore";
  case LockKind::SysVSemaphore:
    return "sysv-semaphore";
  case LockKind::Capability:
    return "capability";
  case LockKind::Configured:
    return "configured";
  case LockKind::FileLock:
    return "file-lock";
  case LockKind::AtomicFlag:
    return "atomic-flag";
  }
  return "configured";
}

LockKind lockKindFromName(llvm::StringRef Name) {
  for (LockKind Kind : {LockKind::Mutex, LockKind::RwLock, LockKind::SpinLock, LockKind::PosixSemaphore,
                        LockKind::SysVSemaphore, LockKind::Capability, LockKind::FileLock, LockKind::AtomicFlag})
    if (lockKindName(Kind) == Name)
      return Kind;
  return LockKind::Configured;
}

} // namespace clang::tidy::shm
