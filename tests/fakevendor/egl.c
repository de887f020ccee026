/*
 * The fake vendor's EGL: one surfaceless display, one config, contexts that
 * are plain heap objects.  Just enough for libEGL to load it and for apps
 * (and lowmap) to create contexts and make them current.
 *
 * SPDX-License-Identifier: MIT
 */
#include <EGL/egl.h>
#include <EGL/eglext.h>
#include <glvnd/libeglabi.h>

#include <stdlib.h>
#include <string.h>

#include "fake.h"

#define CLIENT_EXTENSIONS                                                    \
    "EGL_EXT_client_extensions EGL_EXT_platform_base "                        \
    "EGL_MESA_platform_surfaceless"
#define PLATFORM_EXTENSIONS "EGL_MESA_platform_surfaceless"
#define DISPLAY_EXTENSIONS                                                   \
    "EGL_KHR_create_context EGL_KHR_no_config_context "                       \
    "EGL_KHR_surfaceless_context"

/* The display and config are addresses we own, as libglvnd requires. */
static struct {
    int initialized; /* atomic: apps may initialize from any thread */
} fake_display;
static int fake_config;

static __thread struct fake_context *current_context;
static __thread EGLint egl_error = EGL_SUCCESS;

struct fake_context *fake_current(void)
{
    return current_context;
}

void fake_set_current(struct fake_context *ctx)
{
    current_context = ctx;
}

static EGLBoolean fail(EGLint error)
{
    egl_error = error;
    return EGL_FALSE;
}

static EGLBoolean succeed(void)
{
    egl_error = EGL_SUCCESS;
    return EGL_TRUE;
}

static int bad_display(EGLDisplay dpy)
{
    if (dpy != (EGLDisplay)&fake_display) {
        egl_error = EGL_BAD_DISPLAY;
        return 1;
    }
    if (!__atomic_load_n(&fake_display.initialized, __ATOMIC_ACQUIRE)) {
        egl_error = EGL_NOT_INITIALIZED;
        return 1;
    }
    return 0;
}

static EGLDisplay get_platform_display(EGLenum platform, void *native,
                                       const EGLAttrib *attribs)
{
    if (platform == EGL_PLATFORM_SURFACELESS_MESA ||
        (platform == EGL_NONE && native == EGL_DEFAULT_DISPLAY))
        return (EGLDisplay)&fake_display;
    return EGL_NO_DISPLAY;
}

static EGLBoolean get_supports_api(EGLenum api)
{
    return api == EGL_OPENGL_API || api == EGL_OPENGL_ES_API;
}

static const char *get_vendor_string(int name)
{
    return name == __EGL_VENDOR_STRING_PLATFORM_EXTENSIONS
               ? PLATFORM_EXTENSIONS
               : NULL;
}

static EGLBoolean initialize(EGLDisplay dpy, EGLint *major, EGLint *minor)
{
    FAKE_COUNT(eglInitialize);
    if (dpy != (EGLDisplay)&fake_display)
        return fail(EGL_BAD_DISPLAY);
    __atomic_store_n(&fake_display.initialized, 1, __ATOMIC_RELEASE);
    if (major)
        *major = 1;
    if (minor)
        *minor = 5;
    return succeed();
}

static EGLBoolean terminate(EGLDisplay dpy)
{
    FAKE_COUNT(eglTerminate);
    if (dpy != (EGLDisplay)&fake_display)
        return fail(EGL_BAD_DISPLAY);
    __atomic_store_n(&fake_display.initialized, 0, __ATOMIC_RELEASE);
    return succeed();
}

static const char *query_string(EGLDisplay dpy, EGLint name)
{
    FAKE_COUNT(eglQueryString);
    if (dpy == EGL_NO_DISPLAY && name == EGL_EXTENSIONS)
        return CLIENT_EXTENSIONS;
    if (bad_display(dpy))
        return NULL;
    switch (name) {
    case EGL_VENDOR: return "lowmapfake";
    case EGL_VERSION: return "1.5 lowmapfake";
    case EGL_CLIENT_APIS: return "OpenGL OpenGL_ES";
    case EGL_EXTENSIONS: return DISPLAY_EXTENSIONS;
    default: fail(EGL_BAD_PARAMETER); return NULL;
    }
}

