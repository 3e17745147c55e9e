# Install-time part of cmake/packaging.cmake (run by `cmake --install` and by cpack): the systemd
# units with ExecStart= and config paths rewritten for the prefix, the default configs, and the
# /etc/quante folders. The prefix /usr keeps its configs in /etc (as GNUInstallDirs does) and its
# units in QUANTE_SYSTEMD_UNIT_DIR (systemd's own folder); any other prefix P in P/etc and
# P/lib/systemd/system. A config that already exists and differs is left alone and the new
# default goes beside it as NAME.new (an administrator's edits are never lost).
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(quante_etc "/etc/quante")
  set(unit_dir "${QUANTE_SYSTEMD_UNIT_DIR}")
else()
  set(quante_etc "${CMAKE_INSTALL_PREFIX}/etc/quante")
  set(unit_dir "${CMAKE_INSTALL_PREFIX}/lib/systemd/system")
endif()
set(quante_root "$ENV{DESTDIR}")

set(unit_dir "${quante_root}${unit_dir}")
file(MAKE_DIRECTORY "${unit_dir}")
file(GLOB units "${QUANTE_SOURCE_DIR}/systemd/*.service")
foreach(unit ${units})
  get_filename_component(name "${unit}" NAME)
  file(READ "${unit}" text)
  string(REPLACE "/usr/bin/" "${CMAKE_INSTALL_PREFIX}/bin/" text "${text}")
  string(REPLACE "/etc/quante" "${quante_etc}" text "${text}")
  message(STATUS "Installing: ${unit_dir}/${name}")
  file(WRITE "${unit_dir}/${name}" "${text}")
  list(APPEND CMAKE_INSTALL_MANIFEST_FILES "${unit_dir}/${name}")
endforeach()

file(MAKE_DIRECTORY "${quante_root}${quante_etc}/studies")
file(MAKE_DIRECTORY "${quante_root}${quante_etc}/keys")
file(CHMOD "${quante_root}${quante_etc}/keys" DIRECTORY_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE)
foreach(pair "config/broker.toml:broker.toml" "config/worker.toml:worker.toml" "config/tuner.toml:tuner.toml"
             "examples/branin.toml:studies/branin-demo.toml.example")
  string(REPLACE ":" ";" pair "${pair}")
  list(GET pair 0 from)
  list(GET pair 1 to)
  set(target "${quante_root}${quante_etc}/${to}")
  if(EXISTS "${target}" AND "$ENV{DESTDIR}" STREQUAL "")
    file(READ "${target}" old)
    file(READ "${QUANTE_SOURCE_DIR}/${from}" new)
    if(NOT old STREQUAL new)
      set(target "${target}.new")
      message(STATUS "Keeping the edited ${quante_etc}/${to}; the new default is ${to}.new")
    endif()
  endif()
  message(STATUS "Installing: ${target}")
  configure_file("${QUANTE_SOURCE_DIR}/${from}" "${target}" COPYONLY)
  file(CHMOD "${target}" PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)  # not the checkout's
  list(APPEND CMAKE_INSTALL_MANIFEST_FILES "${target}")
endforeach()
