// Everything an SDK user needs: #include <roci/roci.h> and link roci::roci.
#pragma once

#include <roci/core/capabilities.h>
#include <roci/core/error.h>
#include <roci/core/json_schema.h>
#include <roci/core/model_selector.h>
#include <roci/core/types.h>
#include <roci/fleet/fleet.h>
#include <roci/fleet/fleet_provider.h>
#include <roci/provider/llamacpp_provider.h>
#include <roci/provider/lmstudio_provider.h>
#include <roci/provider/mock_provider.h>
#include <roci/provider/openai_provider.h>
#include <roci/provider/provider.h>
#include <roci/provider/registry.h>
#include <roci/sdk/config.h>
#include <roci/sdk/conversation.h>
#include <roci/sdk/generate.h>
#include <roci/sdk/object.h>
#include <roci/sdk/stream.h>
#include <roci/sdk/sync.h>
#include <roci/sdk/tool.h>
