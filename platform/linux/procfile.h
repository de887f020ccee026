/*
 * Line-by-line reading of small /proc text files without stdio or malloc,
 * so that readers on several threads need no shared state.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LOWMAP_PLATFORM_LINUX_PROCFILE_H
#define LOWMAP_PLATFORM_LINUX_PROCFILE_H

#include <stdbool.h>
#include <stddef.h>

struct procfile {
    int fd;
    size_t pos, len;  /* unread bytes are buf[pos, len) */
    bool skip;        /* discarding the rest of an overlong line */
    char buf[8192];   /* holds any maps line with a PATH_MAX name */
};

/* Open @path (O_CLOEXEC); 0 or -errno. */
int plat_procfile_open(struct procfile *f, const char *path);
/*
 * Next line, NUL-terminated, without its newline; valid until the next
 * call.  A line longer than the buffer comes back truncated.  Returns 1 for
 * a line, 0 at the end, -errno on a read error.
 */
int plat_procfile_next(struct procfile *f, char **line);
void plat_procfile_close(struct procfile *f);

#endif /* LOWMAP_PLATFORM_LINUX_PROCFILE_H */
