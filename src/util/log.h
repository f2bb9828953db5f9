/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Logging for host programs. Lines go to stderr; when stderr is the journal
 * (JOURNAL_STREAM matches it) each line carries a <priority> prefix so that
 * journald records levels, otherwise "program: level: message".
 */
#ifndef DE_UTIL_LOG_H
#define DE_UTIL_LOG_H

#include <stdarg.h>

enum log_level { LOG_LVL_ERR = 3, LOG_LVL_WARN = 4, LOG_LVL_INFO = 6, LOG_LVL_DEBUG = 7 };

void log_init(const char *program);
void log_msg(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_vmsg(enum log_level lvl, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
#endif
