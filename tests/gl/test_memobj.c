/*
 * The memory-object backend (LOWMAP_PLACED_BACKEND=memory_object) on
 * llvmpipe with lavapipe: persistent storage from exportable Vulkan
 * memory, maps served by lowmap from a low view, zero-copy; the map state
 * and errors GL requires; the backend off (no loader, no device with the
 * GL's UUIDs, no VK_KHR_external_memory_fd) with every map still low; and
 * VK_EXT_map_memory_placed through a loader double (vk_double.c).
 *
 * SPDX-License-Identifier: MIT
 */
#include <criterion/criterion.h>
#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gl_util.h"

#define SIZE (5 * 4096 + 999)
#define FLAGS                                                                \
    (GL_MAP_READ_BIT | GL_MAP_WRITE_BIT | GL_MAP_PERSISTENT_BIT |            \
     GL_MAP_COHERENT_BIT)

static uint64_t count(int strategy)
{
    return gt_stats().aliases_created[strategy];
}

static void setup_with(const char *library, const char *double_mode)
{
    setenv("LOWMAP_PLACED_BACKEND", "memory_object", 1);
    if (library)
        setenv("LOWMAP_VULKAN_LIBRARY", library, 1);
    if (double_mode)
        setenv("LOWMAP_VKDOUBLE", double_mode, 1);
    gt_setup();
    if (!gt_has_ext("GL_EXT_memory_object_fd"))
        cr_skip_test("host lacks GL_EXT_memory_object_fd");
    if (!gt_have_lavapipe())
        cr_skip_test("no lavapipe (Debian: mesa-vulkan-drivers)");
}

static void setup(void)
{
    setup_with(NULL, NULL);
}

static GLuint storage_buffer(GLbitfield flags, unsigned seed)
{
    uint8_t *data = malloc(SIZE);
    GLuint buf;
    gt_fill(data, SIZE, seed, 0);
    glCreateBuffers(1, &buf);
    glNamedBufferStorage(buf, SIZE, data, flags);
    free(data);
    cr_assert_eq(glGetError(), GL_NO_ERROR);
    return buf;
}

TestSuite(memobj, .init = setup, .fini = gt_teardown);

Test(memobj, persistent_map_is_placed_low_and_zero_copy)
{
    GLuint buf = storage_buffer(FLAGS, 1);
    uint64_t placed = count(LOWMAP_STRATEGY_PLACED);
    struct lowmap_stats before = gt_stats();
    uint8_t *p = glMapNamedBufferRange(buf, 0, SIZE, FLAGS);
    gt_assert_low(p, SIZE);
    cr_assert_eq(count(LOWMAP_STRATEGY_PLACED), placed + 1);
    cr_assert(gt_check(p, SIZE, 1, 0), "initial data missing");

    /* Both ways while mapped, through the GL's own reads and writes. */
    gt_fill(p, SIZE, 2, 0);
    cr_assert(gt_copy_holds(buf, 0, SIZE, 2, 0));
    GLuint src = gt_buffer(SIZE, 3);
    glCopyNamedBufferSubData(src, buf, 0, 0, SIZE);
    glFinish();
    cr_assert(gt_check(p, SIZE, 3, 0));
    cr_assert(glUnmapNamedBuffer(buf));
    struct lowmap_stats after = gt_stats();
    cr_assert_eq(after.bytes_copied_in, before.bytes_copied_in);
    cr_assert_eq(after.bytes_copied_out, before.bytes_copied_out);

    /* Same storage, same pointer on the next map, target-based too. */
    glBindBuffer(GL_ARRAY_BUFFER, buf);
    uint8_t *q = glMapBufferRange(GL_ARRAY_BUFFER, 100, 200,
                                  GL_MAP_READ_BIT);
    cr_assert_eq(q, p + 100);
    cr_assert(glUnmapBuffer(GL_ARRAY_BUFFER));
    uint8_t *w = glMapBuffer(GL_ARRAY_BUFFER, GL_READ_WRITE);
    cr_assert_eq(w, p);
    cr_assert(glUnmapBuffer(GL_ARRAY_BUFFER));
    cr_assert_eq(glGetError(), GL_NO_ERROR);
}

/* A synchronised map sees what the GL wrote before it. */
Test(memobj, synchronised_map_sees_gl_writes)
{
    GLuint buf = storage_buffer(FLAGS, 1);
    for (unsigned seed = 2; seed < 6; seed++) {
        GLuint src = gt_buffer(SIZE, seed);
        glCopyNamedBufferSubData(src, buf, 0, 0, SIZE);
        uint8_t *p = glMapNamedBufferRange(buf, 0, SIZE, GL_MAP_READ_BIT);
        gt_assert_low(p, SIZE);
        cr_assert(gt_check(p, SIZE, seed, 0), "map %u missed the copy", seed);
        cr_assert(glUnmapNamedBuffer(buf));
        glDeleteBuffers(1, &src);
    }
}

