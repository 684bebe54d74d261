# cnnc_add_model(<target> MODEL <file.ir> [NAME <name>]
#                [TARGET_CPU <cpu>] [TARGET_FEATURES <features>]
#                [DEPENDS <files>...] [OPTIONS <cnnc options>...])
#
# Compiles MODEL ahead of time, when <target> is built, into an object file
# and a C header, and links the object into <target>: the application calls
# <name>_cnnc_model() (declared in <name>.h) with no runtime library. The
# header's folder is added to <target>'s include path. NAME defaults to the
# model file's stem and must be a C identifier; several models link into one
# target under different names. TARGET_CPU defaults to the host (native); use
# e.g. x86-64-v3 for a binary that runs on any AVX2 machine. DEPENDS lists
# extra inputs (e.g. the weights file) that should trigger a recompile.
if(NOT COMMAND cnnc_add_model)
function(cnnc_add_model target)
  cmake_parse_arguments(ARG "" "MODEL;NAME;TARGET_CPU;TARGET_FEATURES"
                        "DEPENDS;OPTIONS" ${ARGN})
  if(NOT ARG_MODEL)
    message(FATAL_ERROR "cnnc_add_model(${target}): MODEL is required")
  endif()
  get_filename_component(model "${ARG_MODEL}" ABSOLUTE)
  if(NOT ARG_NAME)
    get_filename_component(ARG_NAME "${model}" NAME_WE)
  endif()
  if(NOT ARG_NAME MATCHES "^[A-Za-z_][A-Za-z0-9_]*$")
    message(FATAL_ERROR "cnnc_add_model(${target}): NAME '${ARG_NAME}' is "
                        "not a C identifier")
  endif()
  set(flags --name=${ARG_NAME} ${ARG_OPTIONS})
  if(ARG_TARGET_CPU)
    list(APPEND flags --target-cpu=${ARG_TARGET_CPU})
  endif()
  if(ARG_TARGET_FEATURES)
    list(APPEND flags --target-features=${ARG_TARGET_FEATURES})
  endif()
  set(dir "${CMAKE_CURRENT_BINARY_DIR}/cnnc_models")
  set(obj "${dir}/${ARG_NAME}.o")
  set(hdr "${dir}/${ARG_NAME}.h")
  add_custom_command(OUTPUT "${obj}" "${hdr}"
    COMMAND ${CMAKE_COMMAND} -E make_directory "${dir}"
    COMMAND cnnc::cnnc "${model}" --emit=obj -o "${obj}" ${flags}
    COMMAND cnnc::cnnc "${model}" --emit=header -o "${hdr}" ${flags}
    DEPENDS "${model}" ${ARG_DEPENDS} cnnc::cnnc
    COMMENT "Compiling model ${ARG_NAME} with cnnc" VERBATIM)
  target_sources(${target} PRIVATE "${obj}" "${hdr}")
  target_include_directories(${target} PRIVATE "${dir}")
  # Kernels call libm (expf, tanhf, ...).
  target_link_libraries(${target} PRIVATE m)
endfunction()
endif()
