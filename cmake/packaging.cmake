# Install rules and the Debian package. `cmake --install build --prefix /usr` puts the binaries in
# /usr/bin, the systemd units in /usr/lib/systemd/system and the default configs in /etc/quante;
# another prefix P (the default /usr/local) gets P/bin, P/lib/systemd/system and P/etc/quante,
# with the paths inside the units rewritten to match.
# `cpack -G DEB` (in the build folder) builds quante-carlo_VERSION_ARCH.deb: its postinst creates
# the `quante` system user, its prerm stops the services, its postrm reloads systemd.
include(GNUInstallDirs)

install(TARGETS quante-broker quante-worker quante-tuner RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# Units, default configs and the /etc/quante folders, placed at install time (not configure
# time) so that `cmake --install build --prefix P` and cpack, which install under their own
# prefix, both get paths that match: see cmake/install_service_files.cmake.
install(CODE "set(QUANTE_SOURCE_DIR \"${PROJECT_SOURCE_DIR}\")")
install(SCRIPT ${PROJECT_SOURCE_DIR}/cmake/install_service_files.cmake)
install(FILES README.md DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/quante-carlo)

# ---- CPack: one .deb -------------------------------------------------------------------------
set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "quante-carlo")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "quante-carlo maintainers <quante-carlo@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Batch Bayesian hyperparameter tuning over a ZeroMQ GPU farm")
set(CPACK_PACKAGE_DESCRIPTION "A broker, per-GPU workers and tuners (qEI over a Gaussian process) as systemd services, with CURVE security.")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
# Install into the staging root with DESTDIR and the real prefix, so /etc/quante is /etc/quante.
set(CPACK_SET_DESTDIR ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION "science")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser | passwd")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/packaging/debian/postinst
    ${PROJECT_SOURCE_DIR}/packaging/debian/prerm
    ${PROJECT_SOURCE_DIR}/packaging/debian/postrm
    ${PROJECT_SOURCE_DIR}/packaging/debian/conffiles)
include(CPack)
