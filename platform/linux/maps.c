/*
 * /proc/<pid>/maps line parser and the backing heuristic.  The parser is
 * strict on purpose: the kernel's format is fixed, so anything else means we
 * are reading something we do not understand, and guessing would hand the
 * core a wrong inode or offset.
 *
 * SPDX-License-Identifier: MIT
 */
#include "maps.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/sysmacros.h>

static bool has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/*
 * The kernel names a VMA after its file (through d_path, so an unlinked file
 * gains " (deleted)") and special VMAs after what they are.  From that:
 *
 * - Private VMAs are copy-on-write: whatever the file, the pages this
 *   process sees are its own, and neither mremap nor a new mmap of the file
 *   reproduces them.  ANON_PRIVATE.
 * - Shared anonymous memory is an unlinked shmem file "/dev/zero (deleted)";
 *   memfds are "/memfd:NAME (deleted)", SysV segments "/SYSV<key>
 *   (deleted)", POSIX shm objects "/dev/shm/NAME", and shared anonymous
 *   memory named with PR_SET_VMA_ANON_NAME "[anon_shmem:NAME]".  SHMEM: the
 *   kernel duplicates these with mremap.
 * - Any other file under /dev/ (DRM nodes and other character devices),
 *   anonymous inodes "anon_inode:KIND" and dma-bufs "/dmabuf:NAME" belong to
 *   drivers, which may accept a new mmap only through the open file
 *   description they handed out.  DEVICE.
 * - Any other shared file is SHMEM when it lives on tmpfs (the caller tells
 *   us, by device number) and FILE otherwise.
 */
enum plat_backing plat_classify_backing(bool shared, const char *name,
                                        bool on_tmpfs)
{
    if (!shared)
        return PLAT_BACKING_ANON_PRIVATE;
    if (!name)
        name = "";
    if (has_prefix(name, "/dev/zero") || has_prefix(name, "/dev/shm/") ||
        has_prefix(name, "/memfd:") || has_prefix(name, "/SYSV") ||
        has_prefix(name, "[anon_shmem:"))
        return PLAT_BACKING_SHMEM;
    if (has_prefix(name, "/dev/") || has_prefix(name, "anon_inode:") ||
        has_prefix(name, "/dmabuf:"))
        return PLAT_BACKING_DEVICE;
    return on_tmpfs ? PLAT_BACKING_SHMEM : PLAT_BACKING_FILE;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* At least one and at most @max hex digits; NULL on anything else. */
static const char *parse_hex(const char *p, unsigned max, uint64_t *out)
{
    uint64_t v = 0;
    unsigned n = 0;
    int d;

    while ((d = hex_digit(*p)) >= 0) {
        if (++n > max)
            return NULL;
        v = v << 4 | (unsigned)d;
        p++;
    }
    if (n == 0)
        return NULL;
    *out = v;
    return p;
}

static const char *parse_dec(const char *p, uint64_t *out)
{
    uint64_t v = 0;
    unsigned n = 0;

    while (*p >= '0' && *p <= '9') {
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return NULL;
        v = v * 10 + d;
        n++;
        p++;
    }
    if (n == 0)
        return NULL;
    *out = v;
    return p;
}

static const char *expect(const char *p, char c)
{
    return p && *p == c ? p + 1 : NULL;
}

int plat_maps_parse_line(const char *line, struct plat_vma *out, char *name,
                         size_t name_size)
{
    uint64_t start, end, offset, major, minor, ino;
    const unsigned addr_digits = sizeof(uintptr_t) * 2;
    const char *p = line;
    const char *perms;
    size_t len;

    if (!line || !out || (name_size && !name))
        return -EINVAL;

    p = parse_hex(p, addr_digits, &start);
    p = expect(p, '-');
    if (p)
        p = parse_hex(p, addr_digits, &end);
    p = expect(p, ' ');
    /* The kernel writes page-aligned bounds; anything else is not a line
     * of a maps file, and struct plat_vma promises alignment. */
    if (!p || start >= end || (start | end) & (plat_page_size() - 1))
        return -EINVAL;

    perms = p;
    if ((perms[0] != 'r' && perms[0] != '-') ||
        (perms[1] != 'w' && perms[1] != '-') ||
        (perms[2] != 'x' && perms[2] != '-') ||
        (perms[3] != 's' && perms[3] != 'p'))
        return -EINVAL;
    p = expect(perms + 4, ' ');

    if (p)
        p = parse_hex(p, 16, &offset);
    p = expect(p, ' ');
    /* Device numbers are 12-bit major, 20-bit minor in the kernel. */
    if (p)
        p = parse_hex(p, 8, &major);
    p = expect(p, ':');
    if (p)
        p = parse_hex(p, 8, &minor);
    p = expect(p, ' ');
    if (p)
        p = parse_dec(p, &ino);
    if (!p || (*p != '\0' && *p != '\n' && *p != ' '))
        return -EINVAL;

    /* The name starts after the padding and runs to the end of the line;
     * it may itself contain spaces. */
    while (*p == ' ')
        p++;
    len = strcspn(p, "\n");

    memset(out, 0, sizeof(*out));
    out->start = (uintptr_t)start;
    out->end = (uintptr_t)end;
    out->offset = offset;
    out->dev = makedev((unsigned)major, (unsigned)minor);
    out->ino = ino;
    out->prot = (perms[0] == 'r' ? PLAT_PROT_READ : 0) |
                (perms[1] == 'w' ? PLAT_PROT_WRITE : 0);
    out->shared = perms[3] == 's';

    if (name_size) {
        size_t n = len < name_size - 1 ? len : name_size - 1;
        memcpy(name, p, n);
        name[n] = '\0';
    }
    /* Classify on the whole name, not on a truncated copy; the prefixes it
     * looks for hold no newline, so the rest of the buffer cannot match. */
    out->backing = plat_classify_backing(out->shared, p, false);
    return 0;
}
