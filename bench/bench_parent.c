/*
 * lowmap-bench's parent: runs the configurations round after round (so
 * that a noisy moment of the machine falls on all of them alike), takes
 * the median of each case over the rounds, names the machine, and prints
 * one table of times and one of ratios, to the host alone (native) and to
 * Wine's copy path.  The same goes to a JSON file.
 *
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "lowmap.h"

#define MAX_CONFIGS 12
#define MAX_CASES 128
#define MAX_ROUNDS 99

#ifndef LOWMAP_EGL_JSON
#define LOWMAP_EGL_JSON ""
#endif

static struct {
    char names[MAX_CASES][96];
    int n;
    /* ns[config][case][round]; < 0: no figure */
    double ns[MAX_CONFIGS][MAX_CASES][MAX_ROUNDS];
    char renderer[256];
} r;

static int case_index(const char *name)
{
    for (int i = 0; i < r.n; i++)
        if (strcmp(r.names[i], name) == 0)
            return i;
    if (r.n == MAX_CASES)
        return -1;
    snprintf(r.names[r.n], sizeof(r.names[0]), "%s", name);
    return r.n++;
}

static bool selected(const struct bench_options *o, const char *name)
{
    size_t len = strlen(name);

    if (!o->only)
        return true;
    for (const char *p = o->only; (p = strstr(p, name)); p += len)
        if ((p == o->only || p[-1] == ',') && (p[len] == ',' || !p[len]))
            return true;
    return false;
}