Test(memobj, queries_answer_what_the_app_asked)
{
    const GLbitfield flags = FLAGS | GL_DYNAMIC_STORAGE_BIT;
    GLuint buf = storage_buffer(flags, 1);
    GLint64 v = -1;
    GLint i = -1;
    void *ptr = (void *)1;

    glGetNamedBufferParameteri64v(buf, GL_BUFFER_SIZE, &v);
    cr_assert_eq(v, SIZE);
    glGetNamedBufferParameteriv(buf, GL_BUFFER_STORAGE_FLAGS, &i);
    cr_assert_eq(i, (GLint)flags);
    glGetNamedBufferParameteriv(buf, GL_BUFFER_IMMUTABLE_STORAGE, &i);
    cr_assert_eq(i, GL_TRUE);
    glGetNamedBufferParameteriv(buf, GL_BUFFER_MAPPED, &i);
    cr_assert_eq(i, GL_FALSE);
    glGetNamedBufferPointerv(buf, GL_BUFFER_MAP_POINTER, &ptr);
    cr_assert_null(ptr);

    const GLbitfield access = GL_MAP_WRITE_BIT | GL_MAP_PERSISTENT_BIT |
                              GL_MAP_FLUSH_EXPLICIT_BIT;
    uint8_t *p = glMapNamedBufferRange(buf, 4096, 999, access);
    cr_assert_not_null(p);
    glBindBuffer(GL_COPY_READ_BUFFER, buf);
    glGetBufferParameteriv(GL_COPY_READ_BUFFER, GL_BUFFER_MAPPED, &i);
    cr_assert_eq(i, GL_TRUE);
    glGetBufferParameteriv(GL_COPY_READ_BUFFER, GL_BUFFER_ACCESS_FLAGS, &i);
    cr_assert_eq(i, (GLint)access);
    glGetBufferParameteriv(GL_COPY_READ_BUFFER, GL_BUFFER_ACCESS, &i);
    cr_assert_eq(i, GL_WRITE_ONLY);
    glGetBufferParameteri64v(GL_COPY_READ_BUFFER, GL_BUFFER_MAP_OFFSET, &v);
    cr_assert_eq(v, 4096);
    glGetNamedBufferParameteri64v(buf, GL_BUFFER_MAP_LENGTH, &v);
    cr_assert_eq(v, 999);
    glGetBufferPointerv(GL_COPY_READ_BUFFER, GL_BUFFER_MAP_POINTER, &ptr);
    cr_assert_eq(ptr, p);

    /* A flushed write reaches the GL; glBufferSubData still works
     * (dynamic storage). */
    memset(p, 0xab, 16);
    glFlushMappedNamedBufferRange(buf, 0, 16);
    glMemoryBarrier(GL_CLIENT_MAPPED_BUFFER_BARRIER_BIT);
    cr_assert(glUnmapNamedBuffer(buf));
    uint8_t got[16];
    glGetNamedBufferSubData(buf, 4096, 16, got);
    for (int k = 0; k < 16; k++)
        cr_assert_eq(got[k], 0xab);
    glNamedBufferSubData(buf, 0, 4, "abcd");
    glGetNamedBufferSubData(buf, 0, 4, got);
    cr_assert_eq(memcmp(got, "abcd", 4), 0);
    cr_assert_eq(glGetError(), GL_NO_ERROR);
}

