/*
 * The /proc/<pid>/maps line parser, on hand-written lines and on garbage.
 *
 * SPDX-License-Identifier: MIT
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <criterion/parameterized.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "maps.h"

/* Parameters are copied into the test process: no pointers inside. */
struct good_line {
    char line[128];
    uintptr_t start, end;
    uint64_t offset;
    unsigned major, minor;
    uint64_t ino;
    unsigned prot;
    bool shared;
    char name[48];
    enum plat_backing backing;
};

ParameterizedTestParameters(maps, parses)
{
    static struct good_line lines[] = {
        { "55d0c0a00000-55d0c0a21000 rw-p 00000000 00:00 0          "
          "                [heap]\n",
          0x55d0c0a00000, 0x55d0c0a21000, 0, 0, 0, 0,
          PLAT_PROT_READ | PLAT_PROT_WRITE, false, "[heap]",
          PLAT_BACKING_ANON_PRIVATE },
        /* No name at all, with and without the newline. */
        { "7f0000000000-7f0000004000 ---p 00000000 00:00 0 \n",
          0x7f0000000000, 0x7f0000004000, 0, 0, 0, 0, PLAT_PROT_NONE, false,
          "", PLAT_BACKING_ANON_PRIVATE },
        { "1000-2000 r--p 00000000 00:00 0", 0x1000, 0x2000, 0, 0, 0, 0,
          PLAT_PROT_READ, false, "", PLAT_BACKING_ANON_PRIVATE },
        { "7f1234560000-7f1234564000 rw-s 00003000 00:01 4242   "
          "/memfd:my buffer (deleted)\n",
          0x7f1234560000, 0x7f1234564000, 0x3000, 0, 1, 4242,
          PLAT_PROT_READ | PLAT_PROT_WRITE, true,
          "/memfd:my buffer (deleted)", PLAT_BACKING_SHMEM },
        { "7f1234560000-7f1234564000 rw-s 00000000 00:01 7 "
          "/dev/zero (deleted)",
          0x7f1234560000, 0x7f1234564000, 0, 0, 1, 7,
          PLAT_PROT_READ | PLAT_PROT_WRITE, true, "/dev/zero (deleted)",
          PLAT_BACKING_SHMEM },
        { "7f00000000-7f00001000 rw-s 00000000 00:01 65538 "
          "/SYSV0000002a (deleted)\n",
          0x7f00000000, 0x7f00001000, 0, 0, 1, 65538,
          PLAT_PROT_READ | PLAT_PROT_WRITE, true, "/SYSV0000002a (deleted)",
          PLAT_BACKING_SHMEM },
        { "7f00000000-7f00001000 rw-s 00000000 00:17 9 /dev/shm/pool\n",
          0x7f00000000, 0x7f00001000, 0, 0, 0x17, 9,
          PLAT_PROT_READ | PLAT_PROT_WRITE, true, "/dev/shm/pool",
          PLAT_BACKING_SHMEM },
        /* Device numbers wider than two digits; big offsets. */
        { "7f5a1b200000-7f5a1b300000 rw-s 1ab000000 e2:1f0 123 "
          "/dev/dri/renderD128\n",
          0x7f5a1b200000, 0x7f5a1b300000, 0x1ab000000, 0xe2, 0x1f0, 123,
          PLAT_PROT_READ | PLAT_PROT_WRITE, true, "/dev/dri/renderD128",
          PLAT_BACKING_DEVICE },
        { "7f00000000-7f00001000 rw-s 00000000 00:0e 1055 "
          "anon_inode:[io_uring]\n",
          0x7f00000000, 0x7f00001000, 0, 0, 0xe, 1055,
          PLAT_PROT_READ | PLAT_PROT_WRITE, true, "anon_inode:[io_uring]",
          PLAT_BACKING_DEVICE },
        { "7f00000000-7f00001000 r--s 00000000 00:0f 88 /dmabuf:\n",
          0x7f00000000, 0x7f00001000, 0, 0, 0xf, 88, PLAT_PROT_READ, true,
          "/dmabuf:", PLAT_BACKING_DEVICE },
        /* A shared file whose name has spaces and a deleted marker. */
        { "7f00000000-7f00002000 rw-s 00001000 fe:00 1310723 "
          "/home/u/my  data.bin (deleted)\n",
          0x7f00000000, 0x7f00002000, 0x1000, 0xfe, 0, 1310723,
          PLAT_PROT_READ | PLAT_PROT_WRITE, true,
          "/home/u/my  data.bin (deleted)", PLAT_BACKING_FILE },
        /* Private file mappings are private memory, whatever the file. */
        { "7f9a8c000000-7f9a8c021000 r-xp 00002000 fe:00 2359 "
          "/usr/lib/x86_64-linux-gnu/libc.so.6\n",
          0x7f9a8c000000, 0x7f9a8c021000, 0x2000, 0xfe, 0, 2359,
          PLAT_PROT_READ, false, "/usr/lib/x86_64-linux-gnu/libc.so.6",
          PLAT_BACKING_ANON_PRIVATE },
        { "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0 "
          "                 [vsyscall]\n",
          0xffffffffff600000, 0xffffffffff601000, 0, 0, 0, 0,
          PLAT_PROT_NONE, false, "[vsyscall]", PLAT_BACKING_ANON_PRIVATE },
        { "7f00000000-7f00001000 rw-s 00000000 00:01 3 [anon_shmem:ring]\n",
          0x7f00000000, 0x7f00001000, 0, 0, 1, 3,
          PLAT_PROT_READ | PLAT_PROT_WRITE, true, "[anon_shmem:ring]",
          PLAT_BACKING_SHMEM },
        /* Upper-case hex and the largest inode. */
        { "ABC000-ABD000 rw-p 00000000 00:00 18446744073709551615 x\n",
          0xabc000, 0xabd000, 0, 0, 0, UINT64_MAX,
          PLAT_PROT_READ | PLAT_PROT_WRITE, false, "x",
          PLAT_BACKING_ANON_PRIVATE },
    };
    return cr_make_param_array(struct good_line, lines,
                               sizeof(lines) / sizeof(lines[0]));
}

