/*
 * Bad input through GL gives the app exactly the host's answer: every
 * case of bad_cases runs in a process of its own on the host vendor alone
 * (ROBUST_NATIVE_JSON) and through lowmap (ROBUST_LOWMAP_JSON), and the
 * transcripts of return values and GL errors must match line for line.
 * Through lowmap, bad_cases also fails when lowmap's state is left
 * inconsistent (see its consistent()).
 *
 * SPDX-License-Identifier: MIT
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bad_cases.h"

struct bad_case {
    char name[40];
};

#define BAD_PARAM(n) {#n},

ParameterizedTestParameters(bad_input, same_as_host)
{
    static struct bad_case cases[] = {BAD_CASES(BAD_PARAM)};
    return cr_make_param_array(struct bad_case, cases,
                               sizeof(cases) / sizeof(cases[0]));
}

/* Runs bad_cases @name @mode with @json as the only EGL vendor; returns
 * its stdout (malloc'd; a failed assertion ends the test process, so the
 * buffers are freed only on success) and stores its wait status in
 * @status. */
static char *run_case(const char *name, const char *mode, const char *json,
                      int *status)
{
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        setenv("__EGL_VENDOR_LIBRARY_FILENAMES", json, 1);
        execl(BAD_CASES_PATH, "bad_cases", name, mode, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    size_t len = 0, cap = 4096;
    char *out = malloc(cap);
    ssize_t n;
    while ((n = read(fds[0], out + len, cap - len - 1)) > 0) {
        len += (size_t)n;
        if (cap - len < 1024)
            out = realloc(out, cap *= 2);
    }
    cr_assert_not_null(out);
    out[len] = '\0';
    close(fds[0]);
    waitpid(pid, status, 0);
    return out;
}

static const char *env_or_skip(const char *var)
{
    const char *v = getenv(var);
    if (!v || access(v, R_OK) != 0)
        cr_skip_test("%s not set or unreadable", var);
    return v;
}

static void compare(const struct bad_case *bc)
{
    const char *lowmap_json = env_or_skip("ROBUST_LOWMAP_JSON");
    int nst, lst;
    char *lowmap = run_case(bc->name, "lowmap", lowmap_json, &lst);
    cr_assert(WIFEXITED(lst) && WEXITSTATUS(lst) == 0,
              "%s through lowmap: status %#x\n%s", bc->name, lst, lowmap);
    cr_assert(strstr(lowmap, "end ") != NULL, "%s: no transcript",
              bc->name);
    /* Under valgrind only lowmap's side is worth the time. */
    if (getenv("ROBUST_LOWMAP_ONLY")) {
        free(lowmap);
        return;
    }
    const char *native_json = env_or_skip("ROBUST_NATIVE_JSON");
    char *native = run_case(bc->name, "native", native_json, &nst);
    cr_assert(WIFEXITED(nst) && WEXITSTATUS(nst) == 0,
              "%s natively: status %#x\n%s", bc->name, nst, native);
    cr_assert_str_eq(lowmap, native,
                     "%s: lowmap differs from the host\n"
                     "-- host:\n%s-- lowmap:\n%s",
                     bc->name, native, lowmap);
    free(native);
    free(lowmap);
}

ParameterizedTest(struct bad_case *bc, bad_input, same_as_host,
                  .timeout = 60)
{
    compare(bc);
}
