// placeholder
#include "httpok/result.hpp"
