// OpenBLAS's CBLAS interface; pkg-config supplies the include path.
#include <cblas.h>
