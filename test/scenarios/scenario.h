/* What the scenario targets share with their patch: check bits, the context, the symbols. */
#ifndef SCENARIO_H
#define SCENARIO_H

#define SCN_FN __attribute__((noinline, noipa))

#ifdef __cplusplus
extern "C" {
#endif

/*
 * One bit per scenario, set by the patched scn_step() when that scenario works; the
 * test prints a row per bit (test/e2e/scenarios.sh keeps the names in this order).
 */
enum scn_check {
	SCN_CALL_GLOBAL = 1 << 0,	/* calls an unchanged global function of the target */
	SCN_CALL_STATIC = 1 << 1,	/* calls a static function of the target */
	SCN_CALL_LIBC = 1 << 2,		/* calls libc */
	SCN_CALL_SHLIB = 1 << 3,	/* calls libscenario-helper.so */
	SCN_CALL_NEW = 1 << 4,		/* calls a function that exists only in the patch */
	SCN_VAR_GLOBAL = 1 << 5,	/* reads and writes the target's global (the one in use) */
	SCN_VAR_STATIC = 1 << 6,	/* a static variable with a same-named twin elsewhere */
	SCN_VAR_RODATA = 1 << 7,	/* reads a const object of the target */
	SCN_VAR_TLS = 1 << 8,		/* a thread-local variable of the target */
	SCN_VAR_NEW = 1 << 9,		/* variables that exist only in the patch */
	SCN_FNPTR_GLOBAL = 1 << 10,	/* &global function == the target's own pointer */
	SCN_FNPTR_STATIC = 1 << 11,	/* &static function == the target's own pointer */
	SCN_FNPTR_SELF = 1 << 12,	/* &replaced function == the old entry callers use */
	SCN_CALL_IFUNC = 1 << 13,	/* calls libc functions chosen at run time (IFUNCs) */
	SCN_CALL_VERSIONED = 1 << 14,	/* calls a libc name with several versions */
	SCN_VAR_LIB_TLS = 1 << 15,	/* a thread-local variable of another library */
	/* C++, in scn-cxx only (scenario-cxx.h) */
	SCN_CXX_MEMBER = 1 << 16,	/* a member function */
	SCN_CXX_VIRTUAL = 1 << 17,	/* a virtual override, called through the base */
	SCN_CXX_EXCEPTION = 1 << 18,	/* thrown and caught in the patch; thrown to the target */
	SCN_CXX_STRING = 1 << 19,	/* std::string in the patch */
	SCN_CXX_CONTAINER = 1 << 20,	/* std::vector, std::map and an algorithm in the patch */
	SCN_NR_CHECKS = 21,
};

/* One per thread that calls scn_step(). */
struct scn_ctx {
	long calls;		/* completed calls of scn_step() by this thread (caller counts) */
	long checks;		/* written by scn_step(): 0 in version 1, check bits in 2 */
};

/* funcs.c: the functions the patch replaces ... */
long scn_step(struct scn_ctx *c);
int scn_version(void);
/* ... and what the patch uses, with getters through which unchanged code answers. */
long scn_global_fn(long x);
extern long scn_counter;
extern const long scn_table[8];
extern __thread long scn_tls;
extern long (*const scn_callback)(long);
long scn_twin_funcs(void);
long *scn_counter_addr(void);
void *scn_static_fn_addr(void);
void *scn_step_addr(void);
long *scn_tls_addr(void);

/* twin.c: holds the other static "twin". */
long scn_twin_other(void);

/* libscenario-helper.so (linked into the static executable). */
long scn_helper_fn(long x);
extern __thread long scn_helper_tls;
long *scn_helper_tls_addr(void);

#define SCN_GLOBAL_FN(x) ((x) * 3 + 1)
#define SCN_STATIC_FN(x) ((x) * 5 + 2)
#define SCN_HELPER_FN(x) ((x) * 7 + 3)
#define SCN_TABLE_5 0x5eed5
#define SCN_TWIN_OTHER 222000

/* cxx.cc, in scn-cxx only: the C++ scenarios' bits, as version 2 answers them. */
long scn_cxx_checks(long x);

#ifdef __cplusplus
}
#endif

#endif
