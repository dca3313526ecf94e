/* Shared scaffolding of the runtime benchmark workloads.
 *
 * Every workload is written once and runs in two shapes from the same binary:
 *   --processes  two processes sharing a System V segment (what shmcheck checks)
 *   --threads    two threads sharing heap memory (the twin that ThreadSanitizer
 *                and Helgrind can check)
 * so that the tools are compared on exactly the same work.
 *
 * A workload provides:
 *   size_t workload_shared_size(void);
 *   void   workload_init(void *shared, int process_shared);
 *   void   workload_run(void *shared, int worker, long iterations);
 *   int    workload_verify(void *shared, long iterations);  // 0 when correct
 */
#ifndef SHMCHECK_BENCH_WORKLOAD_MAIN_H
#define SHMCHECK_BENCH_WORKLOAD_MAIN_H

#include <stddef.h>

size_t workload_shared_size(void);
void workload_init(void *shared, int process_shared);
void workload_run(void *shared, int worker, long iterations);
int workload_verify(void *shared, long iterations);

#endif
