# `varsphere flow` writes the trajectory (CSV and HDF5), the final configuration and a JSON
# summary with the fields the README lists; the SA flow with A = V = I raises the energy and, from
# four tokens in an open hemisphere, ends in one cluster with energy e^beta/(2 beta).
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")
foreach(ext csv h5)
  execute_process(COMMAND "${EXE}" flow --x0 "${DATA}/x0_d3_n4.csv" --T 30 --beta 1 --quiet
                          --scheme dopri5 --rtol 1e-12 --atol 1e-13 --dt 1 --save-every 5
                          --out "${WORK}/traj.${ext}" --out-final "${WORK}/xT.csv"
                          --json "${WORK}/summary.json"
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "flow failed (${rc}): ${err}")
  endif()
endforeach()
foreach(f traj.csv traj.h5 xT.csv summary.json)
  if(NOT EXISTS "${WORK}/${f}")
    message(FATAL_ERROR "flow did not write ${f}")
  endif()
endforeach()
file(READ "${WORK}/summary.json" json)
foreach(key n d T energy_initial energy_final clusters_final steps rhs_evaluations wall_seconds)
  string(JSON value ERROR_VARIABLE missing GET "${json}" ${key})
  if(missing)
    message(FATAL_ERROR "summary.json lacks '${key}'")
  endif()
endforeach()
string(JSON n GET "${json}" n)
string(JSON clusters GET "${json}" clusters_final)
string(JSON e0 GET "${json}" energy_initial)
string(JSON e1 GET "${json}" energy_final)
if(NOT n EQUAL 4 OR NOT clusters EQUAL 1)
  message(FATAL_ERROR "expected n = 4 and one final cluster, got n = ${n}, clusters = ${clusters}")
endif()
# e/2 = 1.3591409142295225; CMake compares decimal strings as numbers.
if(NOT e1 GREATER e0 OR e1 LESS 1.35914091 OR e1 GREATER 1.35914092)
  message(FATAL_ERROR "energy ${e0} -> ${e1}: expected a rise to e/2")
endif()
file(STRINGS "${WORK}/traj.csv" rows)
list(LENGTH rows nrows)
# header + 4 tokens × 7 frames (t = 0, 5, ..., 30)
if(NOT nrows EQUAL 29)
  message(FATAL_ERROR "traj.csv has ${nrows} rows, expected 29")
endif()
# --quiet prints nothing (files are still written) on this and every other command.
if(NOT "${out}" STREQUAL "" OR NOT "${err}" STREQUAL "")
  message(FATAL_ERROR "flow --quiet printed: ${out}${err}")
endif()
execute_process(COMMAND "${EXE}" flow --x0 "${DATA}/x0_d3_n4.csv" --T 1
                RESULT_VARIABLE rc OUTPUT_VARIABLE loud)
if(NOT rc EQUAL 0 OR NOT loud MATCHES "energy")
  message(FATAL_ERROR "flow without --quiet printed no summary: ${loud}")
endif()
set(quiet_commands "demo|--out|${WORK}/demo" "stationary|--x0|${DATA}/x0_d3_n4.csv"
    "bvp|--x0|${DATA}/x0_d3_n4.csv|--x1|${DATA}/x1_d3_n4.csv|--T|1|--K|4|--lagrangian|kinetic")
# `reproduce` is left out of the sanitizer build's CLI (VARSPHERE_CLI_REPRODUCE=OFF).
execute_process(COMMAND "${EXE}" --help OUTPUT_VARIABLE help)
if(help MATCHES "reproduce")
  list(APPEND quiet_commands "reproduce|long-context|--quick")
endif()
foreach(entry IN LISTS quiet_commands)
  string(REPLACE "|" ";" cmd "${entry}")
  execute_process(COMMAND "${EXE}" ${cmd} --quiet RESULT_VARIABLE rc OUTPUT_VARIABLE q
                  ERROR_VARIABLE qe)
  if(NOT rc EQUAL 0 OR NOT "${q}${qe}" STREQUAL "")
    message(FATAL_ERROR "${cmd} --quiet: exit ${rc}, printed '${q}${qe}'")
  endif()
endforeach()
message(STATUS "${loud}")
