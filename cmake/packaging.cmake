# Install rules and the Debian package.
#
# The package: `cmake -S . -B build && cmake --build build -j && (cd build && cpack -G DEB)` (the
# README's recipe, no extra flags) builds build/quante-carlo_VERSION-1_ARCH.deb, laid out for
# /usr whatever CMAKE_INSTALL_PREFIX is: CPack installs into its staging folder with DESTDIR and
# the prefix CPACK_INSTALL_PREFIX (/usr), so the install rules below see the same prefix as
# `cmake --install build --prefix /usr`. Its postinst creates the `quante` system user, its prerm
# stops the services, its postrm reloads systemd; tests/service/package.sh builds it exactly so
# and runs lintian on it.
#
# `cmake --install build` alone keeps CMake's default prefix, /usr/local (a hand install must not
# write into /usr, which belongs to dpkg); `--prefix /usr` is the package's layout. Layout for a
# prefix P:
#   P/bin                          quante-broker, quante-worker, quante-tuner, quante-keygen
#   /etc/quante (P=/usr), else P/etc/quante    the default configs and the studies/, keys/ folders
#   the unit folder systemd names (P=/usr: pkg-config's systemdsystemunitdir, /lib/systemd/system
#     on Debian 12), else P/lib/systemd/system; paths inside the units rewritten to match
#   P/lib/python3/dist-packages    quante_objective.py (on python3's path when P=/usr; another P
#                                  needs PYTHONPATH)
#   P/share/doc/quante-carlo       README.md, copyright, changelog.Debian.gz
#   P/share/man/man1               man pages from --help, when help2man is installed
#   P/share/lintian/overrides      lintian's overrides (the 0700 keys folder is meant)
#   P/include/quante, P/lib/libquante_*.a, P/lib/cmake/quante-carlo   the embedding API, only with
#                                  `cmake --install build --component dev` (EXCLUDE_FROM_ALL in
#                                  cmake/install_library.cmake): not in the .deb, whose static
#                                  libraries with debug info would make it 47 MB
include(GNUInstallDirs)

