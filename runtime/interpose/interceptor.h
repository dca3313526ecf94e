// How an interceptor is declared: a C symbol exported from libshmcheck.so
// (everything else is hidden), listed in runtime/exports.map as well.
#pragma once

#define SHMCHECK_INTERCEPTOR extern "C" __attribute__((visibility("default")))
