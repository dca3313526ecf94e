// The launcher's pure parts: command line, the child's environment, merging
// the processes' records, source paths, the summary, SARIF and --json.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "child_environment.h"
#include "command_line.h"
#include "json_output.h"
#include "json_value.h"
#include "race_record.h"
#include "run_records.h"
#include "run_summary.h"
#include "sarif_output.h"
#include "source_paths.h"

namespace shmcheck::launcher {
namespace {

using report::PrintedFrame;
using report::PrintedRace;

// ---- command line ---------------------------------------------------------

CommandLine parsed(const std::vector<std::string> &args) {
  CommandLine cl;
  std::string error;
  EXPECT_TRUE(parse_command_line(args, cl, &error)) << error;
  return cl;
}

std::string rejected(const std::vector<std::string> &args) {
  CommandLine cl;
  std::string error;
  EXPECT_FALSE(parse_command_line(args, cl, &error));
  return error;
}

TEST(LauncherCommandLine, OptionsThenProgram) {
  CommandLine cl = parsed({"--json", "r.json", "--sarif=r.sarif", "--suppressions", "a.supp",
                           "--suppressions=b.supp", "--", "./prog", "--json", "x"});
  EXPECT_EQ(cl.json_path, "r.json");
  EXPECT_EQ(cl.sarif_path, "r.sarif");
  EXPECT_EQ(cl.suppressions, (std::vector<std::string>{"a.supp", "b.supp"}));
  EXPECT_EQ(cl.program, (std::vector<std::string>{"./prog", "--json", "x"}));
}

TEST(LauncherCommandLine, TheProgramMayFollowWithoutDoubleDash) {
  CommandLine cl = parsed({"--json", "r.json", "prog", "-v", "--", "y"});
  EXPECT_EQ(cl.program, (std::vector<std::string>{"prog", "-v", "--", "y"}));
}

TEST(LauncherCommandLine, HelpAndVersionNeedNoProgram) {
  EXPECT_TRUE(parsed({"--help"}).help);
  EXPECT_TRUE(parsed({"-h"}).help);
  EXPECT_TRUE(parsed({"--version"}).version);
}

TEST(LauncherCommandLine, UsageErrors) {
  EXPECT_EQ(rejected({}), "no program to run (usage: shmcheck [options] -- PROGRAM [ARGS...])");
  EXPECT_EQ(rejected({"--json", "x", "--"}),
            "no program to run (usage: shmcheck [options] -- PROGRAM [ARGS...])");
  EXPECT_EQ(rejected({"--frobnicate", "--", "prog"}),
            "unknown option '--frobnicate' (see 'shmcheck --help')");
  EXPECT_EQ(rejected({"-x", "prog"}), "unknown option '-x' (see 'shmcheck --help')");
  EXPECT_EQ(rejected({"--sarif"}), "option '--sarif' needs a file name");
  EXPECT_EQ(rejected({"--json=", "prog"}), "option '--json' needs a file name");
  EXPECT_EQ(rejected({"--jsonx", "prog"}), "unknown option '--jsonx' (see 'shmcheck --help')");
}

// ---- the child's environment ----------------------------------------------

TEST(LauncherEnvironment, PreloadGoesFirst) {
  EXPECT_EQ(merged_preload("/x/libshmcheck.so", nullptr), "/x/libshmcheck.so");
  EXPECT_EQ(merged_preload("/x/libshmcheck.so", ""), "/x/libshmcheck.so");
  EXPECT_EQ(merged_preload("/x/libshmcheck.so", "/y/liba.so /y/libb.so"),
            "/x/libshmcheck.so:/y/liba.so /y/libb.so");
}

TEST(LauncherEnvironment, FindsOptionsByName) {
  EXPECT_TRUE(option_is_set("verbosity=1:session=mine", "session"));
  EXPECT_TRUE(option_is_set("  session=mine\texitcode=3", "exitcode"));
  EXPECT_FALSE(option_is_set("my_session=x", "session"));
  EXPECT_FALSE(option_is_set("log_path=/tmp/session=x", "session"));
  EXPECT_FALSE(option_is_set("", "session"));
}

TEST(LauncherEnvironment, TheLaunchersOptionsComeLastAndWin) {
  LauncherSettings ours;
  ours.session = "run-1-abc";
  ours.report_json = "/tmp/d/records";
  ours.suppressions = "/tmp/d/suppressions";
  std::string merged, error;
  ASSERT_TRUE(merged_options("verbosity=1 report_json=/elsewhere", ours, merged, &error)) << error;
  EXPECT_EQ(merged,
            "verbosity=1 report_json=/elsewhere:session=run-1-abc:report_json=/tmp/d/records:"
            "suppressions=/tmp/d/suppressions");
  ASSERT_TRUE(merged_options(nullptr, LauncherSettings{"", "/r", ""}, merged, &error));
  EXPECT_EQ(merged, "report_json=/r");
}

TEST(LauncherEnvironment, MalformedUserOptionsAreAnError) {
  std::string merged, error;
  EXPECT_FALSE(merged_options("exitcode=lots", LauncherSettings{}, merged, &error));
  EXPECT_EQ(error, "bad option 'exitcode=lots' in SHMCHECK_OPTIONS: expected an integer");
  EXPECT_FALSE(merged_options("nonsense", LauncherSettings{}, merged, &error));
  EXPECT_EQ(error, "bad option 'nonsense' in SHMCHECK_OPTIONS: expected name=value");
}

TEST(LauncherEnvironment, OverridesReplaceInheritedEntries) {
  const char *base[] = {"PATH=/bin", "LD_PRELOAD=/old.so", "HOME=/root", nullptr};
  std::vector<std::string> env =
      environment_with(const_cast<char **>(base), {"LD_PRELOAD=/new.so:/old.so", "X=1"});
  EXPECT_EQ(env, (std::vector<std::string>{"PATH=/bin", "HOME=/root",
                                           "LD_PRELOAD=/new.so:/old.so", "X=1"}));
}

// ---- records -----------------------------------------------------------------

PrintedFrame frame(const char *function, const char *file, unsigned line, const char *module,
                   uint64_t address) {
  PrintedFrame f;
  f.function = function;
  f.file = file;
  f.line = line;
  f.column = line == 0 ? 0 : 5;
  f.module = module;
  f.address = address;
  return f;
}

PrintedRace race_between(uint32_t pid_a, uint32_t pid_b, unsigned line_a, unsigned line_b) {
  PrintedRace race;
  race.detector_pid = pid_a;
  race.segment_id = 77;
  race.segment_key = 0x2a;
  race.segment_size = 64;
  race.segment = "segment shmid=77 key=0x2a";
  race.current.kind = "read";
  race.current.size = 8;
  race.current.offset = 0x10;
  race.current.pid = pid_a;
  race.current.tid = pid_a;
  race.current.stack = {frame("bump", "/repo/src/counter.c", line_a, "app", 0x1189),
                        frame("main", "/repo/src/main.c", 50, "app", 0x12ab)};
  race.previous.kind = "write";
  race.previous.size = 8;
  race.previous.offset = 0x10;
  race.previous.pid = pid_b;
  race.previous.tid = pid_b + 1;
  race.previous.locks = {"write shmid=77+0x40"};
  race.previous.stack = {frame("", "", 0, "libc.so.6", 0x9a0),
                         frame("bump", "/repo/src/counter.c", line_b, "app", 0x1190)};
  race.where_pid = pid_b;
  race.where_tid = pid_b;
  race.where = {frame("main", "/repo/src/main.c", 35, "app", 0x1a10)};
  return race;
}

TEST(LauncherRecords, RaceRecordsRoundTrip) {
  PrintedRace original = race_between(10, 11, 24, 25);
  std::string line = report::race_record(original);
  ASSERT_EQ(line.back(), '\n');
  JsonValue record;
  std::string error;
  ASSERT_TRUE(parse_json(line, record, &error)) << error;
  EXPECT_EQ(record.string_or("record"), "race");
  EXPECT_EQ(record.string_or("summary"), "/repo/src/counter.c:24 in bump");
  PrintedRace back;
  ASSERT_TRUE(decode_race(record, back));
  EXPECT_EQ(report::format_race(back, ""), report::format_race(original, ""))
      << "the record carries everything the text report prints";
}

TEST(LauncherRecords, AnUnknownPreviousAccessRoundTrips) {
  PrintedRace original = race_between(10, 11, 24, 25);
  original.previous = report::PrintedAccess();
  original.previous.known = false;
  original.previous.kind = "write";
  original.previous.offset = 0x12;
  original.where_pid = 0;
  original.where.clear();
  JsonValue record;
  ASSERT_TRUE(parse_json(report::race_record(original), record, nullptr));
  PrintedRace back;
  ASSERT_TRUE(decode_race(record, back));
  EXPECT_EQ(report::format_race(back, ""), report::format_race(original, ""));
}

std::string records_of(uint32_t pid, uint64_t start, const std::vector<PrintedRace> &races,
                       bool exited, uint64_t suppressed = 0) {
  report::ProcessFacts p;
  p.pid = pid;
  p.ppid = 1;
  p.start_time = start;
  p.executable = "/bin/app";
  std::string text = report::process_record(p);
  report::SegmentFacts s;
  s.pid = pid;
  s.id = 77;
  s.key = 0x2a;
  s.size = 64;
  text += report::segment_record(s);
  for (const PrintedRace &race : races) text += report::race_record(race);
  if (exited) {
    report::ExitFacts e;
    e.pid = pid;
    e.start_time = start;
    e.races_suppressed = suppressed;
    text += report::exit_record(e);
  }
  return text;
}

TEST(LauncherRecords, MergesProcessesSegmentsAndRaces) {
  RecordMerger merger(/*own_pid=*/99);
  // Process 10 found the race (24 vs 25); process 11 found the same pair the
  // other way round; process 12 was killed (no exit record) after finding
  // another race; the launcher (99) wrote one it collected from the state.
  merger.add(records_of(10, 500, {race_between(10, 11, 24, 25)}, true), "records.10");
  merger.add(records_of(11, 501, {race_between(11, 10, 25, 24)}, true, 2), "records.11");
  merger.add(records_of(12, 502, {race_between(12, 10, 30, 24)}, false), "records.12");
  merger.add(records_of(99, 600, {race_between(13, 10, 40, 24)}, true, 1), "records.99");
  // An exec'd image of process 10: same pid and start time.
  merger.add(records_of(10, 500, {}, false), "records.10");
  merger.add("{\"record\":\"race\"\nnot json\n{\"record\":\"future\"}\n", "records.13");
  RunRecords run = merger.finish();

  ASSERT_EQ(run.processes.size(), 3u);
  EXPECT_TRUE(run.processes[0].exited);
  EXPECT_FALSE(run.processes[2].exited);
  ASSERT_EQ(run.segments.size(), 1u);
  EXPECT_EQ(run.segments[0].id, 77u);
  EXPECT_EQ(run.races_suppressed, 3u) << "the launcher's own count included";
  ASSERT_EQ(run.races.size(), 3u) << "24/25 reported twice counts once";
  EXPECT_EQ(run.races[0].current.stack[0].line, 24u);
  EXPECT_EQ(run.races[1].current.stack[0].line, 30u);
  EXPECT_EQ(run.races[2].current.stack[0].line, 40u);
  ASSERT_EQ(run.problems.size(), 2u);
  EXPECT_EQ(run.problems[0].substr(0, 37), "records.13 line 1: not a JSON object ");
  EXPECT_EQ(run.problems[1].substr(0, 37), "records.13 line 2: not a JSON object ");
}

// ---- source paths -------------------------------------------------------------

TEST(LauncherSourcePaths, RelativeUnderTheRootAbsoluteElsewhere) {
  SourcePaths paths("/repo/");
  EXPECT_EQ(paths.root_uri(), "file:///repo/");
  SourcePaths::Uri inside = paths.uri_for("/repo/src/a b%.c");
  EXPECT_EQ(inside.uri, "src/a%20b%25.c");
  EXPECT_TRUE(inside.under_root);
  SourcePaths::Uri outside = paths.uri_for("/usr/include/stdio.h");
  EXPECT_EQ(outside.uri, "file:///usr/include/stdio.h");
  EXPECT_FALSE(outside.under_root);
  EXPECT_FALSE(paths.uri_for("/repository/x.c").under_root) << "a prefix is not a parent";
  EXPECT_EQ(paths.display("/repo/src/a.c"), "src/a.c");
  EXPECT_EQ(paths.display("./csu/start.c"), "./csu/start.c");
}

TEST(LauncherSourcePaths, TheUserFramePrefersCodeUnderTheRoot) {
  SourcePaths paths("/repo");
  std::vector<PrintedFrame> stack = {frame("memcpy", "", 0, "libc.so.6", 1),
                                     frame("inline_wrapper", "/usr/include/x/string.h", 3, "app", 2),
                                     frame("lib_copy", "/opt/lib/copy.c", 7, "lib.so", 3),
                                     frame("user", "/repo/src/u.c", 9, "app", 4)};
  EXPECT_EQ(paths.user_frame(stack)->function, "user");
  stack.pop_back();
  EXPECT_EQ(paths.user_frame(stack)->function, "lib_copy") << "outside system directories";
  stack.pop_back();
  EXPECT_EQ(paths.user_frame(stack)->function, "inline_wrapper") << "any source file";
  stack.pop_back();
  EXPECT_EQ(paths.user_frame(stack)->function, "memcpy") << "the top frame";
  EXPECT_EQ(paths.location(stack), "memcpy (libc.so.6+0x1)");
  EXPECT_EQ(paths.user_frame({}), nullptr);
}

// ---- outputs -------------------------------------------------------------------

RunRecords sample_run() {
  RecordMerger merger(99);
  merger.add(records_of(10, 1, {race_between(10, 11, 24, 25), race_between(10, 11, 24, 31)},
                        true, 1),
             "records.10");
  merger.add(records_of(11, 2, {race_between(11, 10, 60, 25)}, true), "records.11");
  return merger.finish();
}

RunFacts sample_facts() {
  RunFacts facts;
  facts.command = {"./app", "--fast"};
  facts.version = "9.9.9";
  facts.exit_status = 66;
  facts.program_status = 66;
  return facts;
}

TEST(LauncherSummary, CountsAndGroupsRacesByLocation) {
  EXPECT_EQ(format_summary(sample_run(), sample_facts(), SourcePaths("/repo")),
            "shmcheck: checked 2 processes, 1 segment: 3 data races\n"
            "shmcheck:   2 races at src/counter.c:24 in bump\n"
            "shmcheck:   1 race at src/counter.c:60 in bump\n"
            "shmcheck: 1 race was suppressed\n");
}

TEST(LauncherSummary, SaysWhenNothingWasChecked) {
  RunFacts facts = sample_facts();
  facts.program_signal = 9;
  EXPECT_EQ(format_summary(RunRecords(), facts, SourcePaths("/repo")),
            "shmcheck: no process was checked (a static or setuid program, or one that "
            "cleared its environment, runs unchecked)\n"
            "shmcheck: checked 0 processes, 0 segments: no data race\n"
            "shmcheck: the program was killed by signal 9 (SIGKILL)\n");
}

TEST(LauncherSarif, OneRuleAndALocatedResultPerRace) {
  JsonValue log;
  std::string error;
  ASSERT_TRUE(parse_json(sarif_document(sample_run(), sample_facts(), SourcePaths("/repo")), log,
                         &error))
      << error;
  EXPECT_EQ(log.string_or("version"), "2.1.0");
  EXPECT_EQ(log.string_or("$schema"), kSarifSchema);
  ASSERT_EQ(log.get("runs")->items().size(), 1u);
  const JsonValue &run = log.get("runs")->items()[0];
  const JsonValue *driver = run.get("tool")->get("driver");
  EXPECT_EQ(driver->string_or("name"), "shmcheck");
  EXPECT_EQ(driver->string_or("version"), "9.9.9");
  ASSERT_EQ(driver->get("rules")->items().size(), 1u);
  EXPECT_EQ(driver->get("rules")->items()[0].string_or("id"), "data-race");
  EXPECT_EQ(run.get("originalUriBaseIds")->get("SRCROOT")->string_or("uri"), "file:///repo/");
  EXPECT_EQ(run.get("invocations")->items()[0].uint_or("exitCode"), 66u);

  const std::vector<JsonValue> &results = run.get("results")->items();
  ASSERT_EQ(results.size(), 3u);
  const JsonValue &first = results[0];
  EXPECT_EQ(first.string_or("ruleId"), "data-race");
  EXPECT_EQ(first.string_or("level"), "error");
  EXPECT_EQ(first.get("message")->string_or("text"),
            "data race: read of size 8 at segment shmid=77 key=0x2a offset 0x10 by pid 10 "
            "thread 10 (locks: none) is not ordered with a previous write of size 8 by pid 11 "
            "thread 12 (locks: write shmid=77+0x40)");
  const JsonValue *physical = first.get("locations")->items()[0].get("physicalLocation");
  EXPECT_EQ(physical->get("artifactLocation")->string_or("uri"), "src/counter.c");
  EXPECT_EQ(physical->get("artifactLocation")->string_or("uriBaseId"), "SRCROOT");
  EXPECT_EQ(physical->get("region")->uint_or("startLine"), 24u);
  EXPECT_EQ(physical->get("region")->uint_or("startColumn"), 5u);

  // The earlier access: its user frame (not libc's top frame), and where
  // the segment was attached.
  const std::vector<JsonValue> &related = first.get("relatedLocations")->items();
  ASSERT_EQ(related.size(), 2u);
  EXPECT_EQ(related[0].get("physicalLocation")->get("region")->uint_or("startLine"), 25u);
  EXPECT_EQ(related[0].get("message")->string_or("text"), "previous write by pid 11 thread 12");
  EXPECT_EQ(related[1].get("physicalLocation")->get("region")->uint_or("startLine"), 35u);
  const std::vector<JsonValue> &stacks = first.get("stacks")->items();
  ASSERT_EQ(stacks.size(), 2u);
  EXPECT_EQ(stacks[1].get("frames")->items().size(), 2u);
  EXPECT_EQ(stacks[1].get("frames")->items()[0].string_or("module"), "libc.so.6");

  // Fingerprints: the same pair of functions and files gives the same hash;
  // a counter tells the two races in counter.c apart.
  std::string fp0 = first.get("partialFingerprints")->string_or(kFingerprintKey);
  std::string fp1 = results[1].get("partialFingerprints")->string_or(kFingerprintKey);
  ASSERT_EQ(fp0.size(), 18u);
  EXPECT_EQ(fp0.substr(0, 16), fp1.substr(0, 16));
  EXPECT_EQ(fp0.substr(16), ":1");
  EXPECT_EQ(fp1.substr(16), ":2");
}

TEST(LauncherJson, OneDocumentWithEveryRace) {
  JsonValue doc;
  std::string error;
  ASSERT_TRUE(parse_json(json_document(sample_run(), sample_facts()), doc, &error)) << error;
  EXPECT_EQ(doc.string_or("tool"), "shmcheck");
  EXPECT_EQ(doc.uint_or("exit_status"), 66u);
  EXPECT_EQ(doc.get("command")->items().size(), 2u);
  EXPECT_EQ(doc.get("processes")->items().size(), 2u);
  EXPECT_EQ(doc.get("segments")->items().size(), 1u);
  EXPECT_EQ(doc.uint_or("races_suppressed"), 1u);
  const std::vector<JsonValue> &races = doc.get("races")->items();
  ASSERT_EQ(races.size(), 3u);
  PrintedRace back;
  ASSERT_TRUE(decode_race(races[0], back));
  EXPECT_EQ(back.current.pid, 10u);
  EXPECT_EQ(back.previous.tid, 12u);
  EXPECT_EQ(back.previous.locks, std::vector<std::string>{"write shmid=77+0x40"});
  EXPECT_EQ(races[0].get("segment")->uint_or("shmid"), 77u);
  EXPECT_EQ(races[0].get("segment")->uint_or("key"), 0x2au);
  EXPECT_EQ(races[0].uint_or("offset"), 0x10u);
}

}  // namespace
}  // namespace shmcheck::launcher
