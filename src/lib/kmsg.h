/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The crashed kernel's log, read from a dump through VMCOREINFO (no
 * debug information): the lockless printk ring buffer of Linux 5.10 and
 * later (SYMBOL(prb)), or the structured log_buf of 3.5 to 5.9
 * (SYMBOL(log_buf), struct printk_log, before 3.11 struct log).
 *
 * The text comes out as makedumpfile --dump-dmesg writes it: one line
 * "[%5llu.%06lu] text" per record, continuation lines of a multi-line
 * record indented to the text, other control characters as "\xNN".
 */
#ifndef ZFD_KMSG_H
#define ZFD_KMSG_H

#include <stddef.h>

#include "vmcoreinfo.h"

/* Receives the log, a record at a time. Returns 0 or -errno to stop. */
typedef int (*zfd_kmsg_out_fn)(void *arg, const char *text, size_t len);

/* Largest array read (text ring, descriptors, infos, log_buf): 256 MiB
 * (a kernel booted with log_buf_len=256M). */
#define ZFD_KMSG_MAX_BUF (256u << 20)

/*
 * Writes the kernel log of the dump km reads to out. Returns 0, or
 * -ENOENT (VMCOREINFO names no log), -EFAULT (the log is not in the
 * dump), -EINVAL (implausible ring buffer), -ENOMEM, or the error of out,
 * with a one-line reason in why.
 */
int zfd_kmsg_dump(const struct zfd_kmem *km, zfd_kmsg_out_fn out, void *arg,
		  char *why, size_t why_len);

#endif /* ZFD_KMSG_H */
