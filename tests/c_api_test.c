/* The C API (netflower/netflower_c.h) from C99, on a committed capture:
 * conversion to a file and with a callback, the record read by index and by
 * name, options by their command-line names, IPFIX export, errors as codes
 * and messages. Prints one line per check; exits 1 if any failed. */
#define _POSIX_C_SOURCE 200809L /* sockets, for the IPFIX checks */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netflower/netflower_c.h"

static int failures = 0;

static void check(int ok, const char *what) {
  printf("%s: %s\n", ok ? "ok" : "FAIL", what);
  if (!ok) ++failures;
}

static const char *kCapture = "tests/testdata/loopback-web.pcap";

/* A UDP socket on 127.0.0.1 (a port the kernel picks), as a collector. */
static int udp_collector(char *address, size_t size) {
  struct sockaddr_in a;
  socklen_t n = sizeof a;
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
      getsockname(fd, (struct sockaddr *)&a, &n) != 0) {
    return -1;
  }
  snprintf(address, size, "127.0.0.1:%u", (unsigned)ntohs(a.sin_port));
  return fd;
}

/* The IPFIX messages (version 10) waiting on `fd`. */
static int ipfix_messages(int fd) {
  unsigned char buf[65536];
  int n = 0;
  ssize_t got;
  while ((got = recv(fd, buf, sizeof buf, MSG_DONTWAIT)) > 0) {
    if (got >= 16 && buf[0] == 0 && buf[1] == 10) ++n;
  }
  return n;
}

struct seen {
  long flows;
  long tcp;
  double duration_sum;
  char first_src[64];
  int stop_after;
};

static int on_flow(const netflower_flow *flow, void *user) {
  struct seen *s = (struct seen *)user;
  netflower_value v;
  if (s->flows == 0 && netflower_flow_get(flow, 0, &v) == NETFLOWER_OK &&
      v.type == NETFLOWER_TEXT) {
    strcpy(s->first_src, v.text);
  }
  if (netflower_flow_get_by_name(flow, "protocol", &v) == NETFLOWER_OK && v.type == NETFLOWER_INT &&
      v.i == 6) {
    ++s->tcp;
  }
  if (netflower_flow_get_by_name(flow, "flow_duration", &v) == NETFLOWER_OK &&
      v.type == NETFLOWER_FLOAT) {
    s->duration_sum += v.f;
  }
  ++s->flows;
  return s->stop_after > 0 && s->flows >= s->stop_after;
}

struct reasons {
  long final, interim;
};

/* Counts rows by export reason; every reason is one of the seven names. */
static int count_reasons(const netflower_flow *flow, void *user) {
  struct reasons *r = (struct reasons *)user;
  static const char *const kFinal[] = {"fin", "rst", "idle", "active", "evicted", "end"};
  const char *reason = netflower_flow_export_reason(flow);
  size_t i;
  if (strcmp(reason, "interim") == 0) {
    ++r->interim;
    return 0;
  }
  for (i = 0; i < sizeof kFinal / sizeof kFinal[0]; ++i) {
    if (strcmp(reason, kFinal[i]) == 0) ++r->final;
  }
  return 0;
}

struct splt_seen {
  long flows;
  size_t max_count;
  netflower_splt_packet first[3]; /* of the first flow */
};

static int on_splt(const netflower_flow *flow, void *user) {
  struct splt_seen *s = (struct splt_seen *)user;
  netflower_splt_packet p[3];
  const size_t n = netflower_flow_splt(flow, p, 3);
  if (s->flows == 0) memcpy(s->first, p, sizeof p);
  if (n > s->max_count) s->max_count = n;
  ++s->flows;
  return 0;
}

struct dpi_seen {
  long flows, http, named, unknown_column_null;
};

/* With "dpi": the flows nDPI names HTTP, with a Host. */
static int on_dpi(const netflower_flow *flow, void *user) {
  struct dpi_seen *s = (struct dpi_seen *)user;
  const char *name = netflower_flow_dpi(flow, "application_name");
  const char *host = netflower_flow_dpi(flow, "requested_server_name");
  ++s->flows;
  if (name != NULL && strcmp(name, "HTTP") == 0) ++s->http;
  if (host != NULL && host[0] != '\0') ++s->named;
  if (netflower_flow_dpi(flow, "src_ip") == NULL) ++s->unknown_column_null;
  return 0;
}

static long count_lines(const char *path) {
  FILE *f = fopen(path, "r");
  long n = 0;
  int c;
  if (f == NULL) return -1;
  while ((c = fgetc(f)) != EOF) n += c == '\n';
  fclose(f);
  return n;
}

