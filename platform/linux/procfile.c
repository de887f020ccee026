/*
 * SPDX-License-Identifier: MIT
 */
#include "procfile.h"
#include "fault.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

int plat_procfile_open(struct procfile *f, const char *path)
{
    f->fd = FAULT_OR("fd/open", EMFILE, -1, open(path, O_RDONLY | O_CLOEXEC));
    if (f->fd < 0)
        return -errno;
    f->pos = f->len = 0;
    f->skip = false;
    return 0;
}

void plat_procfile_close(struct procfile *f)
{
    if (f->fd >= 0)
        close(f->fd);
    f->fd = -1;
}

/* Refill after the unread bytes; returns bytes read, 0 at EOF, -errno. */
static ssize_t fill(struct procfile *f)
{
    ssize_t n;

    if (f->pos) {
        memmove(f->buf, f->buf + f->pos, f->len - f->pos);
        f->len -= f->pos;
        f->pos = 0;
    }
    do
        n = FAULT_OR("fd/read", EIO, -1,
                     read(f->fd, f->buf + f->len,
                          sizeof(f->buf) - 1 - f->len));
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return -errno;
    f->len += (size_t)n;
    return n;
}

int plat_procfile_next(struct procfile *f, char **line)
{
    for (;;) {
        char *start = f->buf + f->pos;
        char *nl = memchr(start, '\n', f->len - f->pos);
        ssize_t n;

        if (nl) {
            *nl = '\0';
            f->pos = (size_t)(nl + 1 - f->buf);
            if (f->skip) {
                f->skip = false; /* tail of a line already returned */
                continue;
            }
            *line = start;
            return 1;
        }
        if (f->pos == 0 && f->len == sizeof(f->buf) - 1) {
            /* No newline in a full buffer: hand out the head once and drop
             * the rest of the line. */
            bool was_skipping = f->skip;
            f->buf[f->len] = '\0';
            f->pos = f->len;
            f->skip = true;
            if (!was_skipping) {
                *line = start;
                return 1;
            }
            continue;
        }
        n = fill(f);
        if (n < 0)
            return (int)n;
        if (n == 0) {
            if (f->pos == f->len || f->skip)
                return 0;
            /* Last line without a newline. */
            start = f->buf + f->pos;
            f->buf[f->len] = '\0';
            f->pos = f->len;
            *line = start;
            return 1;
        }
    }
}
