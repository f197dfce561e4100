/* What lib/live/freeze.c and lib/live/freeze-remote.c share of a frozen process. */
#ifndef LUP_LIVE_FREEZE_PRIV_H
#define LUP_LIVE_FREEZE_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>

#include "live/freeze.h"

struct frozen_thread {
	struct lup_frozen_thread t;	/* what the caller sees */
	int state;			/* compel's task state at the stop, for compel_resume_task */
	bool have_regs;			/* t.regs, base and resume are set */
	struct user_regs_struct base;	/* what compel must leave in place (rseq abort applied) */
	struct user_regs_struct resume;	/* put back on thaw: base, rewound when t.rewound */
};

struct lup_frozen {
	pid_t pid;
	struct frozen_thread *th;
	size_t nr, cap;
	pid_t *gone;			/* zombie threads: never attached, never retried */
	size_t nr_gone, cap_gone;
	int mem_fd;
	struct parasite_ctl *ctl;	/* remote syscalls, prepared on th[ctl_thread] */
	uint64_t call_site;		/* where compel puts its syscall instruction; 0: its choice */
	size_t ctl_thread;
};

/* compel's last warning or error, for lup's messages. */
extern char lup_compel_last[256];

/* Undoes compel_prepare (a no-op without remote calls made). */
int lup_frozen_cure(struct lup_frozen *f);
/* Through /proc/PID/mem, quietly: -EFAULT when not mapped. */
int lup_frozen_read_mem(struct lup_frozen *f, uint64_t addr, void *buf, size_t len);

#endif
