// Registers the shm-* checks with clang-tidy. The same module is linked into
// the shm-tidy binary and loaded into clang-tidy as a plugin.
#include "checks/UnguardedAccessCheck.h"
#include "checks/ShmatResultCheck.h"
#include "checks/InsecurePermissionsCheck.h"
#include "checks/ProcessSharedSyncCheck.h"
#include "checks/PointerInSegmentCheck.h"
#include "checks/LockImbalanceCheck.h"
#include "summary/ProjectSummaryCheck.h"

#include "clang-tidy/ClangTidyModule.h"
#include "clang-tidy/ClangTidyModuleRegistry.h"

namespace clang::tidy::shm {

class ShmModule : public ClangTidyModule {
public:
  void addCheckFactories(ClangTidyCheckFactories &Factories) override {
    Factories.registerCheck<UnguardedAccessCheck>("shm-unguarded-access");
    Factories.registerCheck<ShmatResultCheck>("shm-shmat-result");
    Factories.registerCheck<InsecurePermissionsCheck>("shm-insecure-permissions");
    Factories.registerCheck<ProcessSharedSyncCheck>("shm-process-shared-sync");
    Factories.registerCheck<PointerInSegmentCheck>("shm-pointer-in-segment");
    Factories.registerCheck<LockImbalanceCheck>("shm-lock-imbalance");
    // Only in the first-pass workers of whole-program mode.
    if (!summaryOutputPath().empty())
      Factories.registerCheck<ProjectSummaryCheck>(ProjectSummaryCheck::Name);
  }
};

} // namespace clang::tidy::shm

namespace clang::tidy {
// NOLINTNEXTLINE(cppcoreguidelines-avoid-non-const-global-variables)
static ClangTidyModuleRegistry::Add<shm::ShmModule>
    ShmModuleRegistration("shm-module", "Checks for memory shared between processes.");

// Referenced by the shm-tidy driver so the linker keeps this translation unit.
// NOLINTNEXTLINE(cppcoreguidelines-avoid-non-const-global-variables)
volatile int ShmModuleAnchorSource = 0;
} // namespace clang::tidy
