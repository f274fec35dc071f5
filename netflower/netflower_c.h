/* netflower's C API: packets in, bidirectional flows with 82
 * CICFlowMeter-style columns out, for C programs and for other languages'
 * foreign-function interfaces (cgo, bindgen, ctypes, LuaJIT). C99; no C++
 * type crosses it. The C++ API is netflower.h; both are the same library.
 *
 *   netflower_options *o = netflower_options_new();
 *   netflower_options_set(o, "compat", "python");
 *   if (netflower_convert_file("in.pcap", "out.csv", o, NULL) != NETFLOWER_OK)
 *     fprintf(stderr, "%s\n", netflower_last_error());
 *   netflower_options_free(o);
 *
 * Conventions:
 * - Every function that can fail returns a netflower_status: NETFLOWER_OK (0)
 *   or why it failed; netflower_last_error() then gives the message (it names
 *   the file, offset or option, the cause and the fix).
 * - Handles (netflower_options, netflower_capture) are opaque; each _new or
 *   _open has its _free. A handle is used by one thread at a time.
 * - A netflower_flow is valid only during the callback that receives it.
 * - Options are set by the command line's long option names, without the
 *   leading "--", and their values as text: "idle-timeout" "30",
 *   "columns" "cic-ids2017", "cic-fixes" "" (man netflower, netflower
 *   --help). One set of names, one set of rules.
 * The rules the columns follow: docs/FLOW-RULES.md; the columns:
 * docs/COLUMNS.md (the 82 are those of netflower_column_name).
 */
#ifndef NETFLOWER_NETFLOWER_NETFLOWER_C_H_
#define NETFLOWER_NETFLOWER_NETFLOWER_C_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NETFLOWER_C_API __attribute__((visibility("default")))

/* What a call did. */
typedef enum netflower_status {
  NETFLOWER_OK = 0,
  NETFLOWER_ERR_INVALID_ARGUMENT = 1, /* a bad option, not a capture, an output that is the input */
  NETFLOWER_ERR_NOT_FOUND = 2,        /* a file or interface that does not exist */
  NETFLOWER_ERR_PERMISSION = 3,       /* no permission (live capture needs root or CAP_NET_RAW) */
  NETFLOWER_ERR_FAILED_PRECONDITION = 4, /* an interface down, an unsafe folder, started twice */
  NETFLOWER_ERR_RESOURCE = 5,            /* disk full, a capture ring too large */
  NETFLOWER_ERR_UNAVAILABLE =
      6, /* a write failed, Kafka unreachable, flows not delivered or exported */
  NETFLOWER_ERR_CANCELLED = 7, /* the callback asked to stop */
  NETFLOWER_ERR_INTERNAL = 8   /* a bug: please report it with the message */
} netflower_status;

/* The message of this thread's last failed call ("" if none); valid until
 * its next call into the library. */
NETFLOWER_C_API const char *netflower_last_error(void);

/* The library's version, "MAJOR.MINOR.PATCH" (the major version is the
 * soname's: libnetflower.so.MAJOR). */
NETFLOWER_C_API const char *netflower_version(void);

/* ---- Options ------------------------------------------------------------ */

typedef struct netflower_options netflower_options;

/* New options with every default; NULL only when out of memory. */
NETFLOWER_C_API netflower_options *netflower_options_new(void);
NETFLOWER_C_API void netflower_options_free(netflower_options *options);

/* Sets one option by its long name without "--" and its value as text
 * ("" for a flag without one). The command line's own options (pcap, iface,
 * out, out-dir, parallel-files, strict, quiet, progress, no-progress,
 * duration, user, help, version) are not options of a run and are refused.
 * Whether options fit together (a label without a CIC layout, tunnels with
 * the python profile, a live option for a file) is checked when a run
 * starts, as the library checks every caller's options. */
NETFLOWER_C_API netflower_status netflower_options_set(netflower_options *options, const char *name,
                                                       const char *value);

/* ---- Counters ----------------------------------------------------------- */

/* A run's counters. Set `size` to sizeof(netflower_stats) before passing
 * one: a newer library fills only what your header knows. */
typedef struct netflower_stats {
  size_t size;
  uint64_t packets_read;     /* packet records in the input (live: from the rings) */
  uint64_t packets_accepted; /* TCP/UDP packets given to the flow engine */
  uint64_t packets_skipped;  /* not IP, not TCP/UDP, truncated, ... */
  uint64_t flows_completed;  /* flows the engine ended */
  uint64_t flows_written;    /* rows the kernel accepted, or callbacks made */
  uint64_t flows_fin, flows_rst, flows_idle, flows_active, flows_end, flows_evicted;
  uint64_t peak_open_flows;
  uint64_t warnings; /* about damaged or truncated input (the CLI prints them) */
  uint64_t kernel_received, kernel_drops; /* live */
  uint64_t kafka_delivered, kafka_failed, kafka_undelivered;
  double seconds; /* wall time */
  /* IPFIX ("ipfix" option): flows and data records exported, records dropped */
  uint64_t ipfix_flows_exported, ipfix_records_exported, ipfix_records_dropped;
  /* "interim" option: interim rows made (not flows: not in flows_completed
   * or flows_written) */
  uint64_t interim_rows;
} netflower_stats;

/* ---- Flows -------------------------------------------------------------- */

