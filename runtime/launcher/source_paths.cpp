#include "source_paths.h"

#include <climits>
#include <cstdlib>

#include <fmt/format.h>

namespace shmcheck::launcher {
namespace {

bool starts_with(const std::string &text, std::string_view prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

// Symlinks resolved when the file exists here; else the path as given.
std::string resolved(const std::string &path) {
  char buffer[PATH_MAX];
  if (realpath(path.c_str(), buffer) != nullptr) return buffer;
  return path;
}

bool is_system_file(const std::string &file) {
  return file.empty() || file[0] != '/' || starts_with(file, "/usr/") ||
         starts_with(file, "/lib/") || starts_with(file, "/lib64/");
}

}  // namespace

std::string encode_uri_path(std::string_view path) {
  static constexpr std::string_view kKept = "-._~/!$&'()*+,;=:@";
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : path) {
    bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (alnum || kKept.find(static_cast<char>(c)) != std::string_view::npos) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  return out;
}

SourcePaths::SourcePaths(const std::string &root) : root_(resolved(root)) {
  while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
}

std::string SourcePaths::root_uri() const {
  std::string uri = "file://" + encode_uri_path(root_);
  if (uri.back() != '/') uri += '/';
  return uri;
}

std::string SourcePaths::relative(const std::string &file) const {
  if (file.empty() || file[0] != '/') return {};
  std::string real = resolved(file);
  if (root_ == "/") return real.substr(1);
  if (real.size() > root_.size() + 1 && starts_with(real, root_) && real[root_.size()] == '/')
    return real.substr(root_.size() + 1);
  return {};
}

SourcePaths::Uri SourcePaths::uri_for(const std::string &file) const {
  Uri out;
  std::string rel = relative(file);
  if (!rel.empty()) {
    out.uri = encode_uri_path(rel);
    out.under_root = true;
  } else if (!file.empty() && file[0] == '/') {
    out.uri = "file://" + encode_uri_path(resolved(file));
  } else {
    out.uri = encode_uri_path(file);
  }
  return out;
}

std::string SourcePaths::display(const std::string &file) const {
  std::string rel = relative(file);
  return rel.empty() ? file : rel;
}

const report::PrintedFrame *SourcePaths::user_frame(
    const std::vector<report::PrintedFrame> &stack) const {
  for (const report::PrintedFrame &f : stack)
    if (!relative(f.file).empty()) return &f;
  for (const report::PrintedFrame &f : stack)
    if (report::is_program_frame(f) && !is_system_file(f.file)) return &f;
  for (const report::PrintedFrame &f : stack)
    if (report::is_program_frame(f)) return &f;
  for (const report::PrintedFrame &f : stack)
    if (!is_system_file(f.file)) return &f;
  for (const report::PrintedFrame &f : stack)
    if (!f.file.empty()) return &f;
  return stack.empty() ? nullptr : &stack[0];
}

std::string SourcePaths::location(const std::vector<report::PrintedFrame> &stack) const {
  const report::PrintedFrame *f = user_frame(stack);
  if (f == nullptr) return "<unknown location>";
  std::string function = f->function.empty() ? "<unknown>" : f->function;
  if (f->file.empty()) {
    if (f->module.empty()) return fmt::format("{} (0x{:x})", function, f->address);
    return fmt::format("{} ({}+0x{:x})", function, f->module, f->address);
  }
  return fmt::format("{}:{} in {}", display(f->file), f->line, function);
}

}  // namespace shmcheck::launcher
