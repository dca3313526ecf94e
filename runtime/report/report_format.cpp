#include "report_format.h"

#include <cstring>

#include <fmt/format.h>

namespace shmcheck::report {
namespace {

constexpr const char *kRule = "==================\n";

std::string stripped(const std::string &path, const std::string &prefix) {
  if (!prefix.empty() && path.compare(0, prefix.size(), prefix) == 0)
    return path.substr(prefix.size());
  return path;
}

std::string capitalized(std::string text) {
  if (!text.empty() && text[0] >= 'a' && text[0] <= 'z') text[0] = static_cast<char>(text[0] - 32);
  return text;
}

std::string module_suffix(const PrintedFrame &f) {
  if (f.module.empty()) return fmt::format("(0x{:x})", f.address);
  return fmt::format("({}+0x{:x})", f.module, f.address);
}

void append_stack(std::string &out, const std::vector<PrintedFrame> &stack,
                  const std::string &prefix,
                  const std::string &missing = "<stack not recorded>") {
  if (stack.empty()) {
    out += "    " + missing + "\n";
    return;
  }
  for (size_t i = 0; i < stack.size(); ++i) {
    const PrintedFrame &f = stack[i];
    std::string function = f.function.empty() ? "<unknown>" : f.function;
    if (f.file.empty()) {
      out += fmt::format("    #{} {} {}\n", i, function, module_suffix(f));
    } else if (f.column != 0) {
      out += fmt::format("    #{} {} {}:{}:{} {}\n", i, function, stripped(f.file, prefix),
                         f.line, f.column, module_suffix(f));
    } else {
      out += fmt::format("    #{} {} {}:{} {}\n", i, function, stripped(f.file, prefix), f.line,
                         module_suffix(f));
    }
  }
}

std::string locks_text(const std::vector<std::string> &locks) {
  if (locks.empty()) return "none";
  std::string text;
  for (const std::string &lock : locks) {
    if (!text.empty()) text += ", ";
    text += lock;
  }
  return text;
}

void append_access(std::string &out, const PrintedAccess &a, bool previous,
                   const std::string &segment, const std::string &prefix) {
  std::string kind = previous ? "Previous " + a.kind : capitalized(a.kind);
  if (!a.known) {
    out += fmt::format("  {} at {} offset 0x{:x} by an unknown thread (its history was "
                       "overwritten):\n    <stack not recorded>\n",
                       kind, segment, a.offset);
    return;
  }
  out += fmt::format("  {} of size {} at {} offset 0x{:x} by pid {} thread {} (locks: {}):\n",
                     kind, a.size, segment, a.offset, a.pid, a.tid, locks_text(a.locks));
  append_stack(out, a.stack, prefix, a.stack_missing);
}

}  // namespace

bool is_program_frame(const PrintedFrame &frame) {
  // Module names as the dynamic loader spells them (libc.so.6,
  // ld-linux-x86-64.so.2, libstdc++.so.6...).
  static constexpr const char *kNotProgram[] = {
      "libc.so", "libc-", "ld-linux", "ld64.so", "libstdc++.so", "libgcc_s.so", "libpthread.so",
      "libm.so", "libdl.so", "librt.so", "libshmcheck.so"};
  for (const char *prefix : kNotProgram)
    if (frame.module.compare(0, strlen(prefix), prefix) == 0) return false;
  return true;
}

const PrintedFrame *program_frame(const std::vector<PrintedFrame> &stack) {
  for (const PrintedFrame &f : stack)
    if (is_program_frame(f)) return &f;
  return stack.empty() ? nullptr : &stack[0];
}

std::string summary_location(const std::vector<PrintedFrame> &stack, const std::string &prefix) {
  const PrintedFrame *f = program_frame(stack);
  if (f == nullptr) return "<unknown location>";
  std::string function = f->function.empty() ? "<unknown>" : f->function;
  if (f->file.empty()) return fmt::format("{} {}", function, module_suffix(*f));
  return fmt::format("{}:{} in {}", stripped(f->file, prefix), f->line, function);
}

std::string format_race(const PrintedRace &race, const std::string &prefix) {
  std::string out = kRule;
  out += fmt::format("WARNING: shmcheck: data race (pid={})\n", race.detector_pid);
  append_access(out, race.current, false, race.segment, prefix);
  out += "\n";
  append_access(out, race.previous, true, race.segment, prefix);
  out += "\n";
  if (race.where_pid != 0) {
    out += fmt::format("  Location is {} of size {}, first attached by pid {} thread {}{}\n",
                       race.segment, race.segment_size, race.where_pid, race.where_tid,
                       race.where.empty() ? "." : " at:");
    if (!race.where.empty()) append_stack(out, race.where, prefix);
  } else {
    out += fmt::format("  Location is {} of size {}.\n", race.segment, race.segment_size);
  }
  out += "\n";
  out += fmt::format("SUMMARY: shmcheck: data race {}\n",
                     summary_location(race.current.stack, prefix));
  out += kRule;
  return out;
}

}  // namespace shmcheck::report
