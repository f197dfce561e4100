/* The process view (lib/core/view.h) of a live process. */
#ifndef LUP_VIEW_LIVE_H
#define LUP_VIEW_LIVE_H

#include <sys/types.h>
#include <sys/user.h>

struct lup_file_ids;
struct lup_view;

/* The threads are ptrace-stopped by the caller: their registers go into the view. */
#define LUP_VIEW_LIVE_STOPPED 1u

/*
 * The view of live process pid; ids caches build-ids across the processes of a tree
 * (NULL: the view keeps its own).
 * -ENOENT, not reported, when the process is gone; other errors reported. Free it with
 * lup_view_free.
 */
int lup_view_live(pid_t pid, struct lup_file_ids *ids, unsigned flags, struct lup_view *v);
/* Adds a thread the caller stopped, with its registers as at the stop. */
int lup_view_live_add_thread(struct lup_view *v, pid_t tid, const struct user_regs_struct *regs);

#endif
