#include "summary/UnitSummary.h"

namespace clang::tidy::shm {

llvm::json::Value UnitSummary::toJSON() const {
  llvm::json::Array Deps;
  for (const auto &[Path, Hash] : Dependencies)
    Deps.push_back(llvm::json::Array{Path, Hash});
  llvm::json::Array Nodes;
  for (const CallGraphNode &N : Calls) {
    llvm::json::Object O{{"name", N.Name}};
    if (N.IsMain)
      O["main"] = true;
    if (N.Escapes)
      O["escapes"] = true;
    if (N.Forks)
      O["forks"] = true;
    llvm::json::Array Callees;
    for (size_t I = 0; I < N.Callees.size(); ++I) {
      llvm::json::Array Before;
      for (unsigned J : N.PrecededBy[I])
        Before.push_back(static_cast<int64_t>(J));
      Callees.push_back(llvm::json::Object{{"name", N.Callees[I]}, {"after", std::move(Before)}});
    }
    O["calls"] = std::move(Callees);
    Nodes.push_back(std::move(O));
  }
  return llvm::json::Object{{"version", 1},          {"file", File},
                            {"key", Key},            {"dependencies", std::move(Deps)},
                            {"facts", Facts.toJSON()}, {"callGraph", std::move(Nodes)}};
}

llvm::Expected<UnitSummary> UnitSummary::fromJSON(const llvm::json::Value &V) {
  const llvm::json::Object *O = V.getAsObject();
  if (!O || O->getInteger("version").value_or(0) != 1)
    return llvm::createStringError(llvm::inconvertibleErrorCode(), "not a shm-tidy unit summary (version 1)");
  UnitSummary S;
  S.File = O->getString("file").value_or("").str();
  S.Key = O->getString("key").value_or("").str();
  if (const llvm::json::Array *Deps = O->getArray("dependencies"))
    for (const llvm::json::Value &D : *Deps)
      if (const llvm::json::Array *Pair = D.getAsArray(); Pair && Pair->size() == 2)
        S.Dependencies.emplace_back((*Pair)[0].getAsString().value_or("").str(),
                                    (*Pair)[1].getAsString().value_or("").str());
  if (const llvm::json::Value *Facts = O->get("facts")) {
    llvm::Expected<ProjectFacts> Parsed = ProjectFacts::fromJSON(*Facts);
    if (!Parsed)
      return Parsed.takeError();
    S.Facts = std::move(*Parsed);
  }
  if (const llvm::json::Array *Nodes = O->getArray("callGraph")) {
    for (const llvm::json::Value &NV : *Nodes) {
      const llvm::json::Object *NO = NV.getAsObject();
      if (!NO)
        continue;
      CallGraphNode N;
      N.Name = NO->getString("name").value_or("").str();
      N.IsMain = NO->getBoolean("main").value_or(false);
      N.Escapes = NO->getBoolean("escapes").value_or(false);
      N.Forks = NO->getBoolean("forks").value_or(false);
      if (const llvm::json::Array *Callees = NO->getArray("calls")) {
        for (const llvm::json::Value &CV : *Callees) {
          const llvm::json::Object *CO = CV.getAsObject();
          if (!CO)
            continue;
          N.Callees.push_back(CO->getString("name").value_or("").str());
          std::vector<unsigned> Before;
          if (const llvm::json::Array *After = CO->getArray("after"))
            for (const llvm::json::Value &I : *After)
              if (std::optional<int64_t> Index = I.getAsInteger(); Index && *Index >= 0)
                Before.push_back(static_cast<unsigned>(*Index));
          N.PrecededBy.push_back(std::move(Before));
        }
      }
      S.Calls.push_back(std::move(N));
    }
  }
  return S;
}

} // namespace clang::tidy::shm
