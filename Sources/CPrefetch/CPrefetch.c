// The header's inline function is the whole module; SwiftPM needs one source file per C target.
#include "CPrefetch.h"
