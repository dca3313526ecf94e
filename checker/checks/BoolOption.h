// Boolean check options, read and written as text.
//
// ClangTidyCheck::OptionsView's get<bool>/store<bool> are explicit
// specializations compiled into libclangTidy by clang; gcc mangles their
// enable_if return type differently, so a gcc-built checker cannot link
// against them. The text forms below accept what clang-tidy accepts.
#pragma once

#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/StringSwitch.h"

namespace clang::tidy::shm {

inline bool parseBoolOption(llvm::StringRef Text, bool Default) {
  return llvm::StringSwitch<bool>(Text.trim().lower())
      .Cases("true", "1", "on", "yes", true)
      .Cases("false", "0", "off", "no", false)
      .Default(Default);
}

inline llvm::StringRef boolOptionText(bool Value) {
  return Value ? "true" : "false";
}

} // namespace clang::tidy::shm
