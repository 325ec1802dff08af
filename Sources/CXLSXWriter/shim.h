// libxlsxwriter, the C library that writes Excel .xlsx files (Debian: libxlsxwriter-dev;
// pkg-config name "xlsxwriter"). Used in constant-memory mode for the batch reports.
#include <xlsxwriter.h>
