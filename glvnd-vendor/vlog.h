/*
 * The vendor libraries' own logger.  liblowmap.so.1 has one too, but it is
 * internal to that library; the front doors and the GL layer log through
 * this one so that a failure to load the core or the host is still reported.
 *
 * LOWMAP_DEBUG=error,warn,info,trace (or "all") selects levels, read once.
 * Every event is one line on stderr: "lowmap: <level>: <message>".
 * Thread-safe; no locks (one write per line).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LOWMAP_VLOG_H
#define LOWMAP_VLOG_H

enum vlog_level {
    VLOG_ERROR = 1u << 0,
    VLOG_WARN = 1u << 1,
    VLOG_INFO = 1u << 2,
    VLOG_TRACE = 1u << 3,
};

/* True when @level is enabled; parses LOWMAP_DEBUG on first use. */
int vlog_enabled(unsigned level);

void vlog_write(unsigned level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define VLOG__(level, ...)                                                   \
    do {                                                                     \
        if (vlog_enabled(level))                                             \
            vlog_write((level), __VA_ARGS__);                                \
    } while (0)
#define vlog_error(...) VLOG__(VLOG_ERROR, __VA_ARGS__)
#define vlog_warn(...) VLOG__(VLOG_WARN, __VA_ARGS__)
#define vlog_info(...) VLOG__(VLOG_INFO, __VA_ARGS__)
#define vlog_trace(...) VLOG__(VLOG_TRACE, __VA_ARGS__)

#endif /* LOWMAP_VLOG_H */
