# lit configuration for the shm-tidy check fixtures.
#
# Each fixture is a C or C++ source (or a .test file for the examples) whose
# RUN lines call shm-tidy and pipe the output into FileCheck. Substitutions:
#   %shm_tidy       shm-tidy from this build
#   %clang_flags    compiler flags every fixture needs (builtin headers)
#   %examples       the examples/ directory of the source tree
#   FileCheck       the FileCheck from the configured LLVM
import os

import lit.formats

config.name = "shm-tidy"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".c", ".cpp", ".test"]
config.excludes = ["CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py.in", "Inputs"]
config.test_source_root = config.fixtures_dir
config.test_exec_root = config.fixtures_obj_dir

config.substitutions.append(("%shm_tidy", config.shm_tidy))
config.substitutions.append(
    ("%clang_flags", "-resource-dir=" + config.clang_resource_dir if config.clang_resource_dir else ""))
config.substitutions.append(("%examples", config.examples_dir))
config.substitutions.append(("FileCheck", config.filecheck))

# Fixtures must not depend on the caller's environment or configuration.
config.environment["HOME"] = config.fixtures_obj_dir
