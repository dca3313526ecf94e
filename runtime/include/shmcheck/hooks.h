/* Defaults a program can build into itself, read by libshmcheck.so at start.
 *
 * Define either function in the program (C linkage) to return a string that
 * lives for the whole run:
 *
 *   const char *__shmcheck_default_options(void) { return "exitcode=42"; }
 *   const char *__shmcheck_default_suppressions(void) {
 *     return "race:legacy_stats_*\n"
 *            "race_top:^log_counter$\n";
 *   }
 *
 * Options from __shmcheck_default_options come first; SHMCHECK_OPTIONS from
 * the environment overrides them. Suppressions from the hook are added to
 * those of the suppressions= file.
 *
 * The runtime is preloaded, not linked, so the program must export the
 * functions from its dynamic symbol table: link with -rdynamic, or with
 * -Wl,--export-dynamic-symbol=__shmcheck_default_options (and likewise for
 * the suppressions). Without the runtime the functions are never called.
 */
#ifndef SHMCHECK_HOOKS_H
#define SHMCHECK_HOOKS_H

#ifdef __cplusplus
extern "C" {
#endif

const char *__shmcheck_default_options(void);
const char *__shmcheck_default_suppressions(void);

#ifdef __cplusplus
}
#endif

#endif /* SHMCHECK_HOOKS_H */
