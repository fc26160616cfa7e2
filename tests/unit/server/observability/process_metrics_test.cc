// The process_* metrics' /proc parsing, the build info's version split, and the families a scrape
// of the running test process gets.
#include "server/observability/process_metrics.h"

#include <gtest/gtest.h>

namespace roci::server {
namespace {

TEST(ProcessMetrics, ParsesProcSelfStatPastACommandWithSpacesAndParentheses) {
  // Fields 14/15 utime/stime = 250/150 ticks, 22 starttime = 1000 ticks, 23 vsize, 24 rss pages.
  const std::string stat =
      "4242 (inference (srv)) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 150 0 0 20 0 5 0 1000 "
      "104857600 2048 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";
  auto s = parse_proc_stat(stat, 100, 4096, 1'700'000'000.0);
  ASSERT_TRUE(s);
  EXPECT_DOUBLE_EQ(s->cpu_seconds, 4.0);
  EXPECT_EQ(s->virtual_bytes, 104857600u);
  EXPECT_EQ(s->resident_bytes, 2048u * 4096u);
  EXPECT_DOUBLE_EQ(s->start_time_seconds, 1'700'000'010.0);
  EXPECT_FALSE(parse_proc_stat("garbage", 100, 4096, 0));
  EXPECT_FALSE(parse_proc_stat("1 (x) S 1 2 3", 100, 4096, 0));
}

TEST(ProcessMetrics, VersionStringSplitsIntoVersionAndRevision) {
  auto a = parse_version_string("0.1.0 (git 4c34dfe1a2b3-dirty)");
  EXPECT_EQ(a.version, "0.1.0");
  EXPECT_EQ(a.revision, "4c34dfe1a2b3-dirty");
  auto b = parse_version_string("0.1.0");
  EXPECT_EQ(b.version, "0.1.0");
  EXPECT_EQ(b.revision, "");
}

TEST(ProcessMetrics, ScrapeOfThisProcessHasTheStandardFamilies) {
  std::string out;
  append_process_metrics(out);
  for (const char* family :
       {"process_cpu_seconds_total ", "process_resident_memory_bytes ", "process_open_fds ",
        "process_start_time_seconds ", "roci_build_info{version=\""}) {
    EXPECT_NE(out.find(std::string("\n") + family), std::string::npos) << family << "\n" << out;
  }
  EXPECT_NE(out.find("# TYPE process_cpu_seconds_total counter"), std::string::npos);
  EXPECT_NE(out.find("\"} 1\n"), std::string::npos);
}

}  // namespace
}  // namespace roci::server
