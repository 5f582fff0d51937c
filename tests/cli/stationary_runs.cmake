# `varsphere stationary` finds the closed-form extremizers of E_D (docs/math.md §4) and writes the
# JSON fields it promises: ascent with D = I ends at a point mass (E = e, one cluster, a maximum);
# descent with D = I (read from a file) ends at the regular tetrahedron,
# E = (4e + 12e^{-1/3})/16, a minimum modulo rotations.
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")
execute_process(COMMAND "${EXE}" stationary --x0 "${DATA}/x0_d3_n4.csv" --ascent
                        --json "${WORK}/up.json" --out-final "${WORK}/up.csv"
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "stationary --ascent failed (${rc}): ${err}")
endif()
foreach(f up.json up.csv)
  if(NOT EXISTS "${WORK}/${f}")
    message(FATAL_ERROR "stationary did not write ${f}")
  endif()
endforeach()
file(READ "${WORK}/up.json" json)
foreach(key n d direction energy_initial energy residual converged iterations clusters
        cluster_sizes cluster_centers classification wall_seconds)
  string(JSON value ERROR_VARIABLE missing GET "${json}" ${key})
  if(missing)
    message(FATAL_ERROR "up.json lacks '${key}'")
  endif()
endforeach()
string(JSON energy GET "${json}" energy)
string(JSON residual GET "${json}" residual)
string(JSON clusters GET "${json}" clusters)
string(JSON kind GET "${json}" classification kind)
# e = 2.718281828459045
if(energy LESS 2.7182818284 OR energy GREATER 2.7182818285 OR NOT clusters EQUAL 1
   OR NOT kind STREQUAL "maximum" OR residual GREATER 1e-10)
  message(FATAL_ERROR "ascent: E = ${energy}, clusters ${clusters}, ${kind}, residual ${residual}")
endif()

execute_process(COMMAND "${EXE}" stationary --x0 "${DATA}/x0_d3_n4.csv" --descent
                        --d-matrix "${DATA}/d_identity3.csv" --json "${WORK}/down.json"
                RESULT_VARIABLE rc OUTPUT_VARIABLE out2 ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "stationary --descent failed (${rc}): ${err}")
endif()
file(READ "${WORK}/down.json" json)
string(JSON energy GET "${json}" energy)
string(JSON direction GET "${json}" direction)
string(JSON kind GET "${json}" classification kind)
# (4e + 12e^{-1/3})/16 = 1.2169689400...
if(energy LESS 1.2169689400 OR energy GREATER 1.2169689401 OR NOT direction STREQUAL "descent"
   OR NOT kind STREQUAL "minimum")
  message(FATAL_ERROR "descent with D = I: E = ${energy} (${kind}), expected the tetrahedron")
endif()
message(STATUS "${out}${out2}")

# One token (n = 1), ascent and descent: the trivial answer, not a crash. With D = I every point is
# stationary and every tangent direction is a rotation, so the Hessian is "degenerate".
foreach(direction --ascent --descent)
  execute_process(COMMAND "${EXE}" stationary --x0 "${DATA}/one_token_d3.csv" ${direction}
                          --json "${WORK}/one.json"
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "stationary with one token ${direction}: exit ${rc}: ${err}")
  endif()
  file(READ "${WORK}/one.json" json)
  string(JSON kind GET "${json}" classification kind)
  string(JSON n GET "${json}" n)
  if(NOT kind STREQUAL "degenerate" OR NOT n EQUAL 1)
    message(FATAL_ERROR "one token ${direction}: expected n = 1 and 'degenerate', got ${n} ${kind}")
  endif()
endforeach()
