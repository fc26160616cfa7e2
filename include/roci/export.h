// ROCI_EXPORT marks the public API that libroci.so exports.
//
// A shared build (cmake -DBUILD_SHARED_LIBS=ON) compiles libroci with hidden visibility
// (-fvisibility=hidden -fvisibility-inlines-hidden): only the classes and functions declared with
// ROCI_EXPORT in include/roci/ are in its dynamic symbol table; everything under src/ stays
// private. In a static build the mark changes nothing. GCC and Clang on ELF, as roci's build.
//
//   class ROCI_EXPORT TextStream { ... };                      // every member of the class
//   ROCI_EXPORT Result<TextStream> stream_text(...);           // one function
//
// Templates and inline functions in the headers are compiled into the program that uses them.
#pragma once

#if defined(__GNUC__) || defined(__clang__)
#define ROCI_EXPORT __attribute__((visibility("default")))
#else
#define ROCI_EXPORT
#endif
