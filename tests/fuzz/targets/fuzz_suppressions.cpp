// libFuzzer target: the suppressions parser and matcher
// (runtime/report/suppressions.cpp).
//
// The input is split in three at the first two NULs: a suppressions file,
// a pattern and a text. The file either parses or fails with one line
// "<source> line N: ..."; the parsed entries are matched against a race
// whose frames carry the text. The pattern is matched against the text and
// checked against a plain dynamic-programming matcher of the same syntax.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "suppressions.h"

using namespace shmcheck::report;

namespace {

[[noreturn]] void broken(const char *what, std::string_view a, std::string_view b = {}) {
  fprintf(stderr, "fuzz_suppressions: %s: '%.*s' '%.*s'\n", what, static_cast<int>(a.size()),
          a.data(), static_cast<int>(b.size()), b.data());
  abort();
}

// The documented syntax, the slow way: '^' first anchors the start, '$'
// last anchors the end, '*' matches any run, everything else itself.
bool reference_match(std::string_view pattern, std::string_view text) {
  std::string p = "*";
  if (!pattern.empty() && pattern.front() == '^') {
    p.clear();
    pattern.remove_prefix(1);
  }
  bool end_anchored = !pattern.empty() && pattern.back() == '$';
  if (end_anchored) pattern.remove_suffix(1);
  p += pattern;
  if (!end_anchored) p += '*';
  // reach[j]: p[0, i) matches text[0, j).
  std::vector<char> reach(text.size() + 1, 0), next(text.size() + 1, 0);
  reach[0] = 1;
  for (char c : p) {
    std::fill(next.begin(), next.end(), 0);
    for (size_t j = 0; j <= text.size(); ++j) {
      if (c == '*') next[j] = reach[j] || (j > 0 && next[j - 1]);
      else next[j] = j > 0 && reach[j - 1] && text[j - 1] == c;
    }
    reach.swap(next);
  }
  return reach[text.size()] != 0;
}

std::string_view take_until_nul(std::string_view &rest) {
  size_t nul = rest.find('\0');
  std::string_view part = rest.substr(0, nul);
  rest.remove_prefix(nul == std::string_view::npos ? rest.size() : nul + 1);
  return part;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string_view rest(reinterpret_cast<const char *>(data), size);
  const std::string_view file = take_until_nul(rest);
  const std::string_view pattern = take_until_nul(rest);
  const std::string_view text = rest;

  SuppressionList list;
  std::string error;
  if (!list.parse(file, "suppressions 'fuzz.supp'", &error)) {
    const std::string where = "suppressions 'fuzz.supp' line ";
    if (error.compare(0, where.size(), where) != 0 || error.find('\n') != std::string::npos)
      broken("error without its line", file, error);
    if (!list.empty()) broken("a failed parse added entries", file);
  } else {
    for (const Suppression &s : list.entries()) {
      std::string_view bare = s.pattern;
      if (!bare.empty() && bare.front() == '^') bare.remove_prefix(1);
      if (!bare.empty() && bare.back() == '$') bare.remove_suffix(1);
      if (bare.empty()) broken("an empty pattern was accepted", file);
    }
  }
  PrintedRace race;
  PrintedFrame frame;
  frame.function = std::string(text);
  frame.file = std::string(pattern);
  frame.module = "module";
  race.current.stack = {frame, frame};
  race.previous.stack = {frame};
  const int matched = list.match(race);
  if (matched < -1 || matched >= static_cast<int>(list.entries().size()))
    broken("match index out of range", file);

  // Keep the reference affordable: it is quadratic.
  if (pattern.size() <= 64 && text.size() <= 256 &&
      pattern_matches(pattern, text) != reference_match(pattern, text))
    broken("pattern_matches disagrees with the reference", pattern, text);
  return 0;
}
