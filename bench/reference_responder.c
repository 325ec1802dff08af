/*
 * The C reference for benchmark B1: the smallest reasonable libfcgi responder doing the same
 * work as the Swift pool for the same routes, over one persistent libpq connection with the same
 * prepared statements: `/health` (SELECT 1) and `GET /api/v1/accounts/{id}` (the API-key lookup by
 * SHA-256, then the account row, rendered as JSON). Started N times by spawn-fcgi behind the same nginx.
 *
 *   cc -O2 -o reference_responder reference_responder.c $(pkg-config --cflags --libs fcgi libpq libcrypto)
 */
#include <fcgiapp.h>
#include <libpq-fe.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static void respond(FCGX_Request *request, int status, const char *body) {
    char head[256];
    int length = snprintf(head, sizeof head,
                          "Status: %d %s\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: %zu\r\n\r\n",
                          status,
                          status == 200   ? "OK"
                          : status == 401 ? "Unauthorized"
                          : status == 404 ? "Not Found"
                                          : "Service Unavailable",
                          strlen(body));
    FCGX_PutStr(head, length, request->out);
    FCGX_PutStr(body, (int)strlen(body), request->out);
}

static void timestamp(char *buffer, size_t size) {
    struct timeval now;
    gettimeofday(&now, NULL);
    struct tm parts;
    gmtime_r(&now.tv_sec, &parts);
    size_t used = strftime(buffer, size, "%Y-%m-%dT%H:%M:%S", &parts);
    snprintf(buffer + used, size - used, ".%06ldZ", (long)now.tv_usec);
}

static PGconn *connection(void) {
    static PGconn *db = NULL;
    if (db && PQstatus(db) == CONNECTION_OK) return db;
    if (db) PQfinish(db);
    db = PQconnectdb(getenv("DATABASE_URL"));
    if (PQstatus(db) != CONNECTION_OK) return NULL;
    PQclear(PQprepare(db, "health", "SELECT 1", 0, NULL));
    PQclear(PQprepare(db, "key",
                      "SELECT k.is_admin, k.account_id, a.account_id AS account_name "
                      "FROM api_keys k LEFT JOIN accounts a ON a.id = k.account_id "
                      "WHERE k.key_hash = $1 AND k.revoked_at IS NULL",
                      1, NULL));
    PQclear(PQprepare(db, "account",
                      "SELECT id, account_id, object_id, account_name, contact_name, contact_email, contact_phone, "
                      "plan_type, status, suspension_reason, country, timezone, cost_per_minute, cost_per_call_setup, "
                      "cost_failed_call, max_concurrent_calls, daily_call_limit, features::text AS features, "
                      "settings::text AS settings, credit_balance, credit_reserved, credit_used, minutes_purchased, "
                      "minutes_used, minutes_reserved, last_topup_at, created_at, updated_at "
                      "FROM accounts WHERE account_id = $1 OR object_id = $1",
                      1, NULL));
    return db;
}

/* Appends `text` as a JSON string. */
static size_t append_string(char *out, size_t used, size_t size, const char *text) {
    if (used < size) out[used++] = '"';
    for (; *text && used + 7 < size; text++) {
        unsigned char c = (unsigned char)*text;
        if (c == '"' || c == '\\') { out[used++] = '\\'; out[used++] = (char)c; }
        else if (c < 0x20) used += (size_t)snprintf(out + used, size - used, "\\u%04x", c);
        else out[used++] = (char)c;
    }
    if (used < size) out[used++] = '"';
    return used;
}

/* The account row as a JSON object: numbers and booleans bare, JSON columns embedded, the rest strings. */
static void account_json(PGresult *row, char *out, size_t size) {
    size_t used = 0;
    out[used++] = '{';
    for (int column = 1; column < PQnfields(row); column++) {
        const char *name = PQfname(row, column);
        if (column > 1) out[used++] = ',';
        used = append_string(out, used, size, name);
        out[used++] = ':';
        if (PQgetisnull(row, 0, column)) {
            used += (size_t)snprintf(out + used, size - used, "null");
            continue;
        }
        const char *value = PQgetvalue(row, 0, column);
        Oid type = PQftype(row, column);
        if (type == 1700 || type == 20 || type == 23 || strcmp(name, "features") == 0 || strcmp(name, "settings") == 0)
            used += (size_t)snprintf(out + used, size - used, "%s", value);
        else
            used = append_string(out, used, size, value);
    }
    if (used + 2 < size) { out[used++] = '}'; out[used] = 0; } else out[size - 1] = 0;
}

