/*
 * Real 32-bit code through map pointers.  A 64-bit process running 32-bit
 * code (WoW64, box32 with native 32-bit blocks, FEX's JIT output is 64-bit
 * but Wine's WoW64 runs the guest natively) switches the CPU to
 * compatibility mode with a far call into the user 32-bit code segment,
 * selector 0x23.  The code and its stack must lie below 4 GiB, and so must
 * every pointer it touches.
 *
 * The test copies compat32.S's blob to a low page, checks in a child
 * process that the kernel lets it run (kernels built without IA32
 * emulation, or booted with ia32_emulation=0, fault it), and then has
 * 32-bit code read and write through pointers from glMapBufferRange; the
 * GL must see the writes, the 32-bit code the GL's data.
 *
 * SPDX-License-Identifier: MIT
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

extern const char compat32_blob[], compat32_blob_end[];
extern const uint64_t compat32_enter_off, compat32_far_off,
    compat32_probe_off, compat32_touch_off;

TestSuite(compat32, .fini = gt_teardown);

#define CODE_PAGES 16
#define PARAMS_AT 0x1000u

/* params of compat32_touch, as 32-bit code sees them */
struct touch {
    uint32_t src, dst, len, sum, seed;
};

struct low_code {
    char *base;
    void (*enter)(uint32_t params, uint32_t stack_top);
    volatile uint32_t *params;
    uint32_t stack_top;
};

/* The blob at a page below 2 GiB, far-calling @routine. */
static struct low_code load(uint64_t routine)
{
    size_t size = CODE_PAGES * 4096u;
    char *base = mmap(NULL, size, PROT_READ | PROT_WRITE | PROT_EXEC,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
    if (base == MAP_FAILED)
        return (struct low_code){0};
    memcpy(base, compat32_blob, (size_t)(compat32_blob_end - compat32_blob));
    uint32_t target = (uint32_t)(uintptr_t)(base + routine);
    memcpy(base + compat32_far_off, &target, sizeof(target));
    return (struct low_code){
        .base = base,
        .enter = (void (*)(uint32_t, uint32_t))(void *)(base +
                                                       compat32_enter_off),
        .params = (volatile uint32_t *)(void *)(base + PARAMS_AT),
        .stack_top = (uint32_t)(uintptr_t)(base + size),
    };
}

/*
 * Whether a far call into 32-bit code works here.  Probed in a child: where
 * the kernel has no 32-bit code segment the call faults.  Stores the
 * reason in @why otherwise.
 */
static bool compat_mode_works(char *why, size_t len)
{
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        struct low_code c = load(compat32_probe_off);
        if (!c.base)
            _exit(3);
        c.params[0] = 0;
        c.enter((uint32_t)(uintptr_t)c.params, c.stack_top);
        _exit(c.params[0] == 0x32323232u ? 0 : 4);
    }
    int status = 0;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return true;
    if (WIFSIGNALED(status))
        snprintf(why, len, "a far call into selector 0x23 died with %s "
                 "(kernel without IA32 emulation, or ia32_emulation=0)",
                 strsignal(WTERMSIG(status)));
    else
        snprintf(why, len, "the 32-bit probe exited with %d (%s)",
                 WEXITSTATUS(status),
                 WEXITSTATUS(status) == 3 ? "no low page"
                                          : "32-bit code did not run");
    return false;
}

static struct low_code code;

static void start(void)
{
    char why[200];
    if (!compat_mode_works(why, sizeof(why)))
        cr_skip_test("32-bit compat mode unavailable: %s", why);
    code = load(compat32_touch_off);
    cr_assert_not_null(code.base);
    gt_setup();
}