ParameterizedTest(struct good_line *g, maps, parses)
{
    struct plat_vma v;
    char name[256];

    memset(&v, 0xa5, sizeof(v));
    cr_assert_eq(plat_maps_parse_line(g->line, &v, name, sizeof(name)), 0,
                 "%s", g->line);
    cr_expect_eq(v.start, g->start, "%s", g->line);
    cr_expect_eq(v.end, g->end);
    cr_expect_eq(v.offset, g->offset);
    cr_expect_eq(v.dev, makedev(g->major, g->minor));
    cr_expect_eq(v.ino, g->ino);
    cr_expect_eq(v.prot, g->prot);
    cr_expect_eq(v.shared, g->shared);
    cr_expect_str_eq(name, g->name);
    cr_expect_eq(v.backing, g->backing, "%s: backing %d", g->line,
                 v.backing);
}

struct bad_line {
    char line[64];
};

ParameterizedTestParameters(maps, rejects)
{
    static struct bad_line bad[] = {
        { "" },
        { "\n" },
        { "garbage" },
        { "1000-2000" },
        { "1000-2000 rw-p" },
        { "1000-2000 rw-p 0 00:00" },
        { "1000-2000 rw-p 0 00:00 " },
        { "1000-2000 rw-p 0 0000 0 x" },
        { "-2000 rw-p 0 00:00 0" },
        { "1000- rw-p 0 00:00 0" },
        { "1000 2000 rw-p 0 00:00 0" },
        { "2000-1000 rw-p 0 00:00 0" },          /* end before start */
        { "1000-1000 rw-p 0 00:00 0" },          /* empty */
        { "1000-2000 rwxq 0 00:00 0" },          /* neither s nor p */
        { "1000-2000 xw-p 0 00:00 0" },
        { "1000-2000 rw- 0 00:00 0" },
        { "1000-2000 rw-p  0 00:00 0" },         /* double space */
        { "1000-2000 rw-p 0 00:00 0x" },         /* junk after the inode */
        { "1000-2000 rw-p 0 00:00 -1" },
        { "1000-2000 rw-p 0 00:00 18446744073709551616" }, /* inode overflow */
        { "10000000000000000-10000000000001000 rw-p 0 00:00 0" }, /* 17 digits */
        { "1000-2000 rw-p 00000000000000000 00:00 0" },
        { "1000-2000 rw-p 0 000000000:00 0" },
        { "1000-2000 rw-p 0 00:000000000 0" },
        { "1000-2000 rw-p g 00:00 0" },
        { " 1000-2000 rw-p 0 00:00 0" },
        { "+1000-2000 rw-p 0 00:00 0" },
        { "1000-2000\trw-p 0 00:00 0" },
    };
    return cr_make_param_array(struct bad_line, bad,
                               sizeof(bad) / sizeof(bad[0]));
}

