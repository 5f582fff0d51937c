# A named pipe as --x0 is refused at once (it used to block forever): one error line, exit 1,
# well inside the 5 s timeout, nothing written.
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")
execute_process(COMMAND mkfifo "${WORK}/pipe.csv" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "mkfifo failed")
endif()
execute_process(COMMAND "${EXE}" flow --x0 "${WORK}/pipe.csv" --T 1 --out "${WORK}/t.csv"
                TIMEOUT 5 RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
string(STRIP "${err}" err)
if(rc EQUAL 0 OR NOT rc MATCHES "^[0-9]+$" OR NOT err MATCHES "^varsphere: error: .*not a regular file"
   OR err MATCHES "\n")
  message(FATAL_ERROR "expected one error line about a regular file, got exit '${rc}': ${err}")
endif()
if(EXISTS "${WORK}/t.csv")
  message(FATAL_ERROR "t.csv was written")
endif()
message(STATUS "ok: ${err}")
