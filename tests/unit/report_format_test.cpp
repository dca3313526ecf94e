// The exact text of a report, and the parsing of llvm-symbolizer's output.
#include <gtest/gtest.h>

#include <dlfcn.h>
#include <link.h>
#include <unistd.h>

#include "elf_symbols.h"
#include "report_format.h"
#include "symbolizer.h"

namespace shmcheck::report {
namespace {

PrintedFrame frame(const char *function, const char *file, unsigned line, unsigned column,
                   const char *module, uint64_t address) {
  PrintedFrame f;
  f.function = function;
  f.file = file;
  f.line = line;
  f.column = column;
  f.module = module;
  f.address = address;
  return f;
}

TEST(ReportFormat, TsanShapedBlockWithBothStacks) {
  PrintedRace race;
  race.detector_pid = 42;
  race.segment = "segment shmid=7 key=0x2a";
  race.segment_size = 64;
  race.current.kind = "write";
  race.current.size = 4;
  race.current.offset = 0x10;
  race.current.pid = 42;
  race.current.tid = 43;
  race.current.stack = {frame("bump", "/src/app/counter.c", 24, 15, "app", 0x1189),
                        frame("main", "/src/app/counter.c", 50, 3, "app", 0x12ab)};
  race.previous.kind = "read";
  race.previous.size = 4;
  race.previous.offset = 0x10;
  race.previous.pid = 41;
  race.previous.tid = 41;
  race.previous.locks = {"write shmid=7+0x40", "read semid=3[0]"};
  race.previous.stack = {frame("peek", "/src/app/reader.c", 9, 0, "reader", 0x99),
                         frame("", "", 0, 0, "libc.so.6", 0x2724a)};
  race.where_pid = 41;
  race.where_tid = 41;
  race.where = {frame("main", "/src/app/counter.c", 35, 32, "app", 0x1a10)};
  EXPECT_EQ(format_race(race, "/src/"),
            "==================\n"
            "WARNING: shmcheck: data race (pid=42)\n"
            "  Write of size 4 at segment shmid=7 key=0x2a offset 0x10 by pid 42 thread 43 "
            "(locks: none):\n"
            "    #0 bump app/counter.c:24:15 (app+0x1189)\n"
            "    #1 main app/counter.c:50:3 (app+0x12ab)\n"
            "\n"
            "  Previous read of size 4 at segment shmid=7 key=0x2a offset 0x10 by pid 41 "
            "thread 41 (locks: write shmid=7+0x40, read semid=3[0]):\n"
            "    #0 peek app/reader.c:9 (reader+0x99)\n"
            "    #1 <unknown> (libc.so.6+0x2724a)\n"
            "\n"
            "  Location is segment shmid=7 key=0x2a of size 64, first attached by pid 41 "
            "thread 41 at:\n"
            "    #0 main app/counter.c:35:32 (app+0x1a10)\n"
            "\n"
            "SUMMARY: shmcheck: data race app/counter.c:24 in bump\n"
            "==================\n");
}

TEST(ReportFormat, LostHistoryAndUnknownFramesStillFormat) {
  PrintedRace race;
  race.detector_pid = 5;
  race.segment = "segment shmid=1 key=0x0";
  race.segment_size = 8;
  race.current.kind = "atomic write";
  race.current.size = 8;
  race.current.pid = 5;
  race.current.tid = 5;
  race.current.stack = {frame("", "", 0, 0, "", 0x7f0000001000)};
  race.previous.known = false;
  race.previous.kind = "write";
  race.previous.offset = 4;
  std::string text = format_race(race, "");
  EXPECT_NE(text.find("  Atomic write of size 8 at segment shmid=1 key=0x0 offset 0x0"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("    #0 <unknown> (0x7f0000001000)\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  Previous write at segment shmid=1 key=0x0 offset 0x4 by an unknown "
                      "thread (its history was overwritten):\n    <stack not recorded>\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("  Location is segment shmid=1 key=0x0 of size 8.\n"), std::string::npos);
  EXPECT_NE(text.find("SUMMARY: shmcheck: data race <unknown> (0x7f0000001000)\n"),
            std::string::npos)
      << text;
}

TEST(Symbolizer, ParsesInlinedFramesAndUnknownAddresses) {
  std::string output =
      "inner\n/src/a.c:3:7\nouter\n/src/a.c:10:2\n\n"
      "??\n??:0:0\n\n"
      "f\n/src/with:colon.c:5:1\n\n";
  auto frames = parse_llvm_symbolizer_output(output, 3);
  ASSERT_EQ(frames.size(), 3u);
  ASSERT_EQ(frames[0].size(), 2u);
  EXPECT_EQ(frames[0][0].function, "inner");
  EXPECT_EQ(frames[0][0].file, "/src/a.c");
  EXPECT_EQ(frames[0][0].line, 3u);
  EXPECT_EQ(frames[0][0].column, 7u);
  EXPECT_EQ(frames[0][1].function, "outer");
  ASSERT_EQ(frames[1].size(), 1u);
  EXPECT_EQ(frames[1][0].function, "");
  EXPECT_EQ(frames[1][0].file, "");
  ASSERT_EQ(frames[2].size(), 1u);
  EXPECT_EQ(frames[2][0].file, "/src/with:colon.c");
  EXPECT_EQ(frames[2][0].line, 5u);
}

TEST(Symbolizer, TruncatedOutputLeavesTheRestEmpty) {
  auto frames = parse_llvm_symbolizer_output("f\n/src/a.c:1:1\n", 2);
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[0].size(), 1u);
  EXPECT_TRUE(frames[1].empty());
}

TEST(ReportFormat, SummaryNamesTheProgramsOwnCodeNotLibcOrTheRuntime) {
  // A distribution binary: the C library has line information, the program
  // only its exported symbols.
  std::vector<PrintedFrame> stack = {
      frame("__memcpy_avx_unaligned", "./string/memmove.S", 300, 0, "libc.so.6", 0x10),
      frame("__tsan_write4", "", 0, 0, "libshmcheck.so", 0x20),
      frame("LWLockRelease+0x42", "", 0, 0, "postgres", 0x3a1b2c),
      frame("__libc_start_call_main", "./csu/../sysdeps/nptl/libc_start_call_main.h", 58, 16,
            "libc.so.6", 0x30)};
  EXPECT_FALSE(is_program_frame(stack[0]));
  EXPECT_FALSE(is_program_frame(stack[1]));
  EXPECT_TRUE(is_program_frame(stack[2]));
  EXPECT_TRUE(is_program_frame(frame("sqlite3WalFindFrame", "", 0, 0, "libsqlite3.so.0", 1)));
  EXPECT_EQ(summary_location(stack, ""), "LWLockRelease+0x42 (postgres+0x3a1b2c)");
  stack[2].file = "/build/src/backend/storage/lmgr/lwlock.c";
  stack[2].line = 1800;
  EXPECT_EQ(summary_location(stack, "/build/"), "src/backend/storage/lmgr/lwlock.c:1800 in "
                                                "LWLockRelease+0x42");
  // Nothing of the program: the top frame, as before.
  std::vector<PrintedFrame> libc_only = {stack[0]};
  EXPECT_EQ(summary_location(libc_only, ""), "./string/memmove.S:300 in __memcpy_avx_unaligned");
}

TEST(ReportFormat, AMissingStackSaysWhy) {
  PrintedRace race;
  race.segment = "segment shmid=1 key=0x0";
  race.current.kind = "write";
  race.current.stack_missing = "<stack no longer stored: recycled>";
  race.previous.kind = "read";
  std::string text = format_race(race, "");
  EXPECT_NE(text.find("(locks: none):\n    <stack no longer stored: recycled>\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("    <stack not recorded>\n"), std::string::npos) << text;
}

TEST(Symbolizer, CountsTheBlocksAToolAnsweredBeforeItDied) {
  size_t complete = 99;
  auto frames = parse_llvm_symbolizer_output("f\n/src/a.c:1:1\n\ng\n/src/b.c:2:1\n", 3,
                                             &complete);
  EXPECT_EQ(complete, 1u) << "the second block has no terminating empty line";
  EXPECT_EQ(frames[0][0].function, "f");
}

int exported_for_the_symbol_table_test() { return 7; }

TEST(ElfSymbols, NamesAFunctionFromTheModulesOwnSymbolTable) {
  // The test binary's own function, looked up by its module-relative address
  // as a stack frame would be.
  Dl_info info;
  void *code = reinterpret_cast<void *>(&exported_for_the_symbol_table_test);
  ASSERT_NE(dladdr(code, &info), 0);
  struct link_map *map = nullptr;
  void *self = dlopen(nullptr, RTLD_NOW);
  ASSERT_EQ(dlinfo(self, RTLD_DI_LINKMAP, &map), 0);
  uint64_t offset = reinterpret_cast<uintptr_t>(code) + 3 - map->l_addr;
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  ASSERT_GT(n, 0);
  exe[n] = '\0';
  std::string name = nearest_function(exe, offset);
  EXPECT_NE(name.find("exported_for_the_symbol_table_test"), std::string::npos) << name;
  EXPECT_NE(name.find("+0x3"), std::string::npos) << name;
  EXPECT_EQ(nearest_function("/nonexistent/module.so", 0x1000), "");
}

}  // namespace
}  // namespace shmcheck::report
