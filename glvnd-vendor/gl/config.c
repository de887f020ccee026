/*
 * The GL layer's environment switches and its log.  liblowmap keeps its own
 * log; this one follows the same LOWMAP_DEBUG mask and "lowmap:" prefix so
 * that one variable turns on both.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gl_private.h"

struct lm_config lm_config = {
    .strict = false,
    .placed = LM_PLACED_AUTO,
    .backend = LM_BACKEND_AUTO,
    .log_mask = LM_LOG_ERROR,
};

static unsigned parse_log_mask(const char *s)
{
    static const struct { const char *name; unsigned bits; } levels[] = {
        { "error", LM_LOG_ERROR },
        { "warn", LM_LOG_ERROR | LM_LOG_WARN },
        { "info", LM_LOG_ERROR | LM_LOG_WARN | LM_LOG_INFO },
        { "trace", LM_LOG_ERROR | LM_LOG_WARN | LM_LOG_INFO | LM_LOG_TRACE },
        { "all", LM_LOG_ERROR | LM_LOG_WARN | LM_LOG_INFO | LM_LOG_TRACE },
    };
    unsigned mask = 0;
    while (*s) {
        size_t len = strcspn(s, ",");
        for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
            if (strlen(levels[i].name) == len &&
                strncmp(levels[i].name, s, len) == 0)
                mask |= levels[i].bits;
        }
        s += len;
        if (*s == ',')
            s++;
    }
    return mask;
}

/* Read when the first context appears rather than at vendor load: libEGL
 * may load vendors early, and a translator may set the environment just
 * before creating its first context. */
static void config_load_once(void)
{
    const char *s;

    if ((s = getenv("LOWMAP_DEBUG")) != NULL)
        lm_config.log_mask = parse_log_mask(s);
    if ((s = getenv("LOWMAP_STRICT")) != NULL)
        lm_config.strict = strcmp(s, "1") == 0 || strcmp(s, "yes") == 0 ||
                           strcmp(s, "true") == 0;
    if ((s = getenv("LOWMAP_PLACED")) != NULL) {
        if (strcmp(s, "off") == 0 || strcmp(s, "0") == 0)
            lm_config.placed = LM_PLACED_OFF;
        else if (strcmp(s, "all") == 0)
            lm_config.placed = LM_PLACED_ALL;
        else if (strcmp(s, "persistent") == 0)
            lm_config.placed = LM_PLACED_PERSISTENT;
        else if (strcmp(s, "auto") == 0)
            lm_config.placed = LM_PLACED_AUTO;
        else
            lm_log(LM_LOG_WARN, "gl: LOWMAP_PLACED=%s unknown (auto, "
                                "persistent, all, off); using auto", s);
    }
    if ((s = getenv("LOWMAP_PLACED_BACKEND")) != NULL) {
        if (strcmp(s, "auto") == 0)
            lm_config.backend = LM_BACKEND_AUTO;
        else if (strcmp(s, "pinned") == 0)
            lm_config.backend = LM_BACKEND_PINNED;
        else if (strcmp(s, "memory_object") == 0)
            lm_config.backend = LM_BACKEND_MEMORY_OBJECT;
        else if (strcmp(s, "off") == 0 || strcmp(s, "0") == 0)
            lm_config.backend = LM_BACKEND_OFF;
        else
            lm_log(LM_LOG_ERROR, "gl: LOWMAP_PLACED_BACKEND=%s unknown "
                                 "(auto, pinned, memory_object, off); "
                                 "using auto", s);
    }
    lm_log(LM_LOG_INFO, "gl: strict=%d placed=%s backend=%s",
           lm_config.strict,
           lm_config.placed == LM_PLACED_OFF          ? "off"
           : lm_config.placed == LM_PLACED_ALL        ? "all"
           : lm_config.placed == LM_PLACED_PERSISTENT ? "persistent"
                                                      : "auto",
           lm_config.backend == LM_BACKEND_PINNED          ? "pinned"
           : lm_config.backend == LM_BACKEND_MEMORY_OBJECT ? "memory_object"
           : lm_config.backend == LM_BACKEND_OFF           ? "off"
                                                           : "auto");
}

void lm_config_load(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, config_load_once);
}

void lm_log_(unsigned level, const char *fmt, ...)
{
    char line[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    /* One write per line keeps lines whole when threads log together. */
    fprintf(stderr, "lowmap: %s%s\n",
            level == LM_LOG_ERROR  ? "error: "
            : level == LM_LOG_WARN ? "warn: "
            : level == LM_LOG_INFO ? "info: "
                                   : "trace: ",
            line);
}
