/* Stand-ins for the two libsystemd functions that Debian's libdbus-1.a
 * refers to (socket activation of a D-Bus daemon), for fully static links
 * only (--config=static_kit; Debian ships no libsystemd.a). netflower never
 * starts a D-Bus server, so these only have to say "nothing was passed". */
int sd_listen_fds(int unset_environment) {
  (void)unset_environment;
  return 0; /* no file descriptors passed by a service manager */
}

int sd_is_socket(int fd, int family, int type, int listening) {
  (void)fd;
  (void)family;
  (void)type;
  (void)listening;
  return 0; /* not a socket of that kind */
}
