// The metrics of a multi-target httpok under a real supervisord, as a fleet reads them:
// written into a node_exporter textfile directory, checked by promtool, and scraped from
// a real node_exporter. One target is healthy, one is https with a private CA, and one
// fails until httpok gives up on its program (--max-restarts).
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "child.hpp"
#include "support/supervisord.hpp"
#include "support/test_support.hpp"
#include "tls_test_support.hpp"

namespace httpok::test {
namespace {

using namespace std::chrono_literals;

constexpr const char* kNodeExporter = "/usr/bin/prometheus-node-exporter";
constexpr const char* kPromtool = "/usr/bin/promtool";

TEST(Metrics, ATextfileDirectoryFedUnderSupervisordHoldsValidMetricsForEveryTarget) {
  if (!Supervisord::available())
    GTEST_SKIP() << "supervisord is not installed";
  Supervisord sv;
  const auto dir = sv.dir();
  tls::testing::TestPki pki;
  tls::testing::CertSpec spec;
  spec.ip_addresses = {"127.0.0.1"};
  const tls::testing::CertFiles cert = pki.issue("secure", spec);
  const int site_port = free_tcp_port();
  const int secure_port = free_tcp_port();
  const std::filesystem::path textfiles = dir / "textfile";
  std::filesystem::create_directory(textfiles);
  const std::filesystem::path prom = textfiles / "httpok.prom";
  const std::string base = "http://127.0.0.1:" + std::to_string(site_port);
  const std::string secure_url = "https://127.0.0.1:" + std::to_string(secure_port) + "/";
  write_file(dir / "httpok.conf", "[httpok]\ntimeout = 5\nmetrics_file = " + prom.string() +
                                      "\n\n"
                                      "[target:site]\nurl = " +
                                      base +
                                      "/\nprograms = site\n\n[target:secure]\nurl = " + secure_url +
                                      "\nprograms = secure\ncafile = " + pki.ca_file() +
                                      "\n\n"
                                      "[target:broken]\nurl = " +
                                      base + "/status/500\nprograms = worker\nmax_restarts = 1\n");
  const std::string webapp = "python3 " + (support_dir() / "webapp.py").string() + " ";
  const std::string program = "\nstartsecs=1\nstopwaitsecs=2\nautorestart=false\n\n";
  sv.start("[program:site]\ncommand=" + webapp + std::to_string(site_port) + program +
           "[program:secure]\ncommand=" + webapp + std::to_string(secure_port) + " " +
           (dir / "no-hang").string() + " " + cert.cert + " " + cert.key + program +
           "[program:worker]\ncommand=sleep 1000" + program + "[eventlistener:httpok]\ncommand=" +
           httpok_binary() + " --config " + (dir / "httpok.conf").string() +
           "\nevents=TICK_5\nstartsecs=0\nautostart=false\nstderr_logfile=" +
           (dir / "httpok.err").string() + "\n");
  for (const char* name : {"site", "secure", "worker"})
    ASSERT_TRUE(sv.wait_for_state(name, "RUNNING", 20s)) << name << "\n" << sv.log();
  ASSERT_TRUE(wait_until([&] { return tcp_accepts(site_port) && tcp_accepts(secure_port); }, 20s));
  const std::string started = sv.ctl({"start", "httpok"});
  ASSERT_TRUE(sv.wait_for_state("httpok", "RUNNING", 20s)) << started << sv.log();

  // The first failure restarts worker, the second gives up on it; the file says so after
  // that round (at most 5 s after the write before).
  auto err = [&] { return read_file_or_empty(dir / "httpok.err"); };
  ASSERT_TRUE(
      wait_until([&] { return err().find("giving up on worker") != std::string::npos; }, 40s))
      << err() << sv.log();
  ASSERT_TRUE(wait_until(
      [&] {
        return read_file_or_empty(prom).find("httpok_gave_up{program=\"worker\"} 1\n") !=
               std::string::npos;
      },
      20s))
      << read_file_or_empty(prom) << err();
  sv.ctl({"stop", "httpok"});  // the file stays as the last write left it
  const std::string text = read_file_or_empty(prom);
  const auto labels = [](const std::string& target, const std::string& url) {
    return "{target=\"" + target + "\",url=\"" + url + "\"}";
  };
  EXPECT_NE(text.find("httpok_probe_success" + labels("site", base + "/") + " 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("httpok_probe_success" + labels("secure", secure_url) + " 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("httpok_probe_success" + labels("broken", base + "/status/500") + " 0\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("httpok_tls_cert_not_after_timestamp_seconds" + labels("secure", secure_url)),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("httpok_probe_duration_seconds{target=\"secure\",url=\"" + secure_url +
                      "\",phase=\"tls\"} "),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("httpok_restarts_total{program=\"worker\"} 1\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("program=\"site\""), std::string::npos) << text;  // never restarted

  if (std::filesystem::exists(kPromtool)) {
    const auto checked =
        run_command({"sh", "-c", std::string(kPromtool) + " check metrics < " + prom.string()});
    EXPECT_EQ(checked.exit_status, 0) << checked.output << text;
  } else {
    std::cout << "promtool is not installed: the format check is skipped\n";
  }
  if (!std::filesystem::exists(kNodeExporter)) {
    std::cout << "prometheus-node-exporter is not installed: the scrape is skipped\n";
    return;
  }
  // node_exporter reads the directory as a fleet's hosts do, and serves what it parsed.
  const int port = free_tcp_port();
  Child exporter({kNodeExporter, "--collector.disable-defaults", "--collector.textfile",
                  "--collector.textfile.directory=" + textfiles.string(),
                  "--web.listen-address=127.0.0.1:" + std::to_string(port)},
                 {});
  ASSERT_TRUE(wait_until([&] { return tcp_accepts(port); }, 20s)) << exporter.err();
  const std::string scraped = exchange_tcp(port, "GET /metrics HTTP/1.0\r\n\r\n");
  EXPECT_NE(scraped.find("HTTP/1.0 200 OK\r\n"), std::string::npos) << scraped;
  EXPECT_NE(scraped.find("\nnode_textfile_scrape_error 0\n"), std::string::npos) << scraped;
  EXPECT_NE(
      scraped.find("\nhttpok_probe_success" + labels("broken", base + "/status/500") + " 0\n"),
      std::string::npos)
      << scraped;
  EXPECT_NE(scraped.find("\nhttpok_gave_up{program=\"worker\"} 1\n"), std::string::npos) << scraped;
  EXPECT_NE(scraped.find("\nhttpok_build_info{version=\""), std::string::npos) << scraped;
}

}  // namespace
}  // namespace httpok::test
