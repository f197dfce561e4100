/*
 * The benchmark's baseline: plain criu dump + restore of a process tree, timed with the
 * same clock, the same criu runs and the same wait for the dead tree as `lup patch`.
 * Prints {"dump_ms", "reap_ms", "restore_ms", "frozen_ms"} as JSON on stdout.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>

#include "live/criu-exec.h"
#include "util/err.h"
#include "live/live-priv.h"
#include "util/log.h"

#define TIMEOUT_MS 120000u

/* dump, reap wait, restore: the times of lup patch's round without the rewrite. */
static int dump_restore(const struct lup_criu *c, pid_t pid, const char *dir, double ms[4])
{
	struct lup_live_tree tree;
	double t0, t1, t2;
	int ret = lup_live_tree_read(pid, &tree);

	if (ret)
		return ret;
	t0 = lup_live_now_ms();
	ret = lup_criu_dump(c, pid, dir, NULL);
	t1 = lup_live_now_ms();
	if (!ret)
		ret = lup_live_wait_gone(&tree, TIMEOUT_MS);
	t2 = lup_live_now_ms();
	if (!ret)
		ret = lup_criu_restore(c, dir);
	ms[0] = t1 - t0;
	ms[1] = t2 - t1;
	ms[2] = lup_live_now_ms() - t2;
	ms[3] = ms[0] + ms[1] + ms[2];
	lup_live_tree_free(&tree);
	return ret;
}

int main(int argc, char **argv)
{
	struct lup_criu c = { .timeout_ms = TIMEOUT_MS };
	double ms[4];
	int ret;

	if (argc != 4) {
		fprintf(stderr, "usage: baseline CRIU PID DIR\n");
		return 2;
	}
	c.path = argv[1];
	/* As lup patch does: the restored tree becomes our child, not init's. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	ret = dump_restore(&c, atoi(argv[2]), argv[3], ms);
	if (ret) {
		pr_err("baseline of process %s: %s", argv[2], lup_strerror(ret));
		return 1;
	}
	printf("{\"dump_ms\": %.3f, \"reap_ms\": %.3f, \"restore_ms\": %.3f, \"frozen_ms\": %.3f}\n",
	       ms[0], ms[1], ms[2], ms[3]);
	return 0;
}
