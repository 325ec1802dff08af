#define _GNU_SOURCE
#include "CPool.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <malloc.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

uint64_t cpool_scoreboard_size(uint32_t slot_count) {
    return sizeof(cpool_scoreboard) + (uint64_t)slot_count * sizeof(cpool_slot);
}

cpool_slot *cpool_scoreboard_slot(cpool_scoreboard *board, uint32_t index) {
    return &board->slots[index];
}

static void copy_truncated(char *target, size_t capacity, const uint8_t *source, size_t length) {
    if (length > capacity - 1) length = capacity - 1;
    if (length > 0) memcpy(target, source, length);
    target[length] = 0;
}

static const uint64_t bucket_bounds_us[CPOOL_BUCKET_COUNT] = {
    1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000, 5000000, UINT64_MAX,
};

uint64_t cpool_bucket_bound_us(uint32_t index) {
    return index < CPOOL_BUCKET_COUNT ? bucket_bounds_us[index] : UINT64_MAX;
}

static int series_matches(const cpool_series *series, const char *method, const char *route, int32_t status) {
    return series->status == status && strcmp(series->method, method) == 0 && strcmp(series->route, route) == 0;
}

void cpool_series_record(cpool_scoreboard *board, const uint8_t *method, size_t method_length, const uint8_t *route,
                         size_t route_length, int32_t status, uint64_t duration_us) {
    char method_text[8];
    char route_text[CPOOL_ROUTE_CAPACITY];
    copy_truncated(method_text, sizeof method_text, method, method_length);
    copy_truncated(route_text, sizeof route_text, route, route_length);
    // FNV-1a over the key picks where the linear probe starts.
    uint64_t hash = 1469598103934665603ull;
    for (const char *c = method_text; *c; c++) hash = (hash ^ (uint8_t)*c) * 1099511628211ull;
    for (const char *c = route_text; *c; c++) hash = (hash ^ (uint8_t)*c) * 1099511628211ull;
    hash = (hash ^ (uint32_t)status) * 1099511628211ull;
    for (uint32_t probe = 0; probe < CPOOL_SERIES_CAPACITY; probe++) {
        cpool_series *series = &board->series[(hash + probe) % CPOOL_SERIES_CAPACITY];
        uint32_t state = __atomic_load_n(&series->state, __ATOMIC_ACQUIRE);
        if (state == 0) {
            uint32_t expected = 0;
            if (__atomic_compare_exchange_n(&series->state, &expected, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_ACQUIRE)) {
                series->status = status;
                memcpy(series->method, method_text, sizeof method_text);
                memcpy(series->route, route_text, sizeof route_text);
                __atomic_store_n(&series->state, 2, __ATOMIC_RELEASE);
                state = 2;
            } else {
                state = expected;
            }
        }
        // Another worker is filling this series in: its key is only a few stores away.
        while (state == 1) state = __atomic_load_n(&series->state, __ATOMIC_ACQUIRE);
        if (!series_matches(series, method_text, route_text, status)) continue;
        uint32_t bucket = 0;
        while (bucket < CPOOL_BUCKET_COUNT - 1 && duration_us > bucket_bounds_us[bucket]) bucket++;
        __atomic_add_fetch(&series->buckets[bucket], 1, __ATOMIC_RELAXED);
        __atomic_add_fetch(&series->duration_sum_us, duration_us, __ATOMIC_RELAXED);
        __atomic_add_fetch(&series->count, 1, __ATOMIC_RELAXED);
        return;
    }
    __atomic_add_fetch(&board->series_dropped, 1, __ATOMIC_RELAXED);
}

const cpool_series *cpool_series_at(const cpool_scoreboard *board, uint32_t index) {
    if (index >= CPOOL_SERIES_CAPACITY) return NULL;
    const cpool_series *series = &board->series[index];
    return __atomic_load_n(&series->state, __ATOMIC_ACQUIRE) == 2 ? series : NULL;
}