Test(memobj, map_errors_follow_the_spec)
{
    GLuint buf = storage_buffer(GL_MAP_WRITE_BIT | GL_MAP_PERSISTENT_BIT, 1);

    cr_assert_null(glMapNamedBufferRange(buf, 0, SIZE + 1, GL_MAP_WRITE_BIT));
    cr_assert_eq(glGetError(), GL_INVALID_VALUE);
    cr_assert_null(glMapNamedBufferRange(buf, -1, 16, GL_MAP_WRITE_BIT));
    cr_assert_eq(glGetError(), GL_INVALID_VALUE);
    cr_assert_null(glMapNamedBufferRange(buf, 0, 0, GL_MAP_WRITE_BIT));
    cr_assert_eq(glGetError(), GL_INVALID_OPERATION);
    /* Bits the storage lacks. */
    cr_assert_null(glMapNamedBufferRange(buf, 0, 16, GL_MAP_READ_BIT));
    cr_assert_eq(glGetError(), GL_INVALID_OPERATION);
    cr_assert_null(glMapNamedBufferRange(
        buf, 0, 16, GL_MAP_WRITE_BIT | GL_MAP_COHERENT_BIT |
                        GL_MAP_PERSISTENT_BIT));
    cr_assert_eq(glGetError(), GL_INVALID_OPERATION);
    cr_assert_null(glMapNamedBufferRange(buf, 0, 16,
                                         GL_MAP_FLUSH_EXPLICIT_BIT));
    cr_assert_eq(glGetError(), GL_INVALID_OPERATION);

    /* Unmapping or flushing what is not mapped. */
    cr_assert_eq(glUnmapNamedBuffer(buf), GL_FALSE);
    cr_assert_eq(glGetError(), GL_INVALID_OPERATION);
    glFlushMappedNamedBufferRange(buf, 0, 4);
    cr_assert_eq(glGetError(), GL_INVALID_OPERATION);

    void *p = glMapNamedBufferRange(buf, 0, 64, GL_MAP_WRITE_BIT);
    cr_assert_not_null(p);
    cr_assert_null(glMapNamedBufferRange(buf, 0, 64, GL_MAP_WRITE_BIT));
    cr_assert_eq(glGetError(), GL_INVALID_OPERATION, "already mapped");
    glFlushMappedNamedBufferRange(buf, 0, 4);
    cr_assert_eq(glGetError(), GL_INVALID_OPERATION, "not FLUSH_EXPLICIT");
    cr_assert(glUnmapNamedBuffer(buf));

    p = glMapNamedBufferRange(buf, 0, 64,
                              GL_MAP_WRITE_BIT | GL_MAP_FLUSH_EXPLICIT_BIT);
    glFlushMappedNamedBufferRange(buf, 32, 33);
    cr_assert_eq(glGetError(), GL_INVALID_VALUE, "past the mapped range");
    cr_assert(glUnmapNamedBuffer(buf));

    /* Immutable: re-specification fails and changes nothing. */
    glNamedBufferStorage(buf, 64, NULL, GL_MAP_WRITE_BIT);
    cr_assert_eq(glGetError(), GL_INVALID_OPERATION);
    GLint64 size = 0;
    glGetNamedBufferParameteri64v(buf, GL_BUFFER_SIZE, &size);
    cr_assert_eq(size, SIZE);
    cr_assert_eq(glGetError(), GL_NO_ERROR);
}

/* Deleted while mapped, with a copy from it maybe queued: the copy still
 * sees the data; afterwards the view is gone and a stale pointer faults. */
Test(memobj, delete_keeps_then_frees_storage, .signal = SIGSEGV)
{
    GLuint buf = storage_buffer(FLAGS, 4);
    volatile uint8_t *p = glMapNamedBufferRange(buf, 0, SIZE, FLAGS);
    gt_assert_low((void *)p, SIZE);
    GLuint dst = gt_buffer(SIZE, 99);
    glCopyNamedBufferSubData(buf, dst, 0, 0, SIZE);
    glDeleteBuffers(1, &buf);
    cr_assert(gt_buffer_holds(dst, 0, SIZE, 4, 0));
    glFinish();
    GLuint sweep = 0;
    glCreateBuffers(1, &sweep);
    glDeleteBuffers(1, &sweep); /* frees what signalled fences release */
    (void)p[0];
    cr_assert_fail("stale pointer still readable");
}

/* fork() with a map live: the storage is shared memory, as a GPU driver's
 * mappings are, so the child sees the parent's bytes and its writes reach
 * the parent; the parent's map keeps working with the GL afterwards. */
Test(memobj, fork_shares_storage)
{
    GLuint buf = storage_buffer(FLAGS, 10);
    uint8_t *p = glMapNamedBufferRange(buf, 0, SIZE, FLAGS);
    gt_assert_low(p, SIZE);
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        bool same = gt_check(p, SIZE, 10, 0);
        p[0] = 0xee;
        _exit(same ? 0 : 1);
    }
    int status = 0;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    cr_assert_eq(p[0], 0xee);
    gt_fill(p, SIZE, 11, 0);
    cr_assert(gt_copy_holds(buf, 0, SIZE, 11, 0));
    cr_assert(glUnmapNamedBuffer(buf));
    glDeleteBuffers(1, &buf);
}

/* Non-persistent storage keeps the host's; LOWMAP_PLACED=all takes it. */
Test(memobj, only_persistent_storage_by_default)
{
    uint64_t placed = count(LOWMAP_STRATEGY_PLACED);
    GLuint buf = storage_buffer(GL_MAP_READ_BIT | GL_MAP_WRITE_BIT, 5);
    void *p = glMapNamedBufferRange(buf, 0, SIZE, GL_MAP_READ_BIT);
    gt_assert_low(p, SIZE);
    cr_assert(gt_check(p, SIZE, 5, 0));
    cr_assert(glUnmapNamedBuffer(buf));
    cr_assert_eq(count(LOWMAP_STRATEGY_PLACED), placed);
}

