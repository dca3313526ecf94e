// Suppressions: TSan's syntax, pattern matching, which frames a kind looks
// at, and the errors for malformed input.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include <unistd.h>

#include "suppressions.h"

namespace shmcheck::report {
namespace {

PrintedFrame frame(const char *function, const char *file, const char *module) {
  PrintedFrame f;
  f.function = function;
  f.file = file;
  f.line = 10;
  f.module = module;
  return f;
}

// A race whose current access is in libc's memcpy called from copy_in, and
// whose previous access is in update_stats.
PrintedRace sample_race() {
  PrintedRace race;
  race.current.kind = "write";
  race.current.stack = {frame("__memmove_avx_unaligned", "", "libc.so.6"),
                        frame("copy_in", "/src/app/io.c", "app"),
                        frame("main", "/src/app/main.c", "app")};
  race.previous.kind = "read";
  race.previous.stack = {frame("update_stats", "/src/lib/stats.c", "libstats.so"),
                         frame("worker", "/src/app/worker.c", "app")};
  return race;
}

TEST(SuppressionPattern, MatchesAnywhereUnlessAnchored) {
  EXPECT_TRUE(pattern_matches("stats", "update_stats"));
  EXPECT_TRUE(pattern_matches("date", "update_stats"));
  EXPECT_FALSE(pattern_matches("^stats", "update_stats"));
  EXPECT_TRUE(pattern_matches("^update", "update_stats"));
  EXPECT_TRUE(pattern_matches("stats$", "update_stats"));
  EXPECT_FALSE(pattern_matches("update$", "update_stats"));
  EXPECT_TRUE(pattern_matches("^update_stats$", "update_stats"));
  EXPECT_FALSE(pattern_matches("^update_stat$", "update_stats"));
  EXPECT_FALSE(pattern_matches("missing", "update_stats"));
}

TEST(SuppressionPattern, StarMatchesAnyRun) {
  EXPECT_TRUE(pattern_matches("up*stats", "update_stats"));
  EXPECT_TRUE(pattern_matches("^up*stats$", "update_stats"));
  EXPECT_TRUE(pattern_matches("*", "anything"));
  EXPECT_TRUE(pattern_matches("*", ""));
  EXPECT_TRUE(pattern_matches("^*$", "x"));
  EXPECT_TRUE(pattern_matches("a*b*c", "xxaYYbZZcxx"));
  EXPECT_FALSE(pattern_matches("a*b*c", "xxaYYcZZbxx"));
  EXPECT_TRUE(pattern_matches("^a*a$", "aa"));
  EXPECT_FALSE(pattern_matches("^a*a$", "a"));  // the two a's may not overlap
  EXPECT_TRUE(pattern_matches("/src/*/io.c", "/src/app/io.c"));
  EXPECT_TRUE(pattern_matches("^ns::*::get$", "ns::Table::get"));
  EXPECT_FALSE(pattern_matches("^ns::*::get$", "ns::Table::get_all"));
}

TEST(Suppressions, ParsesTsanSyntax) {
  SuppressionList list;
  std::string error;
  ASSERT_TRUE(list.parse("# known races\n"
                         "\n"
                         "race:update_stats\n"
                         "  race_top:^memcpy$  \n"
                         "thread:ignored_kind\n"
                         "race:/third_party/*\r\n",
                         "suppressions 'test.supp'", &error))
      << error;
  ASSERT_EQ(list.entries().size(), 3u);
  EXPECT_EQ(list.entries()[0].kind, SuppressionKind::Race);
  EXPECT_EQ(list.entries()[0].pattern, "update_stats");
  EXPECT_EQ(list.entries()[0].line, 3u);
  EXPECT_EQ(list.entries()[1].kind, SuppressionKind::RaceTop);
  EXPECT_EQ(list.entries()[1].pattern, "^memcpy$");
  EXPECT_EQ(list.entries()[1].line, 4u);
  EXPECT_EQ(list.entries()[2].pattern, "/third_party/*");
  EXPECT_EQ(list.entries()[2].line, 6u);
}

TEST(Suppressions, MalformedLinesNameTheLine) {
  struct Case {
    const char *text;
    const char *error;
  };
  const Case cases[] = {
      {"race:ok\nno colon here\n", "s line 2: expected 'race:PATTERN', got 'no colon here'"},
      {"race:\n", "s line 1: empty pattern after 'race:'"},
      {"\n\nrace_top:^$\n", "s line 3: empty pattern after 'race_top:'"},
      {"deadlock:x\nrace_bottom:foo\n",
       "s line 2: unknown type 'race_bottom' (expected 'race' or 'race_top')"},
  };
  for (const Case &c : cases) {
    SuppressionList list;
    std::string error;
    EXPECT_FALSE(list.parse(c.text, "s", &error)) << c.text;
    EXPECT_EQ(error, c.error);
    EXPECT_TRUE(list.empty()) << "a malformed text adds nothing";
  }
}

TEST(Suppressions, RaceLooksAtEveryFrameOfBothAccesses) {
  PrintedRace race = sample_race();
  const std::pair<const char *, bool> cases[] = {
      {"race:copy_in", true},          // second frame of the current access
      {"race:worker", true},           // second frame of the previous access
      {"race:/src/lib/stats.c", true}, // a file
      {"race:^libstats.so$", true},    // a module
      {"race:^main.c$", false},        // anchors apply to the whole file path
      {"race:unrelated", false},
  };
  for (const auto &[text, expected] : cases) {
    SuppressionList list;
    std::string error;
    ASSERT_TRUE(list.parse(text, "s", &error)) << error;
    EXPECT_EQ(list.match(race) == 0, expected) << text;
  }
}

TEST(Suppressions, RaceTopLooksOnlyAtTopFrames) {
  PrintedRace race = sample_race();
  const std::pair<const char *, bool> cases[] = {
      {"race_top:memmove", true},      // top of the current access
      {"race_top:update_stats", true}, // top of the previous access
      {"race_top:libc.so", true},      // top frame's module
      {"race_top:copy_in", false},     // second frame
      {"race_top:worker", false},
  };
  for (const auto &[text, expected] : cases) {
    SuppressionList list;
    std::string error;
    ASSERT_TRUE(list.parse(text, "s", &error)) << error;
    EXPECT_EQ(list.match(race) == 0, expected) << text;
  }
}

TEST(Suppressions, MatchReturnsTheFirstMatchingEntry) {
  SuppressionList list;
  std::string error;
  ASSERT_TRUE(list.parse("race:nothing\nrace:worker\nrace:copy_in\n", "s", &error));
  EXPECT_EQ(list.match(sample_race()), 1);
  PrintedRace unknown_previous = sample_race();
  unknown_previous.previous.stack.clear();
  EXPECT_EQ(list.match(unknown_previous), 2);
}

// A file removed at the end of the test, also when it fails.
class TemporaryFile {
 public:
  explicit TemporaryFile(const std::string &text) {
    char templ[] = "/tmp/shmcheck-supp-test-XXXXXX";
    int fd = mkstemp(templ);
    if (fd < 0) return;
    path_ = templ;
    ssize_t written = write(fd, text.data(), text.size());
    (void)written;
    close(fd);
  }
  ~TemporaryFile() { remove(); }
  void remove() {
    if (!path_.empty()) unlink(path_.c_str());
  }
  const std::string &path() const { return path_; }

