/* Shared state and entry points of lup's CRIU plugin (lup.so). */
#ifndef LUP_PLUGIN_H
#define LUP_PLUGIN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/patch-dir.h"
#include "core/stack-check.h"

#define LUP_DEFAULT_PATCH_DIR "/etc/lup/patches.d"
#define LUP_RESULT_FILE "lup-restore.status"	/* outcome of each patch, per process */

/* The configured patches; NULL when none is configured (every hook then does nothing). */
extern struct lup_patch_set *lup_plugin_patches;

/*
 * A revert being dumped for (`lup revert` sets LUP_REVERT_ID, or LUP_REVERT_ALL=1): the
 * gate then also refuses the dump while a thread is inside code to be taken out.
 */
struct lup_plugin_revert {
	int active;
	const char *id;				/* NULL: every patch */
};
extern struct lup_plugin_revert lup_plugin_revert;

/* Appends a line to FILE in the images directory (a report for people and for lup). */
void lup_plugin_record(const char *file, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The last error message given to CRIU's log ("" if none). */
const char *lup_plugin_last_error(void);

/*
 * Loads LUP_PATCH_DIR (or the default) and LUP_REVERT_*; 0 with no patch, negative for
 * a broken one.
 */
int lup_plugin_config_load(void);
void lup_plugin_config_free(void);

/* A patch as the images of one process show it. */
#define LUP_PLUGIN_MAX_FUNCS 256
struct lup_dump;
struct lup_proc;
struct lup_img_state {
	int mapped;				/* the process maps the target */
	uint64_t bias;
	size_t original, jumped;		/* entries with the original bytes, with a patch jump */
	int recorded;				/* the process's records have this patch's id */
	uint64_t entry[LUP_PLUGIN_MAX_FUNCS];
	uint8_t bytes[LUP_PLUGIN_MAX_FUNCS][LUP_JMP_SIZE];
};
int lup_plugin_img_state(const struct lup_dump *d, const struct lup_proc *p, const char *root,
			 const LupPatch *patch, struct lup_img_state *st);

/* What a failure to apply configured patches does at restore: 0 (go on unpatched), -1. */
int lup_plugin_on_failure(void);

/*
 * The root of the restored tree's files (plugin/root.c): configured, else the OCI
 * bundle's rootfs the runtime restores from; NULL: the host's. Malloc'ed.
 */
char *lup_plugin_root(const char *img_dir);

/* CHECKPOINT_DEVICES: refuses the dump while a thread is inside a function to replace. */
int lup_plugin_dump_gate(int pid);
/*
 * CHECKPOINT_DEVICES, every dump: locks pid until criu ends (plugin/gate.c), unless the
 * lup run that is criu's parent holds it. -LUP_ELOCKED (reported) refuses the dump.
 */
int lup_plugin_dump_lock(int pid);
/* Frees what the gate cached across the processes of the dump. */
void lup_plugin_gate_free(void);
/* init(RESTORE): patches the images directory in place; fails as on_failure says. */
int lup_plugin_restore_images(void);
/* Reads what each restored process must show, from the (rewritten) images. */
int lup_plugin_verify_collect(const char *dir, const char *root);
/* RESUME_DEVICES_LATE: checks jumps and patch VMAs in the live process, records it. */
int lup_plugin_verify(int pid);
void lup_plugin_verify_free(void);

#endif
