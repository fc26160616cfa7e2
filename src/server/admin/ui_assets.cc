#include "server/admin/ui_assets.h"

#include <string>

namespace roci::server::admin {
namespace {

std::string_view extension(std::string_view name) {
  const auto dot = name.rfind('.');
  return dot == std::string_view::npos ? std::string_view() : name.substr(dot + 1);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string_view content_type_for(std::string_view name) {
  const std::string_view ext = extension(name);
  if (ext == "html") return "text/html; charset=utf-8";
  if (ext == "js" || ext == "mjs") return "text/javascript; charset=utf-8";
  if (ext == "css") return "text/css; charset=utf-8";
  if (ext == "svg") return "image/svg+xml";
  if (ext == "png") return "image/png";
  if (ext == "ico") return "image/x-icon";
  if (ext == "json") return "application/json";
  if (ext == "txt") return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

bool etag_matches(std::string_view if_none_match, std::string_view etag) {
  const auto opaque = [](std::string_view tag) {
    tag = trim(tag);
    if (tag.starts_with("W/")) tag.remove_prefix(2);
    return tag;
  };
  while (!if_none_match.empty()) {
    const auto comma = if_none_match.find(',');
    const std::string_view item = if_none_match.substr(0, comma);
    if (trim(item) == "*" || (!trim(item).empty() && opaque(item) == opaque(etag))) return true;
    if (comma == std::string_view::npos) break;
    if_none_match.remove_prefix(comma + 1);
  }
  return false;
}

std::optional<AssetAnswer> serve_ui_asset(std::span<const EmbeddedFile> files,
                                          std::string_view path, std::string_view if_none_match) {
  path = path.substr(0, path.find('?'));
  std::string_view name;
  if (path == "/ui" || path == "/ui/") {
    name = "index.html";
  } else if (path.starts_with("/ui/")) {
    name = path.substr(4);
  } else {
    return std::nullopt;
  }
  for (const EmbeddedFile& file : files) {
    if (file.name != name) continue;
    AssetAnswer answer;
    const std::string etag = std::string("\"").append(file.sha256.substr(0, 32)).append("\"");
    answer.headers.emplace_back("ETag", etag);
    answer.headers.emplace_back("Cache-Control", "no-cache");
    answer.headers.emplace_back("Content-Security-Policy", std::string(kConsoleCsp));
    answer.headers.emplace_back("X-Content-Type-Options", "nosniff");
    answer.headers.emplace_back("Referrer-Policy", "no-referrer");
    if (!if_none_match.empty() && etag_matches(if_none_match, etag)) {
      answer.status = 304;
      return answer;
    }
    answer.content_type = content_type_for(file.name);
    answer.body = file.bytes;
    return answer;
  }
  return std::nullopt;
}

}  // namespace roci::server::admin
