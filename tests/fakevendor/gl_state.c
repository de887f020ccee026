/*
 * The fake vendor's GL state queries, errors and the shared-namespace lock.
 *
 * SPDX-License-Identifier: MIT
 */
#include <GL/gl.h>
#include <GL/glext.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "fake.h"
#include "gl_objects.h"

#define DEFAULT_EXTENSIONS                                                   \
    "GL_ARB_buffer_storage GL_ARB_map_buffer_range "                          \
    "GL_ARB_direct_state_access GL_ARB_copy_buffer GL_INTEL_map_texture"
#define MAX_EXTENSIONS 64

/* Guards buffers and textures (see fake.h); recursive never needed. */
static pthread_mutex_t gl_lock = PTHREAD_MUTEX_INITIALIZER;

void fake_gl_lock(void)
{
    pthread_mutex_lock(&gl_lock);
}

void fake_gl_unlock(void)
{
    pthread_mutex_unlock(&gl_lock);
}

void fake_gl_error(unsigned error)
{
    struct fake_context *ctx = fake_current();

    if (ctx != NULL && ctx->error == GL_NO_ERROR)
        ctx->error = error;
}

/* Written once under ext_once, read-only afterwards. */
static pthread_once_t ext_once = PTHREAD_ONCE_INIT;
static char *ext_string;
static char *ext_words; /* ext_string split at the spaces */
static const char *ext_list[MAX_EXTENSIONS];
static unsigned ext_count;

static void ext_init(void)
{
    const char *env = getenv("LOWMAPFAKE_EXTENSIONS");
    char *save = NULL;

    ext_string = strdup(env ? env : DEFAULT_EXTENSIONS);
    ext_words = strdup(ext_string);
    if (ext_string == NULL || ext_words == NULL)
        abort();
    for (char *w = strtok_r(ext_words, " ", &save);
         w != NULL && ext_count < MAX_EXTENSIONS;
         w = strtok_r(NULL, " ", &save))
        ext_list[ext_count++] = w;
}

const char *fake_extension_string(void)
{
    pthread_once(&ext_once, ext_init);
    return ext_string;
}

unsigned fake_extension_count(void)
{
    pthread_once(&ext_once, ext_init);
    return ext_count;
}

const char *fake_extension(unsigned i)
{
    pthread_once(&ext_once, ext_init);
    return i < ext_count ? ext_list[i] : NULL;
}

static const GLubyte *get_string(GLenum name)
{
    FAKE_COUNT(glGetString);
    switch (name) {
    case GL_VENDOR: return (const GLubyte *)"lowmap";
    case GL_RENDERER: return (const GLubyte *)"lowmapfake";
    case GL_VERSION:
        return (const GLubyte *)"4.5 (Compatibility Profile) lowmapfake";
    case GL_SHADING_LANGUAGE_VERSION: return (const GLubyte *)"4.50";
    case GL_EXTENSIONS: return (const GLubyte *)fake_extension_string();
    default: fake_gl_error(GL_INVALID_ENUM); return NULL;
    }
}

static const GLubyte *get_stringi(GLenum name, GLuint i)
{
    FAKE_COUNT(glGetStringi);
    if (name != GL_EXTENSIONS) {
        fake_gl_error(GL_INVALID_ENUM);
        return NULL;
    }
    if (i >= fake_extension_count()) {
        fake_gl_error(GL_INVALID_VALUE);
        return NULL;
    }
    return (const GLubyte *)fake_extension(i);
}

static void get_integerv(GLenum pname, GLint *out)
{
    struct fake_context *ctx = fake_current();

    FAKE_COUNT(glGetIntegerv);
    if (fake_buffer_binding_query(pname, out))
        return;
    switch (pname) {
    case GL_MAJOR_VERSION: *out = 4; break;
    case GL_MINOR_VERSION: *out = 5; break;
    case GL_NUM_EXTENSIONS: *out = (GLint)fake_extension_count(); break;
    case GL_CONTEXT_PROFILE_MASK:
        *out = GL_CONTEXT_COMPATIBILITY_PROFILE_BIT;
        break;
    case GL_MIN_MAP_BUFFER_ALIGNMENT: *out = 64; break;
    case GL_NUM_DEVICE_UUIDS_EXT: *out = 1; break;
    case GL_TEXTURE_BINDING_2D:
        *out = ctx ? (GLint)ctx->texture_binding : 0;
        break;
    default: fake_gl_error(GL_INVALID_ENUM); break;
    }
}

static GLenum get_error(void)
{
    struct fake_context *ctx = fake_current();
    GLenum error = GL_NO_ERROR;

    FAKE_COUNT(glGetError);
    if (ctx != NULL) {
        error = ctx->error;
        ctx->error = GL_NO_ERROR;
    }
    return error;
}

static void finish(void)
{
    FAKE_COUNT(glFinish);
}

static void flush(void)
{
    FAKE_COUNT(glFlush);
}

const struct fake_impl fake_state_impls[] = {
    {FAKE_glGetString, (void *)get_string},
    {FAKE_glGetStringi, (void *)get_stringi},
    {FAKE_glGetIntegerv, (void *)get_integerv},
    {FAKE_glGetError, (void *)get_error},
    {FAKE_glFinish, (void *)finish},
    {FAKE_glFlush, (void *)flush},
    {0, NULL},
};
