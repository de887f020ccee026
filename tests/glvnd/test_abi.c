/*
 * The vendor ABI seen from libglvnd's side, without libglvnd: the test
 * plays libEGL/libGLX, calls lowmap's __egl_Main/__glx_Main itself and
 * checks the imports table it gets back against the host's own.
 *
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE /* dladdr */
#include <criterion/criterion.h>

#include <dlfcn.h>
#include <glvnd/libeglabi.h>
#include <glvnd/libglxabi.h>
#include <stdint.h>
#include <sys/stat.h>

#include "door_util.h"
#include "egl_vendors.h"
#include "fakevendor.h"

/* libglvnd hands vendors a pointer they own; any unique address will do. */
static int fake_vendor_handle;

/* Host vendors only store the exports during __*_Main; none of these
 * tests lets them call through it. */
static const __EGLapiExports egl_exports;
static const __GLXapiExports glx_exports;

static __PFNEGLMAINPROC egl_main_of(const char *file)
{
    void *lib = dlopen(file, RTLD_LAZY | RTLD_LOCAL);

    cr_assert_not_null(lib, "%s: %s", file, dlerror());
    return (__PFNEGLMAINPROC)dlsym(lib, "__egl_Main");
}

static __PFNGLXMAINPROC glx_main_of(const char *file)
{
    void *lib = dlopen(file, RTLD_LAZY | RTLD_LOCAL);

    cr_assert_not_null(lib, "%s: %s", file, dlerror());
    return (__PFNGLXMAINPROC)dlsym(lib, "__glx_Main");
}

/* The file that holds @addr, for "whose function is this". */
static const char *owner(const void *addr)
{
    Dl_info info;
    return addr && dladdr(addr, &info) ? info.dli_fname : "(none)";
}

static void load_lowmap_egl(__EGLapiImports *imports)
{
    __PFNEGLMAINPROC lowmap_main = egl_main_of(LOWMAP_EGL_VENDOR);

    cr_assert(lowmap_main(EGL_VENDOR_ABI_VERSION, &egl_exports,
                          (__EGLvendorInfo *)&fake_vendor_handle, imports));
    cr_assert_null(imports->isPatchSupported);
    cr_assert_null(imports->initiatePatch);
    cr_assert_null(imports->releasePatch);
    cr_assert_null(imports->patchThreadAttach);
}

static const char *const egl_hooked[] = {
    "eglCreateContext", "eglDestroyContext", "eglMakeCurrent",
    "eglReleaseThread", "eglTerminate",
};

Test(abi, egl_passes_host_pointers_through_for_mesa)
{
    static const char *const passed[] = {
        "glClear", "glViewport", "glBindTexture", "glGenBuffers",
        "eglInitialize", "eglQueryString", "eglGetError",
        "eglChooseConfig", "glNoSuchFunctionLowmap",
    };
    __EGLapiImports ours = {0}, host = {0};

    unsetenv("LOWMAP_HOST"); /* found through the system's vendor files */
    load_lowmap_egl(&ours);
    /* Mesa's EGL __egl_Main may be called again; it hands out the same
     * functions every time. */
    cr_assert(egl_main_of("libEGL_mesa.so.0")(
        EGL_VENDOR_ABI_VERSION, &egl_exports,
        (__EGLvendorInfo *)&fake_vendor_handle, &host));

    for (unsigned i = 0; i < sizeof(passed) / sizeof(passed[0]); i++)
        cr_expect_eq(ours.getProcAddress(passed[i]),
                     host.getProcAddress(passed[i]), "%s", passed[i]);
    for (unsigned i = 0; i < sizeof(egl_hooked) / sizeof(egl_hooked[0]); i++) {
        void *p = ours.getProcAddress(egl_hooked[i]);
        cr_expect_not_null(p, "%s", egl_hooked[i]);
        cr_expect_neq(p, host.getProcAddress(egl_hooked[i]), "%s",
                      egl_hooked[i]);
        cr_expect(strstr(owner(p), "libEGL_lowmap"), "%s in %s",
                  egl_hooked[i], owner(p));
    }
    /* Mapping calls are the GL layer's: ours, not the host's; so are the
     * calls that change buffer bindings, which it follows. */
    cr_expect_neq(ours.getProcAddress("glMapBufferRange"),
                  host.getProcAddress("glMapBufferRange"));
    cr_expect_neq(ours.getProcAddress("glBindBuffer"),
                  host.getProcAddress("glBindBuffer"));
    /* Everything else in the table stays the host's. */
    cr_expect_eq(ours.getPlatformDisplay, host.getPlatformDisplay);
    cr_expect_eq(ours.getSupportsAPI, host.getSupportsAPI);
    cr_expect_eq(ours.getVendorString, host.getVendorString);
    cr_expect_eq(ours.getDispatchAddress, host.getDispatchAddress);
    cr_expect_eq(ours.setDispatchIndex, host.setDispatchIndex);
    cr_expect_eq(ours.findNativeDisplayPlatform,
                 host.findNativeDisplayPlatform);
}

