/*
 * Freezing a live process with CRIU's libcompel, for the in-place transport: stop every
 * thread (ptrace seize + interrupt), read and write its memory, run system calls inside
 * it, and let it run on as if nothing happened (Documentation/compel.md).
 *
 * While frozen, the process is traced by the caller: one freeze at a time per process,
 * from one thread of the caller (ptrace is per tracer thread). If the caller dies, the
 * kernel detaches and the process runs on (the seize never uses PTRACE_O_EXITKILL).
 */
#ifndef LUP_LIVE_FREEZE_H
#define LUP_LIVE_FREEZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>

struct lup_frozen;

/* One stopped thread. */
struct lup_frozen_thread {
	pid_t tid;
	/* As at the stop, untouched: rip, rax and orig_rax as the kernel left them (an
	 * interrupted call shows orig_rax >= 0 and rax = -ERESTART* or -EINTR); fs_base
	 * is the thread pointer. */
	struct user_regs_struct regs;
	/* Where the thread goes on when thawed: rip, or rip - 2 (the `syscall`
	 * instruction) for a call the kernel restarts (-ERESTART*) or lup rewinds. */
	uint64_t resume_ip;
	/* Its call returned -EINTR because of the freeze: thaw re-issues it. */
	bool rewound;
	/* It was in a group stop (SIGSTOP, SIGTSTP): it stays stopped after the thaw. */
	bool stopped;
};

/*
 * Stops every thread of pid, threads created meanwhile included, and records their
 * registers. Errors (reported once, naming the process):
 *   -ESRCH  no such process, or it is a zombie
 *   -EBUSY  a thread is traced by another process (debugger, strace): the message
 *           names the tracer's PID; nothing was changed
 *   -EPERM  the kernel refuses to trace it (no privilege, Yama)
 *   -EINVAL pid is the caller itself
 */
int lup_freeze(pid_t pid, struct lup_frozen **out);

pid_t lup_frozen_pid(const struct lup_frozen *f);
size_t lup_frozen_nr_threads(const struct lup_frozen *f);
/* i < lup_frozen_nr_threads(f); thread 0 is the first one stopped (the leader when alive). */
const struct lup_frozen_thread *lup_frozen_thread(const struct lup_frozen *f, size_t i);

/*
 * Runs system call nr with args in the process, on its thread 0 (prepared on the
 * first call), with every signal but SIGTRAP blocked; that thread's registers and
 * signal mask are put back after it. *ret is the raw result: a value in
 * [-4095, -1] is -errno. Returns 0 when the call ran (whatever its result), else a
 * negative error (-EIO: compel failed, its reason in the message).
 */
int lup_frozen_syscall(struct lup_frozen *f, long nr, unsigned long *ret, const unsigned long args[6]);

/*
 * Where remote calls put their `syscall` instruction for the time of the call (an
 * executable address of a mapping that stays: compel's own choice, the lowest executable
 * mapping, may be code a remote munmap takes away).
 */
void lup_frozen_set_call_site(struct lup_frozen *f, uint64_t addr);

/* Through /proc/PID/mem: writes also into read-only pages (text). -EFAULT when
 * addr..addr+len is not mapped. */
int lup_frozen_read(struct lup_frozen *f, uint64_t addr, void *buf, size_t len);
int lup_frozen_write(struct lup_frozen *f, uint64_t addr, const void *buf, size_t len);

/*
 * Lets the process run on: undoes compel's preparation, puts back each thread's
 * registers (rewound calls re-issued), and detaches each thread into its state at the
 * stop (running, or group-stopped). Signals that arrived meanwhile are delivered then.
 * Frees f, also on error (the first error is returned; every thread is detached).
 */
int lup_thaw(struct lup_frozen *f);

#endif
