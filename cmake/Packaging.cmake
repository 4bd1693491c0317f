# Installation to the standard places and the Debian packages (CPack):
#   esep-tools   the esep command line (technicians, commissions, auditors), its manual, completion
#   esep-reader  esepd for the ballot box: unit, udev rule for the reader, example configuration
#   esep-centre  esep-tabulator for the tabulation centre: unit, example configuration
# `cmake --install build` installs all three; `cpack -G DEB` (in build/) makes the packages.
include(GNUInstallDirs)

set(ESEP_PACKAGING_DIR ${PROJECT_SOURCE_DIR}/tools/packaging)
set(ESEP_GENERATED_DIR ${PROJECT_BINARY_DIR}/packaging)
set(ESEP_UNIT_DIR ${CMAKE_INSTALL_PREFIX}/lib/systemd/system)
set(ESEP_SYSUSERS_DIR ${CMAKE_INSTALL_PREFIX}/lib/sysusers.d)
set(ESEP_UDEV_DIR ${CMAKE_INSTALL_PREFIX}/lib/udev/rules.d)
set(ESEP_DOC_DIR ${CMAKE_INSTALL_DATADIR}/doc/esep-tools)
set(ESEP_COMPLETION_DIR ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)

configure_file(${PROJECT_SOURCE_DIR}/tools/esepd/esepd.service.in
  ${ESEP_GENERATED_DIR}/esepd.service @ONLY)
configure_file(${ESEP_PACKAGING_DIR}/esep-centre.service.in
  ${ESEP_GENERATED_DIR}/esep-centre.service @ONLY)

# Manual pages from the programs' own --help (tools/packaging/make-man.sh, help2man).
find_program(ESEP_HELP2MAN help2man REQUIRED)
set(ESEP_MAN_PAGES)
function(esep_man_page target section description)
  set(page ${ESEP_GENERATED_DIR}/${target}.${section}.gz)
  add_custom_command(OUTPUT ${page}
    COMMAND ${ESEP_PACKAGING_DIR}/make-man.sh $<TARGET_FILE:${target}> ${section}
            "${description}" ${page}
    DEPENDS ${target} ${ESEP_PACKAGING_DIR}/make-man.sh
    COMMENT "Writing the manual page ${target}(${section})"
    VERBATIM)
  set(ESEP_MAN_PAGES ${ESEP_MAN_PAGES} ${page} PARENT_SCOPE)
endfunction()
esep_man_page(esep 1 "the Esep command line: elections, ballots, the reader, polls, audits")
esep_man_page(esepd 8 "the Esep precinct ballot reader daemon")
esep_man_page(esep-tabulator 8 "the Esep tabulation centre")
add_custom_target(esep_man_pages ALL DEPENDS ${ESEP_MAN_PAGES})

# esep-tools
install(TARGETS esep RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT tools)
install(FILES ${ESEP_GENERATED_DIR}/esep.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1
  COMPONENT tools)
foreach(program esep esepd esep-tabulator)
  install(FILES ${ESEP_PACKAGING_DIR}/esep.bash-completion DESTINATION ${ESEP_COMPLETION_DIR}
    RENAME ${program} COMPONENT tools)
endforeach()
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${ESEP_DOC_DIR} COMPONENT tools)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/ DESTINATION ${ESEP_DOC_DIR} COMPONENT tools
  FILES_MATCHING PATTERN "*.md")

# esep-reader
install(TARGETS esepd RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT reader)
# The box's screen (esepd --screen): its page, served as it is.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/scanner/screen/ DESTINATION ${CMAKE_INSTALL_DATADIR}/esep/screen
  COMPONENT reader PATTERN "README.md" EXCLUDE)
install(FILES ${ESEP_GENERATED_DIR}/esepd.8.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man8
  COMPONENT reader)
install(FILES ${ESEP_GENERATED_DIR}/esepd.service DESTINATION ${ESEP_UNIT_DIR} COMPONENT reader)
install(FILES ${ESEP_PACKAGING_DIR}/70-esep-reader.rules DESTINATION ${ESEP_UDEV_DIR}
  COMPONENT reader)
install(FILES ${ESEP_PACKAGING_DIR}/esep.sysusers DESTINATION ${ESEP_SYSUSERS_DIR}
  RENAME esep-reader.conf COMPONENT reader)