static EGLBoolean get_configs(EGLDisplay dpy, EGLConfig *configs,
                              EGLint size, EGLint *count)
{
    FAKE_COUNT(eglGetConfigs);
    if (bad_display(dpy))
        return EGL_FALSE;
    if (count == NULL)
        return fail(EGL_BAD_PARAMETER);
    *count = configs == NULL || size > 0;
    if (configs != NULL && size > 0)
        configs[0] = (EGLConfig)&fake_config;
    return succeed();
}

/* Every request matches the one config: tests ask for little. */
static EGLBoolean choose_config(EGLDisplay dpy, const EGLint *attribs,
                                EGLConfig *configs, EGLint size,
                                EGLint *count)
{
    FAKE_COUNT(eglChooseConfig);
    return get_configs(dpy, configs, size, count);
}

static EGLBoolean get_config_attrib(EGLDisplay dpy, EGLConfig config,
                                    EGLint attrib, EGLint *value)
{
    FAKE_COUNT(eglGetConfigAttrib);
    if (bad_display(dpy))
        return EGL_FALSE;
    if (config != (EGLConfig)&fake_config)
        return fail(EGL_BAD_CONFIG);
    switch (attrib) {
    case EGL_CONFIG_ID: *value = 1; break;
    case EGL_RED_SIZE: case EGL_GREEN_SIZE: case EGL_BLUE_SIZE:
    case EGL_ALPHA_SIZE: *value = 8; break;
    case EGL_BUFFER_SIZE: *value = 32; break;
    case EGL_SURFACE_TYPE: *value = EGL_PBUFFER_BIT; break;
    case EGL_RENDERABLE_TYPE: case EGL_CONFORMANT:
        *value = EGL_OPENGL_BIT | EGL_OPENGL_ES2_BIT | EGL_OPENGL_ES3_BIT;
        break;
    default: *value = 0; break;
    }
    return succeed();
}

static EGLContext create_context(EGLDisplay dpy, EGLConfig config,
                                 EGLContext share, const EGLint *attribs)
{
    struct fake_context *ctx;

    FAKE_COUNT(eglCreateContext);
    if (bad_display(dpy))
        return EGL_NO_CONTEXT;
    ctx = calloc(1, sizeof(*ctx));
    if (ctx == NULL) {
        fail(EGL_BAD_ALLOC);
        return EGL_NO_CONTEXT;
    }
    ctx->magic = FAKE_CONTEXT_MAGIC;
    succeed();
    return ctx;
}

static int bad_context(EGLContext ctx)
{
    return ctx == EGL_NO_CONTEXT ||
           ((struct fake_context *)ctx)->magic != FAKE_CONTEXT_MAGIC;
}

/* The context is freed at once even if current elsewhere: tests that
 * destroy a current context release it first, as EGL apps should. */
static EGLBoolean destroy_context(EGLDisplay dpy, EGLContext ctx)
{
    FAKE_COUNT(eglDestroyContext);
    if (bad_display(dpy))
        return EGL_FALSE;
    if (bad_context(ctx))
        return fail(EGL_BAD_CONTEXT);
    ((struct fake_context *)ctx)->magic = 0;
    if (current_context == ctx)
        current_context = NULL;
    free(ctx);
    return succeed();
}

static EGLBoolean make_current(EGLDisplay dpy, EGLSurface draw,
                               EGLSurface read, EGLContext ctx)
{
    FAKE_COUNT(eglMakeCurrent);
    if (ctx == EGL_NO_CONTEXT) {
        current_context = NULL;
        return succeed();
    }
    if (bad_display(dpy))
        return EGL_FALSE;
    if (bad_context(ctx))
        return fail(EGL_BAD_CONTEXT);
    if (draw != EGL_NO_SURFACE || read != EGL_NO_SURFACE)
        return fail(EGL_BAD_SURFACE);
    current_context = ctx;
    return succeed();
}

