/*
 * Logging: LOWMAP_DEBUG=error,warn,info,trace (or "all") selects levels;
 * every event is one line on stderr prefixed "lowmap:".
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LOWMAP_LOG_H
#define LOWMAP_LOG_H

enum lowmap__log_level {
    LOWMAP_LOG_ERROR = 1u << 0,
    LOWMAP_LOG_WARN = 1u << 1,
    LOWMAP_LOG_INFO = 1u << 2,
    LOWMAP_LOG_TRACE = 1u << 3,
};

/* Set once at init, read without a lock afterwards. */
extern unsigned lowmap__log_mask;

/* Parses a LOWMAP_DEBUG value; unknown words are ignored. */
unsigned lowmap__log_parse(const char *spec);

void lowmap__log(unsigned level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define LOWMAP__LOG(level, ...)                                              \
    do {                                                                     \
        if (lowmap__log_mask & (level))                                      \
            lowmap__log((level), __VA_ARGS__);                               \
    } while (0)
#define log_error(...) LOWMAP__LOG(LOWMAP_LOG_ERROR, __VA_ARGS__)
#define log_warn(...) LOWMAP__LOG(LOWMAP_LOG_WARN, __VA_ARGS__)
#define log_info(...) LOWMAP__LOG(LOWMAP_LOG_INFO, __VA_ARGS__)
#define log_trace(...) LOWMAP__LOG(LOWMAP_LOG_TRACE, __VA_ARGS__)

#endif /* LOWMAP_LOG_H */
