// libpq, PostgreSQL's C client library (Debian: libpq-dev; pkg-config name "libpq").
#include <libpq-fe.h>
