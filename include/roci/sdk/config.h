// RociConfig::from_env() and the provider registry, for SDK users.
#pragma once

#include <roci/provider/registry.h>
#include <roci/provider/roci_config.h>
