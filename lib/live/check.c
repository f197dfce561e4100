/*
 * lup check: whether this machine can run lup, as `criu check` says it for CRIU. One line
 * per check, "ok", "FAIL" or "note", and what it found. Needed: a CRIU of at least
 * LUP_CRIU_MIN that passes `criu check`, /run/lup writable, ptrace allowed. Noted: lup.so
 * (the dump gate), the trust store, lup.conf.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/patch-sign.h"
#include "live/criu-exec.h"
#include "live/live.h"
#include "live/run-dir.h"
#include "util/conf.h"
#include "util/err.h"
#include "util/run.h"

static int say(FILE *out, const char *level, const char *fmt, const char *a, const char *b)
{
	fprintf(out, "%-4s  ", level);
	fprintf(out, fmt, a, b);
	fputc('\n', out);
	return strcmp(level, "FAIL") == 0;
}

static int check_criu(const struct lup_criu *c, FILE *out)
{
	char v[32], *argv[] = { (char *)c->path, "check", NULL }, *said;
	int st, ok;

	if (lup_criu_check_version(c))
		return say(out, "FAIL", "criu %s: not a CRIU lup can use (above)%s", c->path, "");
	lup_criu_version(c, v);
	say(out, "ok", "criu %s: version %s", c->path, v);
	st = lup_run_capture(argv, LUP_RUN_CAPTURE_STDERR, 65536, &said);
	ok = st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0;
	if (said)
		said[strcspn(said, "\n")] = '\0';
	say(out, ok ? "ok" : "FAIL", "criu check: %s%s", said && *said ? said : ok ? "" : "failed",
	    "");
	free(said);
	return !ok;
}

static int check_run_dir(FILE *out)
{
	if (lup_run_subdir(LUP_LOCK_DIR) || lup_run_subdir(LUP_JOURNAL_DIR) ||
	    access(LUP_RUN_DIR, W_OK))
		return say(out, "FAIL", "%s: not writable: locks and journals cannot be kept%s",
			   LUP_RUN_DIR, "");
	return say(out, "ok", "%s: locks and journals%s", LUP_RUN_DIR, "");
}

/* Yama's ptrace_scope 3 forbids every ptrace: neither transport can stop a process. */
static int check_ptrace(FILE *out)
{
	FILE *f = fopen("/proc/sys/kernel/yama/ptrace_scope", "re");
	int scope = 0;

	if (f && fscanf(f, "%d", &scope) != 1)
		scope = 0;
	if (f)
		fclose(f);
	if (scope >= 3)
		return say(out, "FAIL", "ptrace: kernel.yama.ptrace_scope is 3: no process can be stopped%s%s",
			   "", "");
	return say(out, "ok", "ptrace: allowed%s%s", "", "");
}

static void note_plugin(const char *plugin_dir, FILE *out)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/" LUP_PLUGIN_FILE, plugin_dir);
	if (access(path, R_OK) == 0)
		say(out, "ok", "%s: the dump gate of --checkpoint%s", path, "");
	else
		say(out, "note", "%s: absent: --checkpoint dumps without the gate (%s)", path,
		    "a busy process is dumped, then restored unpatched");
}

static void note_trust(FILE *out)
{
	const char *dir = lup_trust_dir();
	DIR *d = opendir(dir);

	if (d) {
		closedir(d);
		say(out, "ok", "%s: trust store: only signed patches are read%s", dir, "");
	} else {
		say(out, "note", "%s: no trust store: unsigned patches are read, with a warning%s",
		    dir, "");
	}
}

int lup_check(const struct lup_criu *c, const char *plugin_dir, FILE *out)
{
	int failed = check_criu(c, out) + check_run_dir(out) + check_ptrace(out);

	note_plugin(plugin_dir, out);
	note_trust(out);
	say(out, access(lup_conf_path(), R_OK) == 0 ? "ok" : "note",
	    "%s: %s", lup_conf_path(), access(lup_conf_path(), R_OK) == 0 ? "read" :
	    "absent: defaults and the environment");
	fprintf(out, "%s\n", failed ? "lup cannot run here: see FAIL above" : "Looks good.");
	return failed ? -EINVAL : 0;
}
