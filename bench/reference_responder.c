/*
 * The C reference for benchmark B1: the smallest reasonable libfcgi responder doing the same
 * work as the Swift pool for the same routes (one prepared statement over one persistent libpq
 * connection, the same JSON body). Started N times by spawn-fcgi behind the same nginx.
 *
 *   cc -O2 -o reference_responder reference_responder.c $(pkg-config --cflags --libs fcgi libpq)
 */
#include <fcgiapp.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static void respond(FCGX_Request *request, int status, const char *body) {
    char head[256];
    int length = snprintf(head, sizeof head,
                          "Status: %d %s\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: %zu\r\n\r\n",
                          status, status == 200 ? "OK" : status == 404 ? "Not Found" : "Service Unavailable",
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
    PGresult *prepared = PQprepare(db, "health", "SELECT 1", 0, NULL);
    PQclear(prepared);
    return db;
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
        if (uri && (strcmp(uri, "/health") == 0 || strcmp(uri, "/api/v1/health") == 0)) {
            health(&request);
        } else {
            respond(&request, 404, "{\"detail\":\"Not found\",\"message\":\"Not found\",\"code\":\"NOT_FOUND\"}");
        }
        FCGX_Finish_r(&request);
    }
    return 0;
}
