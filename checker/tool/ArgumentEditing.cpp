#include "ArgumentEditing.h"

#include "llvm/ADT/STLExtras.h"

#include <algorithm>

namespace shmtidy {

size_t compilerArgsBegin(llvm::ArrayRef<std::string> Args) {
  return llvm::find(Args, "--") - Args.begin();
}

void removeNamedOptions(std::vector<std::string> &Args,
                        llvm::ArrayRef<NamedOption> Options) {
  std::vector<std::string> Kept;
  Kept.reserve(Args.size());
  const size_t End = compilerArgsBegin(Args);
  for (size_t I = 0; I < End; ++I) {
    llvm::StringRef Name = Args[I];
    if (I == 0 || !Name.consume_front("-")) {
      Kept.push_back(Args[I]);
      continue;
    }
    Name.consume_front("-");
    const llvm::StringRef Key = Name.split('=').first;
    const auto *Match = llvm::find_if(Options, [&](const NamedOption &O) {
      return O.Name == Key || (O.JoinedValue && Key.starts_with(O.Name));
    });
    if (Match == Options.end()) {
      Kept.push_back(Args[I]);
      continue;
    }
    const bool ValueInSameArg = Name.contains('=') || Key != Match->Name;
    if (Match->TakesValue && !ValueInSameArg)
      ++I; // "-name value": drop the value too
  }
  Kept.insert(Kept.end(), Args.begin() + std::min(End, Args.size()),
              Args.end());
  Args = std::move(Kept);
}

void removePositions(std::vector<std::string> &Args,
                     llvm::ArrayRef<unsigned> Positions) {
  std::vector<std::string> Kept;
  Kept.reserve(Args.size());
  for (size_t I = 0; I < Args.size(); ++I)
    if (!llvm::is_contained(Positions, I))
      Kept.push_back(Args[I]);
  Args = std::move(Kept);
}

} // namespace shmtidy
