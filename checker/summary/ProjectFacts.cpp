#include "summary/ProjectFacts.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/Decl.h"
#include "clang/Basic/SourceManager.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

#include <memory>

namespace clang::tidy::shm {
namespace {

std::unique_ptr<ProjectFacts> &installed() {
  static std::unique_ptr<ProjectFacts> Facts;
  return Facts;
}

llvm::StringRef actionName(PortableLockEffect::Action A) {
  switch (A) {
  case PortableLockEffect::Action::Acquire:
    return "acquire";
  case PortableLockEffect::Action::Release:
    return "release";
  case PortableLockEffect::Action::TryAcquire:
    return "try";
  }
  return "acquire";
}

std::optional<PortableLockEffect::Action> actionFromName(llvm::StringRef Name) {
  if (Name == "acquire")
    return PortableLockEffect::Action::Acquire;
  if (Name == "release")
    return PortableLockEffect::Action::Release;
  if (Name == "try")
    return PortableLockEffect::Action::TryAcquire;
  return std::nullopt;
}

llvm::json::Array indexArray(const std::vector<unsigned> &Indices) {
  llvm::json::Array Out;
  for (unsigned I : Indices)
    Out.push_back(static_cast<int64_t>(I));
  return Out;
}

std::vector<unsigned> indexList(const llvm::json::Object &O, llvm::StringRef Key) {
  std::vector<unsigned> Out;
  if (const llvm::json::Array *A = O.getArray(Key))
    for (const llvm::json::Value &V : *A)
      if (std::optional<int64_t> I = V.getAsInteger(); I && *I >= 0 && *I < 64)
        Out.push_back(static_cast<unsigned>(*I));
  return Out;
}

void addUnique(std::vector<unsigned> &To, const std::vector<unsigned> &From) {
  for (unsigned I : From)
    if (!llvm::is_contained(To, I))
      To.push_back(I);
  llvm::sort(To);
}

llvm::json::Object functionToJSON(const FunctionFacts &F) {
  llvm::json::Object O;
  if (F.ReturnsShm)
    O["returns"] = *F.ReturnsShm;
  if (F.ReturnsFromParams) {
    std::vector<unsigned> Params;
    for (unsigned I = 0; I < 64; ++I)
      if (F.ReturnsFromParams & (uint64_t(1) << I))
        Params.push_back(I);
    O["returnsFromParams"] = indexArray(Params);
  }
  if (!F.OutParams.empty())
    O["outParams"] = indexArray(F.OutParams);
  if (!F.ParamsReceivingShm.empty())
    O["paramsReceiving"] = indexArray(F.ParamsReceivingShm);
  if (!F.Locks.empty()) {
    llvm::json::Array Locks;
    for (const PortableLockEffect &E : F.Locks) {
      llvm::json::Object L{{"action", actionName(E.Act)}, {"kind", E.Kind}, {"lock", E.Key}};
      if (!E.Display.empty())
        L["display"] = E.Display;
      if (E.Shared)
        L["shared"] = true;
      if (E.Act == PortableLockEffect::Action::TryAcquire)
        L["success"] = E.SuccessIsZero ? "zero" : "nonzero";
      Locks.push_back(std::move(L));
    }
    O["locks"] = std::move(Locks);
  }
  if (F.Forks)
    O["forks"] = true;
  if (F.Joins)
    O["joins"] = true;
  if (F.EnteredConcurrently)
    O["enteredConcurrently"] = *F.EnteredConcurrently;
  if (F.Model)
    O["model"] = true;
  return O;
}

FunctionFacts functionFromJSON(const llvm::json::Object &O) {
  FunctionFacts F;
  if (std::optional<llvm::StringRef> R = O.getString("returns"))
    F.ReturnsShm = R->str();
  for (unsigned I : indexList(O, "returnsFromParams"))
    F.ReturnsFromParams |= uint64_t(1) << I;
  F.OutParams = indexList(O, "outParams");
  F.ParamsReceivingShm = indexList(O, "paramsReceiving");
  if (const llvm::json::Array *Locks = O.getArray("locks")) {
    for (const llvm::json::Value &V : *Locks) {
      const llvm::json::Object *L = V.getAsObject();
      if (!L)
        continue;
      std::optional<PortableLockEffect::Action> Act = actionFromName(L->getString("action").value_or(""));
      std::optional<llvm::StringRef> Key = L->getString("lock");
      if (!Act || !Key)
        continue;
      PortableLockEffect E;
      E.Act = *Act;
      E.Key = Key->str();
      E.Kind = L->getString("kind").value_or("mutex").str();
      E.Display = L->getString("display").value_or("").str();
      E.Shared = L->getBoolean("shared").value_or(false);
      E.SuccessIsZero = L->getString("success").value_or("zero") == "zero";
      F.Locks.push_back(std::move(E));
    }
  }
  F.Forks = O.getBoolean("forks").value_or(false);
  F.Joins = O.getBoolean("joins").value_or(false);
  if (std::optional<bool> C = O.getBoolean("enteredConcurrently"))
    F.EnteredConcurrently = *C;
  F.Model = O.getBoolean("model").value_or(false);
  return F;
}

} // namespace

const ProjectFacts *ProjectFacts::current() { return installed().get(); }

void ProjectFacts::install(ProjectFacts Facts) { installed() = std::make_unique<ProjectFacts>(std::move(Facts)); }

void ProjectFacts::addConfiguredNames(llvm::StringRef SharedMemoryFunctions, llvm::StringRef TryLockFunctions) {
  if (SharedMemoryFunctions.trim().empty() && TryLockFunctions.trim().empty())
    return;
  if (!installed())
    installed() = std::make_unique<ProjectFacts>();
  ProjectFacts &Facts = *installed();
  llvm::SmallVector<llvm::StringRef> Names;
  SharedMemoryFunctions.split(Names, ';', -1, false);
  for (llvm::StringRef Name : Names)
    if (!(Name = Name.trim()).empty()) {
      FunctionFacts &F = Facts.Functions[Name];
      F.ReturnsShm = "library";
      F.Model = true;
    }
  Names.clear();
  TryLockFunctions.split(Names, ';', -1, false);
  for (llvm::StringRef Entry : Names) {
    auto [Name, Success] = Entry.trim().split('=');
    if (Name.trim().empty())
      continue;
    FunctionFacts &F = Facts.Functions[Name.trim()];
    F.Model = true;
    PortableLockEffect E;
    E.Act = PortableLockEffect::Action::TryAcquire;
    E.Kind = "configured";
    E.Key = "{P:0}^";
    E.SuccessIsZero = Success.trim() == "0";
    if (!llvm::is_contained(F.Locks, E))
      F.Locks.push_back(std::move(E));
  }
}

const FunctionFacts *ProjectFacts::function(llvm::StringRef Name) const {
  auto It = Functions.find(Name);
  return It == Functions.end() ? nullptr : &It->second;
}

const FunctionFacts *ProjectFacts::function(const FunctionDecl *FD) const {
  if (!FD)
    return nullptr;
  std::string Name = indexName(FD);
  return Name.empty() ? nullptr : function(Name);
}

void ProjectFacts::merge(const ProjectFacts &Other) {
  for (const auto &Entry : Other.Functions) {
    FunctionFacts &F = Functions[Entry.getKey()];
    const FunctionFacts &O = Entry.getValue();
    if (!F.ReturnsShm)
      F.ReturnsShm = O.ReturnsShm;
    F.ReturnsFromParams |= O.ReturnsFromParams;
    addUnique(F.OutParams, O.OutParams);
    addUnique(F.ParamsReceivingShm, O.ParamsReceivingShm);
    if (F.Locks.empty() || (O.Model && !F.Model))
      F.Locks = O.Locks;
    F.Model |= O.Model;
    F.Forks |= O.Forks;
    F.Joins |= O.Joins;
    if (O.EnteredConcurrently)
      F.EnteredConcurrently = F.EnteredConcurrently.value_or(false) || *O.EnteredConcurrently;
  }
  for (const auto &Entry : Other.Macros)
    Macros.try_emplace(Entry.getKey(), Entry.getValue());
  for (const auto &Entry : Other.SharedGlobals)
    SharedGlobals.try_emplace(Entry.getKey(), Entry.getValue());
  for (const auto &Entry : Other.SharedFields)
    SharedFields.try_emplace(Entry.getKey(), Entry.getValue());
  for (const auto &Entry : Other.PrivateFields)
    PrivateFields.insert(Entry.getKey());
  ProgramSpawns |= Other.ProgramSpawns;
  WholeProgram |= Other.WholeProgram;
}

llvm::json::Value ProjectFacts::toJSON() const {
  // Sorted keys, so that equal facts give equal files.
  auto Sorted = [](const auto &Map) {
    std::vector<llvm::StringRef> Keys;
    for (const auto &Entry : Map)
      Keys.push_back(Entry.getKey());
    llvm::sort(Keys);
    return Keys;
  };
  llvm::json::Object FunctionObjects;
  for (llvm::StringRef Name : Sorted(Functions))
    if (!Functions.lookup(Name).empty())
      FunctionObjects[Name] = functionToJSON(Functions.lookup(Name));
  llvm::json::Object Globals;
  for (llvm::StringRef Name : Sorted(SharedGlobals))
    Globals[Name] = SharedGlobals.lookup(Name);
  llvm::json::Object Fields;
  for (llvm::StringRef Name : Sorted(SharedFields))
    Fields[Name] = SharedFields.lookup(Name);
  llvm::json::Array Private;
  for (llvm::StringRef Name : Sorted(PrivateFields))
    Private.push_back(Name);
  return llvm::json::Object{{"functions", std::move(FunctionObjects)},
                            {"globals", std::move(Globals)},
                            {"fields", std::move(Fields)},
                            {"privateFields", std::move(Private)},
                            {"programSpawns", ProgramSpawns},
                            {"wholeProgram", WholeProgram}};
}

llvm::Expected<ProjectFacts> ProjectFacts::fromJSON(const llvm::json::Value &V) {
  const llvm::json::Object *O = V.getAsObject();
  if (!O)
    return llvm::createStringError(llvm::inconvertibleErrorCode(), "facts: not a JSON object");
  ProjectFacts Facts;
  if (const llvm::json::Object *Functions = O->getObject("functions"))
    for (const auto &Entry : *Functions)
      if (const llvm::json::Object *F = Entry.second.getAsObject())
        Facts.Functions[Entry.first.str()] = functionFromJSON(*F);
  if (const llvm::json::Object *Globals = O->getObject("globals"))
    for (const auto &Entry : *Globals)
      Facts.SharedGlobals[Entry.first.str()] = Entry.second.getAsString().value_or("shared").str();
  if (const llvm::json::Object *Fields = O->getObject("fields"))
    for (const auto &Entry : *Fields)
      Facts.SharedFields[Entry.first.str()] = Entry.second.getAsString().value_or("shared").str();
  if (const llvm::json::Array *Private = O->getArray("privateFields"))
    for (const llvm::json::Value &Name : *Private)
      if (std::optional<llvm::StringRef> Text = Name.getAsString())
        Facts.PrivateFields.insert(*Text);
  Facts.ProgramSpawns = O->getBoolean("programSpawns").value_or(false);
  Facts.WholeProgram = O->getBoolean("wholeProgram").value_or(false);
  return Facts;
}

std::string indexName(const NamedDecl *D) {
  if (!D || !D->getDeclName().isIdentifier())
    return {};
  std::string Name = D->getQualifiedNameAsString();
  if (D->hasExternalFormalLinkage())
    return Name;
  // File-local: known by the translation unit that defines it.
  const SourceManager &SM = D->getASTContext().getSourceManager();
  OptionalFileEntryRef Main = SM.getFileEntryRefForID(SM.getMainFileID());
  return (Main ? Main->getName().str() : std::string("<unit>")) + "::" + Name;
}

std::string fieldIndexName(const Decl *D) {
  const auto *Field = llvm::dyn_cast_or_null<FieldDecl>(D);
  if (!Field || !Field->getIdentifier())
    return {};
  const RecordDecl *Record = Field->getParent();
  std::string RecordName;
  if (Record->getIdentifier())
    RecordName = Record->getQualifiedNameAsString();
  else if (const TypedefNameDecl *Typedef = Record->getTypedefNameForAnonDecl())
    RecordName = Typedef->getQualifiedNameAsString();
  if (RecordName.empty())
    return {};
  return RecordName + "." + Field->getName().str();
}

} // namespace clang::tidy::shm
