/*
 * bench_map: steady-state cost of map + unmap of one 64 KiB buffer (size
 * as the first argument), the host alone against lowmap in one run.
 *
 *   read/write      glBufferData storage, READ|WRITE, the whole buffer
 *   read            the same, READ only
 *   write+invalidate  WRITE|INVALIDATE_RANGE, one word written per map
 *   persistent      glBufferStorage(PERSISTENT|COHERENT) storage,
 *                   mapped READ|WRITE|PERSISTENT|COHERENT
 *
 * The shadow-only column forces every map onto the shadow path
 * (LOWMAP_STRATEGIES=shadow, LOWMAP_PLACED=off).
 *
 * SPDX-License-Identifier: MIT
 */
#include <epoxy/gl.h>
#include <stdlib.h>

#include "bench_util.h"

struct map_case {
    GLsizeiptr size;
    GLbitfield access;
};

static void map_unmap(void *arg, long n)
{
    const struct map_case *c = arg;
    volatile char sink = 0;
    for (long i = 0; i < n; i++) {
        char *p = glMapBufferRange(GL_ARRAY_BUFFER, 0, c->size, c->access);
        if (c->access & GL_MAP_READ_BIT)
            sink ^= p[0];
        else
            p[0] = (char)i;
        glUnmapBuffer(GL_ARRAY_BUFFER);
    }
    (void)sink;
}

static void run(int argc, char **argv)
{
    GLsizeiptr size = argc > 1 ? atol(argv[1]) : 65536;
    long iters = bench_iters(20000);
    GLuint bufs[2];

    glGenBuffers(2, bufs);
    glBindBuffer(GL_ARRAY_BUFFER, bufs[0]);
    glBufferData(GL_ARRAY_BUFFER, size, NULL, GL_DYNAMIC_DRAW);
    struct map_case rw = { size, GL_MAP_READ_BIT | GL_MAP_WRITE_BIT };
    struct map_case r = { size, GL_MAP_READ_BIT };
    struct map_case wi = { size,
                           GL_MAP_WRITE_BIT | GL_MAP_INVALIDATE_RANGE_BIT };
    bench_case("read/write", map_unmap, &rw, iters);
    bench_case("read", map_unmap, &r, iters);
    bench_case("write+invalidate", map_unmap, &wi, iters);

    const GLbitfield pc = GL_MAP_READ_BIT | GL_MAP_WRITE_BIT |
                          GL_MAP_PERSISTENT_BIT | GL_MAP_COHERENT_BIT;
    glBindBuffer(GL_ARRAY_BUFFER, bufs[1]);
    glBufferStorage(GL_ARRAY_BUFFER, size, NULL, pc);
    struct map_case pers = { size, pc };
    bench_case("persistent", map_unmap, &pers, iters);
}

int main(int argc, char **argv)
{
    return bench_main(argc, argv, run, true);
}
