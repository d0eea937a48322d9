include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS openai_images EXPORT openai_images_targets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT openai_images_targets NAMESPACE openai::
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/openai_images)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/openai_imagesConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/openai_imagesConfig.cmake
                              INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/openai_images)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/openai_imagesConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/openai_imagesConfig.cmake
              ${PROJECT_BINARY_DIR}/openai_imagesConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/openai_images)