int main(void) {
  const char *tmp = getenv("TEST_TMPDIR");
  char out[4096];
  netflower_options *o;
  netflower_stats stats;
  struct seen s;
  netflower_value v;
  netflower_status st;

  check(strncmp(netflower_version(), "2.", 2) == 0, "netflower_version says 2.x");
  check(netflower_column_count() == 82, "82 columns");
  check(strcmp(netflower_column_name(0), "src_ip") == 0, "column 0 is src_ip");
  check(netflower_column_name(82) == NULL, "no column 82");
  check(netflower_column_index("flow_iat_mean") == 32, "flow_iat_mean is column 32");
  check(netflower_column_index("nope") == -1, "an unknown name has no index");

  /* To a file, default profile: the CLI's 39 rows and header. */
  snprintf(out, sizeof out, "%s/c.csv", tmp != NULL ? tmp : "/tmp");
  memset(&stats, 0, sizeof stats);
  stats.size = sizeof stats;
  st = netflower_convert_file(kCapture, out, NULL, &stats);
  check(st == NETFLOWER_OK, "netflower_convert_file succeeds");
  check(count_lines(out) == 40, "... header and 39 rows");
  check(stats.packets_read == 564 && stats.flows_written == 39, "... stats: 564 packets, 39 flows");
  check(stats.flows_fin + stats.flows_rst + stats.flows_end == 39, "... flows by reason add up");

  /* Options by their command-line names. */
  o = netflower_options_new();
  check(o != NULL, "netflower_options_new");
  check(netflower_options_set(o, "compat", "python") == NETFLOWER_OK, "set compat=python");
  check(netflower_options_set(o, "--idle-timeout", "60") == NETFLOWER_OK, "set --idle-timeout 60");
  st = netflower_options_set(o, "format", "xml");
  check(st == NETFLOWER_ERR_INVALID_ARGUMENT, "format=xml is refused");
  check(strstr(netflower_last_error(), "expected csv or jsonl") != NULL,
        "... saying what is expected");
  check(netflower_options_set(o, "out", "x.csv") == NETFLOWER_ERR_INVALID_ARGUMENT,
        "the command line's own options are refused");
  check(netflower_options_set(o, "jobs", "2") == NETFLOWER_OK, "set jobs=2");
  check(netflower_options_set(o, "jobs", "3") == NETFLOWER_ERR_INVALID_ARGUMENT,
        "an option given twice is refused");
  st = netflower_convert_file(kCapture, out, o, NULL);
  check(st == NETFLOWER_OK, "python profile, 2 jobs: converts");
  check(count_lines(out) > 40, "... with 1.0's extra one-packet flows");
  netflower_options_free(o);

  /* Rules are checked when a run starts, as for every caller. */
  o = netflower_options_new();
  netflower_options_set(o, "label", "Bot");
  st = netflower_convert_file(kCapture, out, o, NULL);
  check(st == NETFLOWER_ERR_INVALID_ARGUMENT, "a label without a CIC layout is refused");
  netflower_options_free(o);
  o = netflower_options_new();
  netflower_options_set(o, "count", "5");
  st = netflower_convert_file(kCapture, out, o, NULL);
  check(st == NETFLOWER_ERR_INVALID_ARGUMENT, "a live option for a file is refused");
  check(strstr(netflower_last_error(), "--count applies to --iface only") != NULL,
        "... naming it");
  netflower_options_free(o);

  /* IPFIX by the option's command-line name: to a UDP collector only. */
  {
    char address[64];
    const int fd = udp_collector(address, sizeof address);
    check(fd >= 0, "a UDP collector on 127.0.0.1");
    o = netflower_options_new();
    check(netflower_options_set(o, "ipfix", "127.0.0.1") == NETFLOWER_ERR_INVALID_ARGUMENT,
          "ipfix without a port is refused");
    check(strstr(netflower_last_error(), "no port") != NULL, "... saying so");
    check(netflower_options_set(o, "ipfix", address) == NETFLOWER_OK, "set ipfix");
    memset(&stats, 0, sizeof stats);
    stats.size = sizeof stats;
    st = netflower_convert_file(kCapture, NULL, o, &stats);
    check(st == NETFLOWER_OK, "IPFIX only: converts");
    check(stats.ipfix_flows_exported == 39 && stats.ipfix_records_exported == 39 &&
              stats.ipfix_records_dropped == 0 && stats.flows_written == 39,
          "... stats: 39 flows exported, none dropped");
    check(ipfix_messages(fd) > 1, "... the collector got IPFIX messages (templates, data)");
    netflower_options_free(o);
    close(fd);
  }

  /* A callback per flow, read by index and name. */
  memset(&s, 0, sizeof s);
  st = netflower_convert(kCapture, on_flow, &s, NULL, NULL);
  check(st == NETFLOWER_OK, "netflower_convert succeeds");
  check(s.flows == 39, "... 39 flows");
  check(s.tcp == 29, "... 29 of them TCP (10 UDP)");
  check(strcmp(s.first_src, "127.0.1.1") == 0, "... the first from 127.0.1.1");
  check(s.duration_sum > 0, "... durations read as floats");
  memset(&s, 0, sizeof s);
  s.stop_after = 5;
  st = netflower_convert(kCapture, on_flow, &s, NULL, NULL);
  check(st == NETFLOWER_ERR_CANCELLED, "a callback returning nonzero stops the run");
  check(s.flows == 5, "... after its 5th flow");

  /* Interim reports (FLOW-RULES §14): every 1 ms of a flow's life, its
   * values so far, export_reason "interim"; not counted as flows. */
  {
    struct reasons r;
    memset(&r, 0, sizeof r);
    o = netflower_options_new();
    check(netflower_options_set(o, "interim", "0") == NETFLOWER_ERR_INVALID_ARGUMENT,
          "interim 0 is refused");
    check(netflower_options_set(o, "interim", "0.001") == NETFLOWER_OK, "set interim");
    memset(&stats, 0, sizeof stats);
    stats.size = sizeof stats;
    st = netflower_convert(kCapture, count_reasons, &r, o, &stats);
    check(st == NETFLOWER_OK, "interim: converts");
    check(r.final == 39 && r.interim > 0, "... 39 final rows and some interim ones");
    check(stats.interim_rows == (uint64_t)r.interim && stats.flows_written == 39 &&
              stats.flows_completed == 39,
          "... stats: interim rows apart from the 39 flows");
    netflower_options_free(o);
  }

  /* SPLT: each flow's first 3 packets; the first TCP one is the handshake. */
  {
    struct splt_seen sp;
    memset(&sp, 0, sizeof sp);
    o = netflower_options_new();
    check(netflower_options_set(o, "splt", "256") == NETFLOWER_ERR_INVALID_ARGUMENT,
          "splt 256 is refused");
    check(netflower_options_set(o, "splt", "3") == NETFLOWER_OK, "set splt");
    st = netflower_convert(kCapture, on_splt, &sp, o, NULL);
    check(st == NETFLOWER_OK, "splt: converts");
    check(sp.flows == 39 && sp.max_count == 3, "... every flow has up to 3 packets");
    check(sp.first[0].ip_length == 60 && sp.first[0].tcp_flags == 2 && sp.first[0].iat_us == 0,
          "... the first flow's first packet: a 60-byte SYN, gap 0");
    check(sp.first[1].ip_length == -60 && sp.first[1].tcp_flags == 18 && sp.first[1].iat_us >= 0,
          "... then the backward SYN-ACK");
    netflower_options_free(o);
  }

  /* Application labels: loopback-web.pcap's HTTP requests, named by nDPI,
   * with the Host they asked for. */
  {
    struct dpi_seen d;
    memset(&d, 0, sizeof d);
    o = netflower_options_new();
    check(netflower_options_set(o, "dpi", "") == NETFLOWER_OK, "set dpi");
    st = netflower_convert(kCapture, on_dpi, &d, o, NULL);
    check(st == NETFLOWER_OK, "dpi: converts");
    check(d.flows == 39 && d.http > 0 && d.named > 0,
          "... flows named HTTP, with the Host they asked for");
    check(d.unknown_column_null == d.flows, "... NULL for a column that is not a label");
    check(strcmp(netflower_flow_dpi(NULL, "ja3_client"), "") == 0, "... \"\" without a flow");
    netflower_options_free(o);
  }

  /* Errors. */
  st = netflower_convert_file("/nonexistent.pcap", out, NULL, NULL);
  check(st == NETFLOWER_ERR_NOT_FOUND, "a missing capture is NOT_FOUND");
  check(strstr(netflower_last_error(), "/nonexistent.pcap") != NULL, "... naming it");
  st = netflower_convert_file(kCapture, kCapture, NULL, NULL);
  check(st == NETFLOWER_ERR_INVALID_ARGUMENT, "the output may not be the input");
  check(netflower_flow_get(NULL, 0, &v) == NETFLOWER_ERR_INVALID_ARGUMENT,
        "no flow, no value");

  printf("%d failure(s)\n", failures);
  return failures > 0;
}
