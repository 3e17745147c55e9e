# Warnings as an INTERFACE target that every project target links PRIVATE.
add_library(quante_warnings INTERFACE)
add_library(quante::warnings ALIAS quante_warnings)
target_compile_options(quante_warnings INTERFACE
  $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
    -Wold-style-cast -Wcast-align -Woverloaded-virtual -Wnull-dereference
    -Wimplicit-fallthrough -Wformat=2
    # Wire messages are aggregates whose trailing fields are optional with defaults: leaving
    # them out of a brace initialiser is the intended way to build one.
    -Wno-missing-field-initializers>)
if(QUANTE_WARNINGS_AS_ERRORS)
  target_compile_options(quante_warnings INTERFACE $<$<COMPILE_LANGUAGE:CXX>:-Werror>)
endif()
