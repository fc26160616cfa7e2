// The web console's files (src/server/admin/ui/), embedded at build time and served at /ui.
//
//   auto answer = serve_ui_asset(embedded_ui_files(), "/ui/app.js", req["If-None-Match"]);
//   if (answer) co_await ctx.writer.send(answer->status, answer->content_type,
//                                        std::string(answer->body), std::move(answer->headers));
//
// cmake/EmbedUiAssets.cmake writes every file of the ui directory into a generated .cc
// (kEmbeddedUiFiles) with its SHA-256, so one binary serves them with no files on disk. Every
// answer carries a strong ETag (the content hash), `Cache-Control: no-cache` (the browser keeps
// the file and revalidates: a matching If-None-Match gets 304 with no body), and a strict
// Content-Security-Policy: only this origin's scripts, styles, images and connections, no inline
// script, no framing. Pure.
#pragma once

#include "server/http/request_context.h"

#include <optional>
#include <span>
#include <string_view>

namespace roci::server::admin {

struct EmbeddedFile {
  std::string_view name;    // "index.html" (no directories)
  std::string_view bytes;   // the file's content
  std::string_view sha256;  // lower-case hex of the content
};

// The files compiled into this binary (the generated ui_assets_data.cc).
std::span<const EmbeddedFile> embedded_ui_files();

// By extension: html, js/mjs, css, svg, png, ico, json, txt; else application/octet-stream.
std::string_view content_type_for(std::string_view name);

inline constexpr std::string_view kConsoleCsp =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'";

struct AssetAnswer {
  int status = 200;               // 200, or 304 when If-None-Match matched
  std::string_view content_type;  // empty for 304
  std::string_view body;          // views the embedded file; empty for 304
  Headers headers;                // ETag, Cache-Control, CSP, nosniff, Referrer-Policy
};

// `path` is the request path: "/ui" and "/ui/" give index.html, "/ui/<name>" the file <name>.
// nullopt: no such file (404).
std::optional<AssetAnswer> serve_ui_asset(std::span<const EmbeddedFile> files,
                                          std::string_view path, std::string_view if_none_match);

// True when the If-None-Match field value lists `etag` (weak comparison, as RFC 9110 13.1.2
// asks for If-None-Match) or is "*".
bool etag_matches(std::string_view if_none_match, std::string_view etag);

}  // namespace roci::server::admin