void cpool_slot_begin_request(cpool_slot *slot, const uint8_t *method, size_t method_length, const uint8_t *uri,
                              size_t uri_length, int64_t now_us) {
    // The request text is informational; a reader may see it half-updated, never out of bounds.
    copy_truncated(slot->method, sizeof slot->method, method, method_length);
    copy_truncated(slot->uri, sizeof slot->uri, uri, uri_length);
    __atomic_store_n(&slot->state_since_us, now_us, __ATOMIC_RELAXED);
    __atomic_store_n(&slot->state, CPOOL_SLOT_BUSY, __ATOMIC_RELEASE);
}

void cpool_slot_end_request(cpool_slot *slot, int64_t now_us, int64_t duration_us) {
    __atomic_store_n(&slot->last_duration_us, duration_us, __ATOMIC_RELAXED);
    __atomic_add_fetch(&slot->requests, 1, __ATOMIC_RELAXED);
    __atomic_store_n(&slot->state_since_us, now_us, __ATOMIC_RELAXED);
    __atomic_store_n(&slot->state, CPOOL_SLOT_IDLE, __ATOMIC_RELEASE);
}

void cpool_slot_read_request(const cpool_slot *slot, char *method, char *uri) {
    memcpy(method, slot->method, sizeof slot->method);
    method[sizeof slot->method - 1] = 0;
    memcpy(uri, slot->uri, sizeof slot->uri);
    uri[sizeof slot->uri - 1] = 0;
}

