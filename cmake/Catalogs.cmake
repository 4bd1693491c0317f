# Message catalogs: po/DOMAIN/LANG.po (ky, ru), compiled with GNU gettext's msgfmt into
# build/locale/LANG/LC_MESSAGES/DOMAIN.mo (where esep::text::Catalog finds them in a build tree)
# and installed into the system's locale folder.
#
# esep_catalogs(DOMAIN [COMPONENT package-component, default tools]) also registers the ctest CatalogOf<DOMAIN>IsComplete: every message that
# po/DOMAIN/POTFILES' sources mark (Get(lang, "..."), Plural(lang, "...", "...", n), N_("...") in
# C++; t("...") in JavaScript) must have a translation in every language, none fuzzy.
find_program(ESEP_MSGFMT msgfmt REQUIRED)
find_program(ESEP_XGETTEXT xgettext REQUIRED)
include(GNUInstallDirs)

function(esep_catalogs domain)
  cmake_parse_arguments(ARG "" "COMPONENT" "" ${ARGN})
  if(NOT ARG_COMPONENT)
    set(ARG_COMPONENT tools)
  endif()
  file(GLOB po_files CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/po/${domain}/*.po)
  set(mo_files)
  foreach(po ${po_files})
    get_filename_component(lang ${po} NAME_WE)
    set(dir ${CMAKE_BINARY_DIR}/locale/${lang}/LC_MESSAGES)
    set(mo ${dir}/${domain}.mo)
    add_custom_command(
      OUTPUT ${mo}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${dir}
      COMMAND ${ESEP_MSGFMT} --check -o ${mo} ${po}
      DEPENDS ${po}
      COMMENT "Compiling the ${lang} catalog of ${domain}")
    list(APPEND mo_files ${mo})
    install(FILES ${mo} DESTINATION ${CMAKE_INSTALL_LOCALEDIR}/${lang}/LC_MESSAGES
            COMPONENT ${ARG_COMPONENT})
  endforeach()
  string(REPLACE "-" "_" target ${domain})
  add_custom_target(catalogs_${target} ALL DEPENDS ${mo_files})
  string(REPLACE "-" ";" words ${domain})
  set(camel "")
  foreach(word ${words})
    string(SUBSTRING ${word} 0 1 first)
    string(TOUPPER ${first} first)
    string(SUBSTRING ${word} 1 -1 rest)
    string(APPEND camel ${first}${rest})
  endforeach()
  add_test(NAME CatalogOf${camel}IsComplete
           COMMAND ${PROJECT_SOURCE_DIR}/tools/check-catalogs.sh ${domain}
           WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
endfunction()