Test(abi, egl_passes_host_pointers_through_for_the_fake)
{
    static const char *const passed[] = {
        "glGenBuffers", "glGenTextures", "glBindTexture",
        "glGenBuffersARB", "eglInitialize", "eglQueryString",
    };
    __EGLapiImports ours = {0};
    lowmapfake_get_proc_fn fake_proc;

    setenv("LOWMAP_HOST", "lowmapfake", 1);
    load_lowmap_egl(&ours);
    fake_proc = (lowmapfake_get_proc_fn)lowmapfake_sym("lowmapfake_get_proc");
    cr_assert_not_null(fake_proc, "the fake vendor is not loaded");
    for (unsigned i = 0; i < sizeof(passed) / sizeof(passed[0]); i++) {
        cr_expect_not_null(fake_proc(passed[i]), "%s", passed[i]);
        cr_expect_eq(ours.getProcAddress(passed[i]), fake_proc(passed[i]),
                     "%s", passed[i]);
    }
    for (unsigned i = 0; i < sizeof(egl_hooked) / sizeof(egl_hooked[0]); i++)
        cr_expect_neq(ours.getProcAddress(egl_hooked[i]),
                      fake_proc(egl_hooked[i]), "%s", egl_hooked[i]);
    cr_expect_neq(ours.getProcAddress("glMapBufferRange"),
                  fake_proc("glMapBufferRange"));
}

Test(abi, egl_refuses_to_wrap_itself)
{
    __PFNEGLMAINPROC lowmap_main = egl_main_of(LOWMAP_EGL_VENDOR);
    __EGLapiImports ours = {0};
    struct door_capture cap;
    char *log;

    setenv("LOWMAP_HOST", "lowmap", 1);
    setenv("LOWMAP_DEBUG", "error", 1);
    door_capture_begin(&cap);
    cr_expect_not(lowmap_main(EGL_VENDOR_ABI_VERSION, &egl_exports,
                              (__EGLvendorInfo *)&fake_vendor_handle, &ours));
    log = door_capture_end(&cap);
    cr_expect(strstr(log, "lowmap: error: EGL: refusing to wrap ourselves"));
    cr_expect_null(ours.getProcAddress);
    free(log);
}

Test(abi, egl_rejects_a_foreign_abi_major)
{
    __PFNEGLMAINPROC lowmap_main = egl_main_of(LOWMAP_EGL_VENDOR);
    __EGLapiImports ours = {0};

    setenv("LOWMAP_HOST", "mesa", 1);
    cr_expect_not(lowmap_main((EGL_VENDOR_ABI_MAJOR_VERSION + 1) << 16,
                              &egl_exports,
                              (__EGLvendorInfo *)&fake_vendor_handle, &ours));
}

static const char *const glx_hooked[] = {
    "glXCreateContext",      "glXCreateNewContext",
    "glXCreateContextAttribsARB", "glXImportContextEXT",
    "glXCreateContextWithConfigSGIX", "glXMakeCurrent",
    "glXMakeContextCurrent", "glXMakeCurrentReadSGI",
    "glXDestroyContext",     "glXFreeContextEXT",
};

