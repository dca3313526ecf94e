#include "sarif_output.h"

#include <map>

#include <fmt/format.h>

#include "json_writer.h"

namespace shmcheck::launcher {
namespace {

using report::JsonWriter;
using report::PrintedAccess;
using report::PrintedFrame;
using report::PrintedRace;

constexpr const char *kRuleId = "data-race";

void text_member(JsonWriter &out, const char *name, const std::string &text) {
  out.key(name).begin_object().member("text", text).end_object();
}

void write_rule(JsonWriter &out) {
  out.begin_object();
  out.member("id", kRuleId);
  out.member("name", "DataRace");
  text_member(out, "shortDescription",
              "Two accesses to the same shared memory, at least one a write, that no "
              "synchronization orders.");
  text_member(out, "fullDescription",
              "libshmcheck.so found two accesses to the same bytes of a shared memory "
              "segment, made by different processes (or threads), at least one of them a "
              "write, with no happens-before order between them: no lock, semaphore, "
              "fork/wait or atomic hand-off made one finish before the other started. The "
              "result of the program then depends on timing.");
  std::string help =
      "Order the two accesses: hold the same process-shared mutex or System V / POSIX "
      "semaphore around both, or hand the data over with a semaphore post/wait or an "
      "atomic release/acquire pair. Both stacks are in the result; the related location "
      "is the earlier access. Known, accepted races can be silenced with a suppressions "
      "file (race:PATTERN).";
  out.key("help").begin_object().member("text", help).member("markdown", help).end_object();
  out.key("defaultConfiguration").begin_object().member("level", "error").end_object();
  out.key("properties").begin_object();
  out.key("tags").begin_array().value("concurrency").value("shared-memory").end_array();
  out.member("precision", "high");
  out.member("problem.severity", "error");
  out.end_object();
  out.end_object();
}

class ResultWriter {
 public:
  ResultWriter(JsonWriter &out, const SourcePaths &paths) : out_(out), paths_(paths) {}

  void write(const PrintedRace &race) {
    const PrintedFrame *current = paths_.user_frame(race.current.stack);
    const PrintedFrame *previous =
        race.previous.known ? paths_.user_frame(race.previous.stack) : nullptr;
    const PrintedFrame *where = paths_.user_frame(race.where);

    out_.begin_object();
    out_.member("ruleId", kRuleId);
    out_.member("ruleIndex", 0);
    out_.member("level", "error");
    text_member(out_, "message", message(race));
    out_.key("locations").begin_array();
    location(current, nullptr);
    out_.end_array();

    out_.key("relatedLocations").begin_array();
    int id = 1;
    if (previous != nullptr)
      related(id++, previous, fmt::format("previous {} by pid {} thread {}", race.previous.kind,
                                          race.previous.pid, race.previous.tid));
    if (where != nullptr)
      related(id++, where, fmt::format("{} first attached by pid {} thread {}",
                                       race.segment, race.where_pid, race.where_tid));
    out_.end_array();

    out_.key("stacks").begin_array();
    stack(race.current, access_text(race.current));
    if (race.previous.known) stack(race.previous, "previous " + access_text(race.previous));
    out_.end_array();

    out_.key("partialFingerprints").begin_object();
    out_.member(kFingerprintKey, fingerprint(current, previous));
    out_.end_object();

    out_.key("properties").begin_object();
    out_.member("segment", race.segment);
    out_.member("offset", race.current.offset);
    out_.key("pids").begin_array().value(race.current.pid);
    if (race.previous.known) out_.value(race.previous.pid);
    out_.end_array();
    out_.end_object();
    out_.end_object();
  }

 private:
  static std::string locks_text(const PrintedAccess &a) {
    if (a.locks.empty()) return "none";
    std::string text;
    for (const std::string &lock : a.locks) text += (text.empty() ? "" : ", ") + lock;
    return text;
  }

  static std::string access_text(const PrintedAccess &a) {
    return fmt::format("{} of size {} by pid {} thread {} (locks: {})", a.kind, a.size, a.pid,
                       a.tid, locks_text(a));
  }

  static std::string message(const PrintedRace &race) {
    std::string previous =
        race.previous.known
            ? "a previous " + access_text(race.previous)
            : "a previous " + race.previous.kind +
                  " by an unknown thread (its history was overwritten)";
    return fmt::format("data race: {} of size {} at {} offset 0x{:x} by pid {} thread {} "
                       "(locks: {}) is not ordered with {}",
                       race.current.kind, race.current.size, race.segment, race.current.offset,
                       race.current.pid, race.current.tid, locks_text(race.current), previous);
  }

