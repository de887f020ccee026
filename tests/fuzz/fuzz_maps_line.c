/*
 * Arbitrary bytes as one /proc/self/maps line: the parser must never read
 * past the terminating NUL or write past the name buffer, and what it
 * accepts must be a VMA the core can trust.
 *
 * The first input byte picks the name buffer size (0 to 255), so that
 * truncation is exercised at every length; buffers are allocated to their
 * exact size for AddressSanitizer to catch the first stray byte.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "maps.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


static void check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_maps_line: %s\n", what);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t name_size, page = (size_t)sysconf(_SC_PAGESIZE);
    struct plat_vma vma;
    char *line, *name;
    int err;

    if (size < 1)
        return 0;
    name_size = data[0];
    data++;
    size--;

    line = malloc(size + 1);
    name = name_size ? malloc(name_size) : NULL;
    check(line && (name || !name_size), "out of memory");
    memcpy(line, data, size);
    line[size] = '\0';
    if (name)
        memset(name, 'X', name_size); /* no NUL unless the parser puts one */

    err = plat_maps_parse_line(line, &vma, name, name_size);
    if (err == 0) {
        check(vma.start < vma.end, "accepted start >= end");
        check(vma.start % page == 0 && vma.end % page == 0,
              "accepted addresses that are not page aligned");
        check((vma.prot & ~(unsigned)(PLAT_PROT_READ | PLAT_PROT_WRITE)) == 0,
              "unknown protection bits");
        check(vma.shared || vma.backing == PLAT_BACKING_ANON_PRIVATE,
              "private VMA not classified as private");
        if (name_size)
            check(memchr(name, '\0', name_size) != NULL,
                  "name not NUL-terminated within name_size");
        /* The name is a copy of the line's tail, never of bytes past it. */
        if (name_size && name[0])
            check(strstr(line, name) != NULL, "name is not from the line");
    } else {
        check(err == -EINVAL, "error other than -EINVAL");
    }
    free(name);
    free(line);
    return 0;
}
