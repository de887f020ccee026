/*
 * Built against the installed header and library only (through CMake's
 * find_package or pkg-config): the version it compiled against matches
 * the one it runs with, and a low view of its own memory works.
 *
 * SPDX-License-Identifier: MIT
 */
#include <lowmap.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
    static char data[4096 * 2];
    lowmap_alias *a = NULL;
    int err;

    if (lowmap_version() != LOWMAP_VERSION_HEX) {
        fprintf(stderr, "consumer: header %#x, library %#x\n",
                (unsigned)LOWMAP_VERSION_HEX, (unsigned)lowmap_version());
        return 1;
    }
    memset(data, 0x5a, sizeof(data));
    err = lowmap_alias_create(data, sizeof(data), LOWMAP_READ, &a);
    if (err < 0) {
        fprintf(stderr, "consumer: %s\n", lowmap_strerror(err));
        return 1;
    }
    const char *low = lowmap_alias_ptr(a);
    int ok = (uintptr_t)low + sizeof(data) <= lowmap_limit() &&
             memcmp(low, data, sizeof(data)) == 0;
    printf("consumer: lowmap %s, %s view at %p: %s\n",
           lowmap_version_string(),
           lowmap_strategy_name(lowmap_alias_strategy(a)), (void *)low,
           ok ? "ok" : "WRONG");
    lowmap_alias_release(a);
    return ok ? 0 : 1;
}
