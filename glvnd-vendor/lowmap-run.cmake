# tools/lowmap-run: a build-tree copy that finds the vendors through
# lowmap-run.build, and an installed one that finds them through
# share/lowmap/lowmap-run.conf.  Included from tools/CMakeLists.txt once
# the vendor targets exist.
set(_run_dir ${PROJECT_BINARY_DIR}/tools)
file(COPY ${CMAKE_CURRENT_LIST_DIR}/../tools/lowmap-run DESTINATION ${_run_dir})
file(GENERATE OUTPUT ${_run_dir}/lowmap-run.build CONTENT
"# Written by CMake: where the build tree keeps lowmap's vendors.
LOWMAP_RUN_LIBDIRS='$<TARGET_FILE_DIR:lowmap_glx>:$<TARGET_FILE_DIR:lowmap_egl>:$<TARGET_FILE_DIR:lowmap>'
LOWMAP_RUN_EGL_JSON='${LOWMAP_EGL_JSON}'
")
file(GENERATE OUTPUT ${_run_dir}/install/lowmap-run.conf CONTENT
"# Paths relative to the install prefix.
LOWMAP_RUN_LIBDIRS='${CMAKE_INSTALL_LIBDIR}'
LOWMAP_RUN_EGL_JSON='${LOWMAP_EGL_JSON_INSTALL_DIR}/50_lowmap.json'
")
install(PROGRAMS ${CMAKE_CURRENT_LIST_DIR}/../tools/lowmap-run
        DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${_run_dir}/install/lowmap-run.conf
        DESTINATION ${CMAKE_INSTALL_DATADIR}/lowmap)
