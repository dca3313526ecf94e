#include "analysis/LibraryAccesses.h"

#include "analysis/CalleeName.h"

#include "llvm/ADT/StringMap.h"

namespace clang::tidy::shm {
namespace {

/// One letter per argument: R read, W write, B both, - untouched. A trailing
/// '+' reads through every further pointer argument; 'f' marks the format
/// argument of a printf-like call, 's' of a scanf-like one.
const llvm::StringMap<llvm::StringRef> &table() {
  static const llvm::StringMap<llvm::StringRef> Table = {
      {"memcpy", "WR-"},      {"memmove", "WR-"},      {"mempcpy", "WR-"},     {"memccpy", "WR--"},
      {"memset", "W--"},      {"bzero", "W-"},         {"explicit_bzero", "W-"}, {"memcmp", "RR-"},
      {"memchr", "R--"},      {"memrchr", "R--"},      {"rawmemchr", "R-"},    {"strcpy", "WR"},
      {"strncpy", "WR-"},     {"stpcpy", "WR"},        {"stpncpy", "WR-"},     {"strcat", "BR"},
      {"strncat", "BR-"},     {"strcmp", "RR"},        {"strncmp", "RR-"},     {"strcasecmp", "RR"},
      {"strncasecmp", "RR-"}, {"strcoll", "RR"},       {"strxfrm", "WR-"},     {"strlen", "R"},
      {"strnlen", "R-"},      {"strchr", "R-"},        {"strrchr", "R-"},      {"strchrnul", "R-"},
      {"strstr", "RR"},       {"strcasestr", "RR"},    {"strpbrk", "RR"},      {"strspn", "RR"},
      {"strcspn", "RR"},      {"strdup", "R"},         {"strndup", "R-"},      {"strtok", "BR"},
      {"strtok_r", "BRB"},    {"strtol", "R--"},       {"strtoll", "R--"},     {"strtoul", "R--"},
      {"strtoull", "R--"},    {"strtod", "R-"},        {"strtof", "R-"},       {"atoi", "R"},
      {"atol", "R"},          {"atoll", "R"},          {"atof", "R"},          {"puts", "R"},
      {"fputs", "R-"},        {"fgets", "W--"},        {"fread", "W---"},      {"fwrite", "R---"},
      {"read", "-W-"},        {"pread", "-W--"},       {"write", "-R-"},       {"pwrite", "-R--"},
      {"recv", "-W--"},       {"recvfrom", "-W----"},  {"send", "-R--"},      {"sendto", "-R----"},
      {"msgsnd", "-R--"},     {"msgrcv", "-W---"},     {"mq_send", "-R--"},    {"mq_receive", "-W--"},
      {"qsort", "B---"},      {"bsearch", "RR---"},    {"printf", "f+"},       {"fprintf", "-f+"},
      {"dprintf", "-f+"},     {"sprintf", "Wf+"},      {"snprintf", "W-f+"},   {"vprintf", "f-"},
      {"vfprintf", "-f-"},    {"vsprintf", "Wf-"},     {"vsnprintf", "W-f-"},  {"syslog", "-f+"},
      {"scanf", "s+"},        {"fscanf", "-s+"},       {"sscanf", "Rs+"},      {"perror", "R"},
  };
  return Table;
}

/// For printf (Scan false) or scanf (Scan true) formats: the use of each
/// argument after the format, following its conversion specifiers.
void formatUses(llvm::StringRef Format, bool Scan, llvm::SmallVectorImpl<MemoryUse> &Uses) {
  for (size_t I = 0; I < Format.size(); ++I) {
    if (Format[I] != '%')
      continue;
    ++I;
    if (I < Format.size() && Format[I] == '%')
      continue;
    bool Suppressed = false;
    // Flags, width, precision and length modifiers; '*' consumes an argument.
    while (I < Format.size() && llvm::StringRef("-+ #0123456789.*'hlLqjztI").contains(Format[I])) {
      if (Format[I] == '*') {
        if (Scan)
          Suppressed = true;
        else
          Uses.push_back(MemoryUse::None);
      }
      ++I;
    }
    if (I >= Format.size())
      break;
    char Conversion = Format[I];
    if (Conversion == '[') {
      while (I < Format.size() && Format[I] != ']')
        ++I;
    }
    if (Suppressed)
      continue;
    if (Scan)
      Uses.push_back(MemoryUse::Write); // every scanf conversion stores
    else if (Conversion == 's')
      Uses.push_back(MemoryUse::Read);
    else if (Conversion == 'n')
      Uses.push_back(MemoryUse::Write);
    else
      Uses.push_back(MemoryUse::None);
  }
}

MemoryUse letterUse(char Letter) {
  switch (Letter) {
  case 'R':
  case 'f':
  case 's':
    return MemoryUse::Read;
  case 'W':
    return MemoryUse::Write;
  case 'B':
    return MemoryUse::ReadWrite;
  default:
    return MemoryUse::None;
  }
}

} // namespace

bool isDescribedLibraryFunction(llvm::StringRef Name) { return table().count(Name) != 0; }

MemoryUse libraryArgumentUse(const CallExpr *Call, llvm::StringRef Name, unsigned ArgIndex) {
  auto It = table().find(Name);
  if (It == table().end() || ArgIndex >= Call->getNumArgs())
    return MemoryUse::None;
  llvm::StringRef Spec = It->second;
  const Expr *Arg = Call->getArg(ArgIndex);
  if (!Arg->IgnoreParenImpCasts()->getType()->isPointerType() && !Arg->IgnoreParenImpCasts()->getType()->isArrayType())
    return MemoryUse::None;

  bool Variadic = Spec.ends_with("+");
  llvm::StringRef Fixed = Variadic ? Spec.drop_back() : Spec;
  if (ArgIndex < Fixed.size())
    return letterUse(Fixed[ArgIndex]);
  if (!Variadic)
    return MemoryUse::None;

  size_t FormatIndex = Fixed.find_first_of("fs");
  if (FormatIndex == llvm::StringRef::npos)
    return MemoryUse::Read;
  bool Scan = Fixed[FormatIndex] == 's';
  const auto *Literal = dyn_cast<StringLiteral>(ignoreCastsAndParens(Call->getArg(FormatIndex)));
  if (!Literal || Literal->getCharByteWidth() != 1) {
    // Unknown format: assume strings are printed (read) or scanned into.
    if (Scan)
      return MemoryUse::Write;
    const Type *Pointee = Arg->IgnoreParenImpCasts()->getType()->getPointeeOrArrayElementType();
    return Pointee->isCharType() ? MemoryUse::Read : MemoryUse::None;
  }
  llvm::SmallVector<MemoryUse, 8> Uses;
  formatUses(Literal->getString(), Scan, Uses);
  size_t Position = ArgIndex - Fixed.size();
  return Position < Uses.size() ? Uses[Position] : MemoryUse::None;
}

} // namespace clang::tidy::shm