Test(abi, glx_wraps_mesa)
{
    __PFNGLXMAINPROC lowmap_main = glx_main_of(LOWMAP_GLX_VENDOR);
    __GLXapiImports ours = {0};

    setenv("LOWMAP_HOST", "mesa", 1); /* no X server needed */
    cr_assert(lowmap_main(GLX_VENDOR_ABI_VERSION, &glx_exports,
                          (__GLXvendorInfo *)&fake_vendor_handle, &ours));
    cr_expect_null(ours.isPatchSupported);
    cr_expect_null(ours.initiatePatch);
    cr_expect_null(ours.releasePatch);
    cr_expect_null(ours.patchThreadAttach);
    /* Mesa's own callbacks stay; getProcAddress is ours. */
    cr_expect(strstr(owner(ours.isScreenSupported), "libGLX_mesa"));
    cr_expect(strstr(owner(ours.getDispatchAddress), "libGLX_mesa"));
    cr_expect(strstr(owner(ours.setDispatchIndex), "libGLX_mesa"));
    cr_expect(strstr(owner(ours.getProcAddress), "libGLX_lowmap"));
    for (unsigned i = 0; i < sizeof(glx_hooked) / sizeof(glx_hooked[0]); i++) {
        void *p = ours.getProcAddress((const GLubyte *)glx_hooked[i]);
        cr_expect(strstr(owner(p), "libGLX_lowmap"), "%s in %s",
                  glx_hooked[i], owner(p));
    }
    /* Names we do not hook come from Mesa. */
    cr_expect(strstr(owner(ours.getProcAddress(
                         (const GLubyte *)"glXQueryServerString")),
                     "libGLX_mesa"));
    cr_expect(strstr(owner(ours.getProcAddress(
                         (const GLubyte *)"glXSwapBuffers")),
                     "libGLX_mesa"));
}

Test(abi, glx_fails_cleanly_when_mesa_was_initialised_before)
{
    __GLXapiImports mesa = {0}, ours = {0};
    struct door_capture cap;
    char *log;

    /* Mesa's __glx_Main fills a table only the first time it runs. */
    cr_assert(glx_main_of("libGLX_mesa.so.0")(
        GLX_VENDOR_ABI_VERSION, &glx_exports,
        (__GLXvendorInfo *)&fake_vendor_handle, &mesa));
    cr_assert_not_null(mesa.getProcAddress);

    setenv("LOWMAP_HOST", "mesa", 1);
    setenv("LOWMAP_DEBUG", "error", 1);
    door_capture_begin(&cap);
    cr_expect_not(glx_main_of(LOWMAP_GLX_VENDOR)(
        GLX_VENDOR_ABI_VERSION, &glx_exports,
        (__GLXvendorInfo *)&fake_vendor_handle, &ours));
    log = door_capture_end(&cap);
    cr_expect(strstr(log, "GLX: host mesa filled no callbacks"));
    free(log);
}

Test(abi, glx_refuses_itself_before_touching_any_host)
{
    __GLXapiImports mesa = {0}, ours = {0};
    struct door_capture cap;
    char *log;

    setenv("LOWMAP_HOST", "lowmap", 1);
    setenv("LOWMAP_DEBUG", "error", 1);
    door_capture_begin(&cap);
    cr_expect_not(glx_main_of(LOWMAP_GLX_VENDOR)(
        GLX_VENDOR_ABI_VERSION, &glx_exports,
        (__GLXvendorInfo *)&fake_vendor_handle, &ours));
    log = door_capture_end(&cap);
    cr_expect(strstr(log, "lowmap: error: GLX: refusing to wrap ourselves"));
    free(log);
    /* libGLX falls back to loading Mesa itself: it must still work. */
    cr_expect(glx_main_of("libGLX_mesa.so.0")(
        GLX_VENDOR_ABI_VERSION, &glx_exports,
        (__GLXvendorInfo *)&fake_vendor_handle, &mesa));
    cr_expect_not_null(mesa.getProcAddress);
}