static EGLBoolean query_context(EGLDisplay dpy, EGLContext ctx, EGLint attrib,
                                EGLint *value)
{
    FAKE_COUNT(eglQueryContext);
    if (bad_display(dpy))
        return EGL_FALSE;
    if (bad_context(ctx))
        return fail(EGL_BAD_CONTEXT);
    switch (attrib) {
    case EGL_CONFIG_ID: *value = 1; break;
    case EGL_CONTEXT_CLIENT_TYPE: *value = EGL_OPENGL_API; break;
    case EGL_RENDER_BUFFER: *value = EGL_NONE; break;
    default: return fail(EGL_BAD_ATTRIBUTE);
    }
    return succeed();
}

static EGLBoolean release_thread(void)
{
    FAKE_COUNT(eglReleaseThread);
    current_context = NULL;
    return succeed();
}

static EGLint get_error(void)
{
    EGLint error = egl_error;

    FAKE_COUNT(eglGetError);
    egl_error = EGL_SUCCESS;
    return error;
}

static EGLBoolean bind_api(EGLenum api)
{
    FAKE_COUNT(eglBindAPI);
    return get_supports_api(api) ? succeed() : fail(EGL_BAD_PARAMETER);
}

/* Surfaces are not supported: the fake is surfaceless only. */
static EGLSurface create_window_surface(EGLDisplay d, EGLConfig c,
                                        EGLNativeWindowType w, const EGLint *a)
{
    FAKE_COUNT(eglCreateWindowSurface);
    fail(EGL_BAD_MATCH);
    return EGL_NO_SURFACE;
}

static EGLSurface create_pixmap_surface(EGLDisplay d, EGLConfig c,
                                        EGLNativePixmapType p, const EGLint *a)
{
    FAKE_COUNT(eglCreatePixmapSurface);
    fail(EGL_BAD_MATCH);
    return EGL_NO_SURFACE;
}

static EGLSurface create_pbuffer_surface(EGLDisplay d, EGLConfig c,
                                         const EGLint *a)
{
    FAKE_COUNT(eglCreatePbufferSurface);
    fail(EGL_BAD_MATCH);
    return EGL_NO_SURFACE;
}

static EGLSurface create_pbuffer_from_client_buffer(EGLDisplay d, EGLenum t,
                                                    EGLClientBuffer b,
                                                    EGLConfig c,
                                                    const EGLint *a)
{
    FAKE_COUNT(eglCreatePbufferFromClientBuffer);
    fail(EGL_BAD_MATCH);
    return EGL_NO_SURFACE;
}

static EGLBoolean destroy_surface(EGLDisplay d, EGLSurface s)
{
    FAKE_COUNT(eglDestroySurface);
    return fail(EGL_BAD_SURFACE);
}

static EGLBoolean query_surface(EGLDisplay d, EGLSurface s, EGLint a,
                                EGLint *v)
{
    FAKE_COUNT(eglQuerySurface);
    return fail(EGL_BAD_SURFACE);
}

static EGLBoolean surface_attrib(EGLDisplay d, EGLSurface s, EGLint a,
                                 EGLint v)
{
    FAKE_COUNT(eglSurfaceAttrib);
    return fail(EGL_BAD_SURFACE);
}

static EGLBoolean swap_buffers(EGLDisplay d, EGLSurface s)
{
    FAKE_COUNT(eglSwapBuffers);
    return fail(EGL_BAD_SURFACE);
}

static EGLBoolean copy_buffers(EGLDisplay d, EGLSurface s,
                               EGLNativePixmapType p)
{
    FAKE_COUNT(eglCopyBuffers);
    return fail(EGL_BAD_SURFACE);
}

