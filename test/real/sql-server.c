/* sql-server: a long-running driver of libsqlite3 for test/real. One in-memory database
 * shared by every client, served over TCP on 127.0.0.1 (see lineserver.h). Each request
 * line is SQL (one or more statements); the answer is one line:
 *   "#N ok" followed by " [v1|v2|...]" for each row of the results, NULL as NULL
 *   "#N error MESSAGE"
 * and "STATS" answers "requests=R statements=S rows=W connections=C changes=X".
 * N is the number of the request since the process started. Each request is also printed
 * on stdout: "N conn=C SQL -> ANSWER" (SQL cut to 60 bytes).
 * State kept across requests: the database (its tables and rows), and the counters. */
#include <sqlite3.h>

#include "lineserver.h"

static sqlite3 *db;
static unsigned long statements, rows;

static int row(void *arg, int n, char **v, char **names)
{
	struct ls_reply *r = arg;
	int i;

	(void)names;
	ls_printf(r, " [");
	for (i = 0; i < n; i++)
		ls_printf(r, "%s%s", i ? "|" : "", v[i] ? v[i] : "NULL");
	ls_printf(r, "]");
	rows++;
	return 0;
}

static void handle(int slot, unsigned long conn, char *line, struct ls_reply *r)
{
	char *err = NULL;
	size_t head;

	(void)slot;
	ls_printf(r, "#%lu ", ls_requests);
	head = r->len;
	if (!strcmp(line, "STATS")) {
		ls_printf(r, "requests=%lu statements=%lu rows=%lu connections=%lu changes=%d",
			  ls_requests, statements, rows, ls_connections, sqlite3_total_changes(db));
	} else {
		ls_printf(r, "ok");
		statements++;
		if (sqlite3_exec(db, line, row, r, &err) != SQLITE_OK) {
			r->len = head;
			ls_printf(r, "error %s", err ? err : sqlite3_errmsg(db));
			sqlite3_free(err);
		}
	}
	printf("%lu conn=%lu %.60s -> %.200s\n", ls_requests, conn, line, r->buf + head);
	ls_printf(r, "\n");
}

int main(void)
{
	if (sqlite3_open(":memory:", &db) != SQLITE_OK) {
		fprintf(stderr, "sql-server: cannot open a database\n");
		return 1;
	}
	printf("sql-server: SQLite %s\n", sqlite3_libversion());
	return ls_run("sql-server", handle, NULL);
}
