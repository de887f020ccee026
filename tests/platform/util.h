/*
 * Shared helpers for the platform tests: mappings of every kind the core
 * meets, with what the kernel should say about them.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LOWMAP_TEST_PLATFORM_UTIL_H
#define LOWMAP_TEST_PLATFORM_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "platform.h"

size_t pg(void);

enum mapping_kind {
    KIND_PRIVATE_ANON,
    KIND_SHARED_ANON,
    KIND_MEMFD_OFFSET,   /* memfd MAP_SHARED from file offset 3 pages */
    KIND_FILE_SHARED,    /* temporary file in /tmp, MAP_SHARED */
    KIND_FILE_PRIVATE,   /* temporary file in /tmp, MAP_PRIVATE, read only */
    KIND_DEVSHM_SHARED,  /* file on the /dev/shm tmpfs, MAP_SHARED */
    KIND_COUNT,
};

struct mapping {
    enum mapping_kind kind;
    uint8_t *base;
    size_t len;
    int fd;                 /* -1 when none */
    struct plat_vma expect; /* ino 0 with shared: any non-zero inode */
    char path[64];          /* unlinked at teardown, "" if none */
};

const char *kind_name(enum mapping_kind kind);
/* Creates the mapping (4 pages), failing the test on error; returns false
 * when the kind cannot exist here (e.g. no tmpfs at /dev/shm). */
bool mapping_make(enum mapping_kind kind, struct mapping *m);
void mapping_free(struct mapping *m);

/* A free, reserved (PROT_NONE) slot of @len bytes anywhere. */
uintptr_t slot_new(size_t len);

/* True when the running kernel is at least @major.@minor. */
bool kernel_at_least(int major, int minor);

/* valgrind emulates mremap() and refuses old_size 0 duplication. */
bool under_valgrind(void);

#endif
