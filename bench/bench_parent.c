/*
 * lowmap-bench's parent: runs the configurations side by side, case by
 * case and batch by batch in turn, round after round (so that a noisy
 * moment of the machine falls on all of them alike), takes the median of
 * each case over the rounds, names the machine, and prints one table of
 * times and one of ratios, to the host alone (native) and to Wine's copy
 * path, each ratio the median of the rounds' own, and how each family of
 * rows stands against its target (bench_targets.c).  The same figures go
 * to a JSON file, with the kinds of low views that served each case and
 * every round's times.
 *
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "lowmap.h"

#ifndef LOWMAP_EGL_JSON
#define LOWMAP_EGL_JSON ""
#endif

static struct bench_results r;

static int case_index(const char *name)
{
    for (int i = 0; i < r.n; i++)
        if (strcmp(r.names[i], name) == 0)
            return i;
    if (r.n == BENCH_MAX_CASES)
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

/* "<kinds> <case>": which kinds of low views served the case. */
static void record_served(int ci, const char *line)
{
    const char *space = strchr(line, ' ');
    int k;

    if (!space || (k = case_index(space + 1)) < 0)
        return;
    snprintf(r.served[ci][k], sizeof(r.served[0][0]), "%.*s",
             (int)(space - line), line);
}

/* One configuration's child for a round: it reads a byte on @go per step,
 * and its lines come on @out. */
struct child {
    pid_t pid;
    int go;
    FILE *out;
    bool stepping; /* started and neither ended nor dead */
};

static void exec_child(const struct bench_config *c,
                       const struct bench_options *o)
{
    const char *host = getenv("LOWMAP_BENCH_HOST_JSON");
    const char *ours = getenv("LOWMAP_BENCH_LOWMAP_JSON");

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
    if (c->lowmap)
        setenv("LOWMAP_BENCH_OURS", "1", 1);
    if (o->quick)
        setenv("LOWMAP_BENCH_QUICK", "1", 1);
    if (o->cases)
        setenv("LOWMAP_BENCH_CASES", o->cases, 1);
    unsetenv("__EGL_VENDOR_LIBRARY_DIRS");
    setenv("__EGL_VENDOR_LIBRARY_FILENAMES",
           c->lowmap ? (ours ? ours : LOWMAP_EGL_JSON)
                     : (host ? host
                             : "/usr/share/glvnd/egl_vendor.d/50_mesa.json"),
           1);
    for (int i = 0; i < BENCH_MAX_ENV && c->env[i]; i++)
        putenv((char *)c->env[i]);
    execl("/proc/self/exe", "lowmap-bench", (char *)NULL);
    _exit(127);
}

/* Every pipe is close-on-exec, so that no child holds another's ends: a
 * child sees the end of its input when the parent closes it. */
static int spawn(const struct bench_config *c, const struct bench_options *o,
                 struct child *ch)
{
    int in[2], out[2];

    if (pipe2(in, O_CLOEXEC) < 0)
        return -1;
    if (pipe2(out, O_CLOEXEC) < 0) {
        close(in[0]);
        close(in[1]);
        return -1;
    }
    if ((ch->pid = fork()) == 0) {
        dup2(in[0], STDIN_FILENO);
        dup2(out[1], STDOUT_FILENO);
        exec_child(c, o);
    }
    close(in[0]);
    close(out[1]);
    ch->go = in[1];
    if (ch->pid < 0 || !(ch->out = fdopen(out[0], "r"))) {
        close(in[1]);
        close(out[0]);
        return -1;
    }
    ch->stepping = true;
    return 0;
}

/* Reads configuration @ci's lines up to the end of its step into @round:
 * 1 at "step", 0 at "end", -1 when the child is gone. */
static int read_step(struct child *ch, int ci, int round)
{
    char line[256];

    while (fgets(line, sizeof(line), ch->out)) {
        double ns;
        int at;
        line[strcspn(line, "\n")] = 0;
        if (strcmp(line, "step") == 0)
            return 1;
        if (strcmp(line, "end") == 0)
            return 0;
        if (strncmp(line, "renderer ", 9) == 0)
            snprintf(r.renderer, sizeof(r.renderer), "%s", line + 9);
        else if (sscanf(line, "case %lf %n", &ns, &at) == 1 &&
                 (at = case_index(line + at)) >= 0)
            r.ns[ci][at][round] = ns;
        else if (strncmp(line, "served ", 7) == 0)
            record_served(ci, line + 7);
    }
    return -1;
}