int cpool_shared_memory_create(uint64_t size) {
    int fd = memfd_create("speechai-scoreboard", MFD_CLOEXEC);
    if (fd < 0) return -1;
    if (ftruncate(fd, (off_t)size) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

uint64_t cpool_atomic_add(uint64_t *counter, uint64_t value) {
    return __atomic_add_fetch(counter, value, __ATOMIC_RELAXED);
}
uint64_t cpool_atomic_load(const uint64_t *counter) { return __atomic_load_n(counter, __ATOMIC_RELAXED); }
void cpool_atomic_store(uint64_t *counter, uint64_t value) { __atomic_store_n(counter, value, __ATOMIC_RELAXED); }
void cpool_atomic_max(uint64_t *counter, uint64_t value) {
    uint64_t seen = __atomic_load_n(counter, __ATOMIC_RELAXED);
    while (seen < value &&
           !__atomic_compare_exchange_n(counter, &seen, value, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
    }
}
int32_t cpool_atomic_load32(const int32_t *value) { return __atomic_load_n(value, __ATOMIC_RELAXED); }
void cpool_atomic_store32(int32_t *target, int32_t value) { __atomic_store_n(target, value, __ATOMIC_RELAXED); }
int64_t cpool_atomic_load64(const int64_t *value) { return __atomic_load_n(value, __ATOMIC_RELAXED); }
void cpool_atomic_store64(int64_t *target, int64_t value) { __atomic_store_n(target, value, __ATOMIC_RELAXED); }

static volatile sig_atomic_t drain_requested = 0;
static int drain_pipe[2] = {-1, -1};

static void on_drain_signal(int signal) {
    (void)signal;
    int saved = errno;
    drain_requested = 1;
    if (drain_pipe[1] >= 0) {
        char byte = 1;
        (void)!write(drain_pipe[1], &byte, 1);
    }
    errno = saved;
}

int cpool_install_drain_handler(void) {
    if (pipe2(drain_pipe, O_CLOEXEC | O_NONBLOCK) != 0) return -1;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_drain_signal;
    action.sa_flags = SA_RESTART;
    sigemptyset(&action.sa_mask);
    if (sigaction(SIGTERM, &action, NULL) != 0) return -1;
    if (sigaction(SIGINT, &action, NULL) != 0) return -1;
    if (sigaction(SIGQUIT, &action, NULL) != 0) return -1;
    return 0;
}

int cpool_drain_requested(void) { return drain_requested != 0; }

int cpool_wait_for_connection(int listen_fd, int timeout_ms) {
    static int epoll_fd = -1;
    if (epoll_fd < 0) {
        epoll_fd = epoll_create1(EPOLL_CLOEXEC);
        if (epoll_fd < 0) return -1;
        struct epoll_event listen_event = {.events = EPOLLIN | EPOLLEXCLUSIVE, .data.fd = listen_fd};
        struct epoll_event drain_event = {.events = EPOLLIN, .data.fd = drain_pipe[0]};
        if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, listen_fd, &listen_event) != 0) return -1;
        if (drain_pipe[0] >= 0 && epoll_ctl(epoll_fd, EPOLL_CTL_ADD, drain_pipe[0], &drain_event) != 0) return -1;
    }
    for (;;) {
        if (drain_requested) return 0;
        struct epoll_event events[2];
        int ready = epoll_wait(epoll_fd, events, 2, timeout_ms);
        if (ready < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        if (ready == 0) return 2;
        if (drain_requested) return 0;
        for (int i = 0; i < ready; i++) {
            if (events[i].data.fd == listen_fd) return 1;
        }
    }
}

void cpool_tune_allocator(void) { mallopt(M_MXFAST, 0); }

int cpool_die_with_parent(int signal, int32_t expected_parent) {
    if (prctl(PR_SET_PDEATHSIG, signal) != 0) return -1;
    // The parent may have died between our fork and the prctl call.
    if (expected_parent > 0 && getppid() != expected_parent) return -1;
    return 0;
}

static int unix_listen_queue(int listen_fd, uint32_t *current, uint32_t *maximum) {
    struct stat info;
    if (fstat(listen_fd, &info) != 0) return -1;
    int diag = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    if (diag < 0) return -1;
    struct {
        struct nlmsghdr header;
        struct unix_diag_req request;
    } message;
    memset(&message, 0, sizeof message);
    message.header.nlmsg_len = sizeof message;
    message.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    message.header.nlmsg_flags = NLM_F_REQUEST;
    message.request.sdiag_family = AF_UNIX;
    message.request.udiag_states = -1;
    message.request.udiag_ino = (uint32_t)info.st_ino;
    message.request.udiag_show = UDIAG_SHOW_RQLEN;
    message.request.udiag_cookie[0] = INET_DIAG_NOCOOKIE;
    message.request.udiag_cookie[1] = INET_DIAG_NOCOOKIE;
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    if (sendto(diag, &message, sizeof message, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0) {
        close(diag);
        return -1;
    }
    long buffer[1024];
    ssize_t length = recv(diag, buffer, sizeof buffer, 0);
    close(diag);
    if (length <= 0) return -1;
    struct nlmsghdr *header = (struct nlmsghdr *)buffer;
    if (!NLMSG_OK(header, (size_t)length) || header->nlmsg_type != SOCK_DIAG_BY_FAMILY) return -1;
    struct unix_diag_msg *reply = NLMSG_DATA(header);
    size_t attributes_length = header->nlmsg_len - NLMSG_LENGTH(sizeof *reply);
    struct nlattr *attribute = (struct nlattr *)(reply + 1);
    while (attributes_length >= sizeof *attribute && attribute->nla_len >= sizeof *attribute &&
           attribute->nla_len <= attributes_length) {
        if (attribute->nla_type == UNIX_DIAG_RQLEN) {
            struct unix_diag_rqlen *queue = (struct unix_diag_rqlen *)(attribute + 1);
            *current = queue->udiag_rqueue;
            *maximum = queue->udiag_wqueue;
            return 0;
        }
        size_t step = NLA_ALIGN(attribute->nla_len);
        if (step > attributes_length) break;
        attributes_length -= step;
        attribute = (struct nlattr *)((char *)attribute + step);
    }
    return -1;
}

int cpool_listen_queue(int listen_fd, uint32_t *current, uint32_t *maximum) {
    struct sockaddr_storage address;
    socklen_t address_length = sizeof address;
    if (getsockname(listen_fd, (struct sockaddr *)&address, &address_length) != 0) return -1;
    if (address.ss_family == AF_UNIX) return unix_listen_queue(listen_fd, current, maximum);
    struct tcp_info info;
    socklen_t info_length = sizeof info;
    if (getsockopt(listen_fd, IPPROTO_TCP, TCP_INFO, &info, &info_length) != 0) return -1;
    // For a listening TCP socket the kernel reports the accept queue in these two fields.
    *current = info.tcpi_unacked;
    *maximum = info.tcpi_sacked;
    return 0;
}