install(FILES ${PROJECT_SOURCE_DIR}/tools/esepd/esepd.conf
  DESTINATION ${CMAKE_INSTALL_FULL_SYSCONFDIR}/esep COMPONENT reader)

# esep-centre
install(TARGETS esep-tabulator RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT centre)
# The observers' verifier that every generation of the results site carries (docs/results-site.md).
install(FILES ${PROJECT_SOURCE_DIR}/transport/site/verifier/index.html
  ${PROJECT_SOURCE_DIR}/transport/site/verifier/verify.js
  DESTINATION ${CMAKE_INSTALL_DATADIR}/esep/verifier COMPONENT centre)
install(FILES ${PROJECT_SOURCE_DIR}/transport/site/verifier/vendor/libs.js
  ${PROJECT_SOURCE_DIR}/transport/site/verifier/vendor/zxing_reader.wasm
  DESTINATION ${CMAKE_INSTALL_DATADIR}/esep/verifier/vendor COMPONENT centre)
install(FILES ${ESEP_GENERATED_DIR}/esep-tabulator.8.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man8
  COMPONENT centre)
install(FILES ${ESEP_GENERATED_DIR}/esep-centre.service DESTINATION ${ESEP_UNIT_DIR}
  COMPONENT centre)
install(FILES ${ESEP_PACKAGING_DIR}/esep.sysusers DESTINATION ${ESEP_SYSUSERS_DIR}
  RENAME esep-centre.conf COMPONENT centre)
install(FILES ${ESEP_PACKAGING_DIR}/esep-centre.conf
  DESTINATION ${CMAKE_INSTALL_FULL_SYSCONFDIR}/esep COMPONENT centre)

# Maintainer scripts and conffiles of each package.
foreach(component reader centre)
  if(component STREQUAL reader)
    set(PACKAGE esep-reader)
    set(UNIT esepd.service)
    set(CONFIG /etc/esep/esepd.conf)
  else()
    set(PACKAGE esep-centre)
    set(UNIT esep-centre.service)
    set(CONFIG /etc/esep/esep-centre.conf)
  endif()
  set(SYSUSERS_FILE ${PACKAGE}.conf)
  set(dir ${ESEP_GENERATED_DIR}/${component})
  configure_file(${ESEP_PACKAGING_DIR}/postinst.in ${dir}/postinst @ONLY
    FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ
    WORLD_EXECUTE)
  configure_file(${ESEP_PACKAGING_DIR}/prerm.in ${dir}/prerm @ONLY
    FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ
    WORLD_EXECUTE)
  file(WRITE ${dir}/conffiles "${CONFIG}\n")
  string(TOUPPER ${component} COMPONENT)
  set(CPACK_DEBIAN_${COMPONENT}_PACKAGE_CONTROL_EXTRA
    "${dir}/postinst;${dir}/prerm;${dir}/conffiles")
endforeach()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME esep)
set(CPACK_PACKAGE_VENDOR "Esep")
set(CPACK_PACKAGE_CONTACT "Esep maintainers <esep@localhost>")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_STRIP_FILES ON)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL tools reader centre)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION misc)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_TOOLS_PACKAGE_NAME esep-tools)
set(CPACK_DEBIAN_TOOLS_PACKAGE_DEPENDS "fonts-dejavu-core")
set(CPACK_DEBIAN_TOOLS_DESCRIPTION
  "Esep command line for ballot readers\n The esep command: election definitions, ballot rendering and interpretation,\n reader calibration, the commission's poll console, protocol verification,\n export, replay and risk-limiting audits.")
set(CPACK_DEBIAN_READER_PACKAGE_NAME esep-reader)
set(CPACK_DEBIAN_READER_PACKAGE_DEPENDS "esep-tools (= ${PROJECT_VERSION}), systemd")
set(CPACK_DEBIAN_READER_DESCRIPTION
  "Esep precinct ballot reader daemon\n esepd drives the ballot box's reader, reads every ballot, keeps the precinct\n tally durably and sends the signed protocol to the tabulation centre.")
set(CPACK_DEBIAN_CENTRE_PACKAGE_NAME esep-centre)
set(CPACK_DEBIAN_CENTRE_PACKAGE_DEPENDS "systemd")
set(CPACK_DEBIAN_CENTRE_DESCRIPTION
  "Esep tabulation centre\n esep-tabulator receives signed precinct protocols over mutual TLS, verifies\n and stores them, and aggregates the results.")
include(CPack)
