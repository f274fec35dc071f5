// NETFLOWER_EXPORT marks what the shared library exports: the public API's
// functions. Everything else in libnetflower.so is hidden (built with
// -fvisibility=hidden, and the link's version script, netflower/libnetflower.map,
// lists the same names), so that a program can only reach the API and
// internals can change without breaking the ABI.
#ifndef NETFLOWER_NETFLOWER_EXPORT_H_
#define NETFLOWER_NETFLOWER_EXPORT_H_

#define NETFLOWER_EXPORT __attribute__((visibility("default")))

#endif  // NETFLOWER_NETFLOWER_EXPORT_H_