/* 32-bit code sums @len bytes at @src and writes seed + 7 * i at @dst. */
static uint32_t run32(const void *src, void *dst, size_t len, uint8_t seed)
{
    cr_assert((uintptr_t)src + len <= IT_4G && (uintptr_t)dst + len <= IT_4G,
              "pointers %p %p out of 32-bit reach", src, dst);
    volatile struct touch *t = (volatile struct touch *)code.params;
    t->src = (uint32_t)(uintptr_t)src;
    t->dst = (uint32_t)(uintptr_t)dst;
    t->len = (uint32_t)len;
    t->sum = 0xdeadbeef;
    t->seed = seed;
    code.enter((uint32_t)(uintptr_t)t, code.stack_top);
    return t->sum;
}

static uint32_t pattern_sum(size_t len, unsigned seed, size_t first)
{
    uint32_t sum = 0;
    for (size_t i = 0; i < len; i++)
        sum += gt_byte(seed, first + i);
    return sum;
}

static void expect_written(GLuint buf, size_t off, size_t len, uint8_t seed)
{
    uint8_t *back = malloc(len);
    glGetNamedBufferSubData(buf, (GLintptr)off, (GLsizeiptr)len, back);
    for (size_t i = 0; i < len; i++)
        cr_assert_eq(back[i], (uint8_t)(seed + 7 * i),
                     "byte %zu: GL has %#x, 32-bit code wrote %#x", i,
                     back[i], (uint8_t)(seed + 7 * i));
    free(back);
}

Test(compat32, reads_and_writes_through_map_pointers)
{
    const size_t size = 3 * 4096 + 123, off = 77, len = size - 200;

    start();
    GLuint src = gt_buffer(size, 5), dst = gt_buffer(size, 6);
    const uint8_t *r = glMapNamedBufferRange(src, off, len, GL_MAP_READ_BIT);
    uint8_t *w = glMapNamedBufferRange(dst, off, len,
                                       GL_MAP_WRITE_BIT |
                                           GL_MAP_INVALIDATE_RANGE_BIT);
    cr_assert(r && w, "GL error 0x%x", glGetError());
    gt_assert_low(r, len);
    gt_assert_low(w, len);

    cr_assert_eq(run32(r, w, len, 0x40), pattern_sum(len, 5, off),
                 "32-bit code read something else");
    cr_assert(glUnmapNamedBuffer(src));
    cr_assert(glUnmapNamedBuffer(dst));
    expect_written(dst, off, len, 0x40);
    cr_assert(gt_buffer_holds(dst, 0, off, 6, 0), "bytes before the map");
}

Test(compat32, persistent_coherent_both_ways)
{
    const size_t size = 8 * 4096;

    start();
    GLbitfield bits = GL_MAP_READ_BIT | GL_MAP_WRITE_BIT |
                      GL_MAP_PERSISTENT_BIT | GL_MAP_COHERENT_BIT;
    GLuint buf = 0;
    glCreateBuffers(1, &buf);
    glNamedBufferStorage(buf, size, NULL, bits | GL_DYNAMIC_STORAGE_BIT);
    uint8_t *p = glMapNamedBufferRange(buf, 0, size, bits);
    cr_assert_not_null(p, "GL error 0x%x", glGetError());
    gt_assert_low(p, size);

    /* The GL writes the first half, 32-bit code reads it and writes the
     * second half, the GL reads that while the buffer stays mapped. */
    uint8_t *data = malloc(size / 2);
    gt_fill(data, size / 2, 9, 0);
    glNamedBufferSubData(buf, 0, size / 2, data);
    free(data);
    glFinish();
    cr_assert_eq(run32(p, p + size / 2, size / 2, 0x13),
                 pattern_sum(size / 2, 9, 0));
    GLuint copy = 0;
    glCreateBuffers(1, &copy);
    glNamedBufferData(copy, size / 2, NULL, GL_STATIC_COPY);
    glCopyNamedBufferSubData(buf, copy, size / 2, 0, size / 2);
    expect_written(copy, 0, size / 2, 0x13);
    cr_assert(glUnmapNamedBuffer(buf));
}
