/* SPDX-License-Identifier: MIT */
#include "vlog.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Written once under vlog_once, read without a lock afterwards. */
static unsigned vlog_mask;
static pthread_once_t vlog_once = PTHREAD_ONCE_INIT;

/* Each word enables its level and every more severe one. */
static unsigned word_bits(const char *word, size_t len)
{
    static const char *const words[] = {"error", "warn", "info", "trace"};

    if (len == 3 && strncmp(word, "all", 3) == 0)
        return VLOG_ERROR | VLOG_WARN | VLOG_INFO | VLOG_TRACE;
    for (unsigned i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        if (strlen(words[i]) == len && strncmp(word, words[i], len) == 0)
            return (2u << i) - 1;
    }
    return 0; /* unknown words are ignored, like the core's parser */
}

static void vlog_init(void)
{
    const char *spec = getenv("LOWMAP_DEBUG");
    unsigned mask = 0;

    while (spec && *spec) {
        size_t len = strcspn(spec, ",");
        mask |= word_bits(spec, len);
        spec += len + (spec[len] == ',');
    }
    vlog_mask = mask;
}

int vlog_enabled(unsigned level)
{
    pthread_once(&vlog_once, vlog_init);
    return (vlog_mask & level) != 0;
}

static const char *level_name(unsigned level)
{
    switch (level) {
    case VLOG_ERROR: return "error";
    case VLOG_WARN: return "warn";
    case VLOG_INFO: return "info";
    default: return "trace";
    }
}

void vlog_write(unsigned level, const char *fmt, ...)
{
    char line[512];
    int n = snprintf(line, sizeof(line), "lowmap: %s: ", level_name(level));
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
    va_end(ap);
    n = (int)strlen(line);
    line[n++] = '\n';
    /* One write(2) per event keeps lines whole across threads and never
     * takes stdio's lock, which a forked child might find held. */
    ssize_t done = write(STDERR_FILENO, line, (size_t)n);
    (void)done;
}
