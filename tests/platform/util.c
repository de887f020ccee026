/*
 * SPDX-License-Identifier: MIT
 */
#include "util.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <unistd.h>

size_t pg(void)
{
    return (size_t)sysconf(_SC_PAGESIZE);
}

const char *kind_name(enum mapping_kind kind)
{
    static const char *const names[KIND_COUNT] = {
        "private anonymous", "shared anonymous", "memfd at offset",
        "shared file",       "private file",     "shared /dev/shm file",
    };
    return kind < KIND_COUNT ? names[kind] : "?";
}

static int temp_file(const char *dir, char *path, size_t size, size_t len)
{
    int fd;

    snprintf(path, size, "%s/lowmap-test-XXXXXX", dir);
    fd = mkostemp(path, O_CLOEXEC);
    cr_assert(fd >= 0, "mkostemp in %s: %s", dir, strerror(errno));
    cr_assert(ftruncate(fd, (off_t)len) == 0);
    return fd;
}

static bool on_tmpfs(int fd)
{
    struct statfs sf;
    cr_assert(fstatfs(fd, &sf) == 0);
    return sf.f_type == TMPFS_MAGIC;
}

static void expect_file(struct mapping *m, uint64_t offset)
{
    struct stat st;
    cr_assert(fstat(m->fd, &st) == 0);
    m->expect.dev = st.st_dev;
    m->expect.ino = st.st_ino;
    m->expect.offset = offset;
}

bool mapping_make(enum mapping_kind kind, struct mapping *m)
{
    const int rw = PROT_READ | PROT_WRITE;
    size_t len = 4 * pg();
    void *p = MAP_FAILED, *at;

    /* Between two PROT_NONE guard pages, so that the kernel cannot merge
     * the mapping with a neighbour and every test knows its exact VMA. */
    at = (void *)(slot_new(len + 2 * pg()) + pg());

    memset(m, 0, sizeof(*m));
    m->kind = kind;
    m->fd = -1;
    m->len = len;
    m->expect.prot = PLAT_PROT_READ | PLAT_PROT_WRITE;

    switch (kind) {
    case KIND_PRIVATE_ANON:
        p = mmap(at, len, rw, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
        m->expect.backing = PLAT_BACKING_ANON_PRIVATE;
        break;
    case KIND_SHARED_ANON:
        p = mmap(at, len, rw, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
        m->expect.shared = true;
        m->expect.backing = PLAT_BACKING_SHMEM;
        break;
    case KIND_MEMFD_OFFSET:
        m->fd = memfd_create("lowmap-test", MFD_CLOEXEC);
        cr_assert(m->fd >= 0);
        cr_assert(ftruncate(m->fd, (off_t)(8 * pg())) == 0);
        p = mmap(at, len, rw, MAP_SHARED | MAP_FIXED, m->fd, (off_t)(3 * pg()));
        expect_file(m, 3 * pg());
        m->expect.shared = true;
        m->expect.backing = PLAT_BACKING_SHMEM;
        break;
    case KIND_FILE_SHARED:
        m->fd = temp_file("/tmp", m->path, sizeof(m->path), len);
        p = mmap(at, len, rw, MAP_SHARED | MAP_FIXED, m->fd, 0);
        expect_file(m, 0);
        m->expect.shared = true;
        m->expect.backing =
            on_tmpfs(m->fd) ? PLAT_BACKING_SHMEM : PLAT_BACKING_FILE;
        break;
    case KIND_FILE_PRIVATE:
        m->fd = temp_file("/tmp", m->path, sizeof(m->path), 2 * len);
        p = mmap(at, len, PROT_READ, MAP_PRIVATE | MAP_FIXED, m->fd, (off_t)pg());
        expect_file(m, pg());
        m->expect.prot = PLAT_PROT_READ;
        m->expect.backing = PLAT_BACKING_ANON_PRIVATE;
        break;
    case KIND_DEVSHM_SHARED: {
        struct statfs sf;
        if (statfs("/dev/shm", &sf) != 0 || sf.f_type != TMPFS_MAGIC) {
            munmap((uint8_t *)at - pg(), len + 2 * pg());
            return false;
        }
        m->fd = temp_file("/dev/shm", m->path, sizeof(m->path), len);
        p = mmap(at, len, rw, MAP_SHARED | MAP_FIXED, m->fd, 0);
        expect_file(m, 0);
        m->expect.shared = true;
        m->expect.backing = PLAT_BACKING_SHMEM;
        break;
    }
    default:
        cr_assert_fail("bad kind");
    }
    cr_assert(p != MAP_FAILED, "mmap %s: %s", kind_name(kind),
              strerror(errno));
    m->base = p;
    m->expect.start = (uintptr_t)p;
    m->expect.end = (uintptr_t)p + len;
    return true;
}

void mapping_free(struct mapping *m)
{
    if (m->base)
        munmap(m->base - pg(), m->len + 2 * pg()); /* with the guards */
    if (m->fd >= 0)
        close(m->fd);
    if (m->path[0])
        unlink(m->path);
    m->base = NULL;
    m->fd = -1;
    m->path[0] = '\0';
}

uintptr_t slot_new(size_t len)
{
    void *p = mmap(NULL, len, PROT_NONE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    cr_assert(p != MAP_FAILED);
    return (uintptr_t)p;
}

bool kernel_at_least(int major, int minor)
{
    struct utsname u;
    int maj = 0, min = 0;

    if (uname(&u) != 0 || sscanf(u.release, "%d.%d", &maj, &min) != 2)
        return false;
    return maj > major || (maj == major && min >= minor);
}

bool under_valgrind(void)
{
    const char *preload = getenv("LD_PRELOAD");
    return preload && strstr(preload, "vgpreload");
}
