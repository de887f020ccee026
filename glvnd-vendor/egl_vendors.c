/* SPDX-License-Identifier: MIT */
#include "egl_vendors.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vlog.h"

#define VENDOR_FILE_MAX 65536 /* vendor files are a few lines */
#define SELF_LIBRARY_PREFIX "libEGL_lowmap"

bool egl_vendor_library_path(const char *json, char *out, unsigned outlen)
{
    const char *p = strstr(json, "\"library_path\"");
    unsigned n = 0;

    if (p == NULL)
        return false;
    p += strlen("\"library_path\"");
    p += strspn(p, " \t\r\n");
    if (*p++ != ':')
        return false;
    p += strspn(p, " \t\r\n");
    if (*p++ != '"')
        return false;
    for (; *p != '"'; p++) {
        if (*p == '\0' || n + 1 >= outlen)
            return false;
        if (*p == '\\') {
            p++;
            /* Paths need only the escapes that stand for themselves. */
            if (*p != '\\' && *p != '"' && *p != '/')
                return false;
        }
        out[n++] = *p;
    }
    out[n] = '\0';
    return n > 0;
}

static char *read_small_file(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    char *buf;
    ssize_t len;

    if (fd < 0)
        return NULL;
    buf = malloc(VENDOR_FILE_MAX + 1);
    len = buf ? read(fd, buf, VENDOR_FILE_MAX) : -1;
    close(fd);
    if (len < 0) {
        free(buf);
        return NULL;
    }
    buf[len] = '\0';
    return buf;
}

/* libglvnd reads a relative library_path relative to the file's real
 * directory, and a bare name as a soname for the loader to search. */
static bool resolve_library(const char *json_path, const char *lib, char *out,
                            size_t outlen)
{
    char real[PATH_MAX];
    char *slash;

    if (lib[0] == '/' || strchr(lib, '/') == NULL)
        return (size_t)snprintf(out, outlen, "%s", lib) < outlen;
    if (realpath(json_path, real) == NULL)
        return false;
    slash = strrchr(real, '/');
    *slash = '\0';
    return (size_t)snprintf(out, outlen, "%s/%s", real, lib) < outlen;
}

static bool is_self(const char *library)
{
    const char *base = strrchr(library, '/');

    base = base ? base + 1 : library;
    return strncmp(base, SELF_LIBRARY_PREFIX, strlen(SELF_LIBRARY_PREFIX)) == 0;
}

static int json_filter(const struct dirent *d)
{
    size_t len = strlen(d->d_name);
    return len > 5 && strcmp(d->d_name + len - 5, ".json") == 0;
}

static int name_order(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static bool try_file(const char *path,
                     bool (*try_host)(const char *library, void *arg),
                     void *arg)
{
    char lib[PATH_MAX], file[PATH_MAX];
    char *json = read_small_file(path);
    bool ok = json != NULL && egl_vendor_library_path(json, lib, sizeof(lib));

    free(json);
    if (!ok) {
        vlog_warn("EGL: skipping unreadable vendor file %s", path);
        return false;
    }
    if (!resolve_library(path, lib, file, sizeof(file)))
        return false;
    if (is_self(file)) {
        vlog_trace("EGL: skipping our own vendor file %s", path);
        return false;
    }
    vlog_trace("EGL: trying host from %s: %s", path, file);
    return try_host(file, arg);
}

bool egl_vendors_each(const char *dirs,
                      bool (*try_host)(const char *library, void *arg),
                      void *arg)
{
    bool found = false;

    while (!found && dirs && *dirs) {
        size_t len = strcspn(dirs, ":");
        char dir[PATH_MAX], path[PATH_MAX];
        struct dirent **list = NULL;
        int n = -1;

        if (len > 0 && len < sizeof(dir)) {
            memcpy(dir, dirs, len);
            dir[len] = '\0';
            n = scandir(dir, &list, json_filter, name_order);
        }
        for (int i = 0; i < n; i++) {
            if (!found &&
                (size_t)snprintf(path, sizeof(path), "%s/%s", dir,
                                 list[i]->d_name) < sizeof(path))
                found = try_file(path, try_host, arg);
            free(list[i]);
        }
        free(list);
        dirs += len + (dirs[len] == ':');
    }
    return found;
}
