/*
 * ia32_probe: exits 0 when this kernel runs 32-bit code in a 64-bit
 * process (a far call into the user 32-bit code segment, selector 0x23,
 * the way Wine's WoW64 and box64's native blocks switch), else prints why
 * and exits 1.  Stages that need 32-bit code (Wine's WoW64 mode) ask it
 * before installing anything for it.  The same probe as test_compat32's,
 * run in a child because the far call faults where it is unsupported.
 *
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

extern const char compat32_blob[], compat32_blob_end[];
extern const uint64_t compat32_enter_off, compat32_far_off,
    compat32_probe_off, compat32_touch_off;

#define SIZE (16 * 4096u)
#define PARAMS_AT 0x1000u

static int probe(void)
{
    char *base = mmap(NULL, SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
    if (base == MAP_FAILED)
        return 3;
    memcpy(base, compat32_blob, (size_t)(compat32_blob_end - compat32_blob));
    uint32_t target = (uint32_t)(uintptr_t)(base + compat32_probe_off);
    memcpy(base + compat32_far_off, &target, sizeof(target));
    void (*enter)(uint32_t, uint32_t) =
        (void (*)(uint32_t, uint32_t))(void *)(base + compat32_enter_off);
    volatile uint32_t *params = (volatile uint32_t *)(void *)(base + PARAMS_AT);
    params[0] = 0;
    enter((uint32_t)(uintptr_t)params, (uint32_t)(uintptr_t)(base + SIZE));
    return params[0] == 0x32323232u ? 0 : 4;
}

int main(void)
{
    int status = 0;
    pid_t pid = fork();
    if (pid == 0)
        _exit(probe());
    if (pid < 0 || waitpid(pid, &status, 0) != pid) {
        perror("ia32_probe");
        return 1;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    if (WIFSIGNALED(status))
        printf("a far call into selector 0x23 died with %s (kernel without "
               "IA32 emulation, or ia32_emulation=0)\n",
               strsignal(WTERMSIG(status)));
    else
        printf("the 32-bit probe exited with %d (%s)\n", WEXITSTATUS(status),
               WEXITSTATUS(status) == 3 ? "no low page"
                                        : "32-bit code did not run");
    return 1;
}
