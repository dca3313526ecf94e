#include "summary/LibraryModels.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/YAMLParser.h"

namespace clang::tidy::shm {
namespace {

using llvm::yaml::MappingNode;
using llvm::yaml::ScalarNode;
using llvm::yaml::SequenceNode;

std::string scalar(llvm::yaml::Node *N) {
  llvm::SmallString<64> Storage;
  if (auto *S = llvm::dyn_cast_or_null<ScalarNode>(N))
    return S->getValue(Storage).str();
  return {};
}

std::optional<unsigned> index(llvm::yaml::Node *N) {
  unsigned I = 0;
  std::string Text = scalar(N);
  if (Text.empty() || llvm::StringRef(Text).getAsInteger(10, I) || I >= 63)
    return std::nullopt;
  return I;
}

std::vector<unsigned> indices(llvm::yaml::Node *N) {
  std::vector<unsigned> Out;
  if (auto *Seq = llvm::dyn_cast_or_null<SequenceNode>(N)) {
    for (llvm::yaml::Node &Item : *Seq)
      if (std::optional<unsigned> I = index(&Item))
        Out.push_back(*I);
  } else if (std::optional<unsigned> I = index(N)) {
    Out.push_back(*I);
  }
  return Out;
}

llvm::Error modelError(llvm::StringRef Name, const llvm::Twine &Message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), (Name + ": " + Message).str());
}

llvm::Expected<FunctionFacts> parseFunction(MappingNode *Map, llvm::StringRef File, llvm::StringRef Function) {
  FunctionFacts F;
  F.Model = true;
  std::optional<PortableLockEffect> Lock;
  std::string Kind = "mutex", Key, Success = "zero";
  bool Shared = false;
  for (llvm::yaml::KeyValueNode &Entry : *Map) {
    std::string Name = scalar(Entry.getKey());
    llvm::yaml::Node *Value = Entry.getValue();
    auto LockOn = [&](PortableLockEffect::Action Act) -> llvm::Error {
      Lock = PortableLockEffect();
      Lock->Act = Act;
      if (scalar(Value) == "this") {
        Key = "{T}^";
        return llvm::Error::success();
      }
      std::optional<unsigned> I = index(Value);
      if (!I)
        return modelError(File, Function + ": '" + Name + "' expects an argument number or 'this'");
      Key = "{P:" + std::to_string(*I) + "}^";
      return llvm::Error::success();
    };
    if (Name == "returns") {
      if (scalar(Value) != "shared")
        return modelError(File, Function + ": 'returns' can only be 'shared'");
      F.ReturnsShm = "library";
    } else if (Name == "returns-from") {
      for (unsigned I : indices(Value))
        F.ReturnsFromParams |= uint64_t(1) << I;
    } else if (Name == "fills") {
      F.OutParams = indices(Value);
    } else if (Name == "acquires") {
      if (llvm::Error E = LockOn(PortableLockEffect::Action::Acquire))
        return E;
    } else if (Name == "releases") {
      if (llvm::Error E = LockOn(PortableLockEffect::Action::Release))
        return E;
    } else if (Name == "tries") {
      if (llvm::Error E = LockOn(PortableLockEffect::Action::TryAcquire))
        return E;
    } else if (Name == "success") {
      Success = scalar(Value);
      if (Success != "zero" && Success != "nonzero")
        return modelError(File, Function + ": 'success' is 'zero' or 'nonzero'");
    } else if (Name == "kind") {
      Kind = scalar(Value);
    } else if (Name == "shared") {
      Shared = scalar(Value) == "true";
    } else if (Name == "lock") {
      Key = scalar(Value);
    } else if (Name == "forks") {
      F.Forks = scalar(Value) == "true";
    } else if (Name == "joins") {
      F.Joins = scalar(Value) == "true";
    } else {
      return modelError(File, Function + ": unknown key '" + Name + "'");
    }
  }
  if (Lock) {
    Lock->Kind = Kind;
    Lock->Shared = Shared;
    Lock->Key = Key;
    Lock->SuccessIsZero = Success == "zero";
    F.Locks.push_back(std::move(*Lock));
  }
  return F;
}

} // namespace

llvm::Expected<ProjectFacts> parseLibraryModel(llvm::StringRef Text, llvm::StringRef Name) {
  llvm::SourceMgr SM;
  std::string Problem;
  SM.setDiagHandler(
      [](const llvm::SMDiagnostic &D, void *Context) {
        auto &Out = *static_cast<std::string *>(Context);
        if (Out.empty())
          Out = ("line " + llvm::Twine(D.getLineNo()) + ": " + D.getMessage()).str();
      },
      &Problem);
  llvm::yaml::Stream Stream(Text, SM);
  ProjectFacts Facts;
  for (llvm::yaml::Document &Doc : Stream) {
    auto *Root = llvm::dyn_cast_or_null<MappingNode>(Doc.getRoot());
    if (!Root)
      break;
    for (llvm::yaml::KeyValueNode &Entry : *Root) {
      std::string Key = scalar(Entry.getKey());
      if (Key == "library")
        continue;
      if (Key != "functions" && Key != "macros")
        return modelError(Name, "unknown key '" + Key + "' (expected 'library', 'functions' and 'macros')");
      auto *Functions = llvm::dyn_cast_or_null<MappingNode>(Entry.getValue());
      if (!Functions)
        return modelError(Name, "'" + Key + "' must map names to what they do");
      llvm::StringMap<FunctionFacts> &Into = Key == "macros" ? Facts.Macros : Facts.Functions;
      for (llvm::yaml::KeyValueNode &Function : *Functions) {
        std::string FunctionName = scalar(Function.getKey());
        auto *Map = llvm::dyn_cast_or_null<MappingNode>(Function.getValue());
        if (FunctionName.empty() || !Map)
          return modelError(Name, "each function maps to its properties, e.g. '{ acquires: 0 }'");
        llvm::Expected<FunctionFacts> F = parseFunction(Map, Name, FunctionName);
        if (!F)
          return F.takeError();
        Into[FunctionName] = std::move(*F);
      }
    }
  }
  if (!Problem.empty())
    return modelError(Name, Problem);
  return Facts;
}

ProjectFacts loadLibraryModels(llvm::StringRef Dir, std::vector<std::string> &Errors) {
  ProjectFacts All;
  std::error_code EC;
  std::vector<std::string> Files;
  for (llvm::sys::fs::directory_iterator It(Dir, EC), End; It != End && !EC; It.increment(EC))
    if (llvm::sys::path::extension(It->path()) == ".yaml")
      Files.push_back(It->path());
  llvm::sort(Files);
  for (const std::string &File : Files) {
    auto Text = llvm::MemoryBuffer::getFile(File);
    if (!Text) {
      Errors.push_back(File + ": " + Text.getError().message());
      continue;
    }
    llvm::Expected<ProjectFacts> Facts = parseLibraryModel((*Text)->getBuffer(), File);
    if (!Facts) {
      Errors.push_back(llvm::toString(Facts.takeError()));
      continue;
    }
    All.merge(*Facts);
  }
  return All;
}

} // namespace clang::tidy::shm
