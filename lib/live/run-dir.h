/* lup's state on this boot, under /run/lup: the locks of processes, the journals of runs. */
#ifndef LUP_LIVE_RUN_DIR_H
#define LUP_LIVE_RUN_DIR_H

#define LUP_RUN_DIR "/run/lup"
#define LUP_LOCK_DIR LUP_RUN_DIR "/locks"
#define LUP_JOURNAL_DIR LUP_RUN_DIR "/runs"

/* Creates dir (LUP_LOCK_DIR or LUP_JOURNAL_DIR) and LUP_RUN_DIR as needed; reported. */
int lup_run_subdir(const char *dir);

#endif
