#include <roci/core/capabilities.h>

namespace roci {

Capabilities lmstudio_default_capabilities() {
  return Capabilities{.tools = true,
                      .streaming = true,
                      .json_mode = true,
                      .json_schema = false,
                      .vision = false,
                      .reasoning = false,
                      .system_messages = true,
                      .context_length = 32768};
}

}  // namespace roci
