/*
 * A Windows GL program for the Wine stage: a WGL context on a hidden
 * window through Wine's opengl32 and winex11.drv, then the guest map
 * checks (tests/guest) with every entry point from wglGetProcAddress.
 * Built for x86_64 (runs as a 64-bit Wine process) and i686 (runs in
 * Wine's WoW64 mode, where every pointer must fit in 32 bits).
 *
 *   wgl_maps.exe check [LIMIT]    every check; pointers below LIMIT (hex,
 *                                 0 = no check; default: 4 GiB for 32-bit
 *                                 code, none for 64-bit)
 *   wgl_maps.exe bench CYCLES [CASE]  timed map/unmap cycles (all cases,
 *                                 or one, such as write/65536)
 *
 * Exit status: 0 when everything passed, 1 on a failed check, 2 when no
 * context could be made.
 *
 * SPDX-License-Identifier: MIT
 */
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "map_checks.h"

typedef LONG(WINAPI *alloc_vm_fn)(HANDLE, void **, ULONG_PTR, SIZE_T *,
                                  ULONG, ULONG);

static HMODULE opengl32;
static uint64_t limit;

/* wglGetProcAddress knows extensions only; GL 1.1 comes from opengl32's
 * exports, as for any Windows program. */
static void *proc(const char *name)
{
    PROC p = wglGetProcAddress(name);
    if (!p)
        p = GetProcAddress(opengl32, name);
    return (void *)p;
}

/* Committed memory below the limit, the way Wine itself would take it for
 * the guest: NtAllocateVirtualMemory with zero_bits (a mask above 32). */
static void *alloc_low(size_t size)
{
    alloc_vm_fn alloc = (alloc_vm_fn)(void *)GetProcAddress(
        GetModuleHandleA("ntdll.dll"), "NtAllocateVirtualMemory");
    void *base = NULL;
    SIZE_T len = size;
    ULONG_PTR zero_bits = 0;
    if (sizeof(void *) == 8)
        zero_bits = (ULONG_PTR)((limit ? limit : 0x80000000ull) - 1);
    if (!alloc || alloc(GetCurrentProcess(), &base, zero_bits, &len,
                        MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE))
        return NULL;
    return base;
}

static void free_low(void *p, size_t size)
{
    VirtualFree(p, 0, MEM_RELEASE);
}

uint64_t mc_now_ns(void)
{
    LARGE_INTEGER f, c;
    QueryPerformanceFrequency(&f);
    QueryPerformanceCounter(&c);
    return (uint64_t)((double)c.QuadPart * 1e9 / (double)f.QuadPart);
}

static int make_context(void)
{
    PIXELFORMATDESCRIPTOR pfd = {
        .nSize = sizeof(pfd),
        .nVersion = 1,
        .dwFlags = PFD_DRAW_TO_WINDOW | PFD_SUPPORT_OPENGL | PFD_DOUBLEBUFFER,
        .iPixelType = PFD_TYPE_RGBA,
        .cColorBits = 24,
        .cAlphaBits = 8,
        .iLayerType = PFD_MAIN_PLANE,
    };
    /* Never shown: the checks draw into a framebuffer object. */
    HWND wnd = CreateWindowA("STATIC", "wgl_maps", WS_OVERLAPPEDWINDOW, 0, 0,
                             64, 64, NULL, NULL, GetModuleHandleA(NULL),
                             NULL);
    HDC dc = wnd ? GetDC(wnd) : NULL;
    int format = dc ? ChoosePixelFormat(dc, &pfd) : 0;
    HGLRC rc;
    if (!format || !SetPixelFormat(dc, format, &pfd)) {
        printf("FAIL no pixel format (window %p, dc %p)\n", (void *)wnd,
               (void *)dc);
        return -1;
    }
    if (!(rc = wglCreateContext(dc)) || !wglMakeCurrent(dc, rc)) {
        printf("FAIL no WGL context (error %lu)\n", GetLastError());
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "check";
    struct mc_env env = {.proc = proc,
                         .alloc_low = alloc_low,
                         .free_low = free_low};
    int failed;

    setvbuf(stdout, NULL, _IOLBF, 0);
    opengl32 = LoadLibraryA("opengl32.dll");
    if (!opengl32 || make_context() < 0)
        return 2;
    if (!strcmp(mode, "bench")) {
        failed = mc_run_bench(&env, argc > 2 ? atoi(argv[2]) : 200,
                              argc > 3 ? argv[3] : NULL);
    } else {
        limit = argc > 2 ? strtoull(argv[2], NULL, 16)
                         : (sizeof(void *) == 4 ? 0x100000000ull : 0);
        env.limit = limit;
        printf("note %d-bit guest, limit %#llx\n", (int)sizeof(void *) * 8,
               (unsigned long long)limit);
        failed = mc_run_checks(&env);
        printf("wgl_maps: %d failed\n", failed);
    }
    return failed ? 1 : 0;
}
