#include "json_output.h"

#include "json_writer.h"
#include "race_record.h"

namespace shmcheck::launcher {

std::string json_document(const RunRecords &run, const RunFacts &facts) {
  report::JsonWriter out(2);
  out.begin_object();
  out.member("tool", "shmcheck");
  out.member("version", facts.version);
  out.member("format", report::kRecordFormat);
  out.key("command").begin_array();
  for (const std::string &arg : facts.command) out.value(arg);
  out.end_array();
  out.member("exit_status", facts.exit_status);
  out.member("program_status", facts.program_status);
  if (facts.program_signal != 0) out.member("program_signal", facts.program_signal);

  out.key("processes").begin_array();
  for (const CheckedProcess &p : run.processes) {
    out.begin_object();
    out.member("pid", p.pid);
    out.member("ppid", p.ppid);
    out.member("executable", p.executable);
    out.member("exited", p.exited);
    out.end_object();
  }
  out.end_array();

  out.key("segments").begin_array();
  for (const SegmentSeen &s : run.segments) report::write_segment(out, s.is_object, s.id, s.key, s.size);
  out.end_array();

  out.member("races_suppressed", run.races_suppressed);
  out.key("races").begin_array();
  for (const report::PrintedRace &race : run.races) {
    out.begin_object();
    report::write_race_members(out, race);
    out.end_object();
  }
  out.end_array();
  out.end_object();
  std::string text = out.take();
  text += '\n';
  return text;
}

}  // namespace shmcheck::launcher
