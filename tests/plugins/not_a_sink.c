// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A shared object of the build's own architecture that is not a zfcpdump
 * sink (no zfd_sink_entry): the daemon must refuse it by name. (The host's
 * libc would do on x86_64, but not in the s390x cross build, where the
 * s390x loader cannot even open an x86_64 library.)
 */
int zfd_not_a_sink(void);

int zfd_not_a_sink(void)
{
	return 0;
}