static EGLBoolean bind_tex_image(EGLDisplay d, EGLSurface s, EGLint b)
{
    FAKE_COUNT(eglBindTexImage);
    return fail(EGL_BAD_SURFACE);
}

static EGLBoolean release_tex_image(EGLDisplay d, EGLSurface s, EGLint b)
{
    FAKE_COUNT(eglReleaseTexImage);
    return fail(EGL_BAD_SURFACE);
}

static EGLBoolean swap_interval(EGLDisplay d, EGLint i)
{
    FAKE_COUNT(eglSwapInterval);
    return succeed();
}

static EGLBoolean wait_client(void)
{
    FAKE_COUNT(eglWaitClient);
    return succeed();
}

static EGLBoolean wait_gl(void)
{
    FAKE_COUNT(eglWaitGL);
    return succeed();
}

static EGLBoolean wait_native(EGLint engine)
{
    FAKE_COUNT(eglWaitNative);
    return succeed();
}

const struct fake_impl fake_egl_impls[] = {
    {FAKE_eglBindAPI, (void *)bind_api},
    {FAKE_eglBindTexImage, (void *)bind_tex_image},
    {FAKE_eglChooseConfig, (void *)choose_config},
    {FAKE_eglCopyBuffers, (void *)copy_buffers},
    {FAKE_eglCreateContext, (void *)create_context},
    {FAKE_eglCreatePbufferFromClientBuffer,
     (void *)create_pbuffer_from_client_buffer},
    {FAKE_eglCreatePbufferSurface, (void *)create_pbuffer_surface},
    {FAKE_eglCreatePixmapSurface, (void *)create_pixmap_surface},
    {FAKE_eglCreateWindowSurface, (void *)create_window_surface},
    {FAKE_eglDestroyContext, (void *)destroy_context},
    {FAKE_eglDestroySurface, (void *)destroy_surface},
    {FAKE_eglGetConfigAttrib, (void *)get_config_attrib},
    {FAKE_eglGetConfigs, (void *)get_configs},
    {FAKE_eglGetError, (void *)get_error},
    {FAKE_eglInitialize, (void *)initialize},
    {FAKE_eglMakeCurrent, (void *)make_current},
    {FAKE_eglQueryContext, (void *)query_context},
    {FAKE_eglQueryString, (void *)query_string},
    {FAKE_eglQuerySurface, (void *)query_surface},
    {FAKE_eglReleaseTexImage, (void *)release_tex_image},
    {FAKE_eglReleaseThread, (void *)release_thread},
    {FAKE_eglSurfaceAttrib, (void *)surface_attrib},
    {FAKE_eglSwapBuffers, (void *)swap_buffers},
    {FAKE_eglSwapInterval, (void *)swap_interval},
    {FAKE_eglTerminate, (void *)terminate},
    {FAKE_eglWaitClient, (void *)wait_client},
    {FAKE_eglWaitGL, (void *)wait_gl},
    {FAKE_eglWaitNative, (void *)wait_native},
    {0, NULL},
};

static void *get_proc_address(const char *name)
{
    return fake_get_proc(name);
}

/* The fake has no EGL extension functions to dispatch. */
static void *get_dispatch_address(const char *name)
{
    return NULL;
}

static void set_dispatch_index(const char *name, int index)
{
}

FAKE_EXPORT EGLBoolean __egl_Main(uint32_t version,
                                  const __EGLapiExports *exports,
                                  __EGLvendorInfo *vendor,
                                  __EGLapiImports *imports)
{
    if (EGL_VENDOR_ABI_GET_MAJOR_VERSION(version) !=
        EGL_VENDOR_ABI_MAJOR_VERSION)
        return EGL_FALSE;
    imports->getPlatformDisplay = get_platform_display;
    imports->getSupportsAPI = get_supports_api;
    imports->getVendorString = get_vendor_string;
    imports->getProcAddress = get_proc_address;
    imports->getDispatchAddress = get_dispatch_address;
    imports->setDispatchIndex = set_dispatch_index;
    return EGL_TRUE;
}