typedef struct netflower_flow netflower_flow;

typedef enum netflower_type {
  NETFLOWER_INT = 1,   /* value.i */
  NETFLOWER_FLOAT = 2, /* value.f */
  NETFLOWER_TEXT = 3   /* value.text: an address, NUL-terminated */
} netflower_type;

typedef struct netflower_value {
  netflower_type type;
  int64_t i;
  double f;
  char text[64];
} netflower_value;

/* The 82 columns, in CSV order: how many, the name of one (NULL past the
 * end), the index of a name (-1 if none). */
NETFLOWER_C_API size_t netflower_column_count(void);
NETFLOWER_C_API const char *netflower_column_name(size_t column);
NETFLOWER_C_API int netflower_column_index(const char *name);

/* A column of a flow, by index or by name. An int-or-0.0 column without a
 * value reads as the float 0.0, as it prints. */
NETFLOWER_C_API netflower_status netflower_flow_get(const netflower_flow *flow, size_t column,
                                                    netflower_value *value);
NETFLOWER_C_API netflower_status netflower_flow_get_by_name(const netflower_flow *flow,
                                                            const char *name,
                                                            netflower_value *value);

/* Why the row was written: "fin", "rst", "idle", "active", "evicted", "end"
 * (input or capture ended) or, with the "interim" option, "interim" (an
 * open flow's values so far; its final row comes later). The export_reason
 * column of docs/COLUMNS.md; never NULL for a flow. */
NETFLOWER_C_API const char *netflower_flow_export_reason(const netflower_flow *flow);

/* One of a flow's first packets (the "splt" option, docs/COLUMNS.md). */
typedef struct netflower_splt_packet {
  int32_t ip_length; /* the IP length; negative for a backward packet */
  uint16_t tcp_flags;
  int64_t iat_us; /* since the flow's previous packet, microseconds (truncated); 0 first */
} netflower_splt_packet;

/* The flow's first packets, with the "splt" option N: writes up to `max`
 * of them into `out` (which may be NULL when max is 0) and returns how many
 * the flow has (at most N; 0 without the option). */
NETFLOWER_C_API size_t netflower_flow_splt(const netflower_flow *flow, netflower_splt_packet *out,
                                           size_t max);

/* With the "dpi" option, the flow's application label in the column named
 * `column`: "application_name", "application_category",
 * "application_confidence", "requested_server_name", "ja3_client" or
 * "ja3_server" (docs/COLUMNS.md). "" when nDPI found none, and for every
 * flow without the option; NULL for any other name. Valid as long as the
 * flow is. */
NETFLOWER_C_API const char *netflower_flow_dpi(const netflower_flow *flow, const char *column);

/* Receives each flow; returns 0 to go on, anything else to stop (the run
 * then fails with NETFLOWER_ERR_CANCELLED). */
typedef int (*netflower_flow_fn)(const netflower_flow *flow, void *user);

/* ---- Files -------------------------------------------------------------- */

/* Converts the capture `input` (pcap or pcapng; "-" = standard input) to
 * CSV or JSON Lines at `output` ("-" = standard output), as `netflower
 * --pcap input --out output` with these options does, byte for byte
 * (`output` NULL: Kafka or IPFIX only, with the "kafka" and "topic" or "ipfix" options). The
 * output is written under a temporary name and renamed into place: on
 * failure no file is left under its name. `options` and `stats` may be
 * NULL. */
NETFLOWER_C_API netflower_status netflower_convert_file(const char *input, const char *output,
                                                        const netflower_options *options,
                                                        netflower_stats *stats);

/* Hands each flow of the capture `input` to `on_flow` (on the calling
 * thread, in the CSV's row order) instead of writing rows. Not with a CIC
 * layout (rows only). */
NETFLOWER_C_API netflower_status netflower_convert(const char *input, netflower_flow_fn on_flow,
                                                   void *user, const netflower_options *options,
                                                   netflower_stats *stats);

/* ---- Live capture ------------------------------------------------------- */

typedef struct netflower_capture netflower_capture;

/* Prepares a capture on `interface` (rings open, nothing running; root or
 * CAP_NET_RAW). Each completed flow goes to `on_flow` (may be NULL) on one
 * delivery thread, and as a row to `output` (a file or "-"; NULL for none),
 * which is created only once everything else is set up. A nonzero return
 * from on_flow is counted, not obeyed: stop a capture with
 * netflower_capture_stop. */
NETFLOWER_C_API netflower_status netflower_capture_open(netflower_capture **capture,
                                                        const char *interface, const char *output,
                                                        netflower_flow_fn on_flow, void *user,
                                                        const netflower_options *options);
NETFLOWER_C_API netflower_status netflower_capture_start(netflower_capture *capture);
/* Stops: takes what is left in the rings, hands over every open flow (on
 * this thread) and finishes the output. Safe to call twice. */
NETFLOWER_C_API netflower_status netflower_capture_stop(netflower_capture *capture);
NETFLOWER_C_API netflower_status netflower_capture_stats(const netflower_capture *capture,
                                                         netflower_stats *stats);
/* Stops the capture if it runs, and frees it. */
NETFLOWER_C_API void netflower_capture_free(netflower_capture *capture);

#ifdef __cplusplus
}
#endif

#endif /* NETFLOWER_NETFLOWER_NETFLOWER_C_H_ */
