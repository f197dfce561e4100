/* xml-server: a long-running driver of libexpat for test/real. Serves requests over TCP
 * on 127.0.0.1 (see lineserver.h), one line each, and answers one line beginning with
 * "#N " (N: the number of the request, counted from the start of the process):
 *   PARSE <xml>        parse a whole document with XML_Parse: "ok elements=E depth=D"
 *                      or "error CODE MESSAGE"
 *   BUF <len> <xml>    copy <xml> into XML_GetBuffer's buffer and parse it with
 *                      XML_ParseBuffer(parser, <len>, 1), <len> as the client says it
 *                      (CVE-2024-45490: a negative one)
 *   STOP               XML_StopParser on a parser not started (CVE-2024-50602):
 *                      "stop ok" or "stop error CODE MESSAGE"
 *   FEED <text>        feed <text> to this connection's own parser, which lives until END
 *                      (a document streamed over several requests): "fed elements=E"
 *   END                finish this connection's document: like PARSE
 *   STATS              "requests=R docs=D failed=F elements=E connections=C"
 * Each request is also printed on stdout: "N conn=C COMMAND -> ANSWER".
 * State kept across requests: the counters, and each connection's streaming parser. */
#include <expat.h>

#include "lineserver.h"

struct count {
	unsigned long elements;
	int depth, maxdepth;
};

static unsigned long docs, failed, elements;
static struct stream {
	XML_Parser parser;
	struct count count;
} streams[LS_MAX_CLIENTS];

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	struct count *c = ud;

	(void)name;
	(void)atts;
	c->elements++;
	elements++;
	if (++c->depth > c->maxdepth)
		c->maxdepth = c->depth;
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
	struct count *c = ud;

	(void)name;
	c->depth--;
}

static XML_Parser new_parser(struct count *c)
{
	XML_Parser p = XML_ParserCreate(NULL);

	if (!p)
		abort();
	memset(c, 0, sizeof(*c));
	XML_SetUserData(p, c);
	XML_SetElementHandler(p, on_start, on_end);
	return p;
}

/* The result of a finished document. */
static void result(struct ls_reply *r, XML_Parser p, enum XML_Status st, const struct count *c)
{
	if (st == XML_STATUS_OK) {
		docs++;
		ls_printf(r, "ok elements=%lu depth=%d", c->elements, c->maxdepth);
	} else {
		enum XML_Error e = XML_GetErrorCode(p);
		const XML_LChar *msg = XML_ErrorString(e);

		failed++;
		ls_printf(r, "error %d %s", (int)e, msg ? msg : "(unknown error)");
	}
}

static void handle(int slot, unsigned long conn, char *line, struct ls_reply *r)
{
	char *arg = strchr(line, ' ');
	struct stream *s = &streams[slot];
	struct count c;
	XML_Parser p;
	size_t head;

	if (arg)
		*arg++ = 0;
	else
		arg = line + strlen(line);
	ls_printf(r, "#%lu ", ls_requests);
	head = r->len;
	if (!strcmp(line, "PARSE")) {
		p = new_parser(&c);
		result(r, p, XML_Parse(p, arg, (int)strlen(arg), 1), &c);
		XML_ParserFree(p);
	} else if (!strcmp(line, "BUF")) {
		char *xml = strchr(arg, ' ');
		long len = strtol(arg, NULL, 10);
		size_t n;
		void *buf;

		xml = xml ? xml + 1 : arg + strlen(arg);
		n = strlen(xml);
		p = new_parser(&c);
		buf = XML_GetBuffer(p, n ? (int)n : 1);
		if (!buf) {
			ls_printf(r, "error no buffer");
		} else {
			memcpy(buf, xml, n);
			result(r, p, XML_ParseBuffer(p, (int)len, 1), &c);
		}
		XML_ParserFree(p);
	} else if (!strcmp(line, "STOP")) {
		p = new_parser(&c);
		if (XML_StopParser(p, XML_TRUE) == XML_STATUS_OK) {
			ls_printf(r, "stop ok");
		} else {
			enum XML_Error e = XML_GetErrorCode(p);
			const XML_LChar *msg = XML_ErrorString(e);

			ls_printf(r, "stop error %d %s", (int)e, msg ? msg : "(unknown error)");
		}
		XML_ParserFree(p);
	} else if (!strcmp(line, "FEED")) {
		if (!s->parser)
			s->parser = new_parser(&s->count);
		if (XML_Parse(s->parser, arg, (int)strlen(arg), 0) == XML_STATUS_OK) {
			ls_printf(r, "fed elements=%lu", s->count.elements);
		} else {
			result(r, s->parser, XML_STATUS_ERROR, &s->count);
			XML_ParserFree(s->parser);
			s->parser = NULL;
		}
	} else if (!strcmp(line, "END")) {
		if (!s->parser)
			s->parser = new_parser(&s->count);
		result(r, s->parser, XML_Parse(s->parser, "", 0, 1), &s->count);
		XML_ParserFree(s->parser);
		s->parser = NULL;
	} else if (!strcmp(line, "STATS")) {
		ls_printf(r, "requests=%lu docs=%lu failed=%lu elements=%lu connections=%lu",
			  ls_requests, docs, failed, elements, ls_connections);
	} else {
		ls_printf(r, "error unknown command %s", line);
	}
	printf("%lu conn=%lu %s -> %s\n", ls_requests, conn, line, r->buf + head);
	ls_printf(r, "\n");
}

static void closed(int slot)
{
	if (streams[slot].parser)
		XML_ParserFree(streams[slot].parser);
	streams[slot].parser = NULL;
}

int main(void)
{
	printf("xml-server: %s\n", XML_ExpatVersion());
	return ls_run("xml-server", handle, closed);
}
