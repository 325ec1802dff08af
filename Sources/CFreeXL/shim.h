// FreeXL, a reader of the legacy Excel .xls (BIFF) format (Debian: libfreexl-dev; pkg-config name "freexl").
#include <freexl.h>