static void account(FCGX_Request *request, const char *reference) {
    const char *authorization = FCGX_GetParam("HTTP_AUTHORIZATION", request->envp);
    if (!authorization || strncmp(authorization, "Bearer ", 7) != 0) {
        respond(request, 401, "{\"detail\":\"Unauthorized\",\"message\":\"Unauthorized\",\"code\":\"UNAUTHORIZED\"}");
        return;
    }
    const char *key = authorization + 7;
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)key, strlen(key), digest);
    char hex[2 * SHA256_DIGEST_LENGTH + 1];
    for (int i = 0; i < SHA256_DIGEST_LENGTH; i++) snprintf(hex + 2 * i, 3, "%02x", digest[i]);
    PGconn *db = connection();
    if (!db) {
        respond(request, 503, "{\"detail\":\"Database unavailable\",\"code\":\"DATABASE_UNAVAILABLE\"}");
        return;
    }
    const char *key_parameters[1] = {hex};
    PGresult *principal = PQexecPrepared(db, "key", 1, key_parameters, NULL, NULL, 0);
    int admin = PQresultStatus(principal) == PGRES_TUPLES_OK && PQntuples(principal) == 1 &&
                strcmp(PQgetvalue(principal, 0, 0), "t") == 0;
    PQclear(principal);
    if (!admin) {
        respond(request, 401, "{\"detail\":\"Unauthorized\",\"message\":\"Unauthorized\",\"code\":\"UNAUTHORIZED\"}");
        return;
    }
    const char *account_parameters[1] = {reference};
    PGresult *row = PQexecPrepared(db, "account", 1, account_parameters, NULL, NULL, 0);
    if (PQresultStatus(row) != PGRES_TUPLES_OK || PQntuples(row) != 1) {
        PQclear(row);
        respond(request, 404, "{\"detail\":\"Account not found\",\"message\":\"Account not found\",\"code\":\"NOT_FOUND\"}");
        return;
    }
    char body[8192];
    account_json(row, body, sizeof body);
    PQclear(row);
    respond(request, 200, body);
}

static void health(FCGX_Request *request) {
    char now[64], body[256];
    timestamp(now, sizeof now);
    PGconn *db = connection();
    PGresult *result = db ? PQexecPrepared(db, "health", 0, NULL, NULL, NULL, 0) : NULL;
    int ok = result && PQresultStatus(result) == PGRES_TUPLES_OK;
    PQclear(result);
    snprintf(body, sizeof body, "{\"status\":\"%s\",\"timestamp\":\"%s\",\"database\":\"%s\"}",
             ok ? "healthy" : "unhealthy", now, ok ? "connected" : "disconnected");
    respond(request, ok ? 200 : 503, body);
}

int main(void) {
    FCGX_Request request;
    FCGX_Init();
    FCGX_InitRequest(&request, 0, 0);
    while (FCGX_Accept_r(&request) >= 0) {
        const char *uri = FCGX_GetParam("DOCUMENT_URI", request.envp);
        static const char accounts[] = "/api/v1/accounts/";
        if (uri && (strcmp(uri, "/health") == 0 || strcmp(uri, "/api/v1/health") == 0)) {
            health(&request);
        } else if (uri && strncmp(uri, accounts, sizeof accounts - 1) == 0 && !strchr(uri + sizeof accounts - 1, '/')) {
            account(&request, uri + sizeof accounts - 1);
        } else {
            respond(&request, 404, "{\"detail\":\"Not found\",\"message\":\"Not found\",\"code\":\"NOT_FOUND\"}");
        }
        FCGX_Finish_r(&request);
    }
    return 0;
}
