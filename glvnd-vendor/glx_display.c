/* SPDX-License-Identifier: MIT */
#include "glx_display.h"

#include <X11/Xlibint.h>
#include <pthread.h>
#include <stdlib.h>

#include "gl_layer.h"
#include "vlog.h"

struct watched {
    Display *dpy;
    struct watched *next;
};

/*
 * Guards watched_list.  Never held while calling Xlib or the GL layer:
 * XCloseDisplay calls our hook with Xlib's own locks in play.  Held across
 * fork() (see watch_atfork) so a child never inherits it locked.
 */
static pthread_mutex_t watch_lock = PTHREAD_MUTEX_INITIALIZER;
static struct watched *watched_list;
static pthread_once_t watch_once = PTHREAD_ONCE_INIT;

static void watch_lock_take(void)
{
    pthread_mutex_lock(&watch_lock);
}

static void watch_lock_give(void)
{
    pthread_mutex_unlock(&watch_lock);
}

static void watch_atfork(void)
{
    pthread_atfork(watch_lock_take, watch_lock_give, watch_lock_give);
}

/* Returns whether @dpy was in the list; adds it when @add, else drops it. */
static int watched_update(Display *dpy, int add)
{
    struct watched **p, *w;
    int found = 0;

    pthread_mutex_lock(&watch_lock);
    for (p = &watched_list; *p && (*p)->dpy != dpy; p = &(*p)->next)
        ;
    found = *p != NULL;
    if (found && !add) {
        w = *p;
        *p = w->next;
        free(w);
    } else if (!found && add && (w = malloc(sizeof(*w))) != NULL) {
        w->dpy = dpy;
        w->next = watched_list;
        watched_list = w;
    }
    pthread_mutex_unlock(&watch_lock);
    return found;
}

static int on_close_display(Display *dpy, XExtCodes *codes)
{
    (void)codes;
    watched_update(dpy, 0);
    vlog_trace("GLX: display %p closed", (void *)dpy);
    lowmap_gl_display_gone(dpy);
    return 0;
}

void glx_display_watch(Display *dpy)
{
    XExtCodes *codes;

    pthread_once(&watch_once, watch_atfork);
    if (dpy == NULL || watched_update(dpy, 1))
        return;
    /* A private, nameless extension record is Xlib's way to get a
     * per-display close callback; Mesa's GLX uses the same hook. */
    codes = XAddExtension(dpy);
    if (codes == NULL) {
        watched_update(dpy, 0);
        vlog_warn("GLX: cannot watch display %p for closing", (void *)dpy);
        return;
    }
    XESetCloseDisplay(dpy, codes->extension, on_close_display);
}
