/* SPDX-License-Identifier: MIT */
#include "glx_server.h"

#include <GL/glx.h>
#include <GL/glxext.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <xcb/xcb.h>
#include <xcb/xcbext.h>

#include "vlog.h"

#define GLX_MINOR_QUERY_SERVER_STRING 19 /* X_GLXQueryServerString */

/* The GLX wire formats for glXQueryServerString (glxproto.h). */
struct query_server_string_req {
    uint8_t major, minor; /* filled in by xcb */
    uint16_t length;      /* in 4-byte units, filled in by xcb */
    uint32_t screen, name;
};
struct query_server_string_reply {
    uint8_t type, pad0;
    uint16_t sequence;
    uint32_t length;
    uint32_t pad1, str_len;
    uint8_t pad2[16];
    /* str_len bytes of string follow */
};

/* xcb looks the GLX major opcode up by name and caches it here. */
static xcb_extension_t glx_extension = {"GLX", 0};

static bool query(xcb_connection_t *c, int screen, char *out, size_t outlen)
{
    const xcb_protocol_request_t proto = {
        .count = 1, .ext = &glx_extension,
        .opcode = GLX_MINOR_QUERY_SERVER_STRING, .isvoid = 0};
    struct query_server_string_req req = {
        .screen = (uint32_t)screen, .name = GLX_VENDOR_NAMES_EXT};
    struct iovec parts[3] = {{0}, {0}, {&req, sizeof(req)}};
    const xcb_query_extension_reply_t *ext;
    struct query_server_string_reply *reply;
    xcb_generic_error_t *error = NULL;
    unsigned seq;
    size_t len;

    ext = xcb_get_extension_data(c, &glx_extension);
    if (ext == NULL || !ext->present)
        return false;
    /* xcb may use the two iovecs before the ones it is given. */
    seq = xcb_send_request(c, XCB_REQUEST_CHECKED, parts + 2, &proto);
    reply = xcb_wait_for_reply(c, seq, &error);
    if (reply == NULL) {
        free(error); /* BadValue: a server without GLX_EXT_libglvnd */
        return false;
    }
    len = reply->str_len;
    if (len > (size_t)reply->length * 4)
        len = (size_t)reply->length * 4;
    if (len >= outlen)
        len = outlen - 1;
    memcpy(out, reply + 1, len);
    out[len] = '\0';
    free(reply);
    return out[0] != '\0';
}

bool glx_server_vendor_names(char *out, size_t outlen)
{
    int screen = 0;
    xcb_connection_t *c;
    bool ok;

    if (getenv("DISPLAY") == NULL)
        return false;
    c = xcb_connect(NULL, &screen);
    if (xcb_connection_has_error(c)) {
        xcb_disconnect(c);
        vlog_trace("GLX: no X server to ask for a vendor");
        return false;
    }
    ok = query(c, screen, out, outlen);
    xcb_disconnect(c);
    return ok;
}