/* One step of child @ci: the set-up when @go is false, else the next case. */
static bool step(struct child *ch, int ci, int round, bool go)
{
    int got;

    if (!ch->stepping)
        return false;
    if (go && write(ch->go, "g", 1) != 1)
        got = -1;
    else
        got = read_step(ch, ci, round);
    ch->stepping = got == 1;
    return ch->stepping;
}

/* One round: a child per configuration, all stepped case by case, the
 * order of the configurations rotating from case to case. */
static int run_round(const struct bench_config *c, int n, const bool *on,
                     int round, const struct bench_options *o)
{
    struct child ch[BENCH_MAX_CONFIGS] = {{0}};
    int failed = 0;

    for (int i = 0; i < n; i++)
        if (on[i] && spawn(&c[i], o, &ch[i]) < 0)
            failed = 1;
    for (int i = 0; i < n; i++)
        step(&ch[i], i, round, false);
    for (int k = 0;; k++) {
        bool more = false;
        for (int j = 0; j < n; j++) {
            int i = (j + k + round) % n;
            more |= step(&ch[i], i, round, true);
        }
        if (!more)
            break;
    }
    for (int i = 0; i < n; i++) {
        int status;
        if (!on[i] || ch[i].pid <= 0 || !ch[i].out)
            continue;
        close(ch[i].go);
        while (read_step(&ch[i], i, round) >= 0)
            continue;
        fclose(ch[i].out);
        if (waitpid(ch[i].pid, &status, 0) < 0 || !WIFEXITED(status) ||
            WEXITSTATUS(status) != 0) {
            fprintf(stderr, "lowmap-bench: configuration %s failed\n",
                    c[i].name);
            failed = 1;
        }
    }
    return failed;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double bench_median(const struct bench_results *res, int ci, int k,
                    int rounds)
{
    double v[BENCH_MAX_ROUNDS];
    int n = 0;

    for (int i = 0; i < rounds; i++)
        if (res->ns[ci][k][i] >= 0)
            v[n++] = res->ns[ci][k][i];
    if (!n)
        return -1;
    qsort(v, (size_t)n, sizeof(v[0]), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double bench_ratio(const struct bench_results *res, int ca, int ka, int cb,
                   int kb, int rounds)
{
    double v[BENCH_MAX_ROUNDS];
    int n = 0;

    for (int i = 0; i < rounds; i++)
        if (res->ns[ca][ka][i] >= 0 && res->ns[cb][kb][i] > 0)
            v[n++] = res->ns[ca][ka][i] / res->ns[cb][kb][i];
    if (!n)
        return -1;
    qsort(v, (size_t)n, sizeof(v[0]), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int bench_config_index(const struct bench_config *configs, int n,
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
            "median of %d rounds, each case run in every configuration in "
            "turn, batch by batch%s;\ntimes per map+unmap (per write+draw "
            "for persistent maps)\n\n",
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

static void print_ratio(double ratio)
{
    if (ratio < 0)
        printf(" %7s", "-");
    else
        printf(" %6.2fx", ratio);
}

/* Configuration @ci's ratio to @base in case @k, or -1. */
static double ratio_to(const bool *on, int ci, int base, int k, int rounds)
{
    return base >= 0 && on[base] ? bench_ratio(&r, ci, k, base, k, rounds)
                                 : -1;
}

static void print_tables(const struct bench_config *c, int n, int rounds,
                         const bool *on)
{
    int native = bench_config_index(c, n, "native");
    int wine = bench_config_index(c, n, "wine");

    printf("%-40s", "case");
    for (int i = 0; i < n; i++)
        if (on[i])
            printf(" %10.10s", c[i].name);
    printf("\n");
    for (int k = 0; k < r.n; k++) {
        printf("%-40s", r.names[k]);
        for (int i = 0; i < n; i++)
            if (on[i])
                print_time(bench_median(&r, i, k, rounds));
        printf("\n");
    }
    printf("\nratios, each the median of the rounds' own: to native (n) "
           "and to Wine's copy path (w)\n%-40s", "case");
    for (int i = 0; i < n; i++)
        if (on[i] && c[i].lowmap)
            printf(" %7.7s/n %7.7s/w", c[i].name, c[i].name);
    printf("\n");
    for (int k = 0; k < r.n; k++) {
        printf("%-40s", r.names[k]);
        for (int i = 0; i < n; i++) {
            if (!on[i] || !c[i].lowmap)
                continue;
            print_ratio(ratio_to(on, i, native, k, rounds));
            printf(" ");
            print_ratio(ratio_to(on, i, wine, k, rounds));
        }
        printf("\n");
    }
}

/* "@key": one object per case, each configuration's median time in it
 * or, with @served, the kinds of low views that served it. */
static void json_cases(FILE *f, const char *key, const struct bench_config *c,
                       int n, const bool *on, int rounds, bool served)
{
    fprintf(f, "  \"%s\": {\n", key);
    for (int k = 0; k < r.n; k++) {
        fprintf(f, "    \"%s\": {", r.names[k]);
        bool first = true;
        for (int i = 0; i < n; i++) {
            double t = bench_median(&r, i, k, rounds);
            if (!on[i] || t < 0 || (served && !r.served[i][k][0]))
                continue;
            fprintf(f, "%s\"%s\": ", first ? "" : ", ", c[i].name);
            if (served)
                fprintf(f, "\"%s\"", r.served[i][k]);
            else
                fprintf(f, "%.1f", t);
            first = false;
        }
        fprintf(f, "}%s\n", k + 1 < r.n ? "," : "");
    }
    fprintf(f, "  }");
}

/* "rounds_ns": each case's time in every round, by configuration, in the
 * order the rounds ran (null: no figure that round). */
static void json_rounds(FILE *f, const struct bench_config *c, int n,
                        const bool *on, int rounds)
{
    fprintf(f, "  \"rounds_ns\": {\n");
    for (int k = 0; k < r.n; k++) {
        fprintf(f, "    \"%s\": {", r.names[k]);
        bool first = true;
        for (int i = 0; i < n; i++) {
            if (!on[i] || bench_median(&r, i, k, rounds) < 0)
                continue;
            fprintf(f, "%s\"%s\": [", first ? "" : ", ", c[i].name);
            for (int j = 0; j < rounds; j++) {
                if (r.ns[i][k][j] < 0)
                    fprintf(f, "%snull", j ? ", " : "");
                else
                    fprintf(f, "%s%.1f", j ? ", " : "", r.ns[i][k][j]);
            }
            fprintf(f, "]");
            first = false;
        }
        fprintf(f, "}%s\n", k + 1 < r.n ? "," : "");
    }
    fprintf(f, "  }");
}

static int write_json(const struct bench_options *o,
                      const struct bench_config *c, int n, const bool *on)
{
    FILE *f = fopen(o->json, "w");

    if (!f)
        return -1;
    fprintf(f, "{\n");
    print_machine(f, true, o->rounds, o->cpu);
    json_cases(f, "ns_per_iteration", c, n, on, o->rounds, false);
    fprintf(f, ",\n");
    json_cases(f, "served", c, n, on, o->rounds, true);
    fprintf(f, ",\n");
    json_rounds(f, c, n, on, o->rounds);
    fprintf(f, "\n}\n");
    return fclose(f);
}

int bench_parent(const struct bench_config *configs, int n,
                 const struct bench_options *o)
{
    bool on[BENCH_MAX_CONFIGS] = {false};
    int failed = 0;

    if (n > BENCH_MAX_CONFIGS)
        return 2;
    for (int i = 0; i < BENCH_MAX_CONFIGS; i++)
        for (int k = 0; k < BENCH_MAX_CASES; k++)
            for (int j = 0; j < BENCH_MAX_ROUNDS; j++)
                r.ns[i][k][j] = -1;
    for (int i = 0; i < n; i++)
        on[i] = selected(o, configs[i].name);
    /* A child that dies leaves a pipe with no reader. */
    signal(SIGPIPE, SIG_IGN);
    for (int round = 0; round < o->rounds; round++) {
        fprintf(stderr, "lowmap-bench: round %d/%d\n", round + 1, o->rounds);
        failed |= run_round(configs, n, on, round, o);
        if (!r.n && !failed) {
            fprintf(stderr, "lowmap-bench: no case name holds \"%s\"\n",
                    o->cases ? o->cases : "");
            return 2;
        }
    }
    struct lowmap_caps caps = {.size = sizeof(caps)};
    lowmap_probe(&caps);
    print_machine(stdout, false, o->rounds, o->cpu);
    print_tables(configs, n, o->rounds, on);
    bench_print_targets(&r, configs, n, on, o->rounds,
                        (unsigned long long)caps.wp_fault_ns);
    if (write_json(o, configs, n, on) < 0) {
        perror(o->json);
        return 1;
    }
    printf("\nlowmap-bench: results also in %s\n", o->json);
    return failed;
}