install(TARGETS quante-broker quante-worker quante-tuner RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# Where systemd looks for units when the prefix is /usr, asked at configure time (the package is
# built on the system it is for); Debian 12 says /lib/systemd/system, which is also where
# Debian 12's own packages put theirs (its lintian takes /lib and /usr/lib alike).
find_package(PkgConfig QUIET)
set(quante_unit_dir "")
if(PKG_CONFIG_FOUND)
  pkg_get_variable(quante_unit_dir systemd systemdsystemunitdir)
endif()
if(NOT quante_unit_dir)
  set(quante_unit_dir /lib/systemd/system)
endif()
set(QUANTE_SYSTEMD_UNIT_DIR "${quante_unit_dir}" CACHE PATH
    "Unit folder for the prefix /usr (other prefixes P use P/lib/systemd/system)")

# Units, default configs and the /etc/quante folders, placed at install time (not configure
# time) so that `cmake --install build --prefix P` and cpack, which install under their own
# prefix, both get paths that match: see cmake/install_service_files.cmake.
install(CODE "set(QUANTE_SOURCE_DIR \"${PROJECT_SOURCE_DIR}\")
set(QUANTE_SYSTEMD_UNIT_DIR \"${QUANTE_SYSTEMD_UNIT_DIR}\")")
install(SCRIPT ${PROJECT_SOURCE_DIR}/cmake/install_service_files.cmake)

# The Python helper for exec objectives: `from quante_objective import serve`.
install(FILES python/quante_objective.py DESTINATION lib/python3/dist-packages)

# Documentation: README, the machine-readable copyright file and the Debian changelog, which
# Debian wants compressed with gzip -9n (no name or time stamp in it, so builds are reproducible).
set(quante_doc_dir ${CMAKE_INSTALL_DATAROOTDIR}/doc/quante-carlo)
set(quante_pkg_dir ${PROJECT_BINARY_DIR}/packaging)
add_custom_command(OUTPUT ${quante_pkg_dir}/changelog.Debian.gz
  COMMAND ${CMAKE_COMMAND} -E make_directory ${quante_pkg_dir}
  COMMAND sh -c "gzip -9n -c \"$0\" > \"$1\"" ${PROJECT_SOURCE_DIR}/packaging/debian/changelog
          ${quante_pkg_dir}/changelog.Debian.gz
  DEPENDS ${PROJECT_SOURCE_DIR}/packaging/debian/changelog VERBATIM)
set(quante_package_files ${quante_pkg_dir}/changelog.Debian.gz)
install(FILES README.md packaging/debian/copyright ${quante_pkg_dir}/changelog.Debian.gz
        DESTINATION ${quante_doc_dir})
# What lintian may say and is meant: /etc/quante/keys is 0700 (secret keys, root's alone).
install(FILES packaging/debian/lintian-overrides DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/lintian/overrides
        RENAME quante-carlo)

# Man pages, from each program's --help and --version, when help2man is there (Debian: help2man).
find_program(QUANTE_HELP2MAN help2man)
if(QUANTE_HELP2MAN)
  set(quante_summary_quante-broker "route jobs from quante-carlo tuners to GPU workers")
  set(quante_summary_quante-worker "run quante-carlo objectives on one GPU for a broker")
  set(quante_summary_quante-tuner "tune hyperparameters by batch Bayesian optimization over a quante-carlo farm")
  set(quante_summary_quante-keygen "write a CURVE key pair for a quante-carlo farm")
  foreach(program quante-broker quante-worker quante-tuner quante-keygen)
    set(page ${quante_pkg_dir}/${program}.1.gz)
    add_custom_command(OUTPUT ${page}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${quante_pkg_dir}
      COMMAND sh -c "\"$0\" --no-info --no-discard-stderr --name \"$1\" \"$2\" | gzip -9n > \"$3\""
              ${QUANTE_HELP2MAN} "${quante_summary_${program}}" $<TARGET_FILE:${program}> ${page}
      DEPENDS ${program} VERBATIM)
    list(APPEND quante_package_files ${page})
    install(FILES ${page} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
  endforeach()
else()
  message(STATUS "help2man not found: no man pages (Debian: apt-get install help2man)")
endif()
add_custom_target(quante-package-files ALL DEPENDS ${quante_package_files})

# ---- CPack: one .deb -------------------------------------------------------------------------
set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "quante-carlo")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "quante-carlo maintainers <maintainers@users.noreply.r-seed-94fd4c59.example>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "batch Bayesian hyperparameter tuning over a ZeroMQ GPU farm")
# Extended description (CPack puts the summary above it): lines of at most 80 characters.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "A broker, one worker per GPU and tuners that propose batches of trials (qEI
over a Gaussian process, with ASHA or Hyperband early stopping), run as
hardened systemd services that speak ZeroMQ with CURVE security. Includes the
Python helper quante_objective for training scripts.")
# The package's layout is /usr (and /etc/quante), whatever prefix the build was configured with:
# DESTDIR staging with CPACK_INSTALL_PREFIX as the install prefix.
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX "/usr")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS
    OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
# Debian revision 1: a non-native version, so the Debian changelog is changelog.Debian.gz.
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION "science")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")  # deb-systemd-invoke is essential (init-system-helpers)
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "python3")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/packaging/debian/postinst
    ${PROJECT_SOURCE_DIR}/packaging/debian/prerm
    ${PROJECT_SOURCE_DIR}/packaging/debian/postrm
    ${PROJECT_SOURCE_DIR}/packaging/debian/conffiles)
include(CPack)

# The Debian changelog's newest entry names the version the package gets.
file(STRINGS ${PROJECT_SOURCE_DIR}/packaging/debian/changelog quante_changelog_top LIMIT_COUNT 1)
if(NOT quante_changelog_top MATCHES "^quante-carlo \\(${PROJECT_VERSION}-${CPACK_DEBIAN_PACKAGE_RELEASE}\\) ")
  message(WARNING "packaging/debian/changelog starts with '${quante_changelog_top}', not version "
                  "${PROJECT_VERSION}-${CPACK_DEBIAN_PACKAGE_RELEASE}: add an entry for it")
endif()