/* Runs one configuration as a child of ours; its lines land in @round. */
static int run_config(const struct bench_config *c, int ci, int round,
                      const struct bench_options *o)
{
    const char *host = getenv("LOWMAP_BENCH_HOST_JSON");
    const char *ours = getenv("LOWMAP_BENCH_LOWMAP_JSON");
    char line[256];
    int fds[2], status;
    pid_t pid;
    FILE *in;

    if (pipe(fds) < 0)
        return -1;
    if ((pid = fork()) == 0) {
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        if (o->cpu >= 0) {
            cpu_set_t set;
            CPU_ZERO(&set);
            CPU_SET(o->cpu, &set);
            if (sched_setaffinity(0, sizeof(set), &set) < 0) {
                perror("lowmap-bench: --cpu");
                _exit(126);
            }
        }
        setenv("LOWMAP_BENCH_CHILD", "1", 1);
        if (o->quick)
            setenv("LOWMAP_BENCH_QUICK", "1", 1);
        unsetenv("__EGL_VENDOR_LIBRARY_DIRS");
        setenv("__EGL_VENDOR_LIBRARY_FILENAMES",
               c->lowmap ? (ours ? ours : LOWMAP_EGL_JSON)
                         : (host ? host
                                 : "/usr/share/glvnd/egl_vendor.d/"
                                   "50_mesa.json"),
               1);
        for (int i = 0; i < BENCH_MAX_ENV && c->env[i]; i++)
            putenv((char *)c->env[i]);
        execl("/proc/self/exe", "lowmap-bench", (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    if (pid < 0 || !(in = fdopen(fds[0], "r"))) {
        close(fds[0]);
        return -1;
    }
    while (fgets(line, sizeof(line), in)) {
        double ns;
        int at;
        line[strcspn(line, "\n")] = 0;
        if (strncmp(line, "renderer ", 9) == 0)
            snprintf(r.renderer, sizeof(r.renderer), "%s", line + 9);
        else if (sscanf(line, "case %lf %n", &ns, &at) == 1 &&
                 (at = case_index(line + at)) >= 0)
            r.ns[ci][at][round] = ns;
    }
    fclose(in);
    if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0) {
        fprintf(stderr, "lowmap-bench: configuration %s failed\n", c->name);
        return -1;
    }
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(int ci, int k, int rounds)
{
    double v[MAX_ROUNDS];
    int n = 0;

    for (int i = 0; i < rounds; i++)
        if (r.ns[ci][k][i] >= 0)
            v[n++] = r.ns[ci][k][i];
    if (!n)
        return -1;
    qsort(v, (size_t)n, sizeof(v[0]), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int config_index(const struct bench_config *configs, int n,
                        const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcmp(configs[i].name, name) == 0)
            return i;
    return -1;
}

static void print_machine(FILE *f, bool json, int rounds, int cpu)
{
    struct lowmap_caps caps = {.size = sizeof(caps)};
    struct utsname u;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);

    uname(&u);
    lowmap_probe(&caps);
    if (json) {
        fprintf(f,
                "  \"machine\": {\"cores\": %ld, \"kernel\": \"%s\", "
                "\"renderer\": \"%s\", \"wp_fault_ns\": %llu, "
                "\"copy_ns_page\": %llu, \"compare_ns_page\": %llu, "
                "\"scan_ns_page\": %llu, \"scan_ns_call\": %llu},\n"
                "  \"rounds\": %d,\n  \"cpu\": %d,\n",
                cores, u.release, r.renderer,
                (unsigned long long)caps.wp_fault_ns,
                (unsigned long long)caps.copy_ns_page,
                (unsigned long long)caps.compare_ns_page,
                (unsigned long long)caps.scan_ns_page,
                (unsigned long long)caps.scan_ns_call, rounds, cpu);
        return;
    }
    fprintf(f,
            "machine: %ld cores, Linux %s, %s\n"
            "measured by lowmap: write-protect fault %llu ns; per page: "
            "copy %llu ns, compare %llu ns, scan %llu ns (+%llu ns a call)\n"
            "median of %d alternating rounds%s; times per map+unmap (per "
            "write+draw for persistent maps)\n\n",
            cores, u.release, r.renderer,
            (unsigned long long)caps.wp_fault_ns,
            (unsigned long long)caps.copy_ns_page,
            (unsigned long long)caps.compare_ns_page,
            (unsigned long long)caps.scan_ns_page,
            (unsigned long long)caps.scan_ns_call, rounds,
            cpu >= 0 ? ", every process on one CPU" : "");
}

static void print_time(double ns)
{
    if (ns < 0)
        printf(" %10s", "-");
    else if (ns < 10000)
        printf(" %8.0fns", ns);
    else
        printf(" %8.1fus", ns / 1000);
}

static void print_ratio(double a, double b)
{
    if (a < 0 || b <= 0)
        printf(" %7s", "-");
    else
        printf(" %6.2fx", a / b);
}

static void print_tables(const struct bench_config *c, int n, int rounds,
                         const bool *on)
{
    int native = config_index(c, n, "native"), wine = config_index(c, n, "wine");

    printf("%-40s", "case");
    for (int i = 0; i < n; i++)
        if (on[i])
            printf(" %10.10s", c[i].name);
    printf("\n");
    for (int k = 0; k < r.n; k++) {
        printf("%-40s", r.names[k]);
        for (int i = 0; i < n; i++)
            if (on[i])
                print_time(median(i, k, rounds));
        printf("\n");
    }
    printf("\nratios: to native (n) and to Wine's copy path (w)\n%-40s",
           "case");
    for (int i = 0; i < n; i++)
        if (on[i] && c[i].lowmap)
            printf(" %7.7s/n %7.7s/w", c[i].name, c[i].name);
    printf("\n");
    for (int k = 0; k < r.n; k++) {
        printf("%-40s", r.names[k]);
        for (int i = 0; i < n; i++) {
            if (!on[i] || !c[i].lowmap)
                continue;
            double t = median(i, k, rounds);
            print_ratio(t, native >= 0 && on[native]
                               ? median(native, k, rounds) : -1);
            printf(" ");
            print_ratio(t, wine >= 0 && on[wine] ? median(wine, k, rounds)
                                                  : -1);
        }
        printf("\n");
    }
}

static int write_json(const struct bench_options *o,
                      const struct bench_config *c, int n, const bool *on)
{
    FILE *f = fopen(o->json, "w");
    int rounds = o->rounds;

    if (!f)
        return -1;
    fprintf(f, "{\n");
    print_machine(f, true, rounds, o->cpu);
    fprintf(f, "  \"ns_per_iteration\": {\n");
    for (int k = 0; k < r.n; k++) {
        fprintf(f, "    \"%s\": {", r.names[k]);
        bool first = true;
        for (int i = 0; i < n; i++) {
            double t = median(i, k, rounds);
            if (!on[i] || t < 0)
                continue;
            fprintf(f, "%s\"%s\": %.1f", first ? "" : ", ", c[i].name, t);
            first = false;
        }
        fprintf(f, "}%s\n", k + 1 < r.n ? "," : "");
    }
    fprintf(f, "  }\n}\n");
    return fclose(f);
}

int bench_parent(const struct bench_config *configs, int n,
                 const struct bench_options *o)
{
    bool on[MAX_CONFIGS] = {false};
    int failed = 0;

    if (n > MAX_CONFIGS)
        return 2;
    for (int i = 0; i < MAX_CONFIGS; i++)
        for (int k = 0; k < MAX_CASES; k++)
            for (int j = 0; j < MAX_ROUNDS; j++)
                r.ns[i][k][j] = -1;
    for (int i = 0; i < n; i++)
        on[i] = selected(o, configs[i].name);
    for (int round = 0; round < o->rounds; round++) {
        for (int i = 0; i < n; i++) {
            if (!on[i])
                continue;
            fprintf(stderr, "lowmap-bench: round %d/%d: %s\n", round + 1,
                    o->rounds, configs[i].name);
            if (run_config(&configs[i], i, round, o) < 0)
                failed = 1;
        }
    }
    print_machine(stdout, false, o->rounds, o->cpu);
    print_tables(configs, n, o->rounds, on);
    if (write_json(o, configs, n, on) < 0) {
        perror(o->json);
        return 1;
    }
    printf("\nlowmap-bench: results also in %s\n", o->json);
    return failed;
}
