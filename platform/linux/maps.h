/*
 * Pure helpers behind plat_vma_query(): parsing one line of
 * /proc/<pid>/maps and classifying what backs a VMA.  No system calls, no
 * global state: safe to fuzz and to call from any thread.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LOWMAP_PLATFORM_LINUX_MAPS_H
#define LOWMAP_PLATFORM_LINUX_MAPS_H

#include <stdbool.h>
#include <stddef.h>

#include "platform.h"

/*
 * Parse one line of /proc/<pid>/maps ("start-end perms offset maj:min inode
 * [name]", an optional trailing newline) into @out.  The name (possibly
 * empty) is copied into @name, truncated to @name_size - 1 bytes and always
 * NUL-terminated; @name may be NULL when @name_size is 0.  out->backing is
 * classified from the name alone (see plat_classify_backing()).
 *
 * Returns 0, or -EINVAL for anything that is not a well-formed line; @line
 * must be NUL-terminated, and may hold anything.
 */
int plat_maps_parse_line(const char *line, struct plat_vma *out, char *name,
                         size_t name_size);

/*
 * What backs a VMA, judged by sharing and name.  @on_tmpfs says the backing
 * file lives on a tmpfs mount (the caller looks that up by device); it only
 * matters for names the heuristic cannot place otherwise.
 */
enum plat_backing plat_classify_backing(bool shared, const char *name,
                                        bool on_tmpfs);

#endif /* LOWMAP_PLATFORM_LINUX_MAPS_H */
