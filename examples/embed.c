/* Embedding netflower from C (netflower/netflower_c.h).
 *
 *   embed CAPTURE OUT.csv
 *
 * Writes CAPTURE's flows to OUT.csv exactly as `netflower --pcap CAPTURE
 * --out OUT.csv` does, then reads them again through a callback and prints
 * how many there were, how many were TCP, and the longest one.
 *
 * Build against an installed netflower:
 *   cc -std=c99 embed.c $(pkg-config --cflags --libs netflower) -o embed
 */
#include <stdio.h>
#include <string.h>

#include "netflower/netflower_c.h"

struct tally {
  unsigned long flows, tcp;
  double longest;
  char longest_src[64];
};

static int count_flow(const netflower_flow *flow, void *user) {
  struct tally *t = user;
  netflower_value protocol, duration, src;
  netflower_flow_get_by_name(flow, "protocol", &protocol);
  netflower_flow_get_by_name(flow, "flow_duration", &duration);
  netflower_flow_get_by_name(flow, "src_ip", &src);
  ++t->flows;
  if (protocol.i == 6) ++t->tcp;
  if (duration.f > t->longest) {
    t->longest = duration.f;
    snprintf(t->longest_src, sizeof t->longest_src, "%s", src.text);
  }
  return 0; /* go on */
}

int main(int argc, char **argv) {
  struct tally t = {0, 0, 0.0, ""};
  netflower_stats stats;
  if (argc != 3) {
    fprintf(stderr, "usage: embed CAPTURE OUT.csv\n");
    return 2;
  }
  memset(&stats, 0, sizeof stats);
  stats.size = sizeof stats;
  if (netflower_convert_file(argv[1], argv[2], NULL, &stats) != NETFLOWER_OK) {
    fprintf(stderr, "embed: %s\n", netflower_last_error());
    return 1;
  }
  if (netflower_convert(argv[1], count_flow, &t, NULL, NULL) != NETFLOWER_OK) {
    fprintf(stderr, "embed: %s\n", netflower_last_error());
    return 1;
  }
  printf("netflower %s: %llu packets, %lu flows (%lu TCP) written to %s; longest %.6f s from %s\n",
         netflower_version(), (unsigned long long)stats.packets_read, t.flows, t.tcp, argv[2],
         t.longest, t.longest_src);
  return 0;
}
