// SPDX-License-Identifier: GPL-2.0-or-later
/* A stand-in for the daemon, for plugin unit tests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mock_host.h"

static void mock_vlog(const struct zfd_host *host, int level, const char *fmt,
		      va_list ap)
{
	struct zfd_mock_host *m = host->priv;
	size_t pos = strlen(m->log);

	(void)level;
	if (pos + 2 >= sizeof(m->log))
		return;
	vsnprintf(m->log + pos, sizeof(m->log) - pos - 1, fmt, ap);
	strcat(m->log, "\n");
	if (getenv("ZFD_TEST_VERBOSE"))
		fprintf(stderr, "mock log: %s", m->log + pos);
}

static int mock_ask(const struct zfd_host *host, const char *question,
		    unsigned int timeout_s)
{
	struct zfd_mock_host *m = host->priv;

	(void)timeout_s;
	m->asked++;
	snprintf(m->last_question, sizeof(m->last_question), "%s", question);
	return m->ask_answer;
}

void zfd_mock_host_init(struct zfd_mock_host *m, const char *sink_desc)
{
	memset(m, 0, sizeof(*m));
	m->host.abi = ZFD_SINK_ABI;
	m->host.priv = m;
	m->host.vlog = mock_vlog;
	m->host.ask = mock_ask;
	m->host.root = "/";
	m->host.sink_desc = sink_desc;
	m->host.verbosity = 1;
	m->ask_answer = 1;
}

bool zfd_mock_host_logged(const struct zfd_mock_host *m, const char *needle)
{
	return strstr(m->log, needle) != NULL;
}
