#include "suppressions.h"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace shmcheck::report {
namespace {

std::string_view trimmed(std::string_view text) {
  const char *space = " \t\r\v\f";
  size_t start = text.find_first_not_of(space);
  if (start == std::string_view::npos) return {};
  size_t end = text.find_last_not_of(space);
  return text.substr(start, end - start + 1);
}

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && text.compare(0, prefix.size(), prefix) == 0;
}

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Types TSan knows that describe reports shmcheck never makes.
bool is_other_tsan_type(std::string_view type) {
  for (const char *known : {"thread", "mutex", "signal", "deadlock", "called_from_lib"})
    if (type == known) return true;
  return false;
}

bool frame_matches(const Suppression &s, const PrintedFrame &frame) {
  for (const std::string *field : {&frame.function, &frame.file, &frame.module})
    if (!field->empty() && pattern_matches(s.pattern, *field)) return true;
  return false;
}

bool stack_matches(const Suppression &s, const std::vector<PrintedFrame> &stack) {
  size_t depth = s.kind == SuppressionKind::RaceTop ? 1 : stack.size();
  for (size_t i = 0; i < depth && i < stack.size(); ++i)
    if (frame_matches(s, stack[i])) return true;
  return false;
}

}  // namespace

bool pattern_matches(std::string_view pattern, std::string_view text) {
  bool anchored_start = starts_with(pattern, "^");
  if (anchored_start) pattern.remove_prefix(1);
  bool anchored_end = ends_with(pattern, "$");
  if (anchored_end) pattern.remove_suffix(1);

  std::vector<std::string_view> pieces;  // the literal runs between '*'s
  for (size_t start = 0;;) {
    size_t star = pattern.find('*', start);
    pieces.push_back(pattern.substr(start, star == std::string_view::npos ? star : star - start));
    if (star == std::string_view::npos) break;
    start = star + 1;
  }

  if (pieces.size() == 1) {
    std::string_view literal = pieces[0];
    if (anchored_start && anchored_end) return text == literal;
    if (anchored_start) return starts_with(text, literal);
    if (anchored_end) return ends_with(text, literal);
    return text.find(literal) != std::string_view::npos;
  }

  // Leftmost placement of every piece but the last leaves the most room for
  // the rest, so it finds a match whenever there is one.
  size_t pos = 0;
  if (anchored_start) {
    if (!starts_with(text, pieces[0])) return false;
    pos = pieces[0].size();
  } else {
    size_t found = text.find(pieces[0]);
    if (found == std::string_view::npos) return false;
    pos = found + pieces[0].size();
  }
  for (size_t i = 1; i + 1 < pieces.size(); ++i) {
    size_t found = text.find(pieces[i], pos);
    if (found == std::string_view::npos) return false;
    pos = found + pieces[i].size();
  }
  std::string_view last = pieces.back();
  if (anchored_end) return text.size() - pos >= last.size() && ends_with(text, last);
  return text.find(last, pos) != std::string_view::npos;
}

bool SuppressionList::parse(std::string_view text, const std::string &source,
                            std::string *error) {
  std::vector<Suppression> parsed;
  unsigned number = 0;
  for (size_t start = 0; start <= text.size();) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = trimmed(text.substr(start, end - start));
    start = end + 1;
    ++number;
    if (line.empty() || line[0] == '#') continue;

    auto fail = [&](const std::string &problem) {
      if (error != nullptr)
        *error = source + " line " + std::to_string(number) + ": " + problem;
      return false;
    };
    size_t colon = line.find(':');
    if (colon == std::string_view::npos)
      return fail("expected 'race:PATTERN', got '" + std::string(line) + "'");
    std::string_view type = trimmed(line.substr(0, colon));
    std::string_view pattern = trimmed(line.substr(colon + 1));
    SuppressionKind kind;
    if (type == "race") {
      kind = SuppressionKind::Race;
    } else if (type == "race_top") {
      kind = SuppressionKind::RaceTop;
    } else if (is_other_tsan_type(type)) {
      continue;
    } else {
      return fail("unknown type '" + std::string(type) + "' (expected 'race' or 'race_top')");
    }
    std::string_view bare = pattern;
    if (starts_with(bare, "^")) bare.remove_prefix(1);
    if (ends_with(bare, "$")) bare.remove_suffix(1);
    if (bare.empty()) return fail("empty pattern after '" + std::string(type) + ":'");
    parsed.push_back(Suppression{kind, std::string(pattern), source, number});
  }
  entries_.insert(entries_.end(), parsed.begin(), parsed.end());
  return true;
}

bool read_suppressions_file(const std::string &path, std::string &text, std::string *reason) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer.
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) {
    *reason = strerror(errno);
    return false;
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    *reason = "not a regular file";
    close(fd);
    return false;
  }
  text.clear();
  char buffer[4096];
  for (;;) {
    ssize_t n = read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      *reason = strerror(errno);
      close(fd);
      return false;
    }
    if (n == 0) break;
    if (text.size() + static_cast<size_t>(n) > kMaxSuppressionsBytes) {
      *reason = "larger than " + std::to_string(kMaxSuppressionsBytes >> 20) + " MiB";
      close(fd);
      return false;
    }
    text.append(buffer, static_cast<size_t>(n));
  }
  close(fd);
  return true;
}

bool SuppressionList::load_file(const std::string &path, std::string *error) {
  std::string text, reason;
  if (!read_suppressions_file(path, text, &reason)) {
    if (error != nullptr) *error = "cannot read suppressions '" + path + "': " + reason;
    return false;
  }
  return parse(text, "suppressions '" + path + "'", error);
}

int SuppressionList::match(const PrintedRace &race) const {
  for (size_t i = 0; i < entries_.size(); ++i) {
    const Suppression &s = entries_[i];
    if (stack_matches(s, race.current.stack) || stack_matches(s, race.previous.stack))
      return static_cast<int>(i);
  }
  return -1;
}

}  // namespace shmcheck::report
