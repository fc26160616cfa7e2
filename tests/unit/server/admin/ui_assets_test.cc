#include "server/admin/ui_assets.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace roci::server::admin {
namespace {

constexpr EmbeddedFile kFiles[] = {
    {"index.html", "<!doctype html>",
     "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"},
    {"app.js", "export {};", "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"},
};

std::string header(const AssetAnswer& a, std::string_view name) {
  for (const auto& [k, v] : a.headers) {
    if (k == name) return v;
  }
  return "(none)";
}

TEST(UiAssets, ServesIndexAtTheRootAndFilesByName) {
  for (const char* path : {"/ui", "/ui/", "/ui/?x=1"}) {
    auto a = serve_ui_asset(kFiles, path, "");
    ASSERT_TRUE(a) << path;
    EXPECT_EQ(a->status, 200);
    EXPECT_EQ(a->body, "<!doctype html>");
    EXPECT_EQ(a->content_type, "text/html; charset=utf-8");
  }
  auto js = serve_ui_asset(kFiles, "/ui/app.js", "");
  ASSERT_TRUE(js);
  EXPECT_EQ(js->content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(js->body, "export {};");
}

TEST(UiAssets, UnknownFilesAndTraversalAreNotFound) {
  for (const char* path :
       {"/ui/nope.js", "/ui/../etc/passwd", "/ui/app.js/", "/uix", "/index.html", "/ui//app.js"}) {
    EXPECT_FALSE(serve_ui_asset(kFiles, path, "")) << path;
  }
}

TEST(UiAssets, EveryAnswerCarriesAStrongEtagCacheControlAndTheCsp) {
  auto a = serve_ui_asset(kFiles, "/ui/app.js", "");
  ASSERT_TRUE(a);
  EXPECT_EQ(header(*a, "ETag"), "\"ffeeddccbbaa99887766554433221100\"");
  EXPECT_EQ(header(*a, "Cache-Control"), "no-cache");
  EXPECT_EQ(header(*a, "X-Content-Type-Options"), "nosniff");
  const std::string csp = header(*a, "Content-Security-Policy");
  EXPECT_NE(csp.find("default-src 'self'"), std::string::npos);
  EXPECT_NE(csp.find("script-src 'self'"), std::string::npos);
  EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos);
  EXPECT_EQ(csp.find("unsafe-eval"), std::string::npos);
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos);
}

TEST(UiAssets, IfNoneMatchWithTheEtagGives304WithoutABody) {
  const std::string etag = "\"ffeeddccbbaa99887766554433221100\"";
  for (const std::string& inm : {etag, "W/" + etag, "\"other\", " + etag, std::string("*")}) {
    auto a = serve_ui_asset(kFiles, "/ui/app.js", inm);
    ASSERT_TRUE(a);
    EXPECT_EQ(a->status, 304) << inm;
    EXPECT_TRUE(a->body.empty());
    EXPECT_EQ(header(*a, "ETag"), etag);
  }
  auto changed = serve_ui_asset(kFiles, "/ui/app.js", "\"00112233445566778899aabbccddeeff\"");
  ASSERT_TRUE(changed);
  EXPECT_EQ(changed->status, 200);
}

TEST(UiAssets, ContentTypesByExtension) {
  EXPECT_EQ(content_type_for("console.css"), "text/css; charset=utf-8");
  EXPECT_EQ(content_type_for("favicon.svg"), "image/svg+xml");
  EXPECT_EQ(content_type_for("shot.png"), "image/png");
  EXPECT_EQ(content_type_for("mod.mjs"), "text/javascript; charset=utf-8");
  EXPECT_EQ(content_type_for("README"), "application/octet-stream");
}

TEST(UiAssets, TheEmbeddedConsoleHasItsFilesWithTheirHashes) {
  const auto files = embedded_ui_files();
  for (const char* name : {"index.html", "app.js", "console.css", "favicon.svg"}) {
    auto it = std::find_if(files.begin(), files.end(),
                           [&](const EmbeddedFile& f) { return f.name == name; });
    ASSERT_NE(it, files.end()) << name;
    EXPECT_FALSE(it->bytes.empty());
    EXPECT_EQ(it->sha256.size(), 64u);
  }
  // The page loads no script inline and nothing from another host.
  auto index = serve_ui_asset(files, "/ui/", "");
  ASSERT_TRUE(index);
  const std::string html(index->body);
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find(" style="), std::string::npos);
}

}  // namespace
}  // namespace roci::server::admin
