#!/usr/bin/env python3
"""Lists piglit's buffer-storage and mapping tests from piglit's own profile.

    list-tests.py <piglit dir>

Reads the "gpu" meta profile of the installed piglit (its GL and shader
test lists; the compile-only "cpu" profile never creates a buffer) and
prints, one test a line, the test's name and its command, fields separated
by tabs, the program first and relative to <piglit dir>/bin.  The command
gets -auto and -fbo the way piglit's runner adds them.

Selected: every test of the groups in GROUPS (desktop GL, the GLES 3
variants piglit files under the same groups included), and the GLES 3
tests of GLES3_EXTRA, whose groups hold unrelated tests too.
"""
import gzip
import os
import re
import sys
import xml.etree.ElementTree as ET

GROUPS = {
    "arb_buffer_storage", "arb_map_buffer_range", "arb_map_buffer_alignment",
    "arb_vertex_buffer_object", "arb_pixel_buffer_object", "arb_copy_buffer",
    "arb_clear_buffer_object", "arb_texture_buffer_object",
    "arb_texture_buffer_range", "arb_uniform_buffer_object",
    "arb_shader_storage_buffer_object", "arb_transform_feedback2",
    "arb_transform_feedback3", "arb_query_buffer_object",
    "arb_draw_indirect", "arb_indirect_parameters", "arb_sync",
    "amd_pinned_memory", "ext_direct_state_access",
    "arb_direct_state_access",
}

# GLES 3 programs, in other groups, that write and read buffers:
# transform feedback into buffers (core in GLES 3), uniform buffers.
GLES3_EXTRA = {
    "!opengl es 3.0": re.compile(r"^gles-3\.0-transform-feedback-"),
    "ext_transform_feedback": re.compile(r"_gles3$"),
}


def group_of(name):
    parts = name.split("@")
    return parts[1] if parts[0] == "spec" and len(parts) > 2 else parts[0]


def options(test):
    return {o.get("name"): o.get("value") for o in test.findall("option")}


def selected(name, program):
    group = group_of(name)
    if group in GROUPS:
        return True
    rule = GLES3_EXTRA.get(group)
    return bool(rule and rule.search(program))


def main():
    root = sys.argv[1]
    tests_dir = os.path.join(root, "tests")
    meta = ET.parse(os.path.join(tests_dir, "gpu.meta.xml")).getroot()
    seen = set()
    for profile in meta.findall("Profile"):
        path = os.path.join(tests_dir, profile.text.strip() + ".xml.gz")
        with gzip.open(path) as f:
            tests = ET.parse(f).getroot()
        for test in tests.findall("Test"):
            name, kind = test.get("name"), test.get("type")
            opts = options(test)
            # The command is a Python list literal of plain strings.
            cmd = re.findall(r"'((?:[^'\\]|\\.)*)'", opts.get("command", ""))
            if not cmd or not selected(name, cmd[0]) or name in seen:
                continue
            if kind == "shader":
                cmd = [cmd[0], os.path.join(root, cmd[1]), "-auto", "-fbo"]
            elif kind == "gl":
                cmd += ["-auto"]
                if opts.get("run_concurrent") == "True":
                    cmd += ["-fbo"]
            else:
                continue
            seen.add(name)
            print("\t".join([name] + cmd))


if __name__ == "__main__":
    main()
