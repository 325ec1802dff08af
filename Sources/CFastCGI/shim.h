// libfcgi's application interface (Debian: libfcgi-dev >= 2.4.2-2+deb12u1, which carries the
// CVE-2025-23016 fix). Only fcgiapp.h is used: fcgi_stdio.h redefines stdio and is not Swift-friendly.
#include <fcgiapp.h>
