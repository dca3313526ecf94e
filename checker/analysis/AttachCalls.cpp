#include "analysis/AttachCalls.h"

#include "analysis/CalleeName.h"

#include "llvm/ADT/StringSwitch.h"

namespace clang::tidy::shm {
namespace {

// Linux values; the checker runs on the machine the code is built for.
constexpr int64_t MapShared = 0x01;
constexpr int64_t MapSharedValidate = 0x03;
constexpr int64_t MapTypeMask = 0x0f;
constexpr int64_t MapAnonymous = 0x20;
constexpr int64_t ProtWrite = 0x2;
constexpr int64_t ShmReadOnly = 010000;

/// A constant, also through a local variable initialised with one
/// (`int flags = MAP_SHARED | MAP_ANONYMOUS; mmap(..., flags, ...)`).
std::optional<int64_t> constantValue(const Expr *E, const ASTContext &Ctx) {
  if (std::optional<int64_t> Value = integerConstant(E, Ctx))
    return Value;
  const auto *Ref = dyn_cast<DeclRefExpr>(ignoreCastsAndParens(E));
  const auto *Var = Ref ? dyn_cast<VarDecl>(Ref->getDecl()) : nullptr;
  if (Var && Var->isLocalVarDecl() && Var->getInit())
    return integerConstant(Var->getInit(), Ctx);
  return std::nullopt;
}

std::optional<ShmOrigin> classifyMmap(const CallExpr *Call, const ASTContext &Ctx,
                                      llvm::function_ref<std::optional<ShareKind>(const Expr *)> DescriptorKind) {
  if (Call->getNumArgs() < 6)
    return std::nullopt;
  std::optional<int64_t> Flags = constantValue(Call->getArg(3), Ctx);
  if (!Flags)
    return std::nullopt;
  int64_t Type = *Flags & MapTypeMask;
  if (Type != MapShared && Type != MapSharedValidate)
    return std::nullopt;
  ShmOrigin Origin;
  Origin.Attach = Call;
  if (std::optional<int64_t> Prot = constantValue(Call->getArg(2), Ctx))
    Origin.ReadOnly = (*Prot & ProtWrite) == 0;
  if (*Flags & MapAnonymous) {
    Origin.Kind = ShareKind::AnonymousShared;
    return Origin;
  }
  std::optional<ShareKind> Kind = DescriptorKind(Call->getArg(4));
  if (!Kind)
    return std::nullopt;
  Origin.Kind = *Kind;
  return Origin;
}

bool isDevShmPath(const Expr *Path) {
  const auto *Literal = dyn_cast_or_null<StringLiteral>(ignoreCastsAndParens(Path));
  return Literal && Literal->getCharByteWidth() == 1 && Literal->getString().starts_with("/dev/shm/");
}

} // namespace

std::optional<ShmOrigin>
classifyAttach(const CallExpr *Call, const ASTContext &Ctx,
               llvm::function_ref<std::optional<ShareKind>(const Expr *)> DescriptorKind) {
  llvm::StringRef Name = cFunctionName(Call);
  if (Name == "shmat" && Call->getNumArgs() == 3) {
    ShmOrigin Origin;
    Origin.Attach = Call;
    Origin.Kind = ShareKind::SysV;
    if (std::optional<int64_t> Flags = constantValue(Call->getArg(2), Ctx))
      Origin.ReadOnly = (*Flags & ShmReadOnly) != 0;
    return Origin;
  }
  if (Name == "mmap" || Name == "mmap64")
    return classifyMmap(Call, Ctx, DescriptorKind);
  return std::nullopt;
}

std::optional<ShareKind> descriptorSource(const CallExpr *Call) {
  llvm::StringRef Name = cFunctionName(Call);
  if (Name == "shm_open")
    return ShareKind::PosixShm;
  if (Name == "memfd_create")
    return ShareKind::Memfd;
  if ((Name == "open" || Name == "open64") && Call->getNumArgs() >= 1 && isDevShmPath(Call->getArg(0)))
    return ShareKind::PosixShm;
  if ((Name == "openat" || Name == "openat64") && Call->getNumArgs() >= 2 && isDevShmPath(Call->getArg(1)))
    return ShareKind::PosixShm;
  return std::nullopt;
}

bool duplicatesDescriptor(const CallExpr *Call) {
  llvm::StringRef Name = cFunctionName(Call);
  return Name == "dup" || Name == "dup2" || Name == "dup3";
}

bool spawnsConcurrency(const CallExpr *Call) {
  return llvm::StringSwitch<bool>(cFunctionName(Call))
      .Cases("fork", "vfork", "clone", "clone3", "posix_spawn", "posix_spawnp", true)
      .Case("pthread_create", true)
      .Default(false);
}

bool forksProcess(const CallExpr *Call) {
  return llvm::StringSwitch<bool>(cFunctionName(Call)).Cases("fork", "vfork", "clone", "clone3", true).Default(false);
}

bool joinsConcurrency(const CallExpr *Call) {
  return llvm::StringSwitch<bool>(cFunctionName(Call))
      .Cases("wait", "waitpid", "waitid", "wait3", "wait4", true)
      .Case("pthread_join", true)
      .Default(false);
}

} // namespace clang::tidy::shm
