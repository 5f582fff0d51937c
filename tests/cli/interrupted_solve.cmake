# Ctrl-C (SIGINT) during a long BVP solve: the solver stops after its current iteration, the command
# exits 1 with "interrupted after N iterations", writes its JSON summary with "converged": false,
# and leaves the path's file as it was (apps/solve_progress.hpp).
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")
execute_process(COMMAND "${EXE}" demo --d 8 --n 64 --seed 3 --out "${WORK}/gen" --quiet
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "demo failed")
endif()
execute_process(COMMAND "${EXE}" flow --x0 "${WORK}/gen/x0.csv" --T 2 --out-final "${WORK}/x1.csv"
                        --quiet RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "flow failed")
endif()
file(WRITE "${WORK}/path.csv" "earlier output\n")
# One thread: the solve takes several seconds, so the signal lands inside it.
execute_process(
  COMMAND timeout --preserve-status -s INT 1.5 "${EXE}" bvp --x0 "${WORK}/gen/x0.csv" --x1 "${WORK}/x1.csv" --T 2
          --K 64 --lagrangian de-giorgi --threads 1 --del-tolerance 1e-12 --out "${WORK}/path.csv"
          --json "${WORK}/s.json"
  RESULT_VARIABLE rc ERROR_VARIABLE err OUTPUT_VARIABLE out)
message(STATUS "exit ${rc}; stderr: ${err}")
if(NOT rc EQUAL 1)
  message(FATAL_ERROR "interrupted bvp: exit ${rc}, expected 1")
endif()
if(NOT err MATCHES "varsphere: error: bvp: interrupted after [1-9][0-9]* iterations")
  message(FATAL_ERROR "interrupted bvp: unexpected error line: ${err}")
endif()
file(READ "${WORK}/path.csv" head)
if(NOT head STREQUAL "earlier output\n")
  message(FATAL_ERROR "interrupted bvp replaced the path file")
endif()
file(READ "${WORK}/s.json" summary)
string(JSON converged GET "${summary}" converged)
string(JSON status GET "${summary}" status)
if(converged OR NOT status MATCHES "^interrupted after")
  message(FATAL_ERROR "interrupted bvp: JSON says converged=${converged}, status ${status}")
endif()
