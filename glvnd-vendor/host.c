/* SPDX-License-Identifier: MIT */
#include "host.h"

#include <dlfcn.h>
#include <string.h>

#include "vlog.h"

bool host_name_ok(const char *api, const char *name)
{
    if (name == NULL || name[0] == '\0') {
        vlog_error("%s: empty host vendor name", api);
        return false;
    }
    if (strchr(name, '/') != NULL) {
        vlog_error("%s: host vendor name '%s' must not contain '/'", api,
                   name);
        return false;
    }
    if (strcmp(name, HOST_SELF_NAME) == 0) {
        vlog_error("%s: refusing to wrap ourselves (host vendor '%s')", api,
                   name);
        return false;
    }
    return true;
}

void *host_open(const char *api, const char *file, const char *entry,
                const void *self_entry, void **handle)
{
    void *lib = dlopen(file, RTLD_LAZY | RTLD_LOCAL | RTLD_NODELETE);
    void *fn;

    if (lib == NULL) {
        vlog_error("%s: cannot load host vendor %s: %s", api, file,
                   dlerror());
        return NULL;
    }
    fn = dlsym(lib, entry);
    if (fn == NULL) {
        vlog_error("%s: host vendor %s has no %s", api, file, entry);
        dlclose(lib);
        return NULL;
    }
    /* A symlink or a vendor file naming our library leads back to us:
     * dlopen() then returns our own handle and this very entry point. */
    if (fn == self_entry) {
        vlog_error("%s: refusing to wrap ourselves (%s is lowmap)", api,
                   file);
        dlclose(lib);
        return NULL;
    }
    *handle = lib;
    return fn;
}
