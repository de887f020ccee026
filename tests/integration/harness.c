/*
 * SPDX-License-Identifier: MIT
 */
#include "harness.h"

#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

size_t it_maps(uintptr_t top, struct it_vma *out, size_t max)
{
    FILE *f = fopen("/proc/self/maps", "re");
    char line[512];
    size_t n = 0;

    cr_assert(f, "/proc/self/maps");
    while (fgets(line, sizeof(line), f)) {
        uintptr_t start, end;
        char perms[5];
        int name_at = 0;
        if (sscanf(line, "%" SCNxPTR "-%" SCNxPTR " %4s %*s %*s %*s%n",
                   &start, &end, perms, &name_at) != 3)
            continue;
        if (start >= top)
            continue;
        if (n < max) {
            struct it_vma *v = &out[n];
            const char *name = line + name_at;
            v->start = start;
            v->end = end;
            v->prot = (perms[0] == 'r' ? PROT_READ : 0) |
                      (perms[1] == 'w' ? PROT_WRITE : 0) |
                      (perms[2] == 'x' ? PROT_EXEC : 0);
            name += strspn(name, " ");
            snprintf(v->name, sizeof(v->name), "%.*s",
                     (int)strcspn(name, "\n"), name);
        }
        n++;
    }
    fclose(f);
    return n;
}

int it_prot_of(uintptr_t start, uintptr_t end)
{
    static struct it_vma v[4096];
    size_t n = it_maps(end, v, 4096);
    uintptr_t at = start;
    int prot = -1;

    cr_assert_leq(n, 4096, "too many mappings");
    for (size_t i = 0; i < n && at < end; i++) {
        if (v[i].end <= at)
            continue;
        if (v[i].start > at)
            return -1; /* a hole */
        if (prot != -1 && prot != v[i].prot)
            return -2;
        prot = v[i].prot;
        at = v[i].end;
    }
    return at >= end ? prot : -1;
}

size_t it_reserve_high(void)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE), total = 0;

    for (size_t size = (size_t)1 << 47; size >= page;) {
        char *p = mmap(NULL, size, PROT_NONE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p == MAP_FAILED) {
            size /= 2;
            continue;
        }
        uintptr_t start = (uintptr_t)p, end = start + size;
        if (start >= IT_4G) {
            total += size;
            continue;
        }
        /* Keep what lies above 4 GiB, give back the rest. */
        if (end > IT_4G) {
            munmap(p, IT_4G - start);
            total += end - IT_4G;
            continue;
        }
        munmap(p, size);
        size /= 2;
    }
    void *probe = mmap(NULL, page, PROT_READ,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    cr_assert_neq(probe, MAP_FAILED);
    cr_assert_lt((uintptr_t)probe, IT_4G,
                 "a fresh mapping still lands at %p", probe);
    munmap(probe, page);
    return total;
}

/* ---- the GL workload ------------------------------------------------ */

#define PAGE 4096u

static unsigned maps;

static void *checked(void *p, size_t len, it_ptr_check check)
{
    cr_assert_not_null(p, "map failed: GL error 0x%x", glGetError());
    check(p, len);
    maps++;
    return p;
}

/* One buffer through read, write, read/write, invalidate and explicit
 * flush maps, then the older entry points. */
