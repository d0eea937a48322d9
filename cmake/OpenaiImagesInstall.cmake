include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS openai_images EXPORT openai_images_targets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
# The testing kit's headers go with its component, not with the library's.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        PATTERN testing EXCLUDE)
install(EXPORT openai_images_targets NAMESPACE openai::
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/openai_images)

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
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/openai_imagesConfig.cmake
              ${PROJECT_BINARY_DIR}/openai_imagesConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/openai_images)