Test(abi, glx_reports_a_missing_host)
{
    __GLXapiImports ours = {0};
    struct door_capture cap;
    char *log;

    setenv("LOWMAP_HOST", "nosuchvendor", 1);
    setenv("LOWMAP_DEBUG", "error", 1);
    door_capture_begin(&cap);
    cr_expect_not(glx_main_of(LOWMAP_GLX_VENDOR)(
        GLX_VENDOR_ABI_VERSION, &glx_exports,
        (__GLXvendorInfo *)&fake_vendor_handle, &ours));
    log = door_capture_end(&cap);
    cr_expect(strstr(log, "cannot load host vendor libGLX_nosuchvendor.so.0"));
    free(log);
}

/* The vendor-file reader, compiled into this test from glvnd-vendor/. */
Test(vendor_files, library_path_is_read)
{
    char out[64];

    cr_expect(egl_vendor_library_path(
        "{ \"file_format_version\" : \"1.0.0\", \"ICD\" : "
        "{ \"library_path\" : \"libEGL_mesa.so.0\" } }",
        out, sizeof(out)));
    cr_expect_str_eq(out, "libEGL_mesa.so.0");
    cr_expect(egl_vendor_library_path("{\"library_path\":\"a\\/b\\\\c\"}", out,
                                      sizeof(out)));
    cr_expect_str_eq(out, "a/b\\c");
    cr_expect_not(egl_vendor_library_path("{\"ICD\":{}}", out, sizeof(out)));
    cr_expect_not(egl_vendor_library_path("{\"library_path\":\"unterminated",
                                          out, sizeof(out)));
    cr_expect_not(egl_vendor_library_path("{\"library_path\":\"x\\u0041\"}",
                                          out, sizeof(out)));
    cr_expect_not(egl_vendor_library_path(
        "{\"library_path\":\"0123456789abcdef\"}", out, 8));
}

static void write_file(const char *dir, const char *name, const char *lib)
{
    char path[512];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "w");
    cr_assert_not_null(f);
    fprintf(f, "{\"file_format_version\":\"1.0.0\",\"ICD\":"
               "{\"library_path\":\"%s\"}}\n", lib);
    fclose(f);
}

struct seen {
    char files[8][512];
    unsigned n, accept_at;
};

static bool record(const char *library, void *arg)
{
    struct seen *s = arg;

    snprintf(s->files[s->n], sizeof(s->files[0]), "%s", library);
    return ++s->n == s->accept_at;
}

Test(vendor_files, visited_in_order_skipping_lowmap)
{
    char d1[] = "/tmp/lowmap-vd1-XXXXXX", d2[] = "/tmp/lowmap-vd2-XXXXXX";
    char dirs[128], expect[600];
    struct seen s = {.accept_at = 99};

    cr_assert_not_null(mkdtemp(d1));
    cr_assert_not_null(mkdtemp(d2));
    write_file(d1, "50_b.json", "libEGL_b.so.0");
    write_file(d1, "10_lowmap.json", "/opt/lib/libEGL_lowmap.so.0");
    write_file(d1, "20_a.json", "../lib/libEGL_a.so.0");
    write_file(d1, "not-a-vendor.txt", "libEGL_x.so.0");
    write_file(d2, "05_c.json", "/abs/libEGL_c.so.0");
    snprintf(dirs, sizeof(dirs), "%s:/nonexistent:%s", d1, d2);

    cr_expect_not(egl_vendors_each(dirs, record, &s));
    cr_assert_eq(s.n, 3);
    snprintf(expect, sizeof(expect), "%s/../lib/libEGL_a.so.0", d1);
    cr_expect_str_eq(s.files[0], expect);
    cr_expect_str_eq(s.files[1], "libEGL_b.so.0");
    cr_expect_str_eq(s.files[2], "/abs/libEGL_c.so.0");

    s = (struct seen){.accept_at = 2};
    cr_expect(egl_vendors_each(dirs, record, &s));
    cr_expect_eq(s.n, 2);
}