static void plain_maps(size_t size, it_ptr_check check)
{
    const size_t off = 100, len = size - 150;
    GLuint buf = gt_buffer(size, 1);

    uint8_t *p = checked(glMapBufferRange(GL_ARRAY_BUFFER, off, len,
                                          GL_MAP_READ_BIT),
                         len, check);
    cr_assert(gt_check(p, len, 1, off), "read map");
    cr_assert(glUnmapBuffer(GL_ARRAY_BUFFER));

    p = checked(glMapBufferRange(GL_ARRAY_BUFFER, off, len,
                                 GL_MAP_WRITE_BIT |
                                     GL_MAP_INVALIDATE_RANGE_BIT),
                len, check);
    gt_fill(p, len, 2, off);
    cr_assert(glUnmapBuffer(GL_ARRAY_BUFFER));
    cr_assert(gt_copy_holds(buf, off, len, 2, off), "write map");

    p = checked(glMapBufferRange(GL_ARRAY_BUFFER, 0, size,
                                 GL_MAP_READ_BIT | GL_MAP_WRITE_BIT),
                size, check);
    cr_assert(gt_check(p + off, len, 2, off), "read/write map reads");
    gt_fill(p, size, 3, 0);
    cr_assert(glUnmapBuffer(GL_ARRAY_BUFFER));
    cr_assert(gt_buffer_holds(buf, 0, size, 3, 0), "read/write map");

    /* Explicit flush: only the flushed part must arrive. */
    p = checked(glMapBufferRange(GL_ARRAY_BUFFER, 0, size,
                                 GL_MAP_WRITE_BIT |
                                     GL_MAP_FLUSH_EXPLICIT_BIT),
                size, check);
    gt_fill(p + off, len, 4, off);
    glFlushMappedBufferRange(GL_ARRAY_BUFFER, off, len);
    cr_assert(glUnmapBuffer(GL_ARRAY_BUFFER));
    cr_assert(gt_buffer_holds(buf, off, len, 4, off), "flushed range");

    p = checked(glMapBuffer(GL_ARRAY_BUFFER, GL_READ_WRITE), size, check);
    cr_assert(gt_check(p + off, len, 4, off), "glMapBuffer reads");
    gt_fill(p, size, 5, 0);
    void *q = NULL;
    glGetBufferPointerv(GL_ARRAY_BUFFER, GL_BUFFER_MAP_POINTER, &q);
    cr_assert_eq(q, (void *)p, "glGetBufferPointerv");
    cr_assert(glUnmapBuffer(GL_ARRAY_BUFFER));

    p = checked(glMapNamedBufferRange(buf, off, len,
                                      GL_MAP_READ_BIT | GL_MAP_WRITE_BIT),
                len, check);
    cr_assert(gt_check(p, len, 5, off), "named map reads");
    gt_fill(p, len, 6, off);
    cr_assert(glUnmapNamedBuffer(buf));
    cr_assert(gt_copy_holds(buf, off, len, 6, off), "named map");

    glDeleteBuffers(1, &buf);
    cr_assert_eq(glGetError(), GL_NO_ERROR);
}

/* Immutable storage mapped persistently, coherent or not. */
static void persistent_maps(size_t size, bool coherent, it_ptr_check check)
{
    GLbitfield bits = GL_MAP_READ_BIT | GL_MAP_WRITE_BIT |
                      GL_MAP_PERSISTENT_BIT |
                      (coherent ? GL_MAP_COHERENT_BIT : 0);
    GLuint buf = 0;
    uint8_t *init = malloc(size);

    gt_fill(init, size, 7, 0);
    glCreateBuffers(1, &buf);
    glNamedBufferStorage(buf, (GLsizeiptr)size, init,
                         bits | GL_DYNAMIC_STORAGE_BIT);
    free(init);
    cr_assert_eq(glGetError(), GL_NO_ERROR);

    GLbitfield access = bits | (coherent ? 0 : GL_MAP_FLUSH_EXPLICIT_BIT);
    uint8_t *p = checked(glMapNamedBufferRange(buf, 0, size, access), size,
                         check);
    cr_assert(gt_check(p, size, 7, 0), "persistent map reads");
    for (unsigned round = 0; round < 3; round++) {
        gt_fill(p, size, 8 + round, 0);
        if (!coherent) {
            glFlushMappedNamedBufferRange(buf, 0, size);
            glMemoryBarrier(GL_CLIENT_MAPPED_BUFFER_BARRIER_BIT);
        }
        cr_assert(gt_copy_holds(buf, 0, size, 8 + round, 0),
                  "GL sees write %u while mapped", round);
    }
    cr_assert(glUnmapNamedBuffer(buf));
    glDeleteBuffers(1, &buf);
    cr_assert_eq(glGetError(), GL_NO_ERROR);
}

unsigned it_gl_workload(it_ptr_check check)
{
    maps = 0;
    plain_maps(3 * PAGE + 123, check);
    plain_maps(1u << 20, check);
    persistent_maps(2 * PAGE + 17, true, check);
    persistent_maps(64 * PAGE, false, check);
    return maps;
}

int it_churn_until(bool (*done)(void), int max)
{
    for (int i = 0; i < max; i++) {
        if (done())
            return i;
        GLuint buf = gt_buffer(PAGE, 1);
        uint8_t *p = glMapBufferRange(GL_ARRAY_BUFFER, 0, PAGE,
                                      GL_MAP_WRITE_BIT |
                                          GL_MAP_INVALIDATE_BUFFER_BIT);
        cr_assert_not_null(p);
        p[0] = 1;
        cr_assert(glUnmapBuffer(GL_ARRAY_BUFFER));
        glDeleteBuffers(1, &buf);
    }
    return done() ? max : -1;
}
