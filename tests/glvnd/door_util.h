/*
 * Helpers for the front-door tests.  Each Criterion test runs in its own
 * child process, so every test starts with libglvnd not yet initialised and
 * may set the environment (LOWMAP_HOST, LOWMAP_DEBUG) before its first EGL
 * or GLX call.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LOWMAP_DOOR_UTIL_H
#define LOWMAP_DOOR_UTIL_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Whether a file whose name contains @needle is mapped in this process. */
static inline bool door_mapped(const char *needle)
{
    FILE *f = fopen("/proc/self/maps", "r");
    char line[4096];
    bool found = false;

    while (f && !found && fgets(line, sizeof(line), f))
        found = strstr(line, needle) != NULL;
    if (f)
        fclose(f);
    return found;
}

/* Sends fd 2 to a temporary file until door_capture_end(). */
struct door_capture {
    int saved, file;
};

static inline void door_capture_begin(struct door_capture *c)
{
    char path[] = "/tmp/lowmap-door-XXXXXX";

    c->file = mkstemp(path);
    unlink(path);
    fflush(stderr);
    c->saved = dup(2);
    dup2(c->file, 2);
}

/* Restores fd 2 and returns what was written (malloc'd, NUL-terminated);
 * also echoes it, so a failing test shows the log. */
static inline char *door_capture_end(struct door_capture *c)
{
    off_t len;
    char *text;

    fflush(stderr);
    dup2(c->saved, 2);
    close(c->saved);
    len = lseek(c->file, 0, SEEK_END);
    text = calloc(1, (size_t)len + 1);
    if (text && pread(c->file, text, (size_t)len, 0) != len)
        text[0] = '\0';
    close(c->file);
    if (text)
        fputs(text, stderr);
    return text;
}

#endif /* LOWMAP_DOOR_UTIL_H */
