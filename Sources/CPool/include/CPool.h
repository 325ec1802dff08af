// OS plumbing for the responder pool that Swift cannot express safely or at all:
// async-signal-safe drain handling, the shared-memory scoreboard layout with atomic counters,
// PR_SET_PDEATHSIG (prctl is variadic) and the kernel's view of the listen queue.
#ifndef CPOOL_H
#define CPOOL_H

#include <stddef.h>
#include <stdint.h>

#define CPOOL_SCOREBOARD_MAGIC 0x53504b32u /* "SPK2" */
#define CPOOL_URI_CAPACITY 112
#define CPOOL_ROUTE_CAPACITY 88
/// Distinct (method, route, status) series the request metrics can hold; routes are the router's
/// patterns, so a few dozen routes times a handful of statuses fit with room to spare.
#define CPOOL_SERIES_CAPACITY 512
/// Upper bounds of the duration histogram, in microseconds (the last bucket is +Inf).
#define CPOOL_BUCKET_COUNT 12

enum {
    CPOOL_SLOT_EMPTY = 0,
    CPOOL_SLOT_IDLE = 1,
    CPOOL_SLOT_BUSY = 2,
};

/// One worker's public state. Written only by that worker (and cleared by the supervisor once the
/// worker is reaped); read by anyone. Fields are read and written with relaxed atomics.
typedef struct {
    int32_t pid;
    int32_t state;
    int64_t state_since_us;        // CLOCK_REALTIME microseconds of the last state change
    uint64_t requests;             // requests served by this process
    int64_t last_duration_us;
    char method[8];
    char uri[CPOOL_URI_CAPACITY];  // truncated request URI while busy
} cpool_slot;

/// Requests of one (method, route, status): a count, a duration sum and a histogram. A series is
/// claimed once (state 0 → 1 by compare-and-swap, filled in, then 2) and only counted after that.
typedef struct {
    uint32_t state;
    int32_t status;
    char method[8];
    char route[CPOOL_ROUTE_CAPACITY];
    uint64_t count;
    uint64_t duration_sum_us;
    uint64_t buckets[CPOOL_BUCKET_COUNT];  // per bucket, not cumulative
} cpool_series;

/// The whole scoreboard: a header of pool-wide counters, the request metrics, then one slot per worker.
typedef struct {
    uint32_t magic;
    uint32_t slot_count;
    int64_t start_time_us;
    uint64_t accepted_conn;
    uint64_t max_active;
    uint64_t max_children_reached;
    uint64_t slow_requests;
    uint64_t max_listen_queue;
    uint64_t series_dropped;       // requests not counted because every series was taken
    cpool_series series[CPOOL_SERIES_CAPACITY];
    cpool_slot slots[];
} cpool_scoreboard;

uint64_t cpool_scoreboard_size(uint32_t slot_count);
cpool_slot *cpool_scoreboard_slot(cpool_scoreboard *board, uint32_t index);

/// Marks a slot busy with the request's method and URI (both truncated to fit).
void cpool_slot_begin_request(cpool_slot *slot, const uint8_t *method, size_t method_length, const uint8_t *uri,
                              size_t uri_length, int64_t now_us);
/// Marks a slot idle again and counts the request.
void cpool_slot_end_request(cpool_slot *slot, int64_t now_us, int64_t duration_us);
/// Copies a slot's method and URI out (each buffer must hold the slot's capacity).
void cpool_slot_read_request(const cpool_slot *slot, char *method, char *uri);

/// The histogram's upper bound of bucket `index` in microseconds (UINT64_MAX for +Inf).
uint64_t cpool_bucket_bound_us(uint32_t index);
/// Counts one request in its series, claiming the series on first use.
void cpool_series_record(cpool_scoreboard *board, const uint8_t *method, size_t method_length, const uint8_t *route,
                         size_t route_length, int32_t status, uint64_t duration_us);
/// Series `index`, or NULL while it is unused or still being claimed.
const cpool_series *cpool_series_at(const cpool_scoreboard *board, uint32_t index);

/// Creates an anonymous shared-memory file of `size` bytes (memfd); returns its fd or -1.
int cpool_shared_memory_create(uint64_t size);

uint64_t cpool_atomic_add(uint64_t *counter, uint64_t value);
uint64_t cpool_atomic_load(const uint64_t *counter);
void cpool_atomic_store(uint64_t *counter, uint64_t value);
void cpool_atomic_max(uint64_t *counter, uint64_t value);
int32_t cpool_atomic_load32(const int32_t *value);
void cpool_atomic_store32(int32_t *target, int32_t value);
int64_t cpool_atomic_load64(const int64_t *value);
void cpool_atomic_store64(int64_t *target, int64_t value);

/// Installs SA_RESTART handlers for SIGTERM, SIGINT and SIGQUIT that only record the request to
/// drain and wake `cpool_wait_for_connection`. Installed before FCGX_Init so libfcgi keeps its
/// own hands off those signals (its handlers make reads and writes of a request in flight fail).
int cpool_install_drain_handler(void);
int cpool_drain_requested(void);

/// Blocks until `listen_fd` is readable (returns 1), a drain was requested (0), `timeout_ms`
/// passed (2; -1 waits forever), or an error (-1). Uses epoll with EPOLLEXCLUSIVE so one idle
/// worker wakes per connection, not all of them.
int cpool_wait_for_connection(int listen_fd, int timeout_ms);

/// Turns glibc's fastbins off. libfcgi mallocs and frees a few large buffers per request, and
/// each of those consolidates the fastbins that Swift's many small allocations filled
/// (malloc_consolidate was a visible share of a request's time); tcache still serves small sizes.
void cpool_tune_allocator(void);

/// Kills this process with `signal` when its parent dies; returns -1 if the parent is already gone.
int cpool_die_with_parent(int signal, int32_t expected_parent);

/// Current and maximum length of the accept queue of a listening unix or TCP socket.
int cpool_listen_queue(int listen_fd, uint32_t *current, uint32_t *maximum);

#endif