  void physical(const PrintedFrame &f) {
    SourcePaths::Uri uri = paths_.uri_for(f.file);
    out_.key("physicalLocation").begin_object();
    out_.key("artifactLocation").begin_object();
    out_.member("uri", uri.uri);
    if (uri.under_root) out_.member("uriBaseId", kSourceRootId);
    out_.end_object();
    if (f.line != 0) {
      out_.key("region").begin_object();
      out_.member("startLine", f.line);
      if (f.column != 0) out_.member("startColumn", f.column);
      out_.end_object();
    }
    out_.end_object();
  }

  // A location object for frame `f` (nullptr: unknown), with an optional id
  // and message.
  void location(const PrintedFrame *f, const std::string *text, int id = 0) {
    out_.begin_object();
    if (id != 0) out_.member("id", id);
    if (f != nullptr && !f->file.empty()) {
      physical(*f);
    } else {
      // No source line: the module is the best place there is.
      std::string module = f != nullptr && !f->module.empty() ? f->module : "unknown";
      out_.key("physicalLocation").begin_object();
      out_.key("artifactLocation").begin_object().member("uri", module).end_object();
      out_.end_object();
    }
    if (f != nullptr && !f->function.empty()) {
      out_.key("logicalLocations").begin_array().begin_object();
      out_.member("name", f->function);
      out_.member("kind", "function");
      out_.end_object().end_array();
    }
    if (text != nullptr) text_member(out_, "message", *text);
    out_.end_object();
  }

  void related(int id, const PrintedFrame *f, const std::string &text) { location(f, &text, id); }

  void stack(const PrintedAccess &a, const std::string &text) {
    out_.begin_object();
    text_member(out_, "message", text);
    out_.key("frames").begin_array();
    for (const PrintedFrame &f : a.stack) {
      out_.begin_object();
      out_.key("location").begin_object();
      if (!f.file.empty()) physical(f);
      if (!f.function.empty()) {
        out_.key("logicalLocations").begin_array().begin_object();
        out_.member("name", f.function);
        out_.member("kind", "function");
        out_.end_object().end_array();
      }
      text_member(out_, "message",
                  f.module.empty() ? fmt::format("0x{:x}", f.address)
                                   : fmt::format("{}+0x{:x}", f.module, f.address));
      out_.end_object();
      if (!f.module.empty()) out_.member("module", f.module);
      out_.member("threadId", a.tid);
      out_.end_object();
    }
    out_.end_array();
    out_.end_object();
  }

  // Stable across runs and edits that move lines: the files and functions
  // of both accesses (in either order), and a counter for races that share
  // them.
  std::string fingerprint(const PrintedFrame *current, const PrintedFrame *previous) {
    auto side = [&](const PrintedFrame *f) {
      if (f == nullptr) return std::string("?");
      std::string file = f->file.empty() ? f->module : paths_.uri_for(f->file).uri;
      return file + '\0' + f->function;
    };
    std::string a = side(current), b = side(previous);
    if (b < a) std::swap(a, b);
    std::string key = std::string(kRuleId) + '\0' + a + '\0' + b;
    unsigned occurrence = ++occurrences_[key];
    uint64_t hash = 0xcbf29ce484222325ull;
    for (unsigned char c : key) hash = (hash ^ c) * 0x100000001b3ull;
    return fmt::format("{:016x}:{}", hash, occurrence);
  }

  JsonWriter &out_;
  const SourcePaths &paths_;
  std::map<std::string, unsigned> occurrences_;
};

}  // namespace

std::string sarif_document(const RunRecords &run, const RunFacts &facts,
                           const SourcePaths &paths) {
  JsonWriter out(2);
  out.begin_object();
  out.member("$schema", kSarifSchema);
  out.member("version", "2.1.0");
  out.key("runs").begin_array().begin_object();

  out.key("tool").begin_object().key("driver").begin_object();
  out.member("name", "shmcheck");
  out.member("fullName", "shmcheck " + facts.version);
  out.member("version", facts.version);
  out.member("semanticVersion", facts.version);
  out.key("rules").begin_array();
  write_rule(out);
  out.end_array();
  out.end_object().end_object();

  out.key("invocations").begin_array().begin_object();
  out.member("executionSuccessful", true);
  out.member("exitCode", facts.exit_status);
  out.key("arguments").begin_array();
  for (const std::string &arg : facts.command) out.value(arg);
  out.end_array();
  out.end_object().end_array();

  out.key("originalUriBaseIds").begin_object();
  out.key(kSourceRootId).begin_object().member("uri", paths.root_uri()).end_object();
  out.end_object();

  out.key("results").begin_array();
  ResultWriter results(out, paths);
  for (const PrintedRace &race : run.races) results.write(race);
  out.end_array();

  out.end_object().end_array();
  out.end_object();
  std::string text = out.take();
  text += '\n';
  return text;
}

}  // namespace shmcheck::launcher
