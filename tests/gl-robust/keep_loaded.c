/*
 * Preloaded under LeakSanitizer only: dlclose() does nothing, so the
 * libraries libglvnd and Mesa load and unload (vendors, the DRI driver,
 * LLVM) are still mapped when the leak report is made.  Their frames then
 * carry module names that lsan.supp can match; unloaded, they show as
 * "<unknown module>" and no suppression can tell them from ours.
 *
 * Callers reference glibc's versioned dlclose@GLIBC_2.34, which an
 * unversioned definition does not satisfy: keep_loaded.map gives ours
 * that version.  sanitize.sh preloads this before the ASan runtime, whose
 * own dlclose would otherwise take the calls.
 *
 * SPDX-License-Identifier: MIT
 */
__attribute__((visibility("default"))) int keep_loaded_dlclose(void *handle);

int keep_loaded_dlclose(void *handle)
{
    (void)handle;
    return 0;
}

__asm__(".symver keep_loaded_dlclose, dlclose@@GLIBC_2.34");
