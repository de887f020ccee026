/*
 * What the fake's GL files tell each other.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LOWMAP_FAKE_GL_OBJECTS_H
#define LOWMAP_FAKE_GL_OBJECTS_H

#include <GL/gl.h>
#include <stdbool.h>

/* Answers glGetIntegerv for the buffer binding queries. */
bool fake_buffer_binding_query(GLenum pname, GLint *value);

#endif /* LOWMAP_FAKE_GL_OBJECTS_H */
