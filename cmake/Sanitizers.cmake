# ROCI_SANITIZE="address;undefined" instruments every target (the `asan` preset).
if(ROCI_SANITIZE)
  list(JOIN ROCI_SANITIZE "," _roci_san)
  add_compile_options(-fsanitize=${_roci_san} -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=${_roci_san})
  add_compile_definitions(ROCI_SANITIZED=1)
endif()
