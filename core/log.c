/* SPDX-License-Identifier: MIT */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

unsigned lowmap__log_mask;

static const struct {
    const char *name;
    unsigned bits;
} log_words[] = {
    {"error", LOWMAP_LOG_ERROR},
    {"warn", LOWMAP_LOG_ERROR | LOWMAP_LOG_WARN},
    {"info", LOWMAP_LOG_ERROR | LOWMAP_LOG_WARN | LOWMAP_LOG_INFO},
    {"trace", LOWMAP_LOG_ERROR | LOWMAP_LOG_WARN | LOWMAP_LOG_INFO |
                  LOWMAP_LOG_TRACE},
    {"all", LOWMAP_LOG_ERROR | LOWMAP_LOG_WARN | LOWMAP_LOG_INFO |
                LOWMAP_LOG_TRACE},
};

unsigned lowmap__log_parse(const char *spec)
{
    unsigned mask = 0;

    while (spec && *spec) {
        size_t len = strcspn(spec, ",");
        for (size_t i = 0; i < sizeof(log_words) / sizeof(log_words[0]); i++) {
            if (strlen(log_words[i].name) == len &&
                strncmp(spec, log_words[i].name, len) == 0)
                mask |= log_words[i].bits;
        }
        spec += len;
        if (*spec == ',')
            spec++;
    }
    return mask;
}

static const char *level_name(unsigned level)
{
    switch (level) {
    case LOWMAP_LOG_ERROR: return "error";
    case LOWMAP_LOG_WARN: return "warn";
    case LOWMAP_LOG_INFO: return "info";
    default: return "trace";
    }
}

void lowmap__log(unsigned level, const char *fmt, ...)
{
    char line[512];
    int n = snprintf(line, sizeof(line), "lowmap: %s: ", level_name(level));
    va_list ap;

    va_start(ap, fmt);
    /* Keep one byte for the newline, even when the message is cut. */
    vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
    va_end(ap);
    /* One fputs per event keeps lines whole across threads. */
    strcat(line, "\n");
    fputs(line, stderr);
}
