#include "trap/fault_handler.h"

#include <signal.h>
#include <sys/syscall.h>
#include <ucontext.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "interpose/real_functions.h"
#include "patch/site_patching.h"
#include "trap/access_recorder.h"
#include "trap/alias_access.h"
#include "trap/app_signal_actions.h"
#include "trap/attachment_table.h"
#include "trap/instruction_accesses.h"
#include "trap/move_emulation.h"
#include "trap/opened_step.h"
#include "trap/raw_syscall.h"
#include "trap/runtime_signal_stack.h"
#include "trap/safe_log.h"
#include "trap/stack_capture.h"
#include "trap/string_emulation.h"
#include "trap/trap_budget.h"
#include "trap/trap_lock.h"

namespace shmcheck::trap {

namespace {

constexpr greg_t kPageFaultWrite = 2;  // REG_ERR bit: the access was a write

enum class Outcome { NotOurs, Done, Stepping, Opened };

int g_verbosity = 0;
std::atomic<uint64_t> g_trapped{0};

void trace(const char *how, uintptr_t pc, const DecodedAccesses &decoded) {
  if (g_verbosity < 3)
    return;
  SafeLine line;
  line.text("trap pid ").dec(raw_syscall(SYS_getpid)).text(" tid ")
      .dec(current_tid()).text(" pc ").hex(pc);
  for (size_t i = 0; i < decoded.count; ++i)
    line.text(decoded.accesses[i].write ? " write " : " read ")
        .hex(decoded.accesses[i].address).text("+").dec(
            static_cast<int64_t>(decoded.accesses[i].size));
  line.text(decoded.locked ? " locked, " : ", ").text(how).emit();
}

core::AccessType type_of(const OperandAccess &access, bool locked) {
  if (locked)
    return core::AccessType::AtomicUpdate;
  return access.write ? core::AccessType::Write : core::AccessType::Read;
}

// The access is one the application's own protection forbids (a write to a
// read-only attachment, anything in a piece it made PROT_NONE): the fault
// is the program's, not ours.
bool forbidden(const OperandAccess &access) {
  bool hit = false;
  for_each_attachment([&](const Attachment &a) {
    if (a.watched && access.address < a.base + a.mapped &&
        a.base < access.address + access.size &&
        (!a.readable() || (access.write && !a.writable())))
      hit = true;
  });
  return hit;
}

// Decodes the faulting instruction into the accesses to record. False when
// the fault is the program's own (a write through a read-only attachment).
bool decode_fault(const mcontext_t &context, uintptr_t fault_address,
                  bool write_fault, DecodedAccesses *decoded) {
  const auto pc = static_cast<uintptr_t>(context.gregs[REG_RIP]);
  bool covered = false;
  if (decode_accesses(pc, context, decoded)) {
    if (decoded->string_op != StringOp::None) {
      // One access per operand covering every element it will touch.
      StringRange source{};
      StringRange destination{};
      string_ranges(*decoded, context, &source, &destination);
      const uint64_t rdi = static_cast<uint64_t>(context.gregs[REG_RDI]) &
                           (decoded->address32 ? 0xffffffffu : ~0ull);
      for (size_t i = 0; i < decoded->count; ++i) {
        OperandAccess &op = decoded->accesses[i];
        const StringRange &r = op.address == rdi ? destination : source;
        op.address = r.low;
        op.size = r.size;
      }
    }
    for (size_t i = 0; i < decoded->count; ++i) {
      const OperandAccess &op = decoded->accesses[i];
      if (forbidden(op))
        return false;
      if (fault_address - op.address < op.size)
        covered = true;
    }
  }
  if (!covered) {
    // Undecodable, or an operand form we do not model (gathers): one byte
    // at the fault address, typed by the page-fault error code, and the
    // instruction runs in place on an opened page.
    *decoded = DecodedAccesses{};
    decoded->accesses[0] = {fault_address, 1, !write_fault, write_fault, -1,
                            -1, 1, false};
    decoded->count = 1;
    decoded->transfers_control = true;  // never displace what we cannot read
  }
  return true;
}

// With the trap lock held. See fault_handler.h for the four ways.
// Whether a recorded access synchronizes: a locked instruction, or a plain
// access to a location last written atomically (a sync word's release store
// or acquire load, or a load that atomic_plain_loads makes an acquire).
// The trap budget never samples such a page away.
bool synchronizes(const DecodedAccesses &decoded,
                  const RecordedAccesses &recorded) {
  if (decoded.locked)
    return true;
  for (size_t i = 0; i < recorded.count; ++i)
    if ((recorded.items[i].type == core::AccessType::Read ||
         recorded.items[i].type == core::AccessType::Write) &&
        core::written_atomically(recorded.items[i].segment,
                                 recorded.items[i].offset))
      return true;
  return false;
}

Outcome begin_trapped_access(ucontext_t *uc, uintptr_t fault_address,
                             bool *synchronizing) {
  Attachment attachment;
  if (!find_attachment(fault_address, &attachment))
    return Outcome::NotOurs;
  mcontext_t &context = uc->uc_mcontext;
  const bool write_fault = (context.gregs[REG_ERR] & kPageFaultWrite) != 0;
  if (!attachment.readable() || (write_fault && !attachment.writable()))
    return Outcome::NotOurs;  // the program's own fault: let it happen
  DecodedAccesses decoded;
  if (!decode_fault(context, fault_address, write_fault, &decoded))
    return Outcome::NotOurs;

  const auto pc = static_cast<uintptr_t>(context.gregs[REG_RIP]);
  uintptr_t frames[kMaxFrames];
  const size_t frame_count = capture_interrupted_stack(*uc, frames, kMaxFrames);
  RecordedAccesses recorded{};
  for (size_t i = 0; i < decoded.count; ++i) {
    const OperandAccess &op = decoded.accesses[i];
    // A read-modify-write is checked as the write: a write conflicts with
    // everything its read part would.
    record_range(op.address, op.size, type_of(op, decoded.locked),
                 decoded.locked ? core::kSeqCst : 0, frames, frame_count,
                 &recorded);
  }
  for (size_t i = 0; i < recorded.count; ++i) {
    recorded.items[i].exchange = decoded.exchanges;
    recorded.items[i].previous_value_register = decoded.previous_value_register;
    recorded.items[i].compare_exchange = decoded.compare_exchange;
  }
  if (budget_active())
    *synchronizing = synchronizes(decoded, recorded);

  // 2. rep movs / rep stos, as one copy or fill on the alias.
  if (decoded.repeated && (decoded.string_op == StringOp::Movs ||
                           decoded.string_op == StringOp::Stos)) {
    emulate_repeated_string(decoded, &context);
    complete_recorded(recorded);
    trace("string emulated", pc, decoded);
    return Outcome::Done;
  }
  // 1. plain moves, by the handler on the alias.
  if (decoded.move.kind != MoveForm::Kind::None) {
    const OperandAccess &op = decoded.accesses[0];
    Attachment a;
    if (find_attachment(op.address, &a) && a.alias != 0 &&
        op.address + op.size <= a.base + a.mapped) {
      emulate_move(decoded, a.alias + (op.address - a.base), &context);
      complete_recorded(recorded);
      trace("move emulated", pc, decoded);
      return Outcome::Done;
    }
  }
  // 3. on the alias through a moved address register.
  switch (run_on_alias(uc, pc, decoded, recorded)) {
    case AliasAccess::Done:
      trace("displaced", pc, decoded);
      return Outcome::Done;
    case AliasAccess::Stepping:
      trace(alias_step_displaced() ? "on the alias, displaced"
                                   : "on the alias, stepped",
            pc, decoded);
      return Outcome::Stepping;
    case AliasAccess::NotApplicable:
      break;
  }
  // 4. on an opened page.
  run_opened(uc, pc, decoded, recorded);
  trace(opened_step_displaced() ? "opened, displaced" : "opened, stepped", pc,
        decoded);
  return Outcome::Opened;
}

// Whether the thread that trapped at `pc` resumes elsewhere (after it, or
// in a displaced copy), so that the instruction may be replaced now.
bool left_site(const ucontext_t *uc, uintptr_t pc, Outcome outcome) {
  if (outcome == Outcome::NotOurs)
    return false;
  return static_cast<uintptr_t>(uc->uc_mcontext.gregs[REG_RIP]) != pc;
}

void on_segv(int sig, siginfo_t *info, void *raw_context) {
  auto *uc = static_cast<ucontext_t *>(raw_context);
  recover_from_unwinder_fault(*uc);
  const int saved_errno = errno;
  const auto fault_address = reinterpret_cast<uintptr_t>(info->si_addr);
  if (info->si_code == SEGV_ACCERR && any_watched()) {
    if (trap_lock_held_by_me()) {
      if (extend_opened_step(fault_address)) {
        errno = saved_errno;
        return;
      }
    } else {
      const uint64_t entered = budget_active() ? monotonic_ns() : 0;
      trap_lock();
      const auto pc = static_cast<uintptr_t>(uc->uc_mcontext.gregs[REG_RIP]);
      if (patch::replaced(pc)) {
        // Raised by the instruction a jump has replaced since: run again.
        trap_unlock();
        errno = saved_errno;
        return;
      }
      if (entered != 0)
        budget_reprotect_due(entered);
      bool synchronizing = false;
      const Outcome outcome =
          begin_trapped_access(uc, fault_address, &synchronizing);
      if (left_site(uc, pc, outcome))
        patch::note_trap(pc);
      if (entered != 0 && outcome != Outcome::NotOurs)
        budget_note_trap(fault_address, entered, outcome != Outcome::Opened,
                         synchronizing);
      if (outcome != Outcome::Opened)
        trap_unlock();  // an opened step keeps it until its trap
      if (outcome != Outcome::NotOurs) {
        g_trapped.fetch_add(1, std::memory_order_relaxed);
        errno = saved_errno;
        return;
      }
    }
  }
  errno = saved_errno;
  patch::restore_site_context(uc);
  chain_to_application(sig, info, raw_context);
}

void on_trap(int sig, siginfo_t *info, void *raw_context) {
  const int saved_errno = errno;
  if (budget_calibrating())
    return;
  const uint64_t entered = budget_active() ? monotonic_ns() : 0;
  auto *uc = static_cast<ucontext_t *>(raw_context);
  if (finish_alias_step(uc) || finish_opened_step(uc)) {
    if (entered != 0)
      budget_note_step(entered);
    errno = saved_errno;
    return;
  }
  if (patch::redirect_breakpoint(uc)) {
    errno = saved_errno;
    return;
  }
  errno = saved_errno;
  chain_to_application(sig, info, raw_context);
}

bool install(int sig, void (*handler)(int, siginfo_t *, void *),
             int extra_flags) {
  struct sigaction action;
  memset(&action, 0, sizeof(action));
  action.sa_sigaction = handler;
  // SA_ONSTACK: on the thread's runtime stack, or on the program's own
  // alternate stack while it has one (see runtime_signal_stack.h).
  action.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART | extra_flags;
  asynchronous_signals(&action.sa_mask);
  struct sigaction previous;
  if (interpose::real::sigaction()(sig, &action, &previous) != 0)
    return false;
  remember_previous_action(sig, previous);
  return true;
}

}  // namespace

uint64_t trapped_accesses() {
  return g_trapped.load(std::memory_order_relaxed);
}

bool install_trap_handlers(int verbosity, int budget_percent) {
  g_verbosity = verbosity;
  init_instruction_decoder();
  patch::configure(verbosity);
  warm_up_unwinder();
  install_runtime_signal_stack();
  // SIGSEGV is not deferred: a fault of the unwinder inside the handler
  // (see recover_from_unwinder_fault) must reach the handler again.
  if (!install(SIGSEGV, on_segv, SA_NODEFER) || !install(SIGTRAP, on_trap, 0))
    return false;
  start_trap_budget(budget_percent);
  return true;
}

}  // namespace shmcheck::trap