 private:
  std::string path_;
};

TEST(Suppressions, LoadsFilesAndExplainsUnreadableOnes) {
  TemporaryFile file("race:copy_in\nbogus\n");
  ASSERT_FALSE(file.path().empty());
  SuppressionList list;
  std::string error;
  EXPECT_FALSE(list.load_file(file.path(), &error));
  EXPECT_EQ(error, "suppressions '" + file.path() +
                       "' line 2: expected 'race:PATTERN', got 'bogus'");

  TemporaryFile good("race:copy_in\n");
  EXPECT_TRUE(list.load_file(good.path(), &error)) << error;
  EXPECT_EQ(list.match(sample_race()), 0);

  file.remove();
  EXPECT_FALSE(list.load_file(file.path(), &error));
  EXPECT_EQ(error, "cannot read suppressions '" + file.path() + "': No such file or directory");
}

// Only a regular file of sane size is read: /dev/zero would be read until
// memory runs out, a FIFO would block.
TEST(Suppressions, RefusesDevicesAndHugeFilesAtOnce) {
  SuppressionList list;
  std::string error;
  EXPECT_FALSE(list.load_file("/dev/zero", &error));
  EXPECT_EQ(error, "cannot read suppressions '/dev/zero': not a regular file");
  EXPECT_FALSE(list.load_file("/tmp", &error));
  EXPECT_EQ(error, "cannot read suppressions '/tmp': not a regular file");

  std::string big;
  while (big.size() <= kMaxSuppressionsBytes) big += "race:some_function_name\n";
  TemporaryFile huge(big);
  EXPECT_FALSE(list.load_file(huge.path(), &error));
  EXPECT_EQ(error, "cannot read suppressions '" + huge.path() + "': larger than 1 MiB");
  EXPECT_TRUE(list.empty());
}

}  // namespace
}  // namespace shmcheck::report
