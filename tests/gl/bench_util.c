/*
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include "bench_util.h"

#include <epoxy/egl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CASES 32

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

long bench_iters(long fallback)
{
    const char *s = getenv("BENCH_ITERS");
    return s && atol(s) > 0 ? atol(s) : fallback;
}

bool bench_shadow_only(void)
{
    const char *s = getenv("LOWMAP_STRATEGIES");
    return s && strcmp(s, "shadow") == 0;
}

void bench_case(const char *name, bench_body_fn body, void *arg, long iters)
{
    double best = 1e30;
    body(arg, iters);
    for (int round = 0; round < 5; round++) {
        double t0 = now();
        body(arg, iters);
        double t = now() - t0;
        if (t < best)
            best = t;
    }
    /* One line per case for the parent: "case <ns> <name>". */
    printf("case %.1f %s\n", best * 1e9 / (double)iters, name);
    fflush(stdout);
}

static int child(void (*run)(int, char **), int argc, char **argv)
{
    EGLDisplay dpy = eglGetPlatformDisplayEXT(EGL_PLATFORM_SURFACELESS_MESA,
                                              EGL_DEFAULT_DISPLAY, NULL);
    static const EGLint attribs[] = {
        EGL_CONTEXT_MAJOR_VERSION, 4, EGL_CONTEXT_MINOR_VERSION, 5,
        EGL_CONTEXT_OPENGL_PROFILE_MASK,
        EGL_CONTEXT_OPENGL_COMPATIBILITY_PROFILE_BIT, EGL_NONE,
    };
    if (!eglInitialize(dpy, NULL, NULL) || !eglBindAPI(EGL_OPENGL_API))
        return 1;
    EGLContext ctx =
        eglCreateContext(dpy, EGL_NO_CONFIG_KHR, EGL_NO_CONTEXT, attribs);
    if (!eglMakeCurrent(dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, ctx))
        return 1;
    run(argc, argv);
    eglMakeCurrent(dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
    eglDestroyContext(dpy, ctx);
    eglTerminate(dpy);
    return 0;
}

struct column {
    const char *title, *json;
    bool shadow;
    char names[MAX_CASES][64];
    double ns[MAX_CASES];
    int n;
};

/* Runs this program as a child in @col's configuration, collecting its
 * "case" lines. */
static int run_child(struct column *col, int argc, char **argv)
{
    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        setenv("BENCH_CHILD", "1", 1);
        setenv("__EGL_VENDOR_LIBRARY_FILENAMES", col->json, 1);
        unsetenv("__EGL_VENDOR_LIBRARY_DIRS");
        if (col->shadow) {
            setenv("LOWMAP_STRATEGIES", "shadow", 1);
            setenv("LOWMAP_PLACED", "off", 1);
        }
        (void)argc;
        execv("/proc/self/exe", argv);
        _exit(127);
    }
    close(fds[1]);
    FILE *in = fdopen(fds[0], "r");
    char line[256];
    while (in && fgets(line, sizeof(line), in)) {
        if (col->n < MAX_CASES &&
            sscanf(line, "case %lf %63[^\n]", &col->ns[col->n],
                   col->names[col->n]) == 2)
            col->n++;
        else
            fputs(line, stderr);
    }
    if (in)
        fclose(in);
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

int bench_main(int argc, char **argv, void (*run)(int, char **),
               bool shadow_column)
{
    if (getenv("BENCH_CHILD"))
        return child(run, argc, argv);

    const char *host = getenv("BENCH_HOST_JSON");
    const char *ours = getenv("BENCH_LOWMAP_JSON");
    static struct column cols[3];
    int ncols = shadow_column ? 3 : 2;
    cols[0] = (struct column){ .title = "native",
                               .json = host ? host
                                            : "/usr/share/glvnd/egl_vendor.d/"
                                              "50_mesa.json" };
    cols[1] = (struct column){ .title = "lowmap",
                               .json = ours ? ours : LOWMAP_EGL_JSON };
    cols[2] = (struct column){ .title = "lowmap shadow-only",
                               .json = cols[1].json, .shadow = true };
    for (int c = 0; c < ncols; c++) {
        if (run_child(&cols[c], argc, argv) != 0) {
            fprintf(stderr, "bench: the %s run failed\n", cols[c].title);
            return 1;
        }
    }

    printf("%-28s %12s", "case (ns per iteration)", cols[0].title);
    for (int c = 1; c < ncols; c++)
        printf(" %12s %7s", c == 1 ? "lowmap" : "shadow-only", "ratio");
    printf("\n");
    for (int i = 0; i < cols[0].n; i++) {
        printf("%-28s %12.1f", cols[0].names[i], cols[0].ns[i]);
        for (int c = 1; c < ncols; c++) {
            double v = i < cols[c].n ? cols[c].ns[i] : 0;
            printf(" %12.1f %6.2fx", v, v / cols[0].ns[i]);
        }
        printf("\n");
    }
    return 0;
}
