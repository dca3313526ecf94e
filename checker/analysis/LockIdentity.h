// Canonical names of lock objects, so that two spellings of one lock match.
//
// A key is a root followed by a path:
//   roots  {G:p} global or static variable   {V:p} local variable
//          {P:f:i} parameter i of function f  {T:f} `this` of method f
//          {N:v} integer constant             {X:p} anything else (unique)
//          {C} "a lock every caller holds" (entry states of callees)
//   path   ^ dereference   & address-of   .name member   [key] index
//          #key semaphore number of a System V set
// `&` followed by `^` (and `^` followed by `&`) cancel, so `&s->m`, `&(*s).m`
// and `(&*s)->m` all name `{V:s}^.m`. Parameters are rooted at the function,
// which lets a summary be translated to the caller's arguments.
#pragma once

#include "clang/AST/Decl.h"
#include "clang/AST/Expr.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"

#include <optional>
#include <string>

namespace clang::tidy::shm {

/// Key of the value of E (a pointer, an integer, an object) as seen inside
/// function Scope (whose parameters become {P:...} roots).
std::string valueKey(const Expr *E, const FunctionDecl *Scope);

/// Key of the object a pointer expression points to: valueKey(P) + "^".
std::string pointeeKey(const Expr *P, const FunctionDecl *Scope);

/// Key of a lock named by E: the pointee for pointers, E itself otherwise
/// (a std::mutex lvalue, a semaphore set id).
std::string lockObjectKey(const Expr *E, const FunctionDecl *Scope);

/// Key of a variable (its object, not its address).
std::string variableKey(const VarDecl *Var);

/// Key of `this` of method M as a pointer.
std::string thisKey(const FunctionDecl *M);

/// Appends a path to a key, cancelling `&^` and `^&` at the junction.
std::string appendPath(llvm::StringRef Base, llvm::StringRef Path);

/// Replaces the roots {P:Callee:i} (and {T:Callee}) in Key by the keys that
/// ArgumentKey returns for parameter i (-1 for `this`). Returns nullopt if an
/// argument has no key.
std::optional<std::string>
substituteParameters(llvm::StringRef Key, const FunctionDecl *Callee,
                     llvm::function_ref<std::optional<std::string>(int)> ArgumentKey);

/// Key rooted at a parameter or `this` of some function ({P:..} or {T:..}).
bool isParameterRooted(llvm::StringRef Key);

/// Key rooted at a local variable or an unnamed expression: meaningless
/// outside its function.
bool isLocallyRooted(llvm::StringRef Key);

/// The key naming "some lock every caller holds".
llvm::StringRef callerHeldKey();

/// Prefix of the keys of file locks held by an open file description (flock,
/// fcntl F_OFD_*); record locks held by the process (lockf, fcntl) use "{F}".
llvm::StringRef flockKeyPrefix();

/// How the source spells E, for messages ("seg->lock"); leading `&` dropped.
std::string spelling(const Expr *E, const ASTContext &Ctx);

/// A key taken apart: its root and the path after it. Roots name the
/// declarations of the translation unit the key was made in, by address.
struct KeyRoot {
  char Kind = 0;           ///< 'G', 'V', 'P', 'T', 'N', 'X', 'C', 'E'; 0: unparsed
  const Decl *D = nullptr; ///< G/V: the variable; P: the function; T: the method
  unsigned Param = 0;      ///< P: the parameter index
  llvm::StringRef Path;    ///< what follows the root
};
KeyRoot splitKey(llvm::StringRef Key);

/// One step of a key's path.
struct PathStep {
  char Op = 0;          ///< '^', '&', '.', '[', '#'
  llvm::StringRef Text; ///< member name, index or set number key
};
/// The steps of a path ("^.m[{N:3}]" -> ^, .m, [{N:3}]).
llvm::SmallVector<PathStep, 4> pathSteps(llvm::StringRef Path);

} // namespace clang::tidy::shm
