/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A stand-in for the daemon, for plugin unit tests: records every log
 * line and answers ask() from a preset.
 */
#ifndef ZFD_MOCK_HOST_H
#define ZFD_MOCK_HOST_H

#include <stdbool.h>

#include <zfcpdump/sink.h>

struct zfd_mock_host {
	struct zfd_host host;
	char log[16384];    /* all lines, '\n'-separated */
	int ask_answer;	    /* returned by ask(): 1, 0 or -ETIMEDOUT */
	unsigned int asked; /* how often ask() was called */
	char last_question[256];
};

void zfd_mock_host_init(struct zfd_mock_host *m, const char *sink_desc);
/* true if some logged line contains needle */
bool zfd_mock_host_logged(const struct zfd_mock_host *m, const char *needle);

#endif /* ZFD_MOCK_HOST_H */