ParameterizedTest(struct bad_line *bad, maps, rejects)
{
    struct plat_vma v;
    char name[16];
    cr_expect_eq(plat_maps_parse_line(bad->line, &v, name, sizeof(name)),
                 -EINVAL, "accepted \"%s\"", bad->line);
}

Test(maps, truncates_name)
{
    struct plat_vma v;
    char name[8];

    memset(name, 'X', sizeof(name));
    cr_assert_eq(plat_maps_parse_line("1000-2000 rw-s 0 00:01 5 "
                                      "/memfd:a long name (deleted)",
                                      &v, name, sizeof(name)), 0);
    cr_expect_str_eq(name, "/memfd:");
    /* Classification looks at the whole name, not the truncated copy. */
    cr_expect_eq(v.backing, PLAT_BACKING_SHMEM);
    cr_expect_eq(plat_maps_parse_line("1000-2000 rw-s 0 00:01 5 /dev/zero",
                                      &v, NULL, 0), 0);
    cr_expect_eq(v.backing, PLAT_BACKING_SHMEM);
}

Test(maps, null_arguments)
{
    struct plat_vma v;
    char name[4];
    cr_expect_eq(plat_maps_parse_line(NULL, &v, name, 4), -EINVAL);
    cr_expect_eq(plat_maps_parse_line("1000-2000 rw-p 0 00:00 0", NULL,
                                      name, 4), -EINVAL);
    cr_expect_eq(plat_maps_parse_line("1000-2000 rw-p 0 00:00 0", &v, NULL,
                                      4), -EINVAL);
}

Test(maps, classify)
{
    cr_expect_eq(plat_classify_backing(false, "/dev/dri/card0", false),
                 PLAT_BACKING_ANON_PRIVATE);
    cr_expect_eq(plat_classify_backing(true, "/dev/dri/card0", false),
                 PLAT_BACKING_DEVICE);
    cr_expect_eq(plat_classify_backing(true, "/tmp/x", true),
                 PLAT_BACKING_SHMEM);
    cr_expect_eq(plat_classify_backing(true, "/tmp/x", false),
                 PLAT_BACKING_FILE);
    cr_expect_eq(plat_classify_backing(true, NULL, false), PLAT_BACKING_FILE);
}

/* Random bytes and mutated real lines: any answer is fine, a crash (or a
 * read past the terminator, under valgrind or ASan) is not.  Accepted lines
 * must still describe a non-empty range. */
Test(maps, survives_garbage)
{
    static const char seed[] =
        "7f1234560000-7f1234564000 rw-s 00003000 00:01 4242 /memfd:x (deleted)\n";
    static const char alphabet[] = "0123456789abcdefABCDEF-: rwxsp\n/()[]\t";
    char buf[sizeof(seed) + 8], name[32];
    struct plat_vma v;
    unsigned state = 12345;

    for (int i = 0; i < 200000; i++) {
        size_t len;
        state = state * 1103515245u + 12345u;
        if (i & 1) {
            memcpy(buf, seed, sizeof(seed));
            len = sizeof(seed) - 1;
            for (int k = 0; k < 3; k++) {
                state = state * 1103515245u + 12345u;
                buf[(state >> 8) % len] =
                    alphabet[(state >> 20) % (sizeof(alphabet) - 1)];
            }
            state = state * 1103515245u + 12345u;
            buf[(state >> 8) % (len + 1)] = '\0'; /* random truncation */
        } else {
            len = (state >> 8) % (sizeof(buf) - 1);
            for (size_t k = 0; k < len; k++) {
                state = state * 1103515245u + 12345u;
                buf[k] = (char)(state >> 16);
                if (!buf[k])
                    buf[k] = ' ';
            }
            buf[len] = '\0';
        }
        if (plat_maps_parse_line(buf, &v, name, sizeof(name)) == 0) {
            cr_assert_lt(v.start, v.end, "%s", buf);
            cr_assert_lt(strlen(name), sizeof(name));
        }
    }
}