static void setup_all(void)
{
    setenv("LOWMAP_PLACED", "all", 1);
    setup();
}

TestSuite(memobj_all, .init = setup_all, .fini = gt_teardown);

Test(memobj_all, every_immutable_storage)
{
    uint64_t placed = count(LOWMAP_STRATEGY_PLACED);
    GLuint buf = storage_buffer(GL_MAP_READ_BIT | GL_MAP_WRITE_BIT, 5);
    uint8_t *p = glMapNamedBufferRange(buf, 0, SIZE, GL_MAP_READ_BIT);
    gt_assert_low(p, SIZE);
    cr_assert(gt_check(p, SIZE, 5, 0));
    cr_assert(glUnmapNamedBuffer(buf));
    cr_assert_eq(count(LOWMAP_STRATEGY_PLACED), placed + 1);
}

/* ---- the backend off: every map still works, through the shadow path */

static void check_off(void)
{
    uint64_t placed = count(LOWMAP_STRATEGY_PLACED);
    GLuint buf = storage_buffer(FLAGS, 6);
    uint8_t *p = glMapNamedBufferRange(buf, 0, SIZE, FLAGS);
    gt_assert_low(p, SIZE);
    cr_assert(gt_check(p, SIZE, 6, 0));
    gt_fill(p, SIZE, 7, 0);
    cr_assert(gt_copy_holds(buf, 0, SIZE, 7, 0));
    cr_assert(glUnmapNamedBuffer(buf));
    cr_assert_eq(count(LOWMAP_STRATEGY_PLACED), placed, "backend not off");
    GLint flags = 0;
    glGetNamedBufferParameteriv(buf, GL_BUFFER_STORAGE_FLAGS, &flags);
    cr_assert_eq(flags, FLAGS);
    cr_assert_eq(glGetError(), GL_NO_ERROR);
}

static void setup_no_loader(void)
{
    setup_with("/nonexistent/libvulkan.so.1", NULL);
}

TestSuite(memobj_no_loader, .init = setup_no_loader, .fini = gt_teardown);

Test(memobj_no_loader, maps_still_work)
{
    check_off();
}

static void setup_bad_uuid(void)
{
    setup_with(LOWMAP_VK_DOUBLE, "bad_uuid");
}

TestSuite(memobj_bad_uuid, .init = setup_bad_uuid, .fini = gt_teardown);

Test(memobj_bad_uuid, maps_still_work)
{
    check_off();
}

static void setup_no_fd_ext(void)
{
    setup_with(LOWMAP_VK_DOUBLE, "no_fd_ext");
}

TestSuite(memobj_no_fd_ext, .init = setup_no_fd_ext, .fini = gt_teardown);

Test(memobj_no_fd_ext, maps_still_work)
{
    check_off();
}

/* ---- VK_EXT_map_memory_placed, through the double ------------------ */

static void setup_placed(void)
{
    setup_with(LOWMAP_VK_DOUBLE, "placed");
}

TestSuite(memobj_placed, .init = setup_placed, .fini = gt_teardown);

Test(memobj_placed, the_driver_places_the_view_in_the_arena)
{
    GLuint buf = storage_buffer(FLAGS, 8);
    uint64_t aliased = count(LOWMAP_STRATEGY_MREMAP);
    uint8_t *p = glMapNamedBufferRange(buf, 0, SIZE, FLAGS);
    gt_assert_low(p, SIZE);
    void *lib = dlopen(LOWMAP_VK_DOUBLE, RTLD_NOW | RTLD_NOLOAD);
    cr_assert_not_null(lib, "the double is not the loader lowmap uses");
    bool (*placed)(const void *) =
        (bool (*)(const void *))dlsym(lib, "lmvk_double_placed");
    cr_assert_not_null(placed);
    cr_assert(placed(p), "%p is not where the driver placed the map",
              (void *)p);
    cr_assert(placed(p + SIZE - 1));
    cr_assert_eq(count(LOWMAP_STRATEGY_MREMAP), aliased,
                 "lowmap aliased what the driver placed");
    cr_assert(gt_check(p, SIZE, 8, 0));
    gt_fill(p, SIZE, 9, 0);
    cr_assert(gt_copy_holds(buf, 0, SIZE, 9, 0));
    cr_assert(glUnmapNamedBuffer(buf));
    glDeleteBuffers(1, &buf);
    glFinish();
    dlclose(lib);
}
