// What a model can do, as a provider reports it.
//
//   roci::Capabilities caps = provider.capabilities("llama3.3");
//   if (!caps.vision) { /* do not send images */ }
//
// Static defaults come from the provider's table (LM Studio custom models: the seed's table);
// LmStudioProvider refines them from /api/v0/models once it has listed the models.
#pragma once

#include <roci/export.h>

#include <string>

namespace roci {

struct Capabilities {
  bool tools = false;
  bool streaming = false;
  bool json_mode = false;
  bool json_schema = false;
  bool vision = false;
  bool reasoning = false;
  bool system_messages = false;
  int context_length = 0;
  friend bool operator==(const Capabilities&, const Capabilities&) = default;
};

// The seed table for LM Studio custom models: tools, streaming, JSON mode, system messages yes;
// JSON schema, vision, reasoning no; 32,768 tokens of context.
ROCI_EXPORT Capabilities lmstudio_default_capabilities();

}  // namespace roci
