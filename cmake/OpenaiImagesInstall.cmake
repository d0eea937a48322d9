include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# Install components, for packagers (`cmake --install <build> --component <name>`):
#   runtime  the shared library when BUILD_SHARED_LIBS=ON: libopenai_images.so.<version>
#            and its SONAME link libopenai_images.so.<major> (nothing in a static build)
#   dev      the headers (without the testing kit's), the static library or the
#            libopenai_images.so namelink, the CMake package (openai_imagesConfig*.cmake,
#            openai_images_targets*.cmake) and the pkg-config file openai_images.pc
#   cli      the openai-images command-line tool (src/cli/CMakeLists.txt)
#   testing  the testing kit: openai::images_testing, its header, fake-openai-server
#            and its export set (below)
# A plain `cmake --install <build>` installs them all.
install(TARGETS openai_images EXPORT openai_images_targets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT runtime NAMELINK_COMPONENT dev
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT runtime
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
# The testing kit's headers go with its component, not with the library's.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        COMPONENT dev PATTERN testing EXCLUDE)
install(EXPORT openai_images_targets NAMESPACE openai::
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/openai_images COMPONENT dev)

# The testing kit (OPENAI_IMAGES_BUILD_TESTING): the fake server library
# (openai::images_testing), its header and the fake-openai-server program
# (openai::fake-openai-server), as the install component `testing` with an
# export set of its own, which the package config loads only when it was
# installed.
if(TARGET openai_images_fake_server)
  install(TARGETS openai_images_fake_server fake-openai-server EXPORT openai_images_testing_targets
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT testing
          LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT testing
          RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT testing
          INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/openai/images/testing
          DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/openai/images COMPONENT testing)
  install(EXPORT openai_images_testing_targets NAMESPACE openai::
          DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/openai_images COMPONENT testing)
endif()

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/openai_imagesConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/openai_imagesConfig.cmake
                              INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/openai_images)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/openai_imagesConfigVersion.cmake
                                 COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/openai_imagesConfig.cmake
              ${PROJECT_BINARY_DIR}/openai_imagesConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/openai_images COMPONENT dev)

# pkg-config: openai_images.pc, relocatable (its prefix is found from the .pc's
# own directory, ${pcfiledir}, so `cmake --install --prefix` anywhere works).
# The link line lists what a program using the headers needs, static library or
# shared: Boost.JSON and Boost.URL (Debian's Boost 1.81 ships no .pc files, so as
# -l flags), OpenSSL (openssl.pc) and -pthread; with the target's public compile
# definitions in Cflags. C++20 is the consumer's to ask for (-std=c++20).
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(OPENAI_IMAGES_PC_PREFIX ${CMAKE_INSTALL_PREFIX})
  set(OPENAI_IMAGES_PC_LIBDIR ${CMAKE_INSTALL_LIBDIR})
else()
  # One "/.." per component of <libdir>/pkgconfig (lib/pkgconfig, or Debian's
  # lib/x86_64-linux-gnu/pkgconfig).
  set(OPENAI_IMAGES_PC_PREFIX "\${pcfiledir}")
  string(REGEX REPLACE "/+$" "" pc_dir "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
  string(REPLACE "/" ";" pc_dir_parts "${pc_dir}")
  foreach(part IN LISTS pc_dir_parts)
    if(part STREQUAL "" OR part STREQUAL ".")
      continue()
    endif()
    string(APPEND OPENAI_IMAGES_PC_PREFIX "/..")
  endforeach()
  set(OPENAI_IMAGES_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
endif()
if(IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(OPENAI_IMAGES_PC_INCLUDEDIR ${CMAKE_INSTALL_INCLUDEDIR})
else()
  set(OPENAI_IMAGES_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
# The target's own public definitions (not those Boost's CMake targets add).
get_target_property(pc_definitions openai_images INTERFACE_COMPILE_DEFINITIONS)
list(TRANSFORM pc_definitions PREPEND -D)
list(JOIN pc_definitions " " OPENAI_IMAGES_PC_DEFINITIONS)
get_target_property(OPENAI_IMAGES_PC_LIBRARY openai_images OUTPUT_NAME)
configure_file(${PROJECT_SOURCE_DIR}/cmake/openai_images.pc.in ${PROJECT_BINARY_DIR}/openai_images.pc
               @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/openai_images.pc
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT dev)
