/*
 * The bad-input cases: each runs in its own process, once on the host
 * vendor alone and once through lowmap, and prints one line per GL call
 * (return value, glGetError).  The two transcripts must be identical.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LOWMAP_TESTS_BAD_CASES_H
#define LOWMAP_TESTS_BAD_CASES_H

#define BAD_CASES(X)                                                         \
    X(invalid_names)                                                         \
    X(unbound_target)                                                        \
    X(bad_target)                                                            \
    X(double_map)                                                            \
    X(double_unmap)                                                          \
    X(bad_ranges)                                                            \
    X(bad_flags)                                                             \
    X(bad_storage_flags)                                                     \
    X(bad_flush)                                                             \
    X(pointer_unmapped)                                                      \
    X(zero_size_buffer)                                                      \
    X(immutable_respecify)                                                   \
    X(bad_delete_while_mapped)                                               \
    X(other_context_unmap)                                                   \
    X(bad_data_while_mapped)                                                 \
    X(bad_storage_while_mapped)                                              \
    X(failed_storage_then_data)

#endif
